from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OiAdminConfig(AppConfig):
    name = "oi_admin"
    verbose_name = "OI console"
    default = True

    def ready(self) -> None:
        from oi_admin.cells import scan_cells_forget_days
        from oi_admin.staff_roles import staff_groups_sync_on_migrate
        from qrcodes import hooks

        # Deleted scans make the console's daily cells of their days stale (qrcodes.hooks).
        if scan_cells_forget_days not in hooks.scan_days_forgotten:
            hooks.scan_days_forgotten.append(scan_cells_forget_days)

        # oi_admin is the last installed app: every app's permissions exist by its post_migrate.
        post_migrate.connect(staff_groups_sync_on_migrate, sender=self, dispatch_uid="oi_admin_staff_groups")
