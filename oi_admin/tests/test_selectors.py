"""Each report's rows against values computed by hand from the `world` fixture (conftest)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oi_admin import selectors
from oi_admin.cells import scan_cells_ensure
from oi_admin.selectors import Window
from oi_admin.tests.conftest import at, make_org, make_qrs, make_scan

pytestmark = pytest.mark.django_db


def by_name(rows):
    return {r["company_name"]: r for r in rows}


def test_customers_overview_counts_each_customer_once(world):
    with CaptureQueriesContext(connection) as ctx:
        rows = {o.company_name: o for o in selectors.customers_overview()}
    assert len(ctx.captured_queries) == 1  # one query, whatever the number of customers
    pizza = rows["Pizza"]
    assert (pizza.total_users, pizza.active_qr_codes, pizza.total_campaigns) == (3, 3, 1)
    assert pizza.storage_used_gb == pytest.approx(1.5)
    assert pizza.total_qr_scans == 500
    assert rows["Mega"].last_activity_at is None
    assert rows["Acme"].total_campaigns == 3 and rows["Acme"].active_qr_codes == 4
    assert rows["Gone"].status == "suspended"  # the overview lists every customer
    assert set(rows) == {"Pizza", "Sleepy", "Acme", "Mega", "Lowco", "Gone"}
    # newest first: Mega is 40 days old, the others 100
    assert next(iter(rows)) == "Mega"


def test_revenue_by_plan_counts_active_customers_only(world):
    rows = selectors.revenue_by_plan()
    assert [(r["plan_type"], r["customer_count"], r["total_mrr"]) for r in rows] == [
        ("enterprise", 2, Decimal("198.00")),
        ("medium_business", 1, Decimal("29.00")),
        ("small_business", 2, Decimal("0.00")),
    ]
    assert rows[0]["total_scans_all_customers"] == 6001
    totals = selectors.revenue_totals(rows)
    assert totals == {"total_mrr": Decimal("227.00"), "total_customers": 5, "total_qr_scans": 8001}


def test_upgrade_candidates(world):
    rows = selectors.upgrade_candidates()
    assert [r["company_name"] for r in rows] == ["Pizza"]
    pizza = rows[0]
    assert pizza["current_users"] == 3 and pizza["user_limit_percent"] == Decimal("100.0")
    assert pizza["current_qr_codes"] == 3 and pizza["qr_limit_percent"] == Decimal("60.0")
    assert pizza["activities_last_30_days"] == 60


def test_upgrade_candidate_by_activity_alone(world):
    from oi_admin.tests.conftest import make_activity

    make_activity(world.sleepy, days_ago=[3] * 46)  # 5 + 46 = 51 > 50
    assert {r["company_name"] for r in selectors.upgrade_candidates()} == {"Pizza", "Sleepy"}


def test_churn_risk_bands(world):
    rows = by_name(selectors.churn_risk())
    assert set(rows) == {"Acme", "Mega", "Lowco"}  # paying and active only; Gone is suspended
    assert rows["Mega"]["churn_risk"] == "HIGH" and rows["Mega"]["last_activity"] is None
    assert rows["Mega"]["days_inactive"] == 40
    assert rows["Acme"]["churn_risk"] == "MEDIUM" and rows["Acme"]["days_inactive"] == 20
    assert rows["Acme"]["total_activities"] == 3
    assert rows["Lowco"]["churn_risk"] == "LOW" and rows["Lowco"]["days_inactive"] == 10
    # longest silence first
    assert [r["company_name"] for r in selectors.churn_risk()] == ["Mega", "Acme", "Lowco"]


def test_best_performing(world):
    rows = selectors.best_performing()
    # Mega has 5,000 scans but 2 campaigns; Pizza 500 scans; Gone is suspended.
    assert [r["company_name"] for r in rows] == ["Acme", "Lowco"]
    acme, lowco = rows
    assert (acme["campaigns"], acme["qr_codes"], acme["team_size"]) == (3, 4, 2)
    assert acme["avg_scans_per_qr"] == Decimal("375.0")
    assert acme["countries_reached"] == 2
    assert acme["total_activities"] == 3
    assert lowco["avg_scans_per_qr"] == Decimal("0.0") and lowco["countries_reached"] == 0


def test_geo_reports_non_bot_scans_by_city_with_device_split(db):
    org = make_org("Geo", "enterprise")
    other = make_org("Other", "small_business", opted_out=True)
    qr, qr2 = make_qrs(org, 1)[0], make_qrs(other, 1)[0]
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    make_scan(org, qr, at(day, 9), scanner="a")
    make_scan(org, qr, at(day, 10), scanner="a", classification="duplicate")
    make_scan(org, qr, at(day, 11), scanner="b", device="desktop")
    make_scan(other, qr2, at(day, 11), scanner="c")  # opted out of data sharing: still on the staff map
    make_scan(org, qr, at(day, 12), scanner="bot", classification="bot")
    make_scan(org, qr, at(day, 12), scanner="p", classification="pending")
    make_scan(org, qr, at(day, 13), scanner="d", city="London", cc="GB", country="United Kingdom",
              state="England", lat=51.5, lng=-0.12)
    make_scan(org, qr, at(day - dt.timedelta(days=40), 13), scanner="old")  # outside the window
    window = Window.last_days(30)
    assert selectors.geo_cities(window) == []  # what the cells have: a worker has not built them yet
    scan_cells_ensure(start=window.start, end=window.end)  # the worker (oi_admin.tasks.scan_cells_rebuild)
    rows = selectors.geo_cities(window)
    assert [(r["city"], r["scan_count"], r["unique_scans"], r["mobile_scans"], r["desktop_scans"]) for r in rows] == [
        ("Chicago", 4, 3, 3, 1),
        ("London", 1, 1, 1, 0),
    ]
    assert rows[0]["avg_latitude"] == pytest.approx(41.88)
    assert [(c["country_code"], c["scan_count"]) for c in selectors.geo_countries(Window.last_days(30))] == [
        ("US", 4), ("GB", 1)]
    api = selectors.scans_global(Window.last_days(30))
    assert api[0] == {"country": "United States", "country_code": "US", "city": "Chicago", "scan_count": 4,
                      "lat": pytest.approx(41.88), "lng": pytest.approx(-87.63)}
