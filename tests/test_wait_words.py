"""Waits are told in words on every 429 a person reads (issue 13): the registration page, the
scan flood page and the API's throttled detail; the exact seconds stay in Retry-After."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from core.humanize import wait_words
from core.scoping import bind_organization
from core.throttles import redis_breaker
from qrcodes.services import qr_code_create

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture(autouse=True)
def _clean():
    caches["scan_lookup"].clear()
    redis_breaker.reset()
    yield
    caches["scan_lookup"].clear()
    redis_breaker.reset()


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}


def registration(i: int) -> dict:
    return {"company_name": f"Co {i}", "company_email": f"hq{i}@words.example", "full_name": "Ann Owner",
            "email": f"ann{i}@words.example", "password": "a-long-passphrase-9", "plan_type": "small_business"}


def test_registration_page_says_minutes_not_seconds(db, settings):
    _rates(settings, register="1/hour")
    client = Client(REMOTE_ADDR="203.0.113.80")
    assert client.post("/register", registration(1)).status_code == 302
    r = Client(REMOTE_ADDR="203.0.113.80").post("/register", registration(2))
    assert r.status_code == 429
    wait = int(r["Retry-After"])
    html = r.content.decode()
    assert f"Too many attempts from your network. Try again in {wait_words(wait)}." in html
    assert "seconds" not in html and wait_words(wait) in ("1 hour", "59 minutes")


def test_api_throttled_detail_in_words_and_header_in_seconds(db, settings):
    _rates(settings, register="1/hour")
    client = APIClient(REMOTE_ADDR="203.0.113.81")
    assert client.post("/api/auth/register", registration(3), format="json").status_code == 201
    r = client.post("/api/auth/register", registration(4), format="json")
    assert r.status_code == 429
    assert 3000 < int(r["Retry-After"]) <= 3600
    assert r.json() == {"error": "throttled", "detail": f"Too many requests. Try again in {wait_words(int(r['Retry-After']))}."}


def test_scan_flood_page_says_the_wait_in_words(org_a, admin_a, settings):
    with bind_organization(org_a):
        qr = qr_code_create(organization=org_a, actor=admin_a, data={"name": "Door", "qr_url": "https://pizzapalace.com/"})
    settings.SCAN_FLOOD_LIMIT = 1
    phone = Client(REMOTE_ADDR="198.51.100.90", HTTP_USER_AGENT=IPHONE)
    assert phone.get(f"/s/{qr.short_code}").status_code == 302
    r = phone.get(f"/s/{qr.short_code}")
    assert r.status_code == 429
    wait = int(r["Retry-After"])
    assert f"Please wait {wait_words(wait)} and scan" in r.content.decode()
