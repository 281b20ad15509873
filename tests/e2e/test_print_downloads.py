"""The print page in Chromium (issue 14, "the ZIP and the sheet download"): a Viewer ticks codes
(or all of a campaign's), downloads a ZIP of print files and a PDF sheet of labels, and every
code in them decodes to its short URL; a code that would not scan stops the download with its
name; no sideways scroll at 390 px. Screenshots go to /tmp/shots/h4/ when SHOTS is set."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from campaigns.models import Campaign
from core.scoping import bind_organization
from qrcodes.selectors import short_url
from studio.design import Design
from studio.models import QRDesign
from studio.tests.conftest import qr_create
from tenants.tests.factories import OrganizationFactory, UserFactory
from tests.e2e.browser import login
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SHOTS", "/tmp/shots/h4"))


def _seed() -> dict:
    org = OrganizationFactory(company_name="Print Pizza", plan_type="medium_business")
    other = OrganizationFactory(company_name="Other Co", plan_type="medium_business")
    admin = UserFactory(organization=org, email="admin@print.example", role="Admin")
    viewer = UserFactory(organization=org, email="viewer@print.example", full_name="Vi Ewer", role="Viewer")
    other_admin = UserFactory(organization=other, email="admin@other.example", role="Admin")
    codes = [qr_create(org, admin, name=f"Table {i}", location="Terrace" if i % 2 else "",
                       qr_url=f"https://print.example/t/{i}") for i in range(1, 6)]
    codes.append(qr_create(org, admin, name="The long banquet table by the big window, next to the fountain"))
    with bind_organization(org):
        summer = Campaign.objects.create(organization=org, name="Summer terrace")
    for qr in codes[:3]:
        qr.campaign = summer
        qr.save(update_fields=["campaign"])
    QRDesign.all_orgs.create(organization=org, qr_code=codes[0], design=Design(
        fg="#1d2a5b", module_style="dots", finder_style="rounded", frame="below", frame_text="Scan for the menu",
        frame_color="#1d2a5b").as_dict())
    qr_create(other, other_admin, name="Their lobby")
    return {"viewer": viewer, "codes": codes, "summer": summer}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _pdf_codes(body: bytes) -> list[set[str]]:
    pages = []
    for pg in pdfium.PdfDocument(body):
        img = pg.render(scale=300 / 72).to_pil().convert("L")
        pages.append({r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)})
    return pages


def test_viewer_downloads_a_zip_and_a_pdf_sheet(page, live_server):
    data = _seed()
    codes, base = data["codes"], live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, data["viewer"].email)
    page.goto(f"{base}/qrcodes")
    with page.expect_navigation():
        page.click("[data-testid=print-files]")  # offered to Viewers too
    assert page.url.endswith("/qrcodes/print")
    assert page.locator("[data-testid=print-box]").count() == 6  # never the other organization's
    assert "Their lobby" not in page.content()

    page.check("[data-testid=print-select-all]")
    page.wait_for_function("() => document.querySelector('[data-testid=print-count]').textContent"
                           ".startsWith('6 of 6')")
    long_box = f"[data-testid=print-box][value='{codes[5].pk}']"
    page.uncheck(long_box)
    assert page.locator("[data-testid=print-count]").inner_text() == "5 of 6 selected"
    _shot(page, "print-1366")

    page.select_option("[data-testid=print-format]", "png")
    with page.expect_download() as info:
        page.click("[data-testid=print-zip]")
    download = info.value
    assert download.suggested_filename == "print-pizza-qr-codes.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert len(archive.namelist()) == 5
    newest_first = codes[4::-1]  # the page lists (and so posts) the newest code first
    for name, qr in zip(archive.namelist(), newest_first, strict=True):
        assert name == f"table-{qr.name[-1]}-{qr.short_code}-v1.png"
        read = zxingcpp.read_barcodes(Image.open(io.BytesIO(archive.read(name))))
        assert [r.text for r in read] == [short_url(qr)]

    page.check(long_box)
    page.select_option("[data-testid=print-paper]", "letter")
    page.select_option("[data-testid=print-per-page]", "4")
    with page.expect_download() as info:
        page.click("[data-testid=print-sheet]")
    download = info.value
    assert download.suggested_filename == "print-pizza-qr-codes-4-per-letter.pdf"
    body = Path(download.path()).read_bytes()
    pages = _pdf_codes(body)
    assert pages == [{short_url(q) for q in codes[2:]}, {short_url(q) for q in codes[:2]}]
    assert pdfium.PdfDocument(body)[0].get_size() == (612, 792)
    pdfium.PdfDocument(body)[1].render(scale=1).to_pil().save(SHOTS / "print-sheet-page2.png")


def test_campaign_codes_refusal_and_phone_width(page, live_server):
    data = _seed()
    codes, base = data["codes"], live_server.url
    QRDesign.all_orgs.create(organization=codes[2].organization, qr_code=codes[2],
                             design=Design(fg="#777777", bg="#999999").as_dict())
    login(page, base, data["viewer"].email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/campaigns/{data['summer'].pk}")
    assert page.evaluate(_OVERFLOW_JS) is None
    _shot(page, "campaign-390")
    with page.expect_navigation():
        page.click("[data-testid=print-campaign]")
    assert page.locator("[data-testid=print-box]").count() == 3
    assert page.evaluate(_OVERFLOW_JS) is None
    page.check("[data-testid=print-select-all]")
    with page.expect_navigation():
        page.click("[data-testid=print-sheet]")
    errors = page.locator("[data-testid=print-errors]")
    assert "not print-ready" in errors.inner_text()
    assert f"Table 3 ({codes[2].short_code})" in errors.inner_text() and "4.5:1" in errors.inner_text()
    assert page.locator("[data-testid=print-box]:checked").count() == 3  # the ticks are kept
    assert page.evaluate(_OVERFLOW_JS) is None
    _shot(page, "print-refused-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    _shot(page, "print-refused-1366")


def test_print_links_fit_a_phone_for_an_admin(page, live_server):
    data = _seed()
    base = live_server.url
    login(page, base, "admin@print.example")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/qrcodes")
    assert page.locator("[data-testid=print-files]").is_visible() and page.locator("[data-testid=new-qr]").is_visible()
    assert page.evaluate(_OVERFLOW_JS) is None
    _shot(page, "qr-list-admin-390")
    page.goto(f"{base}/campaigns/{data['summer'].pk}")
    link = page.locator("[data-testid=print-campaign]")
    assert link.get_attribute("href") == f"/qrcodes/print?campaign={data['summer'].pk}"
    assert page.evaluate(_OVERFLOW_JS) is None
    link.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "campaign-admin-390.png"))
