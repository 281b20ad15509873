"""The console's doors and roles: tenant users never enter, analysts only read and export,
admins manage customers but not staff, every model is listed without N+1 queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oi_admin.staff_roles import STAFF_GROUPS
from oi_admin.tests.conftest import client_for, make_qrs, make_scan
from tenants.models import Organization, User
from tenants.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CUSTOMER_CHANGELISTS = [
    "tenants/organization", "tenants/user", "tenants/activitylog", "qrcodes/qrcode", "qrcodes/scanevent",
    "campaigns/campaign", "uploads/uploadedfile",
]
# Internal: the System section, super_admin only (test_console_home.py).
SYSTEM_CHANGELISTS = ["analytics/orgscanrollup", "analytics/qrscanrollup", "oi_admin/scancell", "oi_admin/scancellday"]
CHANGELISTS = CUSTOMER_CHANGELISTS + SYSTEM_CHANGELISTS


def test_staff_groups_exist_with_their_permissions(db):
    assert set(Group.objects.filter(name__in=STAFF_GROUPS).values_list("name", flat=True)) == set(STAFF_GROUPS)
    analyst = set(Group.objects.get(name="analyst").permissions.values_list("codename", flat=True))
    assert {"view_organization", "view_scanevent", "view_reports", "export_data"} <= analyst
    assert not [c for c in analyst if c.split("_")[0] in ("add", "change", "delete")]
    admin = set(Group.objects.get(name="admin").permissions.values_list("content_type__app_label", "codename"))
    assert ("tenants", "change_organization") in admin and ("tenants", "change_user") in admin
    assert ("tenants", "delete_organization") not in admin
    assert not [p for p in admin if p[0] == "auth"]  # no group / permission management


@pytest.mark.parametrize("url", ["/admin/", "/admin/tenants/organization/", "/admin/reports/",
                                 "/admin/reports/revenue/"])
def test_tenant_users_never_enter_the_console(admin_a, url):
    response = client_for(admin_a).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_tenant_user_cannot_log_in_to_the_console(admin_a):
    response = Client().post("/admin/login/?next=/admin/", {"username": admin_a.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "staff account" in response.content.decode()


@pytest.mark.parametrize("path", CHANGELISTS)
def test_every_model_is_listed_for_staff(superuser, world, path):
    response = client_for(superuser).get(f"/admin/{path}/")
    assert response.status_code == 200


def test_changelists_do_not_grow_queries_with_rows(superuser, world):
    client = client_for(superuser)
    qr = make_qrs(world.acme, 1)[0]
    import datetime as dt

    from django.utils import timezone

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        make_scan(world.acme, qr, timezone.now() - dt.timedelta(hours=1), scanner="x")
    few = {p: queries(f"/admin/{p}/") for p in CHANGELISTS}
    for i in range(20):
        make_scan(world.acme, qr, timezone.now() - dt.timedelta(hours=1), scanner=f"y{i}")
    assert {p: queries(f"/admin/{p}/") for p in CHANGELISTS} == few


def test_scan_changelist_does_not_count_the_whole_table(superuser, world):
    with CaptureQueriesContext(connection) as ctx:
        client_for(superuser).get("/admin/qrcodes/scanevent/")
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert any("reltuples" in s for s in sqls) or any("LIMIT 10000" in s for s in sqls)
    assert not [s for s in sqls if s.startswith('SELECT COUNT(*) AS "__count" FROM "qr_scan_events"')]


def test_organization_page_links_to_its_related_rows(superuser, world):
    page = client_for(superuser).get(f"/admin/tenants/organization/{world.acme.pk}/change/").content.decode()
    for model in ("user", "qrcode", "campaign", "uploadedfile", "scanevent", "activitylog"):
        assert f"/{model}/?organization__id__exact={world.acme.pk}" in page
    filtered = client_for(superuser).get(f"/admin/tenants/user/?organization__id__exact={world.acme.pk}")
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 2


def _action(client: Client, action: str, orgs: list[Organization]):
    return client.post(reverse("admin:tenants_organization_changelist"),
                       {"action": action, "_selected_action": [str(o.pk) for o in orgs]})


def test_admin_suspends_reactivates_and_changes_plan(staff_admin, world):
    client = client_for(staff_admin)
    _action(client, "suspend", [world.acme])
    world.acme.refresh_from_db()
    assert world.acme.status == "suspended"
    _action(client, "reactivate", [world.acme])
    _action(client, "change_plan_to_enterprise", [world.acme])
    world.acme.refresh_from_db()
    assert world.acme.status == "active"
    assert (world.acme.plan_type, world.acme.max_contributors, world.acme.max_qr_codes,
            world.acme.storage_limit_gb, str(world.acme.monthly_price)) == ("enterprise", None, None, 2000, "99.00")
    assert world.acme.total_qr_scans == 1500  # counters untouched


def test_counters_are_read_only_in_the_form(superuser, world):
    url = f"/admin/tenants/organization/{world.acme.pk}/change/"
    form = client_for(superuser).get(url).context["adminform"].form
    assert "total_qr_scans" not in form.fields and "plan_type" not in form.fields


def test_analyst_reads_and_exports_but_changes_nothing(analyst, world):
    client = client_for(analyst)
    for path in CUSTOMER_CHANGELISTS:
        assert client.get(f"/admin/{path}/").status_code == 200, path
    change_url = f"/admin/tenants/organization/{world.acme.pk}/change/"
    assert client.get(change_url).status_code == 200  # the view-only page
    assert client.post(change_url, {"company_name": "Hacked", "company_email": "x@y.example",
                                    "status": "active"}).status_code == 403
    assert client.get("/admin/tenants/organization/add/").status_code == 403
    assert client.post(f"/admin/tenants/organization/{world.acme.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/tenants/user/{world.pizza.users.first().pk}/change/", {}).status_code == 403
    for action in ("suspend", "reactivate", "change_plan_to_enterprise", "delete_selected"):
        _action(client, action, [world.acme])
    world.acme.refresh_from_db()
    assert (world.acme.company_name, world.acme.status, world.acme.plan_type) == ("Acme", "active", "medium_business")
    assert Organization.objects.filter(pk=world.acme.pk).exists()
    exported = _action(client, "export_csv", [world.acme, world.pizza])
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    body = b"".join(exported.streaming_content).decode()
    assert "Acme" in body and "Pizza" in body and "Mega" not in body


def test_admin_cannot_manage_staff_or_groups(staff_admin, superuser, world):
    client = client_for(staff_admin)
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.post(f"/admin/tenants/user/{superuser.pk}/change/", {"email": "x@x.example"}).status_code == 403
    assert client.get(f"/admin/tenants/user/{superuser.pk}/password/").status_code == 403
    tenant_user = world.pizza.users.filter(status="active").first()
    form = client.get(f"/admin/tenants/user/{tenant_user.pk}/change/").context["adminform"].form
    assert "is_superuser" not in form.fields and "groups" not in form.fields and "is_staff" not in form.fields
    # ... and may not delete a customer (a superuser tool): suspend or cancel instead.
    assert client.post(f"/admin/tenants/organization/{world.acme.pk}/delete/", {"post": "yes"}).status_code == 403


def test_staff_without_a_group_sees_no_reports(db):
    nobody = User.objects.create_user("new@outboundimpact.com", PASSWORD, is_staff=True)
    client = client_for(nobody)
    assert client.get("/admin/reports/").status_code == 403
    assert "Reports" not in client.get("/admin/").content.decode()
