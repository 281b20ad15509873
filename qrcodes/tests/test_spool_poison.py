"""Issue 11: bad input never reaches the database, and never poisons the scan spool.

- The capture path (/s/<code> and the scan API) cleans every text it stores: a NUL byte or a
  lone surrogate in a Referer, a User-Agent or a posted referrer is removed/replaced, and the
  scan is stored at once (PostgreSQL text cannot hold either; the INSERT used to fail).
- Only a database outage (OperationalError / InterfaceError) spools a scan; a refused row
  (DataError, IntegrityError) is dropped and logged, never queued.
- The drain moves an item it cannot insert to the dead-letter list next to the spool key and
  goes on with the rest; the dead-letter count shows in /healthz and in the OI console."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid

import pytest
from django.core.cache import caches
from django.db import DataError, IntegrityError, OperationalError, connection
from django.test import Client, RequestFactory
from redis.exceptions import RedisError

from oi_admin.tests.conftest import client_for, make_staff
from qrcodes.counting import scan_spool_drain
from qrcodes.models import ScanEvent
from qrcodes.scanning import scan_capture, scan_spool_client, scan_target_for_id
from qrcodes.tasks import scan_sweep
from qrcodes.tests.conftest import IPHONE

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def spool(settings):
    settings.SCAN_SPOOL_KEY = f"test-scan-spool-{uuid.uuid4().hex}"
    caches["scan_lookup"].clear()
    yield settings.SCAN_SPOOL_KEY
    with contextlib.suppress(RedisError):
        scan_spool_client().delete(settings.SCAN_SPOOL_KEY, f"{settings.SCAN_SPOOL_KEY}:dead")


def dead_key(spool: str) -> str:
    return f"{spool}:dead"


def fail_insert(error: type[Exception], message: str = "refused"):
    def wrapper(execute, sql, params, many, context):
        if "INSERT INTO qr_scan_events" in sql or 'INSERT INTO "qr_scan_events"' in sql:
            raise error(message)
        return execute(sql, params, many, context)
    return wrapper


def phone(i: int = 1, **headers) -> Client:
    return Client(**{"REMOTE_ADDR": f"198.51.100.{i}", "HTTP_USER_AGENT": IPHONE, **headers})


def spooled_items(spool: str, qr, n: int) -> list[bytes]:
    """n genuine spool items, made the way a real outage makes them."""
    phone(200).get(f"/s/{qr.short_code}")  # cache the lookup first
    ScanEvent.all_orgs.all().delete()
    with connection.execute_wrapper(fail_insert(OperationalError, "server closed the connection")):
        for i in range(n):
            assert phone(i + 1).get(f"/s/{qr.short_code}").status_code == 302
    items = scan_spool_client().lrange(spool, 0, -1)
    scan_spool_client().delete(spool)
    assert len(items) == n
    return items


def poisoned(item: bytes, **changes) -> bytes:
    row = json.loads(item)
    row.update(changes)
    return json.dumps(row).encode()


# --- capture: clean before the INSERT ---------------------------------------------------------

@pytest.mark.parametrize("body, content_type", [
    ('{"referrer": "a\\u0000b"}', "application/json"),
    ('{"referrer": "a\\ud800b"}', "application/json"),  # a lone surrogate: not encodable as UTF-8
])
def test_the_scan_api_stores_a_junk_referrer_cleaned_and_spools_nothing(qr_a, spool, body, content_type):
    r = phone(7).post(f"/api/qrcodes/scan/{qr_a.pk}", body, content_type=content_type)
    assert scan_spool_client().llen(spool) == 0
    if r.status_code == 400:  # a request parser may refuse the body outright: then nothing is stored
        assert r.json()["error"] and not ScanEvent.all_orgs.exists()
        return
    assert r.status_code == 200
    event = ScanEvent.all_orgs.get()
    assert event.referrer_url in ("ab", "a\ufffdb")
    assert event.user_agent == IPHONE


def test_a_scan_with_nul_in_referer_and_user_agent_is_stored_cleaned(qr_a, spool):
    r = phone(HTTP_REFERER="https://a\x00b.example/", HTTP_USER_AGENT="Mozilla/5.0\x00 (iPhone)").get(
        f"/s/{qr_a.short_code}")
    assert r.status_code == 302 and r["Location"] == "https://pizzapalace.com/menu"
    event = ScanEvent.all_orgs.get()
    assert event.referrer_url == "https://ab.example/" and event.user_agent == "Mozilla/5.0 (iPhone)"
    assert scan_spool_client().llen(spool) == 0


def test_the_capture_cleans_on_its_own_whatever_the_request_parser_let_through(qr_a, spool):
    # No parser in front: the capture itself is the one place that cleans what it stores.
    request = RequestFactory().post("/", HTTP_USER_AGENT="bot\x00\ud800", REMOTE_ADDR="198.51.100.9")
    scan_capture(target=scan_target_for_id(qr_a.pk), request=request, referrer="x\x00\udfffy")
    event = ScanEvent.all_orgs.get()
    assert (event.user_agent, event.referrer_url) == ("bot\ufffd", "x\ufffdy")
    assert scan_spool_client().llen(spool) == 0


def test_a_clean_scan_is_stored_unchanged(qr_a):
    phone(HTTP_REFERER="https://instagram.com/p/é?q=1").get(f"/s/{qr_a.short_code}")
    event = ScanEvent.all_orgs.get()
    assert (event.referrer_url, event.user_agent) == ("https://instagram.com/p/é?q=1", IPHONE)


@pytest.mark.parametrize("error", [DataError, IntegrityError])
def test_a_refused_row_is_dropped_and_logged_never_spooled(qr_a, spool, error, caplog):
    phone().get(f"/s/{qr_a.short_code}")  # the lookup is cached now
    with caplog.at_level(logging.ERROR, "qrcodes.scanning"), connection.execute_wrapper(fail_insert(error)):
        r = phone(2).get(f"/s/{qr_a.short_code}")
    assert r.status_code == 302  # the person still gets where they were going
    assert scan_spool_client().llen(spool) == 0
    assert ScanEvent.all_orgs.count() == 1
    assert any("refused" in rec.getMessage() for rec in caplog.records)


# --- the drain: a bad item goes to the dead-letter list, the rest go on ------------------------

def test_a_poisoned_spool_item_no_longer_blocks_the_drain(qr_a, org_a, spool, caplog, client):
    good = spooled_items(spool, qr_a, 4)
    nul = poisoned(good[0], referrer_url="a\x00b")  # what the old capture spooled for "a\u0000b"
    surrogate = good[1].replace(b'"referrer_url": ""', b'"referrer_url": "\\ud800"')
    assert surrogate != good[1]
    garbage = b"\xff not json"
    scan_spool_client().rpush(spool, nul, good[0], surrogate, good[1], garbage, good[2], good[3])

    with caplog.at_level(logging.ERROR, "qrcodes.counting"):
        assert scan_spool_drain() == 4
    assert scan_spool_client().llen(spool) == 0
    assert scan_spool_client().lrange(dead_key(spool), 0, -1) == [nul, surrogate, garbage]
    assert sum("dead-letter" in rec.getMessage() for rec in caplog.records) == 3
    assert ScanEvent.all_orgs.count() == 4

    # Nothing left to block on: the next sweep counts the four and the dead letters stay put.
    assert scan_sweep.apply().get() == 4
    org_a.refresh_from_db()
    assert org_a.total_qr_scans == 4
    assert scan_spool_client().llen(dead_key(spool)) == 3

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["scan_spool"] == {"queued": 0, "dead_letter": 3}

    page = client_for(make_staff("root@outboundimpact.com", superuser=True)).get("/admin/reports/")
    assert page.status_code == 200
    assert "3 scans in the dead-letter list" in page.content.decode()


def test_the_drain_keeps_items_while_the_database_is_down(qr_a, spool):
    good = spooled_items(spool, qr_a, 2)
    scan_spool_client().rpush(spool, *good)
    with connection.execute_wrapper(fail_insert(OperationalError, "server closed the connection")), \
            contextlib.suppress(OperationalError):
        scan_spool_drain()
    assert scan_spool_client().llen(spool) == 2 and scan_spool_client().llen(dead_key(spool)) == 0
    assert scan_spool_drain() == 2  # and once it is back they are stored
    assert ScanEvent.all_orgs.count() == 2


def test_healthz_reports_an_empty_dead_letter_list(client, spool):
    body = client.get("/healthz").json()
    assert body["scan_spool"] == {"queued": 0, "dead_letter": 0}
