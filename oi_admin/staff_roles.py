"""OI staff roles as Django groups. The groups' permissions are defined here, once: the data
migration creates them and a post_migrate hook re-applies the definition, so permissions of
models added by later migrations join the right groups.

- super_admin: every permission (the superuser tools included: groups, permissions, staff).
- admin: manages customers: add/change/view on every tenant-data model, delete on content,
  reports and exports; never auth groups/permissions, never deleting an organization
  (suspend or cancel it instead).
- analyst: view-only: every view_* permission on tenant data, the reports and CSV export.
"""

from __future__ import annotations

from typing import Any

SUPER_ADMIN = "super_admin"
ADMIN = "admin"
ANALYST = "analyst"
STAFF_GROUPS = (SUPER_ADMIN, ADMIN, ANALYST)

TENANT_DATA_APPS = ("tenants", "qrcodes", "campaigns", "uploads", "analytics")
# The console's own tables (daily scan cells): shown read-only to admins and analysts.
CONSOLE_APPS = (*TENANT_DATA_APPS, "oi_admin")
CONSOLE_PERMISSIONS = ("view_reports", "export_data")
ADMIN_FORBIDDEN = ("delete_organization",)


def _codes(permission_qs: Any) -> set[tuple[str, str]]:
    return set(permission_qs.values_list("content_type__app_label", "codename"))


def group_permission_keys(group_name: str, permission_model: Any) -> set[tuple[str, str]]:
    """(app_label, codename) of every permission `group_name` holds."""
    every = permission_model.objects.all()
    if group_name == SUPER_ADMIN:
        return _codes(every)
    console = {("oi_admin", code) for code in CONSOLE_PERMISSIONS}
    data = every.filter(content_type__app_label__in=CONSOLE_APPS)
    if group_name == ADMIN:
        keys = {k for k in _codes(data) if k[1] not in ADMIN_FORBIDDEN}
        return keys | console | {("admin", "view_logentry")}
    if group_name == ANALYST:
        return _codes(data.filter(codename__startswith="view_")) | console
    raise ValueError(f"unknown staff group {group_name!r}")


def staff_groups_sync(*, group_model: Any, permission_model: Any) -> None:
    """Create the three staff groups and set their permissions to the definition above.
    Takes the model classes so a migration can pass its historical models."""
    by_key = {
        (app, code): pk
        for pk, app, code in permission_model.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for name in STAFF_GROUPS:
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = [by_key[k] for k in group_permission_keys(name, permission_model) if k in by_key]
        group.permissions.set(wanted)


def staff_groups_sync_on_migrate(sender: Any, **kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    staff_groups_sync(group_model=Group, permission_model=Permission)


def can_view_reports(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("oi_admin.view_reports"))


def can_export(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("oi_admin.export_data"))


def is_super_admin(user: Any) -> bool:
    """A superuser or a staff member of the super_admin group: the only staff who see the
    console's System section (internal tables). Cached on the user object for the request."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_oi_super_admin", None)
    if cached is None:
        cached = user.groups.filter(name=SUPER_ADMIN).exists()
        user._oi_super_admin = cached
    return cached


# The models staff work with day to day (customers and what they own). Every other registered
# model -- rollup cells, token blacklists, lockouts, groups, whatever a later app or package
# registers -- is internal: it goes to the System section, which only super_admin sees. An
# allow-list, so a new internal table is hidden until someone decides otherwise.
CUSTOMER_MODELS = frozenset({
    "tenants.organization", "tenants.user", "tenants.activitylog", "tenants.planchangerequest",
    "qrcodes.qrcode", "qrcodes.scanevent", "campaigns.campaign", "uploads.uploadedfile",
})


def is_system_model(model: Any) -> bool:
    return model._meta.label_lower not in CUSTOMER_MODELS
