"""The studio page: preview SVG and checks JSON of an unsaved design, Save (writers only),
print-file downloads stored as numbered versions, the 422 refusal of a design that is not
print-ready, version downloads, and every bad or foreign input answered with a 4xx."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from core.scoping import bind_organization
from qrcodes.images import decode_text
from qrcodes.selectors import short_url
from qrcodes.tests.conftest import make_qr
from studio.models import ArtworkVersion, BrandKit, QRDesign
from tenants.models import ActivityLog
from tenants.tests.factories import PASSWORD
from uploads.models import UploadedFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.email, password=PASSWORD)
    return c


def image_upload(org, user, *, name: str = "logo.png", file_type: str = "png", body: bytes | None = None):
    """An organization's uploaded image, stored where uploads keep it."""
    if body is None:
        buf = io.BytesIO()
        Image.new("RGB", (64, 64), "#c0392b").save(buf, format="PNG")
        body = buf.getvalue()
    path = default_storage.save(f"uploads/{org.pk}/{uuid.uuid4().hex}-{name}", ContentFile(body))
    return UploadedFile.all_orgs.create(organization=org, uploaded_by_user=user, file_name=name, file_type=file_type,
                                        mime_type="image/png", file_size_bytes=len(body), storage_path=path)


@pytest.fixture
def qr(org_a, admin_a):
    return make_qr(org_a, admin_a, name="Front Door Menu")


@pytest.fixture
def qr_b(org_b, admin_b):
    return make_qr(org_b, admin_b, name="Hotel zebra")


def url(qr, tail: str = "") -> str:
    return f"/qrcodes/{qr.pk}/studio{tail}"


GOOD = {"fg": "#1d2330", "bg": "#ffffff", "finder": "#2f5bea", "module_style": "rounded", "finder_style": "rounded",
        "quiet_zone": "4", "ecc": "M", "logo": "", "logo_size": "22", "frame": "below",
        "frame_text": "Scan for the menu", "frame_color": "#1d2330", "frame_text_color": "#ffffff", "font": "bold"}


def test_the_page_shows_controls_preview_and_a_server_side_badge(admin_a, org_a, qr):
    logo = image_upload(org_a, admin_a)
    image_upload(org_a, admin_a, name="menu.pdf", file_type="pdf", body=b"%PDF-1.4")
    html = login(admin_a).get(url(qr)).content.decode()
    for name in ("fg", "bg", "bg_transparent", "finder", "module_style", "finder_style", "quiet_zone", "ecc", "logo",
                 "logo_size", "frame", "frame_text", "frame_color", "frame_text_color", "font", "inverted"):
        assert f'name="{name}"' in html, name
    assert f'src="{url(qr, "/preview.svg")}"' in html and 'href="/uploads"' in html
    assert f'value="{logo.pk}"' in html and "menu.pdf" not in html  # images only
    assert 'data-testid="print-badge">Print-ready<' in html and "A QR decoder read" in html
    assert 'data-testid="studio-save"' in html and "disabled" not in html
    assert 'data-testid="no-versions"' in html


def test_preview_renders_the_unsaved_design_and_without_a_query_the_saved_one(admin_a, org_a, qr):
    c = login(admin_a)
    r = c.get(url(qr, "/preview.svg"), {**GOOD, "fg": "#aa0000"})
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    svg = r.content.decode()
    assert 'fill="#aa0000"' in svg and "Scan for the menu" in svg
    assert not QRDesign.all_orgs.exists()  # a preview saves nothing
    saved = c.get(url(qr, "/preview.svg")).content.decode()
    assert 'fill="#000000"' in saved and "#aa0000" not in saved and "<text" not in saved


def test_preview_embeds_the_chosen_logo(admin_a, org_a, qr):
    logo = image_upload(org_a, admin_a)
    r = login(admin_a).get(url(qr, "/preview.svg"), {**GOOD, "logo": str(logo.pk)})
    assert r.status_code == 200 and 'href="data:image/png;base64,' in r.content.decode()


@pytest.mark.parametrize(("params", "field"), [
    ({"fg": "red"}, "fg"),
    ({"quiet_zone": "3"}, "quiet_zone"),
    ({"quiet_zone": "9" * 40}, "quiet_zone"),
    ({"logo_size": "1e999"}, "logo_size"),
    ({"frame_text": "Scan\u200bme"}, "frame_text"),
    ({"frame_text": "x" * 41}, "frame_text"),
    ({"module_style": "hearts"}, "module_style"),
    ({"logo": "not-an-id"}, "logo"),
    ({"logo": str(uuid.uuid4())}, "logo"),
])
def test_bad_preview_and_check_inputs_answer_400_json_naming_the_field(admin_a, qr, params, field):
    c = login(admin_a)
    for tail in ("/preview.svg", "/check"):
        r = c.get(url(qr, tail), {**GOOD, **params})
        assert r.status_code == 400, (tail, params)
        body = r.json()
        assert body["error"] == "validation_error" and field in body["detail"], body


def test_another_organizations_logo_is_refused_like_a_missing_one(admin_a, qr, org_b, admin_b):
    theirs = image_upload(org_b, admin_b)
    c = login(admin_a)
    foreign = c.get(url(qr, "/check"), {**GOOD, "logo": str(theirs.pk)})
    missing = c.get(url(qr, "/check"), {**GOOD, "logo": str(uuid.uuid4())})
    assert foreign.status_code == missing.status_code == 400 and foreign.json() == missing.json()


def test_check_returns_the_print_checks_at_the_output_size(admin_a, qr):
    c = login(admin_a)
    ok = c.get(url(qr, "/check"), {**GOOD, "format": "pdf", "mm": "50", "dpi": "300"}).json()
    assert ok["print_ready"] is True
    assert {ch["code"] for ch in ok["checks"]} >= {"contrast", "text", "size", "decode"}
    low = c.get(url(qr, "/check"), {**GOOD, "fg": "#ff0000", "bg": "#ff0001", "finder": "#ff0000"}).json()
    assert low["print_ready"] is False
    contrast = next(ch for ch in low["checks"] if ch["code"] == "contrast")
    assert contrast["ok"] is False and "at least 4.5:1" in contrast["detail"]
    far = c.get(url(qr, "/check"), {**GOOD, "mm": "50", "distance_m": "3"}).json()
    size = next(ch for ch in far["checks"] if ch["code"] == "size")
    assert far["print_ready"] is False and "30 cm" in size["detail"]
    for params, field in (({"mm": "1e400"}, "mm"), ({"dpi": "9" * 30}, "dpi"), ({"format": "gif"}, "format"),
                          ({"distance_m": "nan"}, "distance_m")):
        r = c.get(url(qr, "/check"), {**GOOD, **params})
        assert r.status_code == 400 and field in r.json()["detail"], params


def test_an_editor_saves_the_design(editor_a, org_a, qr):
    c = login(editor_a)
    r = c.post(url(qr), GOOD)
    assert r.status_code == 302 and r["Location"] == url(qr)
    row = QRDesign.all_orgs.get(qr_code=qr)
    assert row.design["fg"] == "#1d2330" and row.design["frame_text"] == "Scan for the menu"
    assert row.design["finder"] == "#2f5bea" and row.design["inverted"] is False
    assert ActivityLog.all_orgs.filter(organization=org_a, action="design_qr_code").count() == 1
    page = c.get(url(qr)).content.decode()
    assert "Design saved." in page and 'value="Scan for the menu"' in page
    assert "Scan for the menu" in c.get(url(qr, "/preview.svg")).content.decode()


def test_a_bad_save_shows_the_errors_and_keeps_the_good_values(admin_a, qr):
    r = login(admin_a).post(url(qr), {**GOOD, "fg": "nope", "quiet_zone": "2"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Use a hex colour like #000000" in html and "scanners need at least 4" in html
    assert 'value="Scan for the menu"' in html  # the good fields keep what was typed
    assert not QRDesign.all_orgs.exists()


def test_a_viewer_sees_disabled_controls_and_is_refused_on_save(viewer_a, qr):
    c = login(viewer_a)
    html = c.get(url(qr)).content.decode()
    assert 'data-testid="not-offered"' in html and 'data-testid="studio-save"' not in html
    assert re.search(r'name="fg" value="#000000" disabled', html)
    r = c.post(url(qr), GOOD)
    assert r.status_code == 403 and "Viewers cannot create, change or delete." in r.content.decode()
    assert not QRDesign.all_orgs.exists()
    # a Viewer still downloads print files
    assert c.post(url(qr, "/download"), {"format": "pdf", "mm": "50"}).status_code == 200


def test_download_stores_version_one_and_the_identical_file_again_is_the_same_version(admin_a, org_a, qr):
    c = login(admin_a)
    r = c.post(url(qr, "/download"), {"format": "png", "mm": "50", "dpi": "300", "design_source": "saved"})
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["Content-Disposition"] == f'attachment; filename="front-door-menu-{qr.short_code}-v1.png"'
    assert decode_text(r.content) == short_url(qr)
    again = c.post(url(qr, "/download"), {"format": "png", "mm": "50", "dpi": "300"})
    assert again.content == r.content and "-v1.png" in again["Content-Disposition"]
    assert ArtworkVersion.all_orgs.filter(qr_code=qr).count() == 1
    pdf = c.post(url(qr, "/download"), {"format": "pdf", "mm": "60", "crop_marks": "1"})
    assert pdf.content.startswith(b"%PDF") and "-v2.pdf" in pdf["Content-Disposition"]
    html = c.get(url(qr)).content.decode()
    assert html.count('data-testid="artwork-version"') == 2 and f'href="/qrcodes/{qr.pk}/artwork/2"' in html
    # the stored file, byte for byte
    v1 = c.get(f"/qrcodes/{qr.pk}/artwork/1")
    assert v1.status_code == 200 and v1.content == r.content and "attachment" in v1["Content-Disposition"]
    assert c.get(f"/qrcodes/{qr.pk}").content.decode().count(f"/qrcodes/{qr.pk}/artwork/") == 2  # the code's page


def test_a_design_that_is_not_print_ready_is_refused_with_its_reason_and_nothing_stored(admin_a, qr):
    c = login(admin_a)
    assert c.post(url(qr), {**GOOD, "fg": "#ff0000", "bg": "#ff0001", "finder": "#ff0000"}).status_code == 302
    r = c.post(url(qr, "/download"), {"format": "pdf", "mm": "50"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-testid="not-print-ready"' in html and "at least 4.5:1 is needed to scan reliably" in html
    assert 'data-testid="print-badge">Not print-ready<' in html
    assert not ArtworkVersion.all_orgs.exists()


def test_too_small_for_the_distance_is_refused(admin_a, qr):
    r = login(admin_a).post(url(qr, "/download"), {"format": "pdf", "mm": "50", "distance_m": "3"})
    assert r.status_code == 422 and "at least 30 cm wide" in r.content.decode()
    assert not ArtworkVersion.all_orgs.exists()


@pytest.mark.parametrize("fields", [
    {"format": "gif"}, {"mm": "1e400"}, {"mm": "five"}, {"dpi": str(10**30)}, {"distance_m": "-1"},
    {"mm": "4000", "format": "png"}, {"design_source": "not-a-kit"}, {"design_source": str(uuid.uuid4())},
])
def test_bad_download_fields_answer_400_and_store_nothing(admin_a, qr, fields):
    r = login(admin_a).post(url(qr, "/download"), {"format": "pdf", "mm": "50", **fields})
    assert r.status_code == 400 and 'data-testid="download-errors"' in r.content.decode()
    assert not ArtworkVersion.all_orgs.exists()


def test_nul_bytes_are_refused_at_the_door_and_change_nothing(admin_a, qr):
    c = login(admin_a)
    assert c.get(url(qr, "/preview.svg"), {**GOOD, "fg": "#00\x0000"}).status_code == 400
    assert c.get(url(qr, "/check"), {**GOOD, "frame_text": "Scan\x00me"}).status_code == 400
    assert c.post(url(qr), {**GOOD, "frame_text": "Scan\x00me"}).status_code == 400
    assert c.post(url(qr, "/download"), {"format": "pdf", "mm": "5\x00", "design_source": "\x00"}).status_code == 400
    assert not QRDesign.all_orgs.exists() and not ArtworkVersion.all_orgs.exists()


def test_a_viewer_prints_with_a_brand_kit_without_changing_the_code(viewer_a, org_a, qr, org_b):
    with bind_organization(org_a):
        kit = BrandKit.objects.create(organization=org_a, name="Summer",
                                      design={**GOOD, "fg": "#123456", "quiet_zone": 5, "logo": None, "logo_size": 22,
                                              "finder": None, "bg": "#ffffff", "inverted": False})
    with bind_organization(org_b):
        theirs = BrandKit.objects.create(organization=org_b, name="zebra kit", design={})
    c = login(viewer_a)
    html = c.get(url(qr)).content.decode()
    assert "Brand kit: Summer" in html and "zebra" not in html and 'id="studio-kit-designs"' in html
    r = c.post(url(qr, "/download"), {"format": "svg", "mm": "50", "design_source": str(kit.pk)})
    assert r.status_code == 200 and 'fill="#123456"' in r.content.decode()
    assert ArtworkVersion.all_orgs.get().design["fg"] == "#123456"
    assert not QRDesign.all_orgs.exists()
    foreign = c.post(url(qr, "/download"), {"format": "svg", "design_source": str(theirs.pk)})
    missing = c.post(url(qr, "/download"), {"format": "svg", "design_source": str(uuid.uuid4())})
    assert foreign.status_code == missing.status_code == 400


def test_another_organizations_code_and_missing_versions_are_404(admin_a, qr, qr_b):
    c = login(admin_a)
    for target in (qr_b, type("Missing", (), {"pk": uuid.uuid4()})()):
        assert c.get(url(target)).status_code == 404
        assert c.post(url(target), GOOD).status_code == 404
        assert c.get(url(target, "/preview.svg")).status_code == 404
        assert c.get(url(target, "/check")).status_code == 404
        assert c.post(url(target, "/download"), {"format": "pdf"}).status_code == 404
        assert c.get(f"/qrcodes/{target.pk}/artwork/1").status_code == 404
    assert c.get(f"/qrcodes/{qr.pk}/artwork/1").status_code == 404
    assert c.get(f"/qrcodes/{qr.pk}/artwork/{10**20}").status_code == 404
    assert not QRDesign.all_orgs.exists() and not ArtworkVersion.all_orgs.exists()


def test_anonymous_visitors_are_sent_to_log_in(qr):
    for path in (url(qr), url(qr, "/preview.svg"), url(qr, "/check"), f"/qrcodes/{qr.pk}/artwork/1"):
        r = Client().get(path)
        assert r.status_code == 302 and "/login" in r["Location"]
    assert Client().get(url(qr, "/download")).status_code in (302, 405)
