from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "QR studio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qrcodes import hooks
        from studio.services import qr_design_default_apply

        hooks.qr_code_created.append(qr_design_default_apply)
