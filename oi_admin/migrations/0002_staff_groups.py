"""Create the OI staff groups super_admin / admin / analyst with their permissions.

Permissions are normally created after all migrations (post_migrate); create them now for
every app present in the historical state, so the groups get them on a fresh database. The
definition lives in oi_admin.staff_roles and is re-applied after every migrate."""

from django.db import migrations


def create_staff_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from oi_admin.staff_roles import staff_groups_sync

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    staff_groups_sync(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


def delete_staff_groups(apps, schema_editor):
    from oi_admin.staff_roles import STAFF_GROUPS

    apps.get_model("auth", "Group").objects.filter(name__in=STAFF_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oi_admin", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenants", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_staff_groups, delete_staff_groups)]
