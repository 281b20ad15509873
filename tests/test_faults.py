"""Faults a user would notice, in bounded time: the database refusing statements (injected with
Django's execute_wrapper on the real PostgreSQL connection) and Redis unreachable.

- A scan whose INSERT fails still redirects; the capture waits in the Redis spool and the
  sweep stores it once, however often the drain is retried; with Redis down too it still
  redirects and is counted as lost.
- An uncached code with the database down, the API and the pages answer 503, never 500.

bench/faults.py does the same against real outages (Redis stopped, a worker SIGKILLed, the
database restarted) with numbers."""

from __future__ import annotations

import contextlib
import json
import uuid

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from redis.exceptions import RedisError
from rest_framework.test import APIClient

from core.scoping import bind_organization
from qrcodes.counting import scan_spool_drain
from qrcodes.models import QRCode, ScanEvent
from qrcodes.scanning import scan_spool_client, spool_stats
from qrcodes.services import qr_code_create
from qrcodes.tasks import scan_sweep
from tenants.tokens import tokens_for

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1")
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _spool(settings):
    settings.SCAN_SPOOL_KEY = f"test-scan-spool-{uuid.uuid4().hex}"
    caches["scan_lookup"].clear()
    yield settings.SCAN_SPOOL_KEY
    caches["scan_lookup"].clear()
    with contextlib.suppress(RedisError):  # a test may have pointed REDIS_URL at a dead port
        scan_spool_client().delete(settings.SCAN_SPOOL_KEY)


@pytest.fixture
def qr_a(org_a, admin_a):
    with bind_organization(org_a):
        return qr_code_create(organization=org_a, actor=admin_a,
                              data={"name": "Door", "qr_url": "https://pizzapalace.com/menu"})


def refuse(statement_start: str = ""):
    """An execute wrapper: statements starting with / containing `statement_start` fail as if
    the server had gone away (every statement when empty)."""
    def wrapper(execute, sql, params, many, context):
        if statement_start in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)
    return wrapper


def phone(i: int = 1) -> Client:
    return Client(REMOTE_ADDR=f"198.51.100.{i}", HTTP_USER_AGENT=IPHONE)


def test_a_scan_survives_a_refused_insert_and_is_stored_once_by_the_sweep(qr_a, org_a, _spool):
    phone().get(f"/s/{qr_a.short_code}")  # the lookup is cached now
    with connection.execute_wrapper(refuse('INSERT INTO "qr_scan_events"')):
        responses = [phone(i).get(f"/s/{qr_a.short_code}") for i in range(2, 6)]
    assert [r.status_code for r in responses] == [302] * 4
    assert all(r["Location"] == "https://pizzapalace.com/menu" for r in responses)
    assert ScanEvent.all_orgs.count() == 1
    assert scan_spool_client().llen(_spool) == 4

    assert scan_sweep.apply().get() == 5  # drains the spool, then counts everything
    assert scan_spool_client().llen(_spool) == 0
    qr_a.refresh_from_db()
    org_a.refresh_from_db()
    assert (qr_a.total_scans, org_a.total_qr_scans) == (5, 5)
    spooled = ScanEvent.all_orgs.exclude(ip_hash=ScanEvent.all_orgs.order_by("id").first().ip_hash)
    assert spooled.count() == 4 and all(e.user_agent == IPHONE for e in spooled)


def test_a_drain_that_died_before_trimming_inserts_nothing_twice(qr_a, _spool):
    with connection.execute_wrapper(refuse('INSERT INTO "qr_scan_events"')):
        for i in range(3):
            assert phone(i).get(f"/s/{qr_a.short_code}").status_code == 302
    items = scan_spool_client().lrange(_spool, 0, -1)
    assert scan_spool_drain() == 3
    # As if the worker died after its commit but before LTRIM: the same items are back.
    scan_spool_client().rpush(_spool, *items)
    assert scan_spool_drain() == 0
    assert ScanEvent.all_orgs.count() == 3 and scan_spool_client().llen(_spool) == 0


def test_spooled_scans_of_a_deleted_code_are_dropped(qr_a, org_a, admin_a, _spool):
    with connection.execute_wrapper(refuse('INSERT INTO "qr_scan_events"')):
        phone().get(f"/s/{qr_a.short_code}")
    QRCode.all_orgs.filter(pk=qr_a.pk).delete()
    assert scan_spool_drain() == 0
    assert scan_spool_client().llen(_spool) == 0


def test_with_the_database_and_redis_down_the_scan_still_redirects_and_is_counted_lost(qr_a, settings):
    phone().get(f"/s/{qr_a.short_code}")
    settings.REDIS_URL = DEAD_REDIS
    lost = spool_stats.lost
    with connection.execute_wrapper(refuse('INSERT INTO "qr_scan_events"')):
        r = phone(2).get(f"/s/{qr_a.short_code}")
    assert r.status_code == 302
    assert spool_stats.lost == lost + 1
    assert ScanEvent.all_orgs.count() == 1
    assert scan_spool_drain() == 0  # nothing to drain, no error with Redis down


def test_an_uncached_code_with_the_database_down_is_a_friendly_503(qr_a):
    with connection.execute_wrapper(refuse()):
        r = phone().get(f"/s/{qr_a.short_code}")
    assert r.status_code == 503
    assert r["Retry-After"] == "5"
    assert "We'll be right back" in r.content.decode()


def test_the_api_answers_503_when_the_database_is_down(admin_a):
    # raise_request_exception=False: see the response a user gets, not the exception Django
    # reports to the test client while it turns it into that response.
    api_a = APIClient(raise_request_exception=False)
    api_a.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(admin_a)['token']}")
    with connection.execute_wrapper(refuse()):
        r = api_a.get("/api/qrcodes")  # the JWT's user cannot be loaded
    assert r.status_code == 503
    assert r.json()["error"] == "service_unavailable" and r["Retry-After"] == "5"
    assert api_a.get("/api/qrcodes").status_code == 200  # and it is back by itself


def test_pages_answer_503_when_the_database_is_down(admin_a):
    client = Client(raise_request_exception=False)
    client.force_login(admin_a)
    with connection.execute_wrapper(refuse()):
        r = client.get("/dashboard")  # the session itself cannot be loaded
    assert r.status_code == 503 and "We'll be right back" in r.content.decode()
    with connection.execute_wrapper(refuse("qr_codes")):
        r = client.get("/qrcodes")  # the view's own query fails
    assert r.status_code == 503
    assert client.get("/qrcodes").status_code == 200


def test_the_spool_payload_is_the_raw_capture_only(qr_a, _spool):
    with connection.execute_wrapper(refuse('INSERT INTO "qr_scan_events"')):
        phone().get(f"/s/{qr_a.short_code}", HTTP_REFERER="https://instagram.com/p/1")
    row = json.loads(scan_spool_client().lindex(_spool, 0))
    assert row["qr_code_id"] == str(qr_a.pk) and row["referrer_url"] == "https://instagram.com/p/1"
    assert row["ip_address"] == "198.51.100.0"  # truncated, as stored
    assert row["classification"] == "pending" and row["counted_at"] is None
