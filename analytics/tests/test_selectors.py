"""Every dashboard aggregate against hand counts from conftest.scenario, under each filter."""

import datetime as dt

import pytest

from analytics import selectors
from analytics.filters import DashboardFilters, filters_from_params
from analytics.periods import block_after, block_start, segments
from analytics.tests.conftest import make_qr, make_scan
from analytics.tiers import PlanUpgradeRequired
from core.errors import NotFound, ValidationFailed
from core.scoping import bind_organization
from tenants.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date
ALL = DashboardFilters(D(2025, 1, 30), D(2025, 3, 2))


@pytest.fixture
def bound_ent(ent_org):
    with bind_organization(ent_org):
        yield ent_org


def by(rows, key="label"):
    return {r[key]: r["scans"] for r in rows}


def test_segments_cover_the_range_exactly():
    # whole quarters and months inside, month weeks (1-7, 8-14, 15-21, 22-28, 29-end) and days at the ends
    assert segments(D(2025, 1, 30), D(2025, 3, 2)) == [
        ("d", D(2025, 1, 30)), ("d", D(2025, 1, 31)), ("m", D(2025, 2, 1)),
        ("d", D(2025, 3, 1)), ("d", D(2025, 3, 2))]
    assert segments(D(2025, 2, 1), D(2025, 2, 28)) == [("m", D(2025, 2, 1))]
    assert segments(D(2025, 1, 1), D(2025, 6, 30)) == [("q", D(2025, 1, 1)), ("q", D(2025, 4, 1))]
    assert segments(D(2025, 2, 3), D(2025, 2, 20)) == [
        ("d", D(2025, 2, 3)), ("d", D(2025, 2, 4)), ("d", D(2025, 2, 5)), ("d", D(2025, 2, 6)), ("d", D(2025, 2, 7)),
        ("w", D(2025, 2, 8)), ("d", D(2025, 2, 15)), ("d", D(2025, 2, 16)), ("d", D(2025, 2, 17)),
        ("d", D(2025, 2, 18)), ("d", D(2025, 2, 19)), ("d", D(2025, 2, 20))]
    assert segments(D(2024, 12, 15), D(2025, 3, 31)) == [
        ("w", D(2024, 12, 15)), ("w", D(2024, 12, 22)), ("w", D(2024, 12, 29)), ("q", D(2025, 1, 1))]
    assert segments(D(2025, 2, 28), D(2025, 2, 28)) == [("d", D(2025, 2, 28))]
    assert segments(D(2024, 1, 1), D(2025, 3, 31)) == [("y", D(2024, 1, 1)), ("q", D(2025, 1, 1))]
    # a year ending mid-month: few blocks, not 365 days
    assert len(segments(D(2025, 11, 26), D(2026, 11, 25))) <= 16
    for start, end in [(D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 2, 29), D(2025, 3, 1)), (D(2025, 1, 31), D(2025, 2, 1)),
                       (D(2025, 11, 26), D(2026, 11, 25)), (D(2024, 2, 27), D(2024, 3, 30))]:
        days = []
        for grain, period in segments(start, end):
            assert block_start(grain, period) == period
            cur = period
            while cur < block_after(grain, period):
                days.append(cur)
                cur += dt.timedelta(days=1)
        assert days == [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]  # no gap, no overlap


def test_open_ended_ranges_use_blocks_that_run_past_today():
    # the last 365 days on 2026-11-25: three days, a month week, December, and this year's block
    assert segments(D(2025, 11, 26), D(2026, 11, 25), open_end=True) == [
        ("d", D(2025, 11, 26)), ("d", D(2025, 11, 27)), ("d", D(2025, 11, 28)), ("w", D(2025, 11, 29)),
        ("m", D(2025, 12, 1)), ("y", D(2026, 1, 1))]
    # the last 30 days: the tail of October, then November's block
    assert segments(D(2026, 10, 27), D(2026, 11, 25), open_end=True) == [
        ("d", D(2026, 10, 27)), ("d", D(2026, 10, 28)), ("w", D(2026, 10, 29)), ("m", D(2026, 11, 1))]
    # every block starts inside the range; together they cover it with no gap or overlap
    for start, end in [(D(2025, 11, 26), D(2026, 11, 25)), (D(2026, 12, 31), D(2026, 12, 31)),
                       (D(2026, 1, 1), D(2026, 2, 27)), (D(2026, 2, 10), D(2026, 2, 10))]:
        days = []
        for grain, period in segments(start, end, open_end=True):
            assert start <= period <= end
            cur = period
            while cur < block_after(grain, period):
                days.append(cur)
                cur += dt.timedelta(days=1)
        assert days[:(end - start).days + 1] == [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        assert len(days) == len(set(days))


def test_totals_under_each_filter(scenario, bound_ent):
    org = bound_ent
    assert selectors.scans_totals(organization=org, filters=ALL) == {"scans": 5, "unique_scans": 4, "bot_scans": 1}
    feb = DashboardFilters(D(2025, 2, 1), D(2025, 2, 28))
    assert selectors.scans_totals(organization=org, filters=feb) == {"scans": 2, "unique_scans": 2, "bot_scans": 1}
    one_day = DashboardFilters(D(2025, 2, 14), D(2025, 2, 14))
    assert selectors.scans_totals(organization=org, filters=one_day)["scans"] == 1
    c1 = DashboardFilters(ALL.date_from, ALL.date_to, campaign_id=scenario["c1"].pk)
    assert selectors.scans_totals(organization=org, filters=c1) == {"scans": 4, "unique_scans": 3, "bot_scans": 1}
    q3 = DashboardFilters(ALL.date_from, ALL.date_to, qr_code_id=scenario["qr3"].pk)
    assert selectors.scans_totals(organization=org, filters=q3) == {"scans": 1, "unique_scans": 1, "bot_scans": 0}
    idle = DashboardFilters(ALL.date_from, ALL.date_to, campaign_id=scenario["c2"].pk)
    assert selectors.scans_totals(organization=org, filters=idle) == {"scans": 0, "unique_scans": 0, "bot_scans": 0}


def test_series_by_day_week_month(scenario, bound_ent):
    org = bound_ent
    days = selectors.scans_series(organization=org, filters=ALL, interval="day")
    assert len(days) == 32 and days[0]["period"] == D(2025, 1, 30)
    nonzero = {p["period"]: (p["scans"], p["unique_scans"], p["bot_scans"]) for p in days if any(
        (p["scans"], p["bot_scans"]))}
    assert nonzero == {D(2025, 1, 31): (2, 1, 0), D(2025, 2, 1): (0, 0, 1), D(2025, 2, 14): (1, 1, 0),
                       D(2025, 2, 28): (1, 1, 0), D(2025, 3, 1): (1, 1, 0)}
    weeks = selectors.scans_series(organization=org, filters=ALL, interval="week")
    assert [(w["period"], w["scans"], w["bot_scans"]) for w in weeks] == [
        (D(2025, 1, 27), 2, 1), (D(2025, 2, 3), 0, 0), (D(2025, 2, 10), 1, 0), (D(2025, 2, 17), 0, 0),
        (D(2025, 2, 24), 2, 0)]
    months = selectors.scans_series(organization=org, filters=ALL, interval="month")
    assert [(m["period"], m["scans"], m["unique_scans"], m["bot_scans"]) for m in months] == [
        (D(2025, 1, 1), 2, 1, 0), (D(2025, 2, 1), 2, 2, 1), (D(2025, 3, 1), 1, 1, 0)]
    q1 = DashboardFilters(ALL.date_from, ALL.date_to, qr_code_id=scenario["qr1"].pk)
    assert sum(p["scans"] for p in selectors.scans_series(organization=org, filters=q1)) == 2


def test_breakdowns(scenario, bound_ent):
    org = bound_ent

    def b(dim, f=ALL):
        return selectors.breakdown(organization=org, filters=f, by=dim)

    countries = b("country")
    assert by(countries) == {"United States": 4, "United Kingdom": 1}
    assert countries[0]["iso_numeric"] == "840" and countries[0]["unique_scans"] == 3
    cities = b("city")
    assert by(cities) == {"Chicago, United States": 3, "London, United Kingdom": 1, "New York, United States": 1}
    assert (cities[0]["latitude"], cities[0]["longitude"]) == (41.88, -87.63)
    assert by(b("device_type")) == {"Mobile": 3, "Desktop": 1, "Tablet": 1}
    assert by(b("os")) == {"iOS": 3, "Windows": 1, "Android": 1}
    assert by(b("browser")) == {"Mobile Safari": 3, "Chrome": 1, "Chrome Mobile": 1}
    assert by(b("referrer")) == {"instagram.com": 2, "facebook.com": 1, "t.co": 1, "Direct / unknown": 1}
    hours = b("hour")
    assert [(h["value"], h["scans"]) for h in hours] == [("00", 1), ("10", 2), ("20", 1), ("23", 1)]
    c1 = DashboardFilters(ALL.date_from, ALL.date_to, campaign_id=scenario["c1"].pk)
    assert by(b("country", c1)) == {"United States": 3, "United Kingdom": 1}
    q2 = DashboardFilters(D(2025, 2, 20), D(2025, 3, 2), qr_code_id=scenario["qr2"].pk)
    assert by(b("city", q2)) == {"New York, United States": 1}
    assert b("city", DashboardFilters(D(2025, 2, 2), D(2025, 2, 10))) == []
    assert selectors.breakdown(organization=org, filters=ALL, by="os", limit=1)[0]["label"] == "iOS"


def test_top_qr_codes_and_campaigns(scenario, bound_ent):
    org = bound_ent
    top = selectors.top_qr_codes(organization=org, filters=ALL)
    assert [(r["name"], r["scans"], r["unique_scans"], r["bot_scans"]) for r in top] == [
        ("Delivery Box", 2, 2, 0), ("Front Door", 2, 1, 1), ("Hotel Lobby", 1, 1, 0)]
    march = DashboardFilters(D(2025, 3, 1), D(2025, 3, 31))
    assert [r["name"] for r in selectors.top_qr_codes(organization=org, filters=march)] == ["Hotel Lobby"]
    camps = selectors.campaign_comparison(organization=org, filters=ALL)
    assert [(c["name"], c["qr_codes"], c["scans"], c["unique_scans"]) for c in camps] == [
        ("Spring", 2, 4, 3), ("Idle", 0, 0, 0)]
    assert all(type(c[k]) is int for c in camps for k in ("qr_codes", "scans", "unique_scans"))  # not Decimal
    assert set(camps[0]) == {"id", "name", "status", "start_date", "end_date", "qr_codes", "scans", "unique_scans"}
    assert [c["name"] for c in selectors.campaign_comparison(organization=org, filters=ALL, limit=1)] == ["Spring"]
    # ties in scans sort by name; a campaign filter lists that campaign only
    assert [c["name"] for c in selectors.campaign_comparison(organization=org, filters=march)] == ["Idle", "Spring"]
    c2 = DashboardFilters(ALL.date_from, ALL.date_to, campaign_id=scenario["c2"].pk)
    assert [c["name"] for c in selectors.campaign_comparison(organization=org, filters=c2)] == ["Idle"]


def test_stats_usage_and_performance(scenario, bound_ent, ent_admin):
    org = bound_ent
    from uploads.models import UploadedFile

    UploadedFile.all_orgs.create(organization=org, file_name="menu.pdf", file_type="pdf",
                                 file_size_bytes=3 * 1024**3, storage_path="o/1.pdf")
    UserFactory(organization=org, email="gone@ent.example", status="deactivated")
    # the counters kept by the QR, upload and scan services
    org.total_qr_scans, org.total_qr_codes, org.total_uploads, org.storage_used_bytes = 5, 3, 1, 3 * 1024**3
    org.save()
    stats = selectors.organization_stats(organization=org)
    assert stats == {"total_users": 1, "total_qr_codes": 3, "total_campaigns": 2, "total_uploads": 1,
                     "storage_used_gb": 3.0, "storage_used_bytes": 3 * 1024**3, "total_qr_scans": 5}
    usage = selectors.plan_usage(organization=org)
    assert usage["upgrade_to"] is None and usage["meters"][2]["percent"] == 0  # 3 of 2000 GB rounds to 0


def test_usage_meters_suggest_upgrade_near_limits(org_a, admin_a):
    with bind_organization(org_a):
        for i in range(4):
            make_qr(org_a, f"code {i}")
        org_a.total_qr_codes = 4  # kept by qrcodes.services
        org_a.save()
        usage = selectors.plan_usage(organization=org_a)
    meters = {m["key"]: m for m in usage["meters"]}
    assert (meters["qr_codes"]["used"], meters["qr_codes"]["limit"], meters["qr_codes"]["percent"]) == (4, 5, 80)
    assert meters["qr_codes"]["near_limit"] and not meters["users"]["near_limit"]
    assert usage["upgrade_to"] == "medium_business"


def test_performance_uses_worker_counters(scenario, bound_ent):
    scenario["qr3"].total_scans = 7
    scenario["qr3"].save()
    perf = selectors.qr_performance(organization=bound_ent)
    assert (perf[0]["name"], perf[0]["total_scans"], perf[0]["campaign"]) == ("Hotel Lobby", 7, "")


def test_small_plan_gets_core_dashboard_only(org_a, admin_a):
    qr = make_qr(org_a, "Pizza")
    today = dt.datetime.now(dt.UTC)
    from analytics.rollups import rollup_scan_events

    rollup_scan_events([make_scan(org_a, qr, today)])
    with bind_organization(org_a):
        f = filters_from_params(organization=org_a, params={})
        assert f.days == 30
        assert selectors.scans_totals(organization=org_a, filters=f)["scans"] == 1
        assert by(selectors.breakdown(organization=org_a, filters=f, by="country")) == {"United States": 1}
        for dim in ("city", "referrer", "hour"):
            with pytest.raises(PlanUpgradeRequired):
                selectors.breakdown(organization=org_a, filters=f, by=dim)
        with pytest.raises(PlanUpgradeRequired):
            selectors.campaign_comparison(organization=org_a, filters=f)
        with pytest.raises(PlanUpgradeRequired):
            selectors.scans_series(organization=org_a, filters=f, interval="month")
        with pytest.raises(PlanUpgradeRequired):
            filters_from_params(organization=org_a, params={"from": "2020-01-01"})


def test_ranges_ending_today_count_exactly_their_days(ent_org, org_b):
    """Ranges that end today read blocks running past today (analytics.periods, open_end): the
    scans just outside the range on the first day's side stay out."""
    from analytics.rollups import rollup_scan_events
    from campaigns.models import Campaign

    camp = Campaign.all_orgs.create(organization=ent_org, name="Now", status="active")
    qr, other = make_qr(ent_org, "Recent", campaign=camp), make_qr(ent_org, "Other")
    now = dt.datetime.now(dt.UTC).replace(hour=0, minute=30, second=0, microsecond=0)
    ago = {n: now - dt.timedelta(days=n) for n in (0, 29, 30, 364, 365)}
    rollup_scan_events([
        make_scan(ent_org, qr, ago[0], city="Paris", country_code="FR", country="France"),
        make_scan(ent_org, qr, ago[29]), make_scan(ent_org, other, ago[30]),
        make_scan(ent_org, qr, ago[364], city="Paris", country_code="FR", country="France"),
        make_scan(ent_org, other, ago[365]), make_scan(ent_org, other, ago[365]),
    ])
    today = now.date()
    with bind_organization(ent_org):
        for days, want, cities, top in [(30, 2, {"Paris, France": 1, "Chicago, United States": 1}, {"Recent": 2}),
                                        (365, 4, {"Paris, France": 2, "Chicago, United States": 2},
                                         {"Recent": 3, "Other": 1})]:
            f = DashboardFilters(today - dt.timedelta(days=days - 1), today)
            assert selectors.scans_totals(organization=ent_org, filters=f)["scans"] == want
            assert by(selectors.breakdown(organization=ent_org, filters=f, by="city", limit=200)) == cities
            assert by(selectors.top_qr_codes(organization=ent_org, filters=f), "name") == top
            assert by(selectors.campaign_comparison(organization=ent_org, filters=f), "name") == {"Now": top["Recent"]}
            assert sum(p["scans"] for p in selectors.scans_series(organization=ent_org, filters=f)) == want
        # a range that ends yesterday is closed: today's scan is not in it
        f = DashboardFilters(today - dt.timedelta(days=29), today - dt.timedelta(days=1))
        assert selectors.scans_totals(organization=ent_org, filters=f)["scans"] == 1


def test_filters_validate_and_hide_other_tenants(scenario, ent_org, org_b):
    with bind_organization(ent_org):
        f = filters_from_params(organization=ent_org, params={"from": "2025-01-30", "to": "2025-03-02",
                                                             "campaign_id": str(scenario["c1"].pk)})
        assert (f.date_from, f.date_to, f.campaign_name) == (D(2025, 1, 30), D(2025, 3, 2), "Spring")
        for bad in ({"from": "31/01/2025"}, {"from": "2025-03-01", "to": "2025-02-01"}, {"to": "2025-13-01"}):
            with pytest.raises(ValidationFailed):
                filters_from_params(organization=ent_org, params=bad)
        for missing in ({"qr_code_id": str(scenario["qr_b"].pk)}, {"qr_code_id": "not-a-uuid"},
                        {"campaign_id": "00000000-0000-0000-0000-000000000000"}):
            with pytest.raises(NotFound):
                filters_from_params(organization=ent_org, params=missing)


def test_breakdowns_in_one_statement_equal_each_breakdown(scenario, bound_ent, django_assert_max_num_queries):
    dims = ["country", "city", "device_type", "os", "browser", "referrer", "hour"]
    for f in (ALL, DashboardFilters(D(2025, 2, 1), D(2025, 2, 28)),
              DashboardFilters(ALL.date_from, ALL.date_to, campaign_id=scenario["c1"].pk)):
        each = {d: selectors.breakdown(organization=bound_ent, filters=f, by=d, limit=2) for d in dims}
        assert selectors.breakdowns(organization=bound_ent, filters=f, limits=dict.fromkeys(dims, 2)) == each
    with django_assert_max_num_queries(1):  # labels and coordinates included
        got = selectors.breakdowns(organization=bound_ent, filters=ALL, limits=dict.fromkeys(dims, 12))
    assert got["city"][0] == {"value": "US|Illinois|Chicago", "label": "Chicago, United States", "scans": 3,
                              "unique_scans": 2, "share": 0.6, "latitude": 41.88, "longitude": -87.63}
    q2 = DashboardFilters(D(2025, 2, 20), D(2025, 3, 2), qr_code_id=scenario["qr2"].pk)
    got = selectors.breakdowns(organization=bound_ent, filters=q2, limits=dict.fromkeys(dims, 5))
    assert got == {d: selectors.breakdown(organization=bound_ent, filters=q2, by=d, limit=5) for d in dims}
    assert by(got["city"]) == {"New York, United States": 1}
    assert by(selectors.breakdowns(organization=bound_ent, filters=ALL, limits={"os": 12})["os"]) == {
        "iOS": 3, "Windows": 1, "Android": 1}


def test_hour_of_day_is_never_cut(scenario, bound_ent):
    """A limit picks the busiest values; the hour chart always shows its hours in clock order."""
    from analytics.rollups import rollup_scan_events

    qr = scenario["qr3"]
    rollup_scan_events([make_scan(bound_ent, qr, dt.datetime(2025, 2, 10, h, tzinfo=dt.UTC)) for h in range(24)])
    for f in (ALL, DashboardFilters(ALL.date_from, ALL.date_to, qr_code_id=qr.pk)):
        hours = selectors.breakdowns(organization=bound_ent, filters=f, limits={"hour": 12, "os": 1})
        assert [h["value"] for h in hours["hour"]] == [f"{h:02d}" for h in range(24)]
        assert len(hours["os"]) == 1
        assert len(selectors.breakdown(organization=bound_ent, filters=f, by="hour", limit=3)) == 24


def test_hot_codes_give_the_same_breakdowns(scenario, bound_ent):
    """Promoting codes (analytics.hot_codes) changes where their breakdowns come from, never
    what they are: whole months/quarters/years from blocks, the ends from counted scans."""
    from analytics.hot_codes import hot_codes_promote
    from analytics.rollups import rollup_scan_events

    org = bound_ent
    qr1, qr2, qr3 = scenario["qr1"], scenario["qr2"], scenario["qr3"]
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    rollup_scan_events([make_scan(org, qr2, now - dt.timedelta(days=d), os="Android 14", city="Paris",
                                  country_code="FR", country="France") for d in (0, 3, 40, 200, 364)])
    today = now.date()
    dims = ["country", "city", "device_type", "os", "browser", "referrer", "hour"]
    cases = [DashboardFilters(ALL.date_from, ALL.date_to, qr_code_id=qr1.pk),
             DashboardFilters(ALL.date_from, ALL.date_to, qr_code_id=qr3.pk),  # days, February, days
             DashboardFilters(D(2025, 2, 3), D(2025, 3, 1), qr_code_id=qr2.pk),  # ragged at both ends
             DashboardFilters(D(2025, 1, 1), D(2025, 3, 31), campaign_id=scenario["c1"].pk),  # one quarter
             DashboardFilters(today - dt.timedelta(days=364), today, qr_code_id=qr2.pk),  # open: year block
             DashboardFilters(today - dt.timedelta(days=29), today, campaign_id=scenario["c1"].pk)]
    before = [selectors.breakdowns(organization=org, filters=f, limits=dict.fromkeys(dims, 3)) for f in cases]
    assert by(before[4]["city"]) == {"Paris, France": 5}
    for qr in (qr1, qr2, qr3):
        qr.total_scans = 10
        qr.save()
    assert hot_codes_promote(threshold=10) == 3
    after = [selectors.breakdowns(organization=org, filters=f, limits=dict.fromkeys(dims, 3)) for f in cases]
    assert after == before
