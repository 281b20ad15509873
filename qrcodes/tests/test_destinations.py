"""Look-alike international destinations (issue 11): `https://аррӏе.com` (Cyrillic) is a valid
URL, so it is accepted, but the dashboard and the API show its punycode form next to it, as
browsers do (`destination_display`)."""

from __future__ import annotations

import pytest
from django.test import Client

from qrcodes.selectors import destination_ascii_host, destination_display
from qrcodes.tests.conftest import make_qr
from tests.conftest import api_schema_document

LOOK_ALIKE = "https://аррӏе.com/login?next=/"  # Cyrillic а р р ӏ е
PUNYCODE_HOST = "xn--80ak6aa92e.com"


@pytest.mark.parametrize("url, display", [
    (LOOK_ALIKE, f"https://{PUNYCODE_HOST}/login?next=/"),
    ("https://АРРӀЕ.com", f"https://{PUNYCODE_HOST}"),  # upper case folds like a browser's
    ("https://аррӏе.com:8443/x", f"https://{PUNYCODE_HOST}:8443/x"),
    ("https://bücher.example/straße", "https://xn--bcher-kva.example/straße"),  # only the host changes
    ("https://pizzapalace.com/menu", "https://pizzapalace.com/menu"),
    ("https://xn--80ak6aa92e.com/", "https://xn--80ak6aa92e.com/"),
    ("", ""),
])
def test_destination_display_puts_the_host_in_punycode(url, display):
    assert destination_display(url) == display


def test_ascii_host_is_none_for_ascii_and_empty_destinations():
    assert destination_ascii_host(LOOK_ALIKE) == PUNYCODE_HOST
    assert destination_ascii_host("https://pizzapalace.com/menu") is None
    assert destination_ascii_host("") is None


def test_a_host_no_idna_can_encode_is_shown_escaped_never_as_unicode():
    url = "https://" + "é" * 70 + ".example/"  # a label longer than 63 characters
    shown = destination_display(url)
    assert shown.isascii() and shown != url and "\\xe9" in shown


def test_api_answers_destination_display(api_a):
    r = api_a.post("/api/qrcodes", {"name": "Apple?", "qr_url": LOOK_ALIKE}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["qr_url"] == LOOK_ALIKE
    assert body["destination_display"] == f"https://{PUNYCODE_HOST}/login?next=/"
    assert api_a.get(f"/api/qrcodes/{body['id']}").json()["destination_display"] == body["destination_display"]
    listed = api_a.get("/api/qrcodes").json()["results"]
    assert listed[0]["destination_display"] == body["destination_display"]


def test_api_destination_display_equals_an_ascii_url(api_a, qr_a):
    body = api_a.get(f"/api/qrcodes/{qr_a.pk}").json()
    assert body["destination_display"] == body["qr_url"] == "https://pizzapalace.com/menu"


def test_schema_documents_destination_display():
    schema = api_schema_document()["components"]["schemas"]["QRCode"]
    assert schema["properties"]["destination_display"]["type"] == "string"
    assert schema["properties"]["destination_display"].get("readOnly") is True
    assert "destination_display" in schema["required"]


def _logged_in(user, password) -> Client:
    client = Client()
    assert client.login(username=user.email, password=password)
    return client


def test_detail_and_list_pages_show_the_punycode_next_to_the_url(admin_a, org_a, password):
    qr = make_qr(org_a, admin_a, name="Apple?", qr_url=LOOK_ALIKE)
    client = _logged_in(admin_a, password)
    detail = client.get(f"/qrcodes/{qr.pk}").content.decode()
    assert "аррӏе.com" in detail
    assert f"Shown to scanners’ browsers as <code>{PUNYCODE_HOST}</code>" in detail
    listing = client.get("/qrcodes").content.decode()
    assert PUNYCODE_HOST in listing


def test_ascii_destination_shows_no_warning(admin_a, qr_a, password):
    html = _logged_in(admin_a, password).get(f"/qrcodes/{qr_a.pk}").content.decode()
    assert "Shown to scanners’ browsers as" not in html
