"""The QR studio in Chromium (issue 14): an Editor creates a code and lands on the studio, styles
it with colours, a logo and a "Scan for the menu" frame while the preview follows without a
page load, sees the print-ready badge turn red with the contrast reason for #ff0000 on #ff0001,
is refused the print file of that design, then saves a good one and downloads a PDF that a
real decoder reads back to the short URL; the version is listed. Screenshots at 1366 and 390 px."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from core.scoping import bind_organization
from qrcodes.models import QRCode
from qrcodes.selectors import short_url
from studio.models import ArtworkVersion, BrandKit
from tenants.tests.factories import OrganizationFactory, UserFactory
from tests.e2e.browser import login
from tests.e2e.test_phones import _OVERFLOW_JS
from uploads.models import UploadedFile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/h1")


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def _seed() -> dict:
    org = OrganizationFactory(company_name="Studio Co", plan_type="medium_business")
    OrganizationFactory(company_name="Other zebra", plan_type="small_business")
    editor = UserFactory(organization=org, email="ed@studio.example", full_name="Edie Editor", role="Editor")
    buf = io.BytesIO()
    Image.new("RGB", (96, 96), "#2f5bea").save(buf, format="PNG")
    path = default_storage.save(f"uploads/{org.pk}/{uuid.uuid4().hex}-logo.png", ContentFile(buf.getvalue()))
    logo = UploadedFile.all_orgs.create(organization=org, uploaded_by_user=editor, file_name="pizza-logo.png",
                                        file_type="png", mime_type="image/png", file_size_bytes=len(buf.getvalue()),
                                        storage_path=path)
    return {"org": org, "editor": editor, "logo": logo}


def _wait_preview(page, needle: str) -> None:
    """The preview <img> points at a URL holding `needle` and has loaded; the badge has been
    updated (the script sets the src after the check answered)."""
    page.wait_for_function(
        """(needle) => { const i = document.getElementById('studio-preview');
          return i.src.includes(needle) && i.complete && i.naturalWidth > 0
            && !document.getElementById('studio-badge').classList.contains('busy'); }""",
        arg=needle)


def _decode_pdf(body: bytes) -> str | None:
    pdf = pypdfium2.PdfDocument(body)
    image = pdf[0].render(scale=600 / 72).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found[0].text if found else None


def test_an_editor_designs_checks_saves_and_downloads_a_print_file(page, live_server):
    data = _seed()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, data["editor"].email)

    # create a code: the next page is its studio
    page.goto(f"{base}/qrcodes/new")
    page.fill("#id_name", "Front Door Menu")
    page.fill("#id_qr_url", "https://pizza.example/menu")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    qr = QRCode.all_orgs.get(organization=data["org"])
    studio = f"{base}/qrcodes/{qr.pk}/studio"
    assert page.url == studio
    assert page.get_by_test_id("print-badge").inner_text() == "Print-ready"

    # style it: the preview follows without a page load
    first_src = page.get_attribute("#studio-preview", "src")
    page.fill("#id_fg", "#1d2330")
    page.fill("#id_finder", "#2f5bea")
    page.select_option("#id_module_style", "rounded")
    page.select_option("#id_logo", str(data["logo"].pk))
    page.select_option("#id_frame", "below")
    page.fill("#id_frame_text", "Scan for the menu")
    page.fill("#id_frame_color", "#1d2330")
    _wait_preview(page, "frame_text=Scan+for+the+menu")
    src = page.get_attribute("#studio-preview", "src")
    assert page.url == studio and src != first_src
    assert "fg=%231d2330" in src and f"logo={data['logo'].pk}" in src
    assert page.get_by_test_id("print-badge").inner_text() == "Print-ready"
    checks = page.get_by_test_id("print-checks").inner_text()
    assert "Logo size" in checks and "A QR decoder read" in checks
    assert page.get_by_test_id("unsaved-note").is_visible()  # downloads use the saved design
    page.screenshot(path=str(SHOTS / "studio-1366.png"), full_page=True)
    assert page.evaluate(_OVERFLOW_JS) is None

    # a low-contrast design: red badge with the reason, live
    page.fill("#id_fg", "#ff0000")
    page.fill("#id_bg", "#ff0001")
    _wait_preview(page, "bg=%23ff0001")
    assert page.get_by_test_id("print-badge").inner_text() == "Not print-ready"
    assert "at least 4.5:1 is needed to scan reliably" in page.get_by_test_id("print-checks").inner_text()
    page.screenshot(path=str(SHOTS / "studio-not-ready-1366.png"), full_page=True)

    # saved anyway, its print file is refused with the reason and nothing is stored
    with page.expect_navigation():
        page.get_by_test_id("studio-save").click()
    assert page.url == studio and "Design saved." in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_test_id("studio-download").click()
    refusal = page.get_by_test_id("not-print-ready").inner_text()
    assert "cannot be downloaded for print" in refusal and "4.5:1" in refusal
    page.get_by_test_id("not-print-ready").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "studio-refused-1366.png"))
    assert not ArtworkVersion.all_orgs.exists()

    # a good design saved, then a PDF that decodes back to the short URL
    page.goto(studio)
    page.fill("#id_fg", "#1d2330")
    page.fill("#id_bg", "#ffffff")
    _wait_preview(page, "bg=%23ffffff")
    assert page.get_by_test_id("print-badge").inner_text() == "Print-ready"
    with page.expect_navigation():
        page.get_by_test_id("studio-save").click()
    assert page.get_by_test_id("print-badge").inner_text() == "Print-ready"  # computed by the server
    assert not page.get_by_test_id("unsaved-note").is_visible()
    page.select_option("select[name=format]", "pdf")
    page.fill("input[name=mm]", "60")
    with page.expect_download() as info:
        page.get_by_test_id("studio-download").click()
    download = info.value
    assert re.fullmatch(rf"front-door-menu-{qr.short_code}-v1\.pdf", download.suggested_filename)
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF") and _decode_pdf(body) == short_url(qr)

    page.goto(studio)
    rows = page.get_by_test_id("artwork-version")
    assert rows.count() == 1 and "v1" in rows.first.inner_text() and "PDF" in rows.first.inner_text()
    assert "Print-ready" in rows.first.inner_text() and "Edie Editor" in rows.first.inner_text()

    # on a phone: one column, no sideways scroll
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(studio)
    page.wait_for_function("() => { const i = document.getElementById('studio-preview'); "
                           "return i.complete && i.naturalWidth > 0; }")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert page.evaluate(_OVERFLOW_JS) is None
    page.screenshot(path=str(SHOTS / "studio-390.png"), full_page=True)
    # and the code's page shows the saved design and the version
    page.goto(f"{base}/qrcodes/{qr.pk}")
    assert page.get_by_test_id("open-studio").is_visible()
    assert "v1 · PDF" in page.get_by_test_id("qr-artwork-versions").inner_text()
    assert page.evaluate(_OVERFLOW_JS) is None
    page.screenshot(path=str(SHOTS / "detail-390.png"), full_page=True)


def test_a_viewer_sees_the_studio_read_only_and_prints_with_a_brand_kit(page, live_server):
    data = _seed()
    org = data["org"]
    viewer = UserFactory(organization=org, email="vi@studio.example", full_name="Vic Viewer", role="Viewer")
    qr = QRCode.all_orgs.create(organization=org, name="Patio", short_code=f"p{uuid.uuid4().hex[:10]}",
                                qr_url="https://pizza.example/patio")
    with bind_organization(org):
        kit = BrandKit.objects.create(organization=org, name="House style", design={
            "fg": "#7a1f1f", "frame": "above", "frame_text": "Order here", "frame_color": "#7a1f1f"})
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, viewer.email)
    page.goto(f"{live_server.url}/qrcodes/{qr.pk}/studio")
    assert "Viewers can look, not change" in page.get_by_test_id("not-offered").inner_text()
    assert page.locator("#id_fg").is_disabled() and page.get_by_test_id("studio-save").count() == 0
    assert page.get_by_test_id("kit-apply").count() == 0
    assert page.evaluate(_OVERFLOW_JS) is None
    page.screenshot(path=str(SHOTS / "studio-viewer-390.png"), full_page=True)
    page.select_option("select[name=design_source]", str(kit.pk))
    page.select_option("select[name=format]", "pdf")
    with page.expect_download() as info:
        page.get_by_test_id("studio-download").click()
    body = Path(info.value.path()).read_bytes()
    assert _decode_pdf(body) == short_url(qr)
    version = ArtworkVersion.all_orgs.get(qr_code=qr)
    assert version.design["frame_text"] == "Order here" and version.created_by == viewer


def test_an_editor_previews_a_brand_kit_in_the_controls(page, live_server):
    data = _seed()
    org = data["org"]
    qr = QRCode.all_orgs.create(organization=org, name="Bar", short_code=f"b{uuid.uuid4().hex[:10]}",
                                qr_url="https://pizza.example/bar")
    with bind_organization(org):
        kit = BrandKit.objects.create(organization=org, name="Night", design={
            "fg": "#0b3d2e", "bg": None, "frame": "below", "frame_text": "Scan to order", "frame_color": "#0b3d2e",
            "module_style": "dots"})
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server.url, data["editor"].email)
    studio = f"{live_server.url}/qrcodes/{qr.pk}/studio"
    page.goto(studio)
    apply = page.locator(f"form[action='/brand-kits/{kit.pk}/apply']")
    assert apply.locator("input[name=qr_code_id]").input_value() == str(qr.pk)
    assert apply.locator("input[name=next]").input_value() == f"/qrcodes/{qr.pk}/studio"
    page.locator(f".studio-kit-preview[data-kit-id='{kit.pk}']").click()
    _wait_preview(page, "frame_text=Scan+to+order")
    assert page.url == studio
    assert page.locator("#id_fg").input_value() == "#0b3d2e"
    assert page.locator("#id_module_style").input_value() == "dots"
    assert page.locator("input[name=bg_transparent]").is_checked()
    assert page.get_by_test_id("unsaved-note").is_visible()
    assert page.get_by_test_id("print-badge").inner_text() == "Print-ready"
