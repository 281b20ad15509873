"""Phones (issue 13): at 360, 390 and 768 px no page scrolls sideways, for every plan's users, OI
staff and anonymous visitors; the menu button opens the nav; a PDF on /c/<code> offers a link that
opens in the phone's own viewer.

A plain viewport (no mobile emulation): with is_mobile Chromium widens the layout viewport to fit
the page and the overflow hides. Each page is loaded once at the narrowest width and then resized,
which relays it out as a rotation or a window resize would. PHONE_SCREENSHOTS=1 also saves each page
at 390, 768 and 1366 px to test-artifacts/phones/."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from campaigns.models import Campaign
from core.scoping import bind_organization
from oi_admin.reports import REPORTS
from qrcodes.models import QRCode
from qrcodes.services import qr_code_create
from studio.models import BrandKit
from tenants.models import Organization, User
from tests.e2e.conftest import ARTIFACTS
from uploads.models import UploadedFile
from uploads.services import upload_create
from uploads.tests.samples import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 390, 768)
SCREENSHOTS = os.environ.get("PHONE_SCREENSHOTS") == "1"

# The elements that stick out, to say what to fix (not only that something does).
_OVERFLOW_JS = """() => {
  const de = document.documentElement, w = de.clientWidth;
  if (de.scrollWidth <= w) return null;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && r.width > 0) {
      let p = el.parentElement, clipped = false;
      for (; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox !== 'visible' && p.getBoundingClientRect().right <= w + 0.5) { clipped = true; break; }
      }
      if (!clipped) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' right=' + Math.round(r.right));
    }
    if (out.length >= 6) break;
  }
  return {scrollWidth: de.scrollWidth, clientWidth: w, culprits: out};
}"""


def _seed() -> dict[str, object]:
    """The demo organizations (small, medium, enterprise) with their users, campaigns, QR codes,
    a PDF each and scans, plus an image behind a QR code of its own."""
    call_command("seed_demo", verbosity=0)
    acme = Organization.objects.get(company_email="ops@acme.example")
    wile = User.objects.get(email="wile@acme.example")
    with bind_organization(acme):
        image = upload_create(organization=acme, actor=wile, file=SimpleUploadedFile("logo.png", png_bytes()))
        qr_code_create(organization=acme, actor=wile, data={"name": "Logo", "linked_content_id": str(image.pk)})
    pdf_qr = QRCode.all_orgs.filter(organization=acme, linked_content__file_type="pdf").first()
    if pdf_qr is None:
        pdf = UploadedFile.all_orgs.get(organization=acme, file_type="pdf")
        with bind_organization(acme):
            pdf_qr = qr_code_create(organization=acme, actor=wile,
                                    data={"name": "Menu PDF", "linked_content_id": str(pdf.pk)})
    image_qr = QRCode.all_orgs.get(organization=acme, name="Logo")
    return {"pdf": pdf_qr.short_code, "image": image_qr.short_code}


def _tenant_paths(email: str) -> list[str]:
    org = User.objects.get(email=email).organization
    qr = QRCode.all_orgs.filter(organization=org).order_by("created_at").first()
    campaign = Campaign.all_orgs.filter(organization=org).order_by("created_at").first()
    return [
        "/dashboard", "/qrcodes", "/qrcodes/new", f"/qrcodes/{qr.pk}", f"/qrcodes/{qr.pk}/edit",
        f"/qrcodes/{qr.pk}/analytics", "/plan",
        f"/qrcodes/{qr.pk}/studio", "/brand-kits", "/brand-kits/new", "/qrcodes/import", "/qrcodes/print",
        *(f"/brand-kits/{k}" for k in BrandKit.all_orgs.filter(organization=org).values_list("pk", flat=True)[:1]),
        "/campaigns", "/campaigns/new", f"/campaigns/{campaign.pk}", f"/campaigns/{campaign.pk}/edit",
        "/uploads", "/team", "/activity", "/password-change",
    ]


def _staff_paths() -> list[str]:
    return ["/admin/", "/admin/reports/", *(f"/admin/reports/{r.slug}/" for r in REPORTS),
            "/admin/tenants/organization/", "/admin/qrcodes/qrcode/", "/password-change"]


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"{email} did not log in"


def _check(page, base: str, path: str, who: str, problems: list[str]) -> None:
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    for width in WIDTHS:
        if width != WIDTHS[0]:
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(120)  # let resize observers (charts) run
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow:
            problems.append(f"{who} {path} @{width}: {overflow}")
    if SCREENSHOTS:
        name = f"{who.split('@')[0]}{path.replace('/', '_')}"[:80]
        for width in (390, 768, 1366):
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(150)
            _screenshot(page, f"{name}-{width}")


def _screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        (ARTIFACTS / "phones").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phones" / f"{name}.png"), full_page=True)


def test_no_page_scrolls_sideways_on_phones(browser, live_server):
    codes = _seed()
    base = live_server.url
    problems: list[str] = []

    context = browser.new_context()
    page = context.new_page()
    for path in ("/login", "/register", "/password-reset", f"/c/{codes['pdf']}", f"/c/{codes['image']}",
                 "/s/doesnotexist"):
        _check(page, base, path, "anonymous", problems)
    context.close()

    users = {
        "john@pizzapalace.com": _tenant_paths("john@pizzapalace.com"),  # small business, Admin
        "wile@acme.example": _tenant_paths("wile@acme.example"),  # medium business, Admin
        # medium business, Viewer: the write pages answer the 403 page (checked once)
        "viewer@acme.example": [p for p in _tenant_paths("viewer@acme.example")
                                if not p.endswith(("/edit", "/campaigns/new"))],
        "ceo@megabrand.example": _tenant_paths("ceo@megabrand.example"),  # enterprise, Admin
        "admin@outboundimpact.com": _staff_paths(),  # OI staff superuser
        "analyst@outboundimpact.com": ["/admin/", f"/admin/reports/{REPORTS[0].slug}/"],
    }
    for email, paths in users.items():
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        _login(page, base, email)
        for path in paths:
            _check(page, base, path, email, problems)
        context.close()

    assert problems == [], "pages wider than the screen:\n" + "\n".join(problems)


def test_menu_button_opens_the_nav_at_390(browser, live_server):
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    _login(page, live_server.url, "wile@acme.example")
    toggle = page.get_by_role("button", name="Menu")
    nav = page.locator("#site-menu")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Activity").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible() and page.get_by_role("link", name="Activity").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    _screenshot(page, "menu-open-390")
    page.get_by_role("link", name="Team").click()
    page.wait_for_url("**/team")
    toggle.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    # On a wide screen there is no menu button and the nav shows as it always did.
    page.set_viewport_size({"width": 1366, "height": 800})
    _login(page, live_server.url, "wile@acme.example")
    assert not toggle.is_visible() and page.get_by_role("link", name="Activity").is_visible()
    context.close()
    # Without JavaScript there is no button: the menu stays open and wraps within the screen.
    context = browser.new_context(viewport={"width": 360, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    _login(page, live_server.url, "wile@acme.example")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("link", name="Activity").is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.evaluate(_OVERFLOW_JS) is None
    context.close()


def test_pdf_on_a_phone_opens_in_the_phones_viewer(browser, live_server):
    codes = _seed()
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{codes['pdf']}")
    link = page.get_by_role("link", name="Open the PDF")
    assert link.is_visible()
    href = link.get_attribute("href")
    assert href == f"/c/{codes['pdf']}/file"
    assert not page.locator("iframe.preview").is_visible()  # no dead black box on a phone
    _screenshot(page, "pdf-390")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    # A wide screen keeps the embedded preview (and the link).
    page.set_viewport_size({"width": 1366, "height": 800})
    assert page.locator("iframe.preview").is_visible()
    context.close()
