"""Dashboard pages for QR codes: list, create/edit with the plan-limit message, detail with
image links and latest (enriched) scans, pause/archive/activate/delete, tenancy 404s."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from qrcodes.counting import scan_batch_process
from qrcodes.models import QRCode
from qrcodes.tests.conftest import IPHONE, MINNEAPOLIS_IP, make_qr
from tenants.tests.factories import PASSWORD


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.email, password=PASSWORD)
    return c


def test_list_shows_codes_scans_and_usage(admin_a, org_a, qr_b):
    make_qr(org_a, admin_a, name="Front Door Menu")
    r = login(admin_a).get("/qrcodes")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Front Door Menu" in html and "Hotel Lobby" not in html
    assert "1</strong> of <strong>5</strong> active QR codes" in html
    assert 'data-testid="new-qr"' in html


def test_create_through_the_form(admin_a, org_a):
    c = login(admin_a)
    r = c.post("/qrcodes/new", {"name": "Front Door Menu", "location": "Entrance", "qr_url": "https://pizzapalace.com/menu"})
    qr = QRCode.all_orgs.get(organization=org_a)
    assert r.status_code == 302 and r["Location"] == f"/qrcodes/{qr.pk}/studio"  # designed next
    assert "created" in c.get(r["Location"]).content.decode()


def test_form_shows_service_errors_on_fields(admin_a):
    r = login(admin_a).post("/qrcodes/new", {"name": "x", "qr_url": "javascript:alert(1)"})
    assert r.status_code == 400
    assert "Enter a full http:// or https:// URL with a host." in r.content.decode()
    assert not QRCode.all_orgs.exists()


def test_form_shows_the_plan_limit(admin_a, org_a):
    for i in range(5):
        make_qr(org_a, admin_a, name=f"c{i}")
    c = login(admin_a)
    assert "reached your plan's limit of 5 active QR codes" in c.get("/qrcodes/new").content.decode()
    r = c.post("/qrcodes/new", {"name": "sixth", "qr_url": "https://a.example"})
    assert r.status_code == 400
    assert "Your plan allows 5 active QR codes" in r.content.decode()
    assert QRCode.all_orgs.count() == 5


def test_viewer_sees_no_write_controls_and_cannot_post(viewer_a, org_a, admin_a):
    qr = make_qr(org_a, admin_a)
    c = login(viewer_a)
    assert 'data-testid="new-qr"' not in c.get("/qrcodes").content.decode()
    assert "Pause</button>" not in c.get(f"/qrcodes/{qr.pk}").content.decode()
    r = c.post("/qrcodes/new", {"name": "x", "qr_url": "https://a.example"})
    # refused before the form is read: the 403 page saying who can, never a form that fails later
    assert r.status_code == 403 and "Viewers can look, not change: ask an Admin or Editor of" in r.content.decode()
    assert c.post(f"/qrcodes/{qr.pk}/pause").status_code == 403
    qr.refresh_from_db()
    assert qr.status == "active"


def test_detail_shows_image_downloads_and_enriched_scans(admin_a, org_a, qr_a):
    Client(REMOTE_ADDR=MINNEAPOLIS_IP, HTTP_USER_AGENT=IPHONE).get(f"/s/{qr_a.short_code}")
    c = login(admin_a)
    assert "pending" in c.get(f"/qrcodes/{qr_a.pk}").content.decode()
    scan_batch_process()
    html = c.get(f"/qrcodes/{qr_a.pk}").content.decode()
    assert f'src="/qrcodes/{qr_a.pk}/studio/preview.svg"' in html  # the saved design
    assert f'href="/qrcodes/{qr_a.pk}/studio" data-testid="open-studio"' in html  # print files are made there
    for text in ("Minneapolis", "United States", "mobile", "iOS 16.0", "Mobile Safari", "human"):
        assert text in html
    assert 'data-testid="qr-total-scans">1<' in html
    # the page's image URL works with the session login
    img = c.get(f"/qrcodes/{qr_a.pk}/studio/preview.svg")
    assert img.status_code == 200 and img["Content-Type"] == "image/svg+xml"


def test_edit(admin_a, qr_a):
    c = login(admin_a)
    assert 'value="Front Door Menu"' in c.get(f"/qrcodes/{qr_a.pk}/edit").content.decode()
    r = c.post(f"/qrcodes/{qr_a.pk}/edit", {"name": "Patio Menu", "qr_url": "https://pizzapalace.com/patio"})
    assert r.status_code == 302
    qr_a.refresh_from_db()
    assert (qr_a.name, qr_a.qr_url) == ("Patio Menu", "https://pizzapalace.com/patio")


def test_pause_archive_activate_delete_buttons(admin_a, qr_a):
    c = login(admin_a)
    for action, status in (("pause", "paused"), ("archive", "archived"), ("activate", "active")):
        assert c.post(f"/qrcodes/{qr_a.pk}/{action}").status_code == 302
        qr_a.refresh_from_db()
        assert qr_a.status == status
    assert c.get(f"/qrcodes/{qr_a.pk}/pause").status_code == 405
    assert c.post(f"/qrcodes/{qr_a.pk}/explode").status_code == 404
    assert c.post(f"/qrcodes/{qr_a.pk}/delete").status_code == 302
    assert not QRCode.all_orgs.filter(pk=qr_a.pk).exists()


def test_activate_over_the_limit_shows_the_message(admin_a, org_a):
    codes = [make_qr(org_a, admin_a, name=f"c{i}") for i in range(5)]
    c = login(admin_a)
    c.post(f"/qrcodes/{codes[0].pk}/pause")
    make_qr(org_a, admin_a, name="replacement")
    r = c.post(f"/qrcodes/{codes[0].pk}/activate", follow=True)
    assert "Your plan allows 5 active QR codes" in r.content.decode()


@pytest.mark.parametrize("suffix", ["", "/edit"])
def test_foreign_missing_and_malformed_ids_are_404(admin_a, qr_b, suffix):
    c = login(admin_a)
    for ident in (qr_b.pk, uuid.uuid4(), "not-a-uuid"):
        assert c.get(f"/qrcodes/{ident}{suffix}").status_code == 404
    assert c.post(f"/qrcodes/{qr_b.pk}/pause").status_code == 404
    assert c.post(f"/qrcodes/{qr_b.pk}/delete").status_code == 404
    qr_b.refresh_from_db()
    assert qr_b.status == "active"


def test_pages_need_a_login(qr_a):
    r = Client().get("/qrcodes")
    assert r.status_code == 302 and r["Location"].startswith("/login")
