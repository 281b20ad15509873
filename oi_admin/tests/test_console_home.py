"""The console home (/admin/): the overview figures (each from a selector, checked against the
fixtures), the reports, and the System section that only super_admin sees or opens."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from oi_admin import selectors
from oi_admin.reports import REPORTS
from oi_admin.tests.conftest import at, client_for, make_org, make_qrs, make_scan, make_staff
from qrcodes.scanning import scan_spool_client, scan_spool_dead_key
from tenants.models import Organization

# A Wednesday: "this week" starts on Monday the 9th, 00:00 UTC.
NOW = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

CUSTOMER_CHANGELISTS = ["tenants/organization", "tenants/user", "tenants/activitylog", "qrcodes/qrcode",
                        "qrcodes/scanevent", "campaigns/campaign", "uploads/uploadedfile"]
SYSTEM_CHANGELISTS = ["auth/group", "token_blacklist/outstandingtoken", "token_blacklist/blacklistedtoken",
                      "analytics/orgscanrollup", "analytics/qrscanrollup", "oi_admin/scancell",
                      "oi_admin/scancellday"]


@pytest.fixture
def spool(settings):
    settings.SCAN_SPOOL_KEY = f"test-console-spool-{uuid.uuid4().hex}"
    yield settings.SCAN_SPOOL_KEY
    scan_spool_client().delete(settings.SCAN_SPOOL_KEY, scan_spool_dead_key())


@pytest.fixture
def super_admin(db):
    return make_staff("boss@outboundimpact.com", "super_admin")


# --- the selectors behind each figure -------------------------------------------------------

def test_customer_counts(world):
    make_org("Quit", "medium_business", status="cancelled")
    make_org("Fresh", "small_business", days_old=0)  # every other one is 40+ days old
    counts = selectors.customer_counts()
    assert counts == {"total": 8, "active": 6, "suspended": 1, "cancelled": 1, "new_this_month": 1}
    # The month starts on the 1st, 00:00 UTC: a fixed clock in the next month sees none as new.
    later = timezone.now().replace(day=28) + dt.timedelta(days=5)
    assert selectors.customer_counts(now=later)["new_this_month"] == 0


def test_mrr_is_the_list_price_of_active_customers(world):
    # Acme 29 + Mega 99 + Lowco 99; Gone (suspended, medium) does not count.
    assert selectors.mrr_list_price() == Decimal("227.00")
    Organization.objects.filter(pk=world.mega.pk).update(status="cancelled")
    assert selectors.mrr_list_price() == Decimal("128.00")


def test_mrr_without_customers_is_zero(db):
    assert selectors.mrr_list_price() == Decimal("0.00")


def test_scans_today_and_this_week_in_utc(world):
    qr = make_qrs(world.acme, 1)[0]
    other = make_qrs(world.pizza, 1)[0]
    make_scan(world.acme, qr, at(TODAY, 0, 5), scanner="a")  # today
    make_scan(world.pizza, other, at(TODAY, 11), scanner="b", classification="pending")  # today, not yet classified
    make_scan(world.acme, qr, at(TODAY, 10), scanner="c", classification="bot")  # bots never count
    make_scan(world.acme, qr, at(TODAY - dt.timedelta(days=2), 8), scanner="d", classification="duplicate")  # Monday
    make_scan(world.acme, qr, at(TODAY - dt.timedelta(days=3), 23, 59), scanner="e")  # Sunday: last week
    totals = selectors.scan_totals(now=NOW)
    assert (totals["today"], totals["week"]) == (2, 3)
    assert totals["today_start"] == at(TODAY, 0) and totals["week_start"] == at(TODAY - dt.timedelta(days=2), 0)


def test_spool_and_dead_letters(db, spool):
    assert selectors.scan_spool_state() == {"queued": 0, "dead_letter": 0}
    scan_spool_client().rpush(spool, "{}", "{}")
    scan_spool_client().rpush(scan_spool_dead_key(), "not json")
    assert selectors.scan_spool_state() == {"queued": 2, "dead_letter": 1}
    assert selectors.scan_dead_letters() == ["not json"]


def test_spool_unknown_while_redis_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    assert selectors.scan_spool_state() is None and selectors.scan_dead_letters() is None


def test_pending_plan_change_requests(world, monkeypatch):
    model = apps.get_model("tenants", "PlanChangeRequest")
    assert selectors.plan_change_requests_pending() == 0
    model._default_manager.create(organization=world.pizza, from_plan="small_business", to_plan="enterprise")
    model._default_manager.create(organization=world.acme, from_plan="medium_business", to_plan="enterprise",
                                  status="rejected")
    assert selectors.plan_change_requests_pending() == 1

    def missing(app_label: str, model_name: str) -> None:
        raise LookupError(model_name)

    monkeypatch.setattr(selectors.apps, "get_model", missing)
    assert selectors.plan_change_requests_pending() is None


# --- the page ---------------------------------------------------------------------------------

def test_home_shows_the_overview(analyst, world, spool):
    make_org("Quit", "medium_business", status="cancelled")
    scan_spool_client().rpush(spool, "{}")
    scan_spool_client().rpush(scan_spool_dead_key(), "bad", "worse")
    response = client_for(analyst).get("/admin/")
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.customers["active"] == 5 and overview.customers["cancelled"] == 1
    assert overview.mrr == Decimal("227.00") and overview.spool == {"queued": 1, "dead_letter": 2}
    page = response.content.decode()
    assert 'data-testid="overview"' in page
    assert "$227.00" in page and "no payment provider yet" in page
    assert "since 00:00 UTC" in page and "1 suspended · 1 cancelled" in page
    assert "2 dead letters (super_admin can read them)" in page  # an analyst sees the count, no link
    for report in REPORTS:  # each report with its one-line description
        assert f"/admin/reports/{report.slug}/" in page and report.description in page
    assert "/admin/tenants/planchangerequest/?status=pending" in page


def test_super_admin_gets_the_dead_letter_page(super_admin, analyst, spool):
    scan_spool_client().rpush(scan_spool_dead_key(), '{"broken": ')
    page = client_for(super_admin).get("/admin/").content.decode()
    assert 'href="/admin/system/dead-letters/"' in page
    response = client_for(super_admin).get("/admin/system/dead-letters/")
    assert response.status_code == 200 and "{&quot;broken&quot;: " in response.content.decode()
    assert client_for(analyst).get("/admin/system/dead-letters/").status_code == 403


def _sections(response) -> dict[str, list[str]]:
    return {app["name"]: [m["object_name"].lower() for m in app["models"]] for app in response.context["app_list"]}


@pytest.mark.parametrize("who", ["analyst", "staff_admin"])
def test_system_section_is_hidden_and_refused_for_other_staff(request, world, who):
    client = client_for(request.getfixturevalue(who))
    sections = _sections(client.get("/admin/"))
    assert "System" not in sections
    listed = {m for models in sections.values() for m in models}
    assert {"organization", "user", "qrcode", "scanevent", "campaign", "uploadedfile"} <= listed
    assert not listed & {"group", "outstandingtoken", "blacklistedtoken", "orgscanrollup", "scancell"}
    for path in SYSTEM_CHANGELISTS:
        assert client.get(f"/admin/{path}/").status_code == 403, path
    for path in CUSTOMER_CHANGELISTS:
        assert client.get(f"/admin/{path}/").status_code == 200, path


@pytest.mark.parametrize("who", ["super_admin", "superuser"])
def test_system_section_is_there_for_super_admin(request, world, who):
    client = client_for(request.getfixturevalue(who))
    sections = _sections(client.get("/admin/"))
    assert {"group", "outstandingtoken", "blacklistedtoken", "orgscanrollup", "qrscanrollup", "scancell",
            "scancellday"} <= set(sections["System"])
    customer = {m for name, models in sections.items() if name != "System" for m in models}
    assert not customer & set(sections["System"])  # each model in one place
    assert "organization" in customer and "planchangerequest" in customer
    for path in SYSTEM_CHANGELISTS + CUSTOMER_CHANGELISTS:
        assert client.get(f"/admin/{path}/").status_code == 200, path
