from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and bulk data (manage.py seed_demo): the top app layer, so production packages
    carry no seeding code. It imports every app; none imports it."""

    name = "demo"
    verbose_name = "Demo data"
