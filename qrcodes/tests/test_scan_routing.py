"""Smart destinations on the real scan path (`/s/` and the scan API): each phone to its store,
the rule and variant stored on the one INSERT, GeoIP only for codes with a country rule, the
ended page of a used-up code, and a plain code that pays nothing for the feature."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qrcodes import scanning
from qrcodes.models import QRCode, ScanEvent
from qrcodes.routing import RULE_USED_UP, routing_parse
from qrcodes.tests.conftest import ANDROID, DESKTOP, IPHONE, LONDON_IP, MINNEAPOLIS_IP

APPS = {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://apps.apple.com/app/pizza"},
                  {"kind": "device", "devices": ["android"], "url": "https://play.google.com/store/apps/pizza"},
                  {"kind": "split", "variants": [{"url": "https://pizzapalace.com/a", "weight": 50},
                                                 {"url": "https://pizzapalace.com/b", "weight": 50}]}]}


def _route(qr: QRCode, routing: dict) -> None:
    QRCode.all_orgs.filter(pk=qr.pk).update(routing=routing_parse(routing))
    caches["scan_lookup"].clear()


def _scan(qr: QRCode, ua: str, ip: str = MINNEAPOLIS_IP, **headers):
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **headers).get(f"/s/{qr.short_code}")


@pytest.mark.django_db
def test_each_phone_goes_to_its_store_and_desktops_split(qr_a):
    _route(qr_a, APPS)
    assert _scan(qr_a, IPHONE)["Location"] == "https://apps.apple.com/app/pizza"
    assert _scan(qr_a, ANDROID)["Location"] == "https://play.google.com/store/apps/pizza"
    desktops = {_scan(qr_a, DESKTOP, ip=f"203.0.113.{i}")["Location"] for i in range(1, 40)}
    assert desktops == {"https://pizzapalace.com/a", "https://pizzapalace.com/b"}
    rows = list(ScanEvent.all_orgs.order_by("id").values_list("rule", "variant"))
    assert rows[:2] == [(0, None), (1, None)]
    assert {r for r in rows[2:]} == {(2, 0), (2, 1)}


@pytest.mark.django_db
def test_a_scanner_keeps_its_variant(qr_a):
    _route(qr_a, APPS)
    first = _scan(qr_a, DESKTOP, ip="198.51.100.7")["Location"]
    assert all(_scan(qr_a, DESKTOP, ip="198.51.100.7")["Location"] == first for _ in range(5))


@pytest.mark.django_db
def test_country_rules_use_geoip_on_the_request_only_when_needed(qr_a, monkeypatch):
    calls = []
    real = scanning.geoip_lookup
    monkeypatch.setattr(scanning, "geoip_lookup", lambda ip: calls.append(ip) or real(ip))
    _route(qr_a, APPS)
    _scan(qr_a, DESKTOP, ip=LONDON_IP)
    assert calls == []  # no country rule: no GeoIP on the request
    _route(qr_a, {"rules": [{"kind": "country", "countries": ["GB"], "url": "https://pizzapalace.co.uk/"}]})
    assert _scan(qr_a, DESKTOP, ip=LONDON_IP)["Location"] == "https://pizzapalace.co.uk/"
    assert _scan(qr_a, DESKTOP, ip=MINNEAPOLIS_IP)["Location"] == "https://pizzapalace.com/menu"
    assert calls == [LONDON_IP, MINNEAPOLIS_IP]


@pytest.mark.django_db
def test_language_rule_reads_accept_language(qr_a):
    _route(qr_a, {"rules": [{"kind": "language", "languages": ["es"], "url": "https://pizzapalace.com/es"}]})
    assert _scan(qr_a, IPHONE, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")["Location"] == "https://pizzapalace.com/es"
    assert _scan(qr_a, IPHONE, HTTP_ACCEPT_LANGUAGE="en-US")["Location"] == "https://pizzapalace.com/menu"


@pytest.mark.django_db
def test_a_used_up_code_shows_the_ended_page_and_still_records_the_scan(qr_a, org_a):
    _route(qr_a, {"limits": {"max_scans": 3}})
    QRCode.all_orgs.filter(pk=qr_a.pk).update(total_scans=3)
    caches["scan_lookup"].clear()
    r = _scan(qr_a, IPHONE)
    assert r.status_code == 410 and "has ended" in r.content.decode() and org_a.company_name in r.content.decode()
    assert ScanEvent.all_orgs.get().rule == RULE_USED_UP
    api = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR=MINNEAPOLIS_IP).get(f"/api/qrcodes/scan/{qr_a.pk}")
    assert api.status_code == 410 and api.json()["error"] == "gone"


@pytest.mark.django_db
def test_the_scan_api_follows_the_rules_too(qr_a):
    _route(qr_a, APPS)
    r = Client(HTTP_USER_AGENT=ANDROID, REMOTE_ADDR=MINNEAPOLIS_IP).get(f"/api/qrcodes/scan/{qr_a.pk}")
    assert r.json()["destination"] == "https://play.google.com/store/apps/pizza"


@pytest.mark.django_db
def test_rules_are_compiled_once_per_cache_fill(qr_a, monkeypatch, settings):
    settings.SCAN_SYNCHRONOUS_COMMIT = False
    _route(qr_a, APPS)
    compiled = []
    real = scanning.routing_compile
    monkeypatch.setattr(scanning, "routing_compile", lambda r: compiled.append(1) or real(r))
    for _ in range(5):
        _scan(qr_a, DESKTOP)
    assert len(compiled) == 1
    with CaptureQueriesContext(connection) as ctx:
        _scan(qr_a, IPHONE)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and "INSERT" in statements[0]  # the rules cost no query


@pytest.mark.django_db
def test_a_plain_code_pays_nothing_for_the_feature(qr_a, monkeypatch):
    monkeypatch.setattr(scanning, "device_info", lambda ua: pytest.fail("parsed a user agent for a plain code"))
    r = _scan(qr_a, IPHONE)
    assert r["Location"] == "https://pizzapalace.com/menu"
    assert ScanEvent.all_orgs.values_list("rule", "variant").get() == (None, None)
