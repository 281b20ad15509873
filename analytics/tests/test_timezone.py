"""Issue 13: the analytics count days and hours in the organization's time zone.

A scan at 2026-11-30 23:30 in Chicago is 2026-12-01 05:30 UTC: a Chicago organization sees it on
Nov 30 at 23:00, a UTC organization on Dec 1 at 05:00."""

import datetime as dt

import pytest

from analytics import periods, selectors
from analytics.filters import filters_from_params
from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from conftest import api_client_for
from core.scoping import bind_organization
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC
LATE_NOV_30_CHICAGO = dt.datetime(2026, 12, 1, 5, 30, tzinfo=UTC)
JUN_30_CHICAGO_DST = dt.datetime(2026, 7, 1, 4, 30, tzinfo=UTC)  # 23:30 CDT (UTC-5)
NOV_DEC = {"from": "2026-11-30", "to": "2026-12-01"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(periods, "now", lambda: dt.datetime(2026, 12, 5, 15, 0, tzinfo=UTC))


def _org(zone: str, name: str):
    org = OrganizationFactory(company_name=name, plan_type="enterprise", timezone=zone)
    qr = make_qr(org, f"{name} code")
    return org, qr


@pytest.fixture
def chicago():
    org, qr = _org("America/Chicago", "Chicago Co")
    rollup_scan_events([make_scan(org, qr, LATE_NOV_30_CHICAGO), make_scan(org, qr, JUN_30_CHICAGO_DST)])
    return org, qr


@pytest.fixture
def utc_org():
    org, qr = _org("UTC", "Utc Co")
    rollup_scan_events([make_scan(org, qr, LATE_NOV_30_CHICAGO)])
    return org, qr


def _series(org, params, interval="day"):
    with bind_organization(org):
        f = filters_from_params(organization=org, params=params)
        return {p["period"].isoformat(): p["scans"] for p in selectors.scans_series(organization=org, filters=f,
                                                                                    interval=interval)}


def _totals(org, params):
    with bind_organization(org):
        return selectors.scans_totals(organization=org, filters=filters_from_params(organization=org, params=params))


def _hours(org, params):
    with bind_organization(org):
        f = filters_from_params(organization=org, params=params)
        return {r["value"]: r["scans"] for r in selectors.breakdown(organization=org, filters=f, by="hour")}


@pytest.mark.parametrize("qr_filter", [False, True], ids=["unfiltered", "qr-filter"])
def test_a_late_scan_lands_on_the_organizations_day(chicago, utc_org, qr_filter):
    (ch, ch_qr), (u, u_qr) = chicago, utc_org
    ch_params = {**NOV_DEC, **({"qr_code_id": str(ch_qr.pk)} if qr_filter else {})}
    u_params = {**NOV_DEC, **({"qr_code_id": str(u_qr.pk)} if qr_filter else {})}
    assert _series(ch, ch_params) == {"2026-11-30": 1, "2026-12-01": 0}
    assert _series(u, u_params) == {"2026-11-30": 0, "2026-12-01": 1}
    assert _totals(ch, {**ch_params, "to": "2026-11-30"})["scans"] == 1
    assert _totals(ch, {**ch_params, "from": "2026-12-01"})["scans"] == 0
    assert _totals(u, {**u_params, "to": "2026-11-30"})["scans"] == 0
    assert _totals(u, {**u_params, "from": "2026-12-01"})["scans"] == 1


@pytest.mark.parametrize("qr_filter", [False, True], ids=["unfiltered", "qr-filter"])
def test_hour_of_day_shifts_to_the_zone(chicago, utc_org, qr_filter):
    (ch, ch_qr), (u, u_qr) = chicago, utc_org
    extra = (lambda qr: {"qr_code_id": str(qr.pk)}) if qr_filter else (lambda qr: {})
    assert _hours(ch, {**NOV_DEC, **extra(ch_qr)}) == {"23": 1}
    assert _hours(u, {**NOV_DEC, **extra(u_qr)}) == {"05": 1}
    # summer time: 04:30 UTC is 23:30 CDT (UTC-5), on June 30
    assert _hours(ch, {"from": "2026-06-30", "to": "2026-06-30", **extra(ch_qr)}) == {"23": 1}
    assert _series(ch, {"from": "2026-06-29", "to": "2026-07-01"}) == {
        "2026-06-29": 0, "2026-06-30": 1, "2026-07-01": 0}


def test_week_and_month_buckets_use_local_days(chicago):
    ch, _ = chicago
    months = _series(ch, {"from": "2026-11-01", "to": "2026-12-05"}, interval="month")
    assert months == {"2026-11-01": 1, "2026-12-01": 0}


def test_todays_range_ends_on_the_organizations_today(monkeypatch, chicago, utc_org):
    (ch, _), (u, _) = chicago, utc_org
    # 03:00 UTC on Dec 1 is still Nov 30 (21:00) in Chicago
    monkeypatch.setattr(periods, "now", lambda: dt.datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    with bind_organization(ch):
        f = filters_from_params(organization=ch, params={})
    assert (f.date_from, f.date_to) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert f.timezone == "America/Chicago"
    with bind_organization(u):
        fu = filters_from_params(organization=u, params={})
    assert fu.date_to == dt.date(2026, 12, 1)
    with bind_organization(ch):
        today = filters_from_params(organization=ch, params={"range": "today"})
    assert (today.date_from, today.date_to) == (dt.date(2026, 11, 30), dt.date(2026, 11, 30))


def test_api_says_the_zone_and_answers_the_pages_numbers(chicago, client):
    ch, _ = chicago
    admin = UserFactory(organization=ch, email="boss@chicago.example", role="Admin")
    api = api_client_for(admin)
    body = api.get("/api/analytics/scans?from=2026-11-30&to=2026-11-30").json()
    assert body["timezone"] == "America/Chicago" and body["totals"]["scans"] == 1
    hours = api.get("/api/analytics/breakdown?by=hour&from=2026-11-30&to=2026-11-30").json()
    assert hours["timezone"] == "America/Chicago"
    assert [(r["value"], r["label"], r["scans"]) for r in hours["results"]] == [("23", "23:00", 1)]
    client.login(username=admin.email, password=PASSWORD)
    r = client.get("/dashboard?from=2026-11-30&to=2026-11-30")
    html = r.content.decode()
    assert r.context["totals"]["scans"] == body["totals"]["scans"]
    assert 'data-testid="timezone">Times in America/Chicago' in html
    assert "Hour of day (America/Chicago)" in html and "Hour of day (UTC)" not in html
    assert "bot scans, the other breakdowns" in html  # what is not exact here is said on the page


def test_a_utc_organization_keeps_the_utc_titles(utc_org, client):
    u, _ = utc_org
    admin = UserFactory(organization=u, email="boss@utc.example", role="Admin")
    client.login(username=admin.email, password=PASSWORD)
    html = client.get("/dashboard?from=2026-11-30&to=2026-12-01").content.decode()
    assert "Times in UTC" in html and "Hour of day (UTC)" in html
    assert 'data-testid="timezone-note"' not in html


def test_bot_scans_count_by_utc_day_as_documented(chicago):
    """Bots are stored per UTC day only: a UTC day's bots go to the local day holding its noon."""
    ch, qr = chicago
    rollup_scan_events([make_scan(ch, qr, LATE_NOV_30_CHICAGO, "bot", device_type="bot")])
    assert _totals(ch, {"from": "2026-12-01", "to": "2026-12-01"})["bot_scans"] == 1
    assert _totals(ch, {"from": "2026-11-30", "to": "2026-11-30"}) == {"scans": 1, "unique_scans": 1, "bot_scans": 0}


def test_other_organizations_scans_never_leak(chicago, utc_org):
    (ch, _), _ = chicago, utc_org
    assert _totals(ch, {"from": "2026-11-01", "to": "2026-12-05"})["scans"] == 1


def test_the_scan_events_csv_uses_the_organizations_days(chicago, utc_org):
    """Nov 30 in Chicago holds the 23:30 scan (05:30 UTC on Dec 1): the export of that day lists
    it, as the dashboard counts it; a UTC organization's Nov 30 does not."""
    from analytics.export import scan_events_rows

    def exported(org, params):
        with bind_organization(org):
            rows = list(scan_events_rows(organization=org, filters=filters_from_params(organization=org, params=params)))
        return rows[1:]

    (ch, _), (u, _) = chicago, utc_org
    nov_30 = {"from": "2026-11-30", "to": "2026-11-30"}
    assert len(exported(ch, nov_30)) == 1 == _totals(ch, nov_30)["scans"]
    assert exported(u, nov_30) == [] and len(exported(u, {"from": "2026-12-01", "to": "2026-12-01"})) == 1


@pytest.mark.parametrize("interval", ["day", "week", "month"])
@pytest.mark.parametrize("qr_filter", [False, True], ids=["unfiltered", "qr-filter"])
def test_the_series_sums_are_the_totals(chicago, utc_org, interval, qr_filter):
    """The page and the API take the range's totals from its series (one read fewer): they must
    equal scans_totals for every zone, interval, filter and range, ranges cutting weeks included."""
    for org, qr in (chicago, utc_org):
        make_bot = make_scan(org, qr, LATE_NOV_30_CHICAGO, classification="bot")
        rollup_scan_events([make_bot])
        for params in (NOV_DEC, {"from": "2026-06-29", "to": "2026-12-01"}, {"from": "2026-11-30", "to": "2026-11-30"}):
            params = {**params, **({"qr_code_id": str(qr.pk)} if qr_filter else {})}
            with bind_organization(org):
                f = filters_from_params(organization=org, params=params)
                series = selectors.scans_series(organization=org, filters=f, interval=interval)
                assert selectors.series_totals(series) == selectors.scans_totals(organization=org, filters=f), params
