"""Issue 13: date range presets in the organization's zone, and every range stat card compared
with the previous equal-length period (or "not available on your plan")."""

import datetime as dt

import pytest

from analytics import periods, selectors
from analytics.filters import filters_from_params
from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from conftest import api_client_for
from core.errors import ValidationFailed
from core.scoping import bind_organization
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
# 2026-03-15 03:00 UTC is still Saturday March 14 (22:00 CDT) in Chicago
NOW = dt.datetime(2026, 3, 15, 3, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(periods, "now", lambda: NOW)


@pytest.fixture
def chicago(org_b):
    org = OrganizationFactory(company_name="Chicago Co", plan_type="enterprise", timezone="America/Chicago")
    return org


EXPECTED = {
    "today": (D(2026, 3, 14), D(2026, 3, 14)),
    "7d": (D(2026, 3, 8), D(2026, 3, 14)),
    "30d": (D(2026, 2, 13), D(2026, 3, 14)),
    "90d": (D(2025, 12, 15), D(2026, 3, 14)),
    "this_month": (D(2026, 3, 1), D(2026, 3, 14)),
    "last_month": (D(2026, 2, 1), D(2026, 2, 28)),
    "this_year": (D(2026, 1, 1), D(2026, 3, 14)),
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_preset_in_the_organizations_zone(chicago, key):
    with bind_organization(chicago):
        f = filters_from_params(organization=chicago, params={"range": key, "from": "2020-01-01"})
    assert (f.date_from, f.date_to) == EXPECTED[key]  # the preset wins over from/to
    assert f.preset == key and f.as_params() == {"range": key}


def test_last_month_in_january_is_december(monkeypatch, chicago):
    monkeypatch.setattr(periods, "now", lambda: dt.datetime(2026, 1, 10, 18, tzinfo=dt.UTC))
    with bind_organization(chicago):
        f = filters_from_params(organization=chicago, params={"range": "last_month"})
    assert (f.date_from, f.date_to) == (D(2025, 12, 1), D(2025, 12, 31))


def test_an_unknown_preset_is_a_400(chicago, api_ent):
    with bind_organization(chicago), pytest.raises(ValidationFailed):
        filters_from_params(organization=chicago, params={"range": "forever"})
    r = api_ent.get("/api/analytics/scans?range=forever")
    assert r.status_code == 400 and "range" in r.json()["detail"]


def test_presets_on_the_page_work_without_js_and_show_the_active_one(chicago, client):
    admin = UserFactory(organization=chicago, email="boss@chicago.example", role="Admin")
    client.login(username=admin.email, password=PASSWORD)
    r = client.get("/dashboard?range=7d")
    html = r.content.decode()
    assert r.status_code == 200
    assert (r.context["filters"].date_from, r.context["filters"].date_to) == EXPECTED["7d"]
    assert 'class="btn preset current" href="?range=7d&amp;interval=day"' in html
    assert html.count('class="btn preset current"') == 1
    assert 'href="?range=last_month&amp;interval=day"' in html
    default = client.get("/dashboard").content.decode()  # the default range is "Last 30 days"
    assert 'class="btn preset current" href="?range=30d' in default


def test_presets_beyond_the_plans_history_are_disabled_with_the_plan_that_allows_them(monkeypatch, client):
    monkeypatch.setattr(periods, "now", lambda: dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC))
    org = OrganizationFactory(company_name="Small Co", plan_type="small_business")
    admin = UserFactory(organization=org, email="boss@small.example", role="Admin")
    client.login(username=admin.email, password=PASSWORD)
    ctx = client.get("/dashboard").context
    links = {p["key"]: p for p in ctx["presets"]}
    assert links["90d"]["disabled"] is False and links["last_month"]["disabled"] is False
    assert links["this_year"]["disabled"] is True  # Jan 1 is 166 days back; the plan keeps 90
    assert "Medium business" in links["this_year"]["title"]
    html = client.get("/dashboard").content.decode()
    assert 'aria-disabled="true" title="Goes back further than your plan' in html
    assert client.get("/dashboard?range=this_year").status_code == 403  # refused, not clamped


@pytest.fixture
def scans(ent_org, org_b):
    qr = make_qr(ent_org, "Door")
    when = [
        # previous period of Mar 8-14 is Mar 1-7: 4 scans (1 unique, 3 duplicates), 1 bot
        ("2026-03-02 12:00", "human"), ("2026-03-03 12:00", "duplicate"), ("2026-03-04 12:00", "duplicate"),
        ("2026-03-05 12:00", "duplicate"), ("2026-03-06 12:00", "bot"),
        # Mar 8-14: 5 scans (2 unique), 1 bot
        ("2026-03-08 12:00", "human"), ("2026-03-09 12:00", "human"), ("2026-03-10 12:00", "duplicate"),
        ("2026-03-11 12:00", "duplicate"), ("2026-03-12 12:00", "duplicate"), ("2026-03-13 12:00", "bot"),
    ]
    rollup_scan_events([make_scan(ent_org, qr, dt.datetime.fromisoformat(w).replace(tzinfo=dt.UTC), c)
                        for w, c in when])
    qr_b = make_qr(org_b, "B")
    rollup_scan_events([make_scan(org_b, qr_b, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))])
    return ent_org


def test_previous_period_numbers_and_changes(scans, api_ent):
    with bind_organization(scans):
        f = filters_from_params(organization=scans, params={"from": "2026-03-08", "to": "2026-03-14"})
        prev = selectors.scans_previous(organization=scans, filters=f)
    assert (prev["from"], prev["to"], prev["available"]) == (D(2026, 3, 1), D(2026, 3, 7), True)
    assert (prev["scans"], prev["unique_scans"], prev["bot_scans"]) == (4, 1, 1)
    assert prev["change"]["scans"] == {"percent": 25.0, "label": "+25%", "direction": "up"}
    assert prev["change"]["unique_scans"]["label"] == "+100%"
    assert prev["change"]["bot_scans"] == {"percent": 0.0, "label": "no change", "direction": "same"}
    body = api_ent.get("/api/analytics/scans?from=2026-03-08&to=2026-03-14").json()
    assert body["totals"]["scans"] == 5 and body["totals"]["previous"]["scans"] == 4
    assert body["totals"]["previous"]["change"]["scans"]["label"] == "+25%"
    # a fall, and "new" after an empty period
    with bind_organization(scans):
        down = selectors.scans_previous(organization=scans, filters=filters_from_params(
            organization=scans, params={"from": "2026-03-15", "to": "2026-03-21"}))
        new = selectors.scans_previous(organization=scans, filters=filters_from_params(
            organization=scans, params={"from": "2026-03-01", "to": "2026-03-07"}))
    assert down["change"]["scans"]["label"] == "-100%" and down["change"]["scans"]["direction"] == "down"
    assert new["change"]["scans"] == {"percent": None, "label": "new", "direction": "up"}


def test_the_stat_cards_show_the_comparison(scans, client, ent_admin):
    client.login(username=ent_admin.email, password=PASSWORD)
    html = client.get("/dashboard?from=2026-03-08&to=2026-03-14").content.decode()
    assert '<span class="change up">+25%</span> vs Mar 1–Mar 7 <span class="before">(4)</span>' in html
    assert 'data-testid="compare-bots"' in html and "no change</span> vs Mar 1–Mar 7" in html


def test_a_previous_period_before_the_plans_history_is_not_a_number(monkeypatch, client, api_ent):
    org = OrganizationFactory(company_name="Small Co", plan_type="small_business")
    admin = UserFactory(organization=org, email="boss@small.example", role="Admin")
    api = api_client_for(admin)
    prev = api.get("/api/analytics/scans?range=90d").json()["totals"]["previous"]
    assert prev["available"] is False and prev["scans"] is None and prev["reason"] == "not available on your plan"
    assert api.get("/api/analytics/scans?range=30d").json()["totals"]["previous"]["available"] is True
    client.login(username=admin.email, password=PASSWORD)
    html = client.get("/dashboard?range=90d").content.decode()
    assert "vs previous period: not available on your plan" in html
