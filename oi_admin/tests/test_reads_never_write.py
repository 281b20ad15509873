"""Reads never write: a console report (or the staff scans API) over stale daily cells returns
what the cells have, writes nothing and takes no lock in the request, and asks a worker to
rebuild the stale days after it (once per range while that request is in flight)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as KombuOperationalError

from conftest import api_client_for
from core.scoping import bind_organization
from oi_admin import tasks
from oi_admin.cells import stale_days
from oi_admin.models import ScanCell, ScanCellDay
from oi_admin.selectors import Window
from oi_admin.tests.conftest import at, client_for, make_org, make_qrs, make_scan

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|LOCK|CREATE|DROP|ALTER)\b|pg_advisory|FOR (NO KEY )?UPDATE",
                    re.IGNORECASE)
DAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)


@pytest.fixture
def queued(monkeypatch):
    """The rebuilds asked for, instead of sending them to a broker."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(tasks.scan_cells_rebuild, "delay", lambda start, end: sent.append((start, end)))
    return sent


@pytest.fixture
def scans(db):
    org = make_org("Geo", "enterprise")
    qr = make_qrs(org, 1)[0]
    for s in ("a", "b", "c"):
        make_scan(org, qr, at(DAY, 9), scanner=s)
    return org


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if WRITES.search(q["sql"])]


@pytest.mark.parametrize("url", ["/admin/reports/geo/", "/admin/reports/monetization/"])
def test_a_report_over_stale_cells_writes_nothing_and_queues_a_rebuild(
        analyst, scans, queued, url, django_capture_on_commit_callbacks):
    client = client_for(analyst)
    window = Window.last_days(30)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert writes(ctx) == []
    assert not ScanCell.objects.exists() and not ScanCellDay.objects.exists()
    assert callbacks  # sent after the request's transaction, never inside it
    assert queued == [(window.start.isoformat(), window.end.isoformat())]  # once, however many reads asked
    assert any("being rebuilt" in note for note in response.context["notes"])


def test_the_worker_builds_what_was_asked_and_the_next_view_shows_it(
        analyst, scans, queued, django_capture_on_commit_callbacks):
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/admin/reports/geo/").context["rows"] == []
    tasks.scan_cells_rebuild(*queued[0])  # what the Celery worker runs
    assert stale_days(start=Window.last_days(30).start, end=DAY) == []
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get("/admin/reports/geo/")
    cities = [{c.key: v for c, v, _detail, _limit in row["cells"]} for row in response.context["rows"]]
    assert [(r["city"], r["scan_count"]) for r in cities] == [("Chicago", 3)]
    # Days after DAY have no scans but are still built (empty), so nothing is stale any more.
    assert callbacks == [] and queued == []
    assert not any("being rebuilt" in note for note in response.context["notes"])


def test_one_rebuild_in_flight_per_range(analyst, scans, queued, django_capture_on_commit_callbacks):
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/admin/reports/geo/")
        client.get("/admin/reports/geo/")
        client.get("/admin/reports/monetization/")
    assert len(queued) == 1
    tasks.scan_cells_rebuild(*queued[0])  # done: the marker is cleared, a later staleness asks again
    ScanCellDay.objects.filter(day=DAY).delete()
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/admin/reports/geo/")
    assert queued[1:] == [(DAY.isoformat(), DAY.isoformat())]


def test_the_staff_scans_api_writes_nothing_either(superuser, scans, queued, django_capture_on_commit_callbacks):
    client = api_client_for(superuser)
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/admin/scans/global").json()
    assert body["results"] == [] and writes(ctx) == []
    assert len(queued) == 1


def test_with_the_broker_down_the_report_still_answers_and_asks_again_later(
        analyst, scans, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.scan_cells_rebuild, "delay", down)
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get("/admin/reports/geo/").status_code == 200
    sent = []
    monkeypatch.setattr(tasks.scan_cells_rebuild, "delay", lambda start, end: sent.append((start, end)))
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/admin/reports/geo/")
    assert len(sent) == 1  # the failed request left no marker behind


def test_deleting_a_qr_code_makes_the_cells_of_its_days_stale_and_a_rebuild_matches(scans):
    """The console's daily cells are a rollup too: after a QR code goes, the days its scans fell
    on are rebuilt (on the next report or by beat) to what a fresh build gives."""
    from oi_admin.cells import scan_cells_build, scan_cells_ensure
    from qrcodes.models import QRCode
    from qrcodes.services import qr_code_delete
    from tenants.models import User

    org = scans
    other = make_qrs(org, 1)[0]
    make_scan(org, other, at(DAY, 15), scanner="d")
    scan_cells_ensure(start=DAY, end=DAY)
    assert stale_days(start=DAY, end=DAY) == []
    admin = User.objects.filter(organization=org).first() or User.objects.create_user(
        email="geo-admin@x.example", organization=org, role="Admin")
    admin.role = "Admin"
    admin.save(update_fields=["role"])
    with bind_organization(org):
        doomed = QRCode.objects.exclude(pk=other.pk).get()
        qr_code_delete(organization=org, actor=admin, qr_code_id=doomed.pk)
    assert stale_days(start=DAY, end=DAY) == [DAY]
    scan_cells_ensure(start=DAY, end=DAY)
    after_delete = sorted(ScanCell.objects.values_list("day", "daypart", "city", "scans"))
    scan_cells_build(start=DAY, end=DAY)  # from scratch
    assert after_delete == sorted(ScanCell.objects.values_list("day", "daypart", "city", "scans"))
    assert sum(c.scans for c in ScanCell.objects.filter(daypart="")) == 1  # only the other code's scan
