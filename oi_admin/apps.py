from django.apps import AppConfig


class OiAdminConfig(AppConfig):
    name = "oi_admin"
    verbose_name = "OI console"
