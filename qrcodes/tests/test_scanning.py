"""The request path of a scan: redirect at once, capture with one INSERT (no enrichment, no
counter UPDATE, no broker), friendly 404/410 pages, privacy of the stored IP, and durability
with Redis down: the sweep counts the scans later."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.scoping import bind_organization
from outbound_impact.celery import app as celery_app
from qrcodes.enrichment import ip_for_storage, ip_hash
from qrcodes.models import ScanEvent
from qrcodes.services import qr_code_set_status
from qrcodes.tasks import scan_sweep
from qrcodes.tests.conftest import IPHONE, MINNEAPOLIS_IP, make_qr
from tenants.models import Organization
from uploads.models import UploadedFile

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_scan_redirects_and_stores_only_the_raw_capture(qr_a, scanner, org_a):
    r = scanner.get(f"/s/{qr_a.short_code}", HTTP_REFERER="https://instagram.com/p/1")
    assert r.status_code == 302
    assert r["Location"] == "https://pizzapalace.com/menu"
    assert r["Cache-Control"] == "no-store"
    e = ScanEvent.all_orgs.get()
    assert (e.qr_code_id, e.organization_id, e.method) == (qr_a.pk, org_a.pk, "GET")
    assert e.user_agent == IPHONE and e.referrer_url == "https://instagram.com/p/1"
    assert e.ip_address == "128.101.101.0"  # truncated by default
    assert e.ip_hash == ip_hash(MINNEAPOLIS_IP) and len(e.ip_hash) == 64
    # Nothing else happened on the request: no GeoIP, no UA parsing, no counters.
    assert (e.classification, e.city, e.device_type, e.enriched_at, e.counted_at) == ("pending", "", "", None, None)
    qr_a.refresh_from_db()
    org_a.refresh_from_db()
    assert (qr_a.total_scans, qr_a.last_scanned_at, org_a.total_qr_scans) == (0, None, 0)


def _statements(ctx) -> list[str]:
    # Savepoints exist only because each test runs inside a transaction.
    return [q["sql"].split(" ")[0] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_async_commit_scan_costs_one_round_trip_once_the_lookup_is_cached(qr_a, scanner, settings):
    settings.SCAN_SYNCHRONOUS_COMMIT = False
    with CaptureQueriesContext(connection) as cold:
        assert scanner.get(f"/s/{qr_a.short_code}").status_code == 302
    assert _statements(cold) == ["SELECT", "SET"]  # the lookup; then one round trip:
    with CaptureQueriesContext(connection) as warm:
        assert scanner.get(f"/s/{qr_a.short_code}").status_code == 302
    assert [q["sql"].split(";")[0] for q in warm.captured_queries] == ["SET LOCAL synchronous_commit TO OFF"]
    assert '; INSERT INTO "qr_scan_events"' in warm.captured_queries[0]["sql"]


def test_scan_is_one_durable_insert_by_default(qr_a, scanner):
    scanner.get(f"/s/{qr_a.short_code}")
    with CaptureQueriesContext(connection) as warm:
        assert scanner.get(f"/s/{qr_a.short_code}").status_code == 302
    assert _statements(warm) == ["INSERT"]
    assert ScanEvent.all_orgs.count() == 2


def test_head_requests_are_recorded_for_later_bot_classification(qr_a, scanner):
    assert scanner.head(f"/s/{qr_a.short_code}").status_code == 302
    assert ScanEvent.all_orgs.get().method == "HEAD"


def test_unknown_code_is_a_friendly_404(db, scanner):
    for code in ("doesnotexist", "bad!code", "x" * 40):
        r = scanner.get(f"/s/{code}")
        assert r.status_code == 404
        assert b"We couldn't find this QR code" in r.content
    assert not ScanEvent.all_orgs.exists()


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_paused_or_archived_code_is_a_friendly_410_without_redirect_or_event(qr_a, scanner, org_a, admin_a, status):
    assert scanner.get(f"/s/{qr_a.short_code}").status_code == 302  # cached as live ...
    with bind_organization(org_a):
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, status=status)
    r = scanner.get(f"/s/{qr_a.short_code}")  # ... and the service dropped the cached entry
    assert r.status_code == 410
    assert "Location" not in r
    assert b"no longer active" in r.content
    assert ScanEvent.all_orgs.count() == 1


def test_suspended_organization_is_a_410(qr_a, scanner, org_a):
    Organization.objects.filter(pk=org_a.pk).update(status="suspended")
    r = scanner.get(f"/s/{qr_a.short_code}")
    assert r.status_code == 410
    assert not ScanEvent.all_orgs.exists()


def test_linked_content_redirects_to_the_content_page(org_a, admin_a, scanner):
    upload = UploadedFile.all_orgs.create(
        organization=org_a, file_name="menu.pdf", file_type="pdf", file_size_bytes=1, storage_path="x/menu.pdf"
    )
    qr = make_qr(org_a, admin_a, qr_url="", linked_content_id=str(upload.pk))
    r = scanner.get(f"/s/{qr.short_code}")
    assert r.status_code == 302 and r["Location"] == f"/c/{qr.short_code}"
    assert ScanEvent.all_orgs.filter(qr_code=qr).count() == 1


def test_post_to_the_redirect_is_refused(qr_a, scanner):
    assert scanner.post(f"/s/{qr_a.short_code}").status_code == 405
    assert not ScanEvent.all_orgs.exists()


def test_full_ip_is_kept_only_when_configured(qr_a, scanner, settings):
    settings.SCAN_STORE_FULL_IP = True
    scanner.get(f"/s/{qr_a.short_code}")
    assert ScanEvent.all_orgs.get().ip_address == MINNEAPOLIS_IP


def test_ip_truncation():
    assert ip_for_storage("203.0.113.45") == "203.0.113.0"
    assert ip_for_storage("2001:db8:1234:5678:9abc:def0:1234:5678") == "2001:db8:1234::"
    assert ip_for_storage("not an ip") is None and ip_for_storage(None) is None
    assert ip_hash("203.0.113.45") != ip_hash("203.0.113.46")


def test_forwarded_for_is_ignored_without_a_trusted_proxy(qr_a):
    Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="81.2.69.142").get(f"/s/{qr_a.short_code}")
    assert ScanEvent.all_orgs.get().ip_hash == ip_hash("198.51.100.7")


def test_scan_api_get_and_post(qr_a):
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT=IPHONE)
    r = client.get(f"/api/qrcodes/scan/{qr_a.pk}")
    assert r.status_code == 200
    assert r.json() == {"qr_code_id": str(qr_a.pk), "destination": "https://pizzapalace.com/menu"}
    r = client.post(f"/api/qrcodes/scan/{qr_a.pk}", {"referrer": "instagram.com"}, content_type="application/json")
    assert r.status_code == 200
    assert list(ScanEvent.all_orgs.order_by("id").values_list("method", "referrer_url")) == [
        ("GET", ""), ("POST", "instagram.com")
    ]


def test_scan_api_errors(qr_a, org_a, admin_a):
    client = Client()
    for path in ("/api/qrcodes/scan/not-a-uuid", "/api/qrcodes/scan/00000000-0000-0000-0000-000000000000"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.post(f"/api/qrcodes/scan/{qr_a.pk}", {"referrer": ["x"]}, content_type="application/json")
    assert r.status_code == 400
    with bind_organization(org_a):
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, status="paused")
    r = client.get(f"/api/qrcodes/scan/{qr_a.pk}")
    assert r.status_code == 410 and r.json()["error"] == "gone"
    assert not ScanEvent.all_orgs.exists()


@pytest.fixture
def redis_down(settings):
    """Broker and cache both pointed at a closed port."""
    old = celery_app.conf.broker_url
    celery_app.conf.broker_url = DEAD_REDIS
    settings.CELERY_BROKER_URL = DEAD_REDIS
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    _reset_broker_pools()
    yield
    celery_app.conf.broker_url = old
    _reset_broker_pools()


def _reset_broker_pools() -> None:
    # Drop pooled broker connections so the next publish connects to the current broker_url.
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_with_redis_down_scans_redirect_fast_and_the_sweep_counts_them_later(qr_a, qr_b, org_a, redis_down):
    phones = [Client(REMOTE_ADDR=f"198.51.100.{i}", HTTP_USER_AGENT=IPHONE) for i in range(1, 21)]
    started = time.perf_counter()
    for i, phone in enumerate(phones):
        r = phone.get(f"/s/{(qr_a if i % 2 else qr_b).short_code}")
        assert r.status_code == 302
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"20 scans took {elapsed:.2f}s with Redis down"
    # Publishing would fail now (the request path never tries); the raw events wait.
    with pytest.raises(Exception):  # noqa: B017 - kombu raises its own connection errors
        scan_sweep.apply_async(retry=False)
    assert ScanEvent.all_orgs.filter(counted_at__isnull=True).count() == 20
    # When beat and a worker are back, one sweep counts everything that was missed.
    assert scan_sweep.apply().get() == 20
    qr_a.refresh_from_db()
    qr_b.refresh_from_db()
    org_a.refresh_from_db()
    assert (qr_a.total_scans, qr_b.total_scans, org_a.total_qr_scans) == (10, 10, 10)
    assert not ScanEvent.all_orgs.filter(counted_at__isnull=True).exists()
