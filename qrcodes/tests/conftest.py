"""Fixtures for the qrcodes tests: QR codes made through the service, and raw scans."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from core.scoping import bind_organization
from qrcodes import enrichment
from qrcodes.services import qr_code_create

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/116.0.0.0 Mobile Safari/537.36")
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36")
MINNEAPOLIS_IP = "128.101.101.101"
LONDON_IP = "81.2.69.142"


@pytest.fixture(autouse=True)
def _fresh_scan_caches():
    caches["scan_lookup"].clear()
    enrichment.device_info.cache_clear()
    yield
    caches["scan_lookup"].clear()


def make_qr(org, user, **data):
    data.setdefault("name", "Front Door Menu")
    data.setdefault("qr_url", "https://pizzapalace.com/menu")
    with bind_organization(org):
        return qr_code_create(organization=org, actor=user, data=data)


@pytest.fixture
def qr_a(org_a, admin_a):
    return make_qr(org_a, admin_a)


@pytest.fixture
def qr_b(org_b, admin_b):
    return make_qr(org_b, admin_b, name="Hotel Lobby", qr_url="https://hotel.example/lobby")


@pytest.fixture
def scanner():
    """A phone: anonymous client with a mobile user agent and a public IP."""
    return Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR=MINNEAPOLIS_IP)
