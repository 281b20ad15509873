"""Brand kits in Chromium (issue 14, "a brand kit applied by an Editor"): an Admin creates
"Pizza red" (colours and frame text, the preview following the fields) and makes it the
default; an Editor applies it to a code from the code's studio page in one click; a code
created afterwards starts with the kit. The kits list and the kit form at 1366 and 390 px,
with no sideways scroll on a phone and no CSP violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.scoping import bind_organization
from qrcodes.models import QRCode
from qrcodes.services import qr_code_create
from studio.design import design_load
from studio.models import BrandKit, QRDesign
from tenants.tests.factories import OrganizationFactory, UserFactory
from tests.e2e.browser import login
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/h2")
RED, CREAM = "#b3261e", "#fff8e7"


def _seed() -> dict:
    org = OrganizationFactory(company_name="Pizza Palace", plan_type="medium_business")
    other = OrganizationFactory(company_name="Other Co", plan_type="medium_business")
    admin = UserFactory(organization=org, email="ada@pizza.example", full_name="Ada Admin", role="Admin")
    editor = UserFactory(organization=org, email="eddie@pizza.example", full_name="Eddie Editor", role="Editor")
    other_admin = UserFactory(organization=other, email="o@other.example", role="Admin")
    with bind_organization(org):
        qr = qr_code_create(organization=org, actor=admin, data={"name": "Front Door Menu",
                                                                 "qr_url": "https://pizza.example/menu"})
    with bind_organization(other):
        BrandKit.objects.create(organization=other, name="Their kit", design={"fg": "#00aa00"}, is_default=True)
    return {"org": org, "admin": admin, "editor": editor, "qr": qr, "other_admin": other_admin}


def _csp_watch(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def _shoot(page, name: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_load_state("networkidle")
    assert page.evaluate(_OVERFLOW_JS) is None, f"{name} scrolls sideways at {width}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_admin_makes_a_default_kit_editor_applies_it_new_codes_start_with_it(page, browser, live_server):
    data = _seed()
    base = live_server.url
    csp = _csp_watch(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, base, data["admin"].email)
    assert page.locator("nav.mainnav a", has_text="Brand kits").count() == 1
    page.goto(f"{base}/brand-kits")
    assert page.get_by_test_id("kit-empty").is_visible()  # the other organization's kit is not listed
    with page.expect_navigation():
        page.get_by_test_id("kit-new").click()

    # The form: colours and frame text; the preview follows the fields before saving.
    page.fill("#id_name", "Pizza red")
    page.check("#id_is_default")
    page.fill("#id_fg", RED)
    page.fill("#id_finder", RED)
    page.fill("#id_bg", CREAM)
    page.select_option("#id_frame", "below")
    page.fill("#id_frame_color", RED)
    page.fill("#id_frame_text", "Scan for the menu")
    page.wait_for_function("""() => {
        const img = document.getElementById('kit-preview');
        return img.src.startsWith('blob:') && (img.dataset.query || '').includes('frame_text=Scan+for+the+menu');
    }""")
    assert "fg=%23b3261e" in page.get_by_test_id("kit-preview").get_attribute("data-query")
    _shoot(page, "kit-form-new", 1366)
    _shoot(page, "kit-form-new", 390)
    page.set_viewport_size({"width": 1366, "height": 900})
    with page.expect_navigation():
        page.get_by_test_id("kit-save").click()
    kit = BrandKit.all_orgs.get(organization=data["org"])
    assert page.url == f"{base}/brand-kits/{kit.pk}"
    assert kit.is_default and kit.design["fg"] == RED and kit.design["frame_text"] == "Scan for the menu"
    assert "Brand kit “Pizza red” created." in page.locator(".messages").inner_text()
    _shoot(page, "kit-form-edit", 1366)
    _shoot(page, "kit-form-edit", 390)

    page.goto(f"{base}/brand-kits")
    card = page.get_by_test_id("kit-card")
    assert card.count() == 1 and card.get_by_test_id("kit-default").is_visible()
    preview = card.get_by_test_id("kit-preview")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    svg = page.request.get(base + preview.get_attribute("src")).text()
    assert RED in svg and "Scan for the menu" in svg
    _shoot(page, "kits-list", 1366)
    _shoot(page, "kits-list", 390)
    assert not csp, csp

    # The Editor applies the kit from the code's studio page in one click.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    editor_page = context.new_page()
    editor_page.set_default_timeout(15_000)
    editor_csp = _csp_watch(editor_page)
    try:
        login(editor_page, base, data["editor"].email)
        qr = data["qr"]
        editor_page.goto(f"{base}/qrcodes/{qr.pk}/studio")
        assert QRDesign.all_orgs.filter(qr_code=qr).first() is None  # made before the kit: plain
        kit_row = editor_page.locator(".studio-kit-list li", has_text="Pizza red")
        with editor_page.expect_navigation():
            kit_row.get_by_test_id("kit-apply").click()
        assert editor_page.url == f"{base}/qrcodes/{qr.pk}/studio"
        assert "Applied brand kit “Pizza red” to “Front Door Menu”." in editor_page.locator(".messages").inner_text()
        row = QRDesign.all_orgs.get(qr_code=qr)
        design = design_load(row.design)
        assert row.brand_kit_id == kit.pk and row.updated_by_id == data["editor"].pk
        assert (design.fg, design.bg, design.frame, design.frame_text) == (RED, CREAM, "below", "Scan for the menu")
        src = editor_page.get_by_test_id("studio-preview").get_attribute("src")
        body = editor_page.request.get(base + src).text()
        assert RED in body and "Scan for the menu" in body

        # A code created afterwards starts with the default kit.
        editor_page.goto(f"{base}/qrcodes/new")
        editor_page.fill("#id_name", "Table tent")
        editor_page.fill("#id_qr_url", "https://pizza.example/order")
        with editor_page.expect_navigation():
            editor_page.click("main button[type=submit]")
        new = QRCode.all_orgs.get(organization=data["org"], name="Table tent")
        assert re.search(rf"/qrcodes/{new.pk}(/studio)?$", editor_page.url), editor_page.url
        new_design = QRDesign.all_orgs.get(qr_code=new)
        assert new_design.brand_kit_id == kit.pk and design_load(new_design.design).fg == RED
        body = editor_page.request.get(f"{base}/qrcodes/{new.pk}/studio/preview.svg").text()
        assert RED in body and "Scan for the menu" in body
        assert not editor_csp, editor_csp
    finally:
        context.close()
