"""Every JSON input added by issues 14-15 against hostile bodies: a 60,000-deep JSON array, a
NUL byte in a text field, and a date in year 9999 answer 400 {"error", "detail"} and change
nothing. (Two users' credentials in one request: tests/test_isolation_matrix.py, every write.)"""

from __future__ import annotations

import json

import pytest

from conftest import api_client_for
from qrcodes.models import DestinationVersion, QRCode
from studio.models import ArtworkVersion, BrandKit, QRDesign

pytestmark = pytest.mark.django_db

DEEP = "[" * 60_000 + "]" * 60_000


def _endpoints(qr) -> list[tuple[str, str]]:
    return [("put", f"/api/qrcodes/{qr.pk}/design"), ("patch", f"/api/qrcodes/{qr.pk}/design"),
            ("post", f"/api/qrcodes/{qr.pk}/design/check"), ("post", f"/api/qrcodes/{qr.pk}/artwork"),
            ("post", "/api/brand-kits"), ("post", "/api/qrcodes/artwork/zip"), ("post", "/api/qrcodes/artwork/sheet"),
            ("put", f"/api/qrcodes/{qr.pk}/rules"), ("post", f"/api/qrcodes/{qr.pk}/rules/test")]


def _nothing_changed() -> tuple:
    return (QRDesign.all_orgs.count(), ArtworkVersion.all_orgs.count(), BrandKit.all_orgs.count(),
            DestinationVersion.all_orgs.count(), list(QRCode.all_orgs.values_list("routing", flat=True)))


def test_a_60000_deep_json_array_is_a_400_everywhere(studio_admin, studio_qr):
    api = api_client_for(studio_admin)
    before = _nothing_changed()
    for method, path in _endpoints(studio_qr):
        r = getattr(api, method)(path, DEEP, content_type="application/json")
        assert r.status_code == 400 and "error" in r.json(), (method, path, r.status_code)
    assert _nothing_changed() == before


@pytest.mark.parametrize("method, path, body", [
    ("patch", "/api/qrcodes/{qr}/design", {"frame_text": "Scan\x00me"}),
    ("post", "/api/brand-kits", {"name": "Kit\x00", "design": {}}),
    ("put", "/api/qrcodes/{qr}/rules",
     {"routing": {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/\x00"}]}}),
])
def test_a_nul_byte_is_refused_by_the_shared_json_parser(studio_admin, studio_qr, method, path, body):
    api = api_client_for(studio_admin)
    before = _nothing_changed()
    r = getattr(api, method)(path.format(qr=studio_qr.pk), json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["error"] == "parse_error" and "NUL" in r.json()["detail"]
    assert _nothing_changed() == before


@pytest.mark.parametrize("method, path, body, field", [
    ("put", "/api/qrcodes/{qr}/rules", {"routing": {"limits": {"expires_on": "9999-12-31"}}}, "limits.expires_on"),
    ("put", "/api/qrcodes/{qr}/rules",
     {"routing": {"rules": [{"kind": "schedule", "from": "9999-01-01", "url": "https://a.example/"}]}}, "rules.0.from"),
    ("put", "/api/qrcodes/{qr}/rules", {"routing": {}, "effective_at": "9999-01-01T00:00:00"}, "effective_at"),
])
def test_year_9999_names_the_field(studio_admin, studio_qr, method, path, body, field):
    api = api_client_for(studio_admin)
    before = _nothing_changed()
    r = getattr(api, method)(path.format(qr=studio_qr.pk), json.dumps(body), content_type="application/json")
    assert r.status_code == 400, r.content
    assert field in json.dumps(r.json()["detail"]), r.json()
    assert _nothing_changed() == before
