"""Issue 13: weeks and months the range cuts (or that are not over yet) are marked `partial`
and keep their own counts: never scaled to a full week, never smoothed."""

import datetime as dt

import pytest

from analytics import periods, selectors
from analytics.filters import DashboardFilters
from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from core.scoping import bind_organization

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(periods, "now", lambda: dt.datetime(2025, 12, 10, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def org(ent_org, org_b):
    qr = make_qr(ent_org, "Door")
    # 8 scans a day from Nov 3 (Mon) to Dec 10, a steady 56 a week
    events = [make_scan(ent_org, qr, dt.datetime(2025, 11, 3, 9, tzinfo=dt.UTC) + dt.timedelta(days=d, minutes=m))
              for d in range(38) for m in range(8)]
    rollup_scan_events(events)
    with bind_organization(ent_org):
        yield ent_org


def _series(org, date_from, date_to, interval):
    return selectors.scans_series(organization=org, filters=DashboardFilters(date_from, date_to), interval=interval)


def test_a_range_starting_mid_week_marks_its_first_week(org):
    # Wed Nov 5 .. Sun Nov 30: the week of Nov 3 has 5 days in range (40 scans), the rest 7 (56)
    weeks = _series(org, D(2025, 11, 5), D(2025, 11, 30), "week")
    assert [(p["period"], p["scans"], p["partial"]) for p in weeks] == [
        (D(2025, 11, 3), 40, True), (D(2025, 11, 10), 56, False), (D(2025, 11, 17), 56, False),
        (D(2025, 11, 24), 56, False)]
    assert (weeks[0]["first_day"], weeks[0]["last_day"]) == (D(2025, 11, 5), D(2025, 11, 9))
    assert (weeks[1]["first_day"], weeks[1]["last_day"]) == (D(2025, 11, 10), D(2025, 11, 16))


def test_a_range_ending_mid_week_marks_its_last_week(org):
    weeks = _series(org, D(2025, 11, 10), D(2025, 11, 26), "week")
    assert [(p["scans"], p["partial"]) for p in weeks] == [(56, False), (56, False), (24, True)]
    assert (weeks[-1]["first_day"], weeks[-1]["last_day"], weeks[-1]["in_progress"]) == (
        D(2025, 11, 24), D(2025, 11, 26), False)


def test_the_current_week_and_month_are_in_progress(org):
    # today is Wed Dec 10: its week (Dec 8-14) and month are not over
    weeks = _series(org, D(2025, 11, 10), D(2025, 12, 10), "week")
    last = weeks[-1]
    assert (last["period"], last["scans"], last["partial"], last["in_progress"]) == (D(2025, 12, 8), 24, True, True)
    assert last["last_day"] == D(2025, 12, 10)
    assert not any(p["partial"] for p in weeks[:-1])
    months = _series(org, D(2025, 11, 5), D(2025, 12, 10), "month")
    assert [(p["period"], p["scans"], p["partial"], p["in_progress"]) for p in months] == [
        (D(2025, 11, 1), 26 * 8, True, False), (D(2025, 12, 1), 10 * 8, True, True)]
    days = _series(org, D(2025, 12, 8), D(2025, 12, 10), "day")
    assert [p["partial"] for p in days] == [False, False, True]  # today is not over either


def test_whole_weeks_and_months_are_not_partial(org):
    weeks = _series(org, D(2025, 11, 3), D(2025, 11, 30), "week")
    assert [(p["scans"], p["partial"]) for p in weeks] == [(56, False)] * 4
    months = _series(org, D(2025, 11, 1), D(2025, 11, 30), "month")
    assert [(p["scans"], p["partial"]) for p in months] == [(30 * 8 - 2 * 8, False)]  # scans start Nov 3


def test_the_api_series_carries_the_marks(org, api_ent):
    body = api_ent.get("/api/analytics/scans?interval=week&from=2025-11-05&to=2025-11-30").json()
    first = body["series"][0]
    assert first["partial"] is True and first["first_day"] == "2025-11-05" and first["last_day"] == "2025-11-09"
    assert first["scans"] == 40
    assert [p["partial"] for p in body["series"][1:]] == [False, False, False]
