from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Customers"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tenants.signals import login_recorded

        user_logged_in.connect(login_recorded, dispatch_uid="tenants_login_recorded")
