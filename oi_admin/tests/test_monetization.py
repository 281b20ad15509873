"""The aggregate data export: k distinct scanners per published group, all-or-nothing daypart
split, disjoint dayparts, no bots, no opted-out organizations, no identities."""

from __future__ import annotations

import datetime as dt

import pytest

from oi_admin.cells import scan_cells_build, scan_cells_ensure, stale_days
from oi_admin.models import ScanCellDay
from oi_admin.monetization import monetization_k, monetization_rows
from oi_admin.selectors import Window
from oi_admin.tests.conftest import at, make_org, make_qrs, make_scan
from tenants.models import Organization

pytestmark = pytest.mark.django_db

DAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
WINDOW = Window(start=DAY - dt.timedelta(days=1), end=DAY + dt.timedelta(days=1))
LONDON = {"city": "London", "cc": "GB", "country": "United Kingdom", "state": "England", "device": "desktop"}
PARIS = {"city": "Paris", "cc": "FR", "country": "France", "state": "IDF"}
BERLIN = {"city": "Berlin", "cc": "DE", "country": "Germany", "state": "Berlin"}


@pytest.fixture(autouse=True)
def _k3(settings):
    settings.MONETIZATION_K = 3


@pytest.fixture
def scans(db):
    shop = make_org("Shop", "medium_business")
    private = make_org("Private", "enterprise", opted_out=True)
    qr = make_qrs(shop, 1)[0]
    pqr = make_qrs(private, 1)[0]
    # Chicago / mobile: every daypart has >= 3 distinct scanners. Boundaries: 05:59 night,
    # 06:00 morning, 12:00 afternoon, 18:00 evening (the seed counted 12 and 18 twice).
    for s in ("s1", "s2", "s3"):
        make_scan(shop, qr, at(DAY, 5, 59), scanner=s)
    for s in ("s1", "s2", "s3", "s4"):
        make_scan(shop, qr, at(DAY, 6), scanner=s)
    make_scan(shop, qr, at(DAY, 7), scanner="s4", classification="duplicate")  # same person again
    for s in ("s1", "s2", "s3"):
        make_scan(shop, qr, at(DAY, 12), scanner=s)
    for s in ("s5", "s6", "s7"):
        make_scan(shop, qr, at(DAY, 18), scanner=s)
    # London / desktop: 5 scanners, but only 1 in the evening -> row yes, split no.
    for s in ("l1", "l2", "l3", "l4"):
        make_scan(shop, qr, at(DAY, 9), scanner=s, **LONDON)
    make_scan(shop, qr, at(DAY, 20), scanner="l5", **LONDON)
    # Paris: 2 people and 5 bots -> not published.
    for s in ("p1", "p2"):
        make_scan(shop, qr, at(DAY, 9), scanner=s, **PARIS)
    for s in ("b1", "b2", "b3", "b4", "b5"):
        make_scan(shop, qr, at(DAY, 9), scanner=s, classification="bot", **PARIS)
    # An organization that opted out: 5 people in Berlin and 5 more in Chicago -> invisible.
    for s in ("x1", "x2", "x3", "x4", "x5"):
        make_scan(private, pqr, at(DAY, 9), scanner=s, **BERLIN)
        make_scan(private, pqr, at(DAY, 9), scanner=s)
    build_cells()
    return shop


def build_cells():
    """What the worker does when a report asked for a rebuild (oi_admin.tasks.scan_cells_rebuild)."""
    scan_cells_ensure(start=WINDOW.start, end=WINDOW.end)


def test_rows_meet_k_and_split_is_all_or_nothing(scans):
    rows = monetization_rows(WINDOW)
    assert [(r["city"], r["device_type"]) for r in rows] == [("Chicago", "mobile"), ("London", "desktop")]
    chicago, london = rows
    assert chicago["day"] == DAY
    assert chicago["scanners"] == 7 and chicago["total_scans"] == 14
    assert (chicago["night_scans"], chicago["morning_scans"], chicago["afternoon_scans"],
            chicago["evening_scans"]) == (3, 5, 3, 3)
    assert london["scanners"] == 5 and london["total_scans"] == 5
    # Publishing morning=4 next to total=5 would reveal the lone evening scanner.
    assert [london[f"{p}_scans"] for p in ("night", "morning", "afternoon", "evening")] == [None] * 4


def test_no_identity_and_no_coarser_totals(scans):
    for row in monetization_rows(WINDOW):
        assert not {"organization", "organization_id", "qr_code", "qr_code_id", "company_name",
                    "latitude", "longitude", "unique_qr_codes"} & set(row)
    # Only (day, location, device) rows: no per-day / per-country total rows.
    keys = [(r["day"], r["country_code"], r["state"], r["city"], r["device_type"]) for r in monetization_rows(WINDOW)]
    assert len(keys) == len(set(keys)) and all(k[3] for k in keys)


def test_k_is_configurable_and_never_below_two(scans, settings):
    settings.MONETIZATION_K = 6
    assert [r["city"] for r in monetization_rows(WINDOW)] == ["Chicago"]
    assert monetization_rows(WINDOW)[0]["morning_scans"] is None  # dayparts have < 6 scanners
    settings.MONETIZATION_K = 1
    assert monetization_k() == 2


def test_opting_out_later_removes_the_data_from_the_next_export(scans):
    assert monetization_rows(WINDOW)
    Organization.objects.filter(pk=scans.pk).update(data_sharing_opted_out=True)
    assert DAY in stale_days(start=WINDOW.start, end=WINDOW.end)
    # At once, before any worker ran: a day built before the opt-out is left out, not sold.
    assert monetization_rows(WINDOW) == []
    build_cells()
    assert monetization_rows(WINDOW) == []


def test_opted_back_in_data_returns(scans):
    Organization.objects.filter(company_name="Private").update(data_sharing_opted_out=False)
    assert monetization_rows(WINDOW) == []  # built with the old opted-out set: left out until rebuilt
    build_cells()
    rows = {(r["city"]): r for r in monetization_rows(WINDOW)}
    assert rows["Berlin"]["scanners"] == 5
    assert rows["Chicago"]["scanners"] == 12  # 7 + the 5 private scanners


def test_cells_are_rebuilt_not_duplicated(scans):
    scan_cells_build(start=DAY, end=DAY)
    scan_cells_build(start=DAY, end=DAY)
    assert ScanCellDay.objects.filter(day=DAY).count() == 1
    assert monetization_rows(WINDOW)[0]["total_scans"] == 14


def test_beat_task_builds_recent_days(db):
    from oi_admin.models import ScanCell
    from oi_admin.tasks import scan_cells_refresh

    org = make_org("Fresh", "medium_business")
    qr = make_qrs(org, 1)[0]
    make_scan(org, qr, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), scanner="now")
    scan_cells_refresh()
    assert ScanCell.objects.filter(daypart="").get().scans == 1
    assert scan_cells_refresh() == 0  # fresh: nothing rebuilt
