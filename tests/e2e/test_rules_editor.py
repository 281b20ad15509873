"""The rules editor in Chromium (issue 15's Done-when): an Editor opens a code's rules page, adds
an iOS rule (App Store), an Android rule (Play Store) and a 50/50 A/B split with the editor (no
page load per edit), sees a bad country code refused next to its field, saves; scans of `/s/`
with an iPhone, an Android phone and two desktops on different addresses go where the rules
say; "Test a rule" names the rule that fires; the page reloaded shows the rule and variant
counts moved. Screenshots at 1366 and 390 px, with no sideways scroll."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from core.scoping import bind_organization
from qrcodes.enrichment import ip_hash
from qrcodes.models import QRCode
from qrcodes.routing import sticky_bucket
from qrcodes.services import qr_code_create
from tenants.tests.factories import OrganizationFactory, UserFactory
from tests.e2e.browser import login
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots/h7")
APP_STORE = "https://apps.apple.com/app/x"
PLAY_STORE = "https://play.google.com/store/apps/details?id=x"
A_URL, B_URL = "https://pizza.example/menu-a", "https://pizza.example/menu-b"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/116.0.0.0 Mobile Safari/537.36")
DESKTOPS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Safari/605.1.15")


def _seed() -> dict:
    org = OrganizationFactory(company_name="Pizza Palace", plan_type="medium_business", timezone="Europe/Paris")
    OrganizationFactory(company_name="Other zebra", plan_type="small_business")
    editor = UserFactory(organization=org, email="ed@pizza.example", full_name="Edie Editor", role="Editor")
    with bind_organization(org):
        qr = qr_code_create(organization=org, actor=editor,
                            data={"name": "Front Door Menu", "qr_url": "https://pizza.example/menu"})
    return {"org": org, "editor": editor, "qr": qr}


def _desktop_scanners() -> list[tuple[str, str]]:
    """Two desktops (user agent, address) that the 50/50 split sends to A and to B: the bucket
    is a hash of the hashed IP and the user agent, so pick addresses that land on each side."""
    found: dict[int, tuple[str, str]] = {}
    for n in range(10, 250):
        for ua in DESKTOPS:
            ip = f"198.51.100.{n}"
            side = int(sticky_bucket(ip_hash(ip), ua) >= 50)
            if side not in found and all(ip != other_ip for _, other_ip in found.values()):
                found[side] = (ua, ip)
        if len(found) == 2:
            return [found[0], found[1]]
    raise AssertionError("no address lands on each side of the split")


def _card(page, i: int):
    return page.locator("[data-testid=rule-card]").nth(i)


def _add_rule(page, kind: str):
    page.select_option("[data-testid=rule-kind]", kind)
    before = page.locator("[data-testid=rule-card]").count()
    page.click("[data-testid=rule-add]")
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=rule-card]').length === {before + 1}")
    return _card(page, before)


def _count(page, testid: str) -> str:
    return page.locator(f'[data-testid="{testid}"] [data-testid=scans]').inner_text().strip()


def _no_sideways_scroll(page, width: int, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(150)
    assert page.evaluate(_OVERFLOW_JS) is None, f"sideways scroll at {width}px"
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_an_editor_adds_device_rules_and_a_split_then_scans_move_the_variant_table(page, live_server):
    data = _seed()
    qr, base = data["qr"], live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    csp_errors: list[str] = []
    # the refused save answers 400 on purpose ("Failed to load resource"); anything else counts
    page.on("console", lambda m: csp_errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: csp_errors.append(str(e)))
    login(page, base, data["editor"].email)

    # from the code's page to its rules
    page.goto(f"{base}/qrcodes/{qr.pk}")
    assert "No rules: always" in page.locator("[data-testid=qr-smart-destination]").inner_text()
    page.click("[data-testid=qr-rules-link]")
    page.wait_for_function("() => !document.getElementById('rules-editor').hidden")
    assert not page.locator("#rules-raw").evaluate("d => d.open")  # the JSON fallback folds away

    # build the rules: no page load per edit (the URL and a marker survive every step)
    page.evaluate("() => { window.__sameDocument = true; }")
    ios = _add_rule(page, "device")
    ios.locator("[data-testid=rule-devices-ios]").check()
    ios.locator("[data-testid=rule-url]").fill(APP_STORE)
    android = _add_rule(page, "device")
    android.locator("[data-testid=rule-devices-android]").check()
    android.locator("[data-testid=rule-url]").fill(PLAY_STORE)
    split = _add_rule(page, "split")
    split.locator("[data-testid=variant-url]").nth(0).fill(A_URL)
    split.locator("[data-testid=variant-url]").nth(1).fill(B_URL)
    assert split.locator("[data-testid=variant-weight]").nth(0).input_value() == "50"
    assert "add up to 100." in split.inner_text()
    # a country rule with a code that is not one, moved up and then refused by the server
    country = _add_rule(page, "country")
    country.locator("[data-testid=rule-countries]").fill("US, ZZ")
    country.locator("[data-testid=rule-url]").fill("https://pizza.example/us")
    country.locator("[data-action=up]").click()
    assert _card(page, 2).get_attribute("data-kind") == "country"
    assert page.evaluate("() => window.__sameDocument === true")
    routing = page.evaluate("() => JSON.parse(document.getElementById('id_routing').value)")
    assert [r["kind"] for r in routing["rules"]] == ["device", "device", "country", "split"]
    assert routing["rules"][3]["variants"] == [{"url": A_URL, "weight": 50}, {"url": B_URL, "weight": 50}]

    with page.expect_navigation():
        page.click("[data-testid=rules-save]")
    assert page.locator("[data-testid=rules-errors]").is_visible()
    inline = page.locator('[data-error-for="rules.2.countries"]')
    assert "ZZ" in inline.inner_text() and inline.is_visible()
    assert page.locator("[data-testid=rule-card]").count() == 4  # the editor came back with what was typed
    _no_sideways_scroll(page, 390, "rules-refused")
    page.set_viewport_size({"width": 1366, "height": 900})

    _card(page, 2).locator("[data-action=remove]").click()
    assert page.locator("[data-testid=rule-card]").count() == 3
    with page.expect_navigation():
        page.click("[data-testid=rules-save]")
    assert "Saved as version 2" in page.locator(".messages").inner_text()
    assert [c.get_attribute("data-kind") for c in page.locator("[data-testid=rule-card]").all()] == [
        "device", "device", "split"]
    saved = QRCode.all_orgs.get(pk=qr.pk).routing
    assert [r["kind"] for r in saved["rules"]] == ["device", "device", "split"]

    # test a rule: an Android phone -> rule 2, highlighted in the editor
    page.select_option("[data-testid=test-device]", "android")
    page.click("[data-testid=test-run]")
    page.wait_for_function("() => document.getElementById('rules-test-result').textContent.includes('fires')")
    assert "Rule #2" in page.locator("[data-testid=test-result]").inner_text()
    assert "firing" in (_card(page, 1).get_attribute("class") or "")

    # scans: each goes where the rules say, and is stored with its rule and variant
    (ua_a, ip_a), (ua_b, ip_b) = _desktop_scanners()
    for ua, ip, where in ((IPHONE, "198.51.100.1", APP_STORE), (ANDROID, "198.51.100.2", PLAY_STORE),
                          (ua_a, ip_a, A_URL), (ua_b, ip_b, B_URL)):
        r = Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip).get(f"/s/{qr.short_code}")
        assert r.status_code == 302 and r["Location"] == where, (ua, ip)

    page.reload()
    assert _count(page, "stat-rule-0") == "1" and _count(page, "stat-rule-1") == "1"
    assert _count(page, "stat-rule-2") == "2"
    assert _count(page, "stat-variant-2-0") == "1" and _count(page, "stat-variant-2-1") == "1"
    assert _count(page, "stat-rule-default") == "0" and _count(page, "stat-total") == "4"
    assert "50.0%" in page.locator('[data-testid="stat-variant-2-1"]').inner_text()

    _no_sideways_scroll(page, 1366, "rules")
    _no_sideways_scroll(page, 390, "rules")
    assert not csp_errors, csp_errors  # no script or style refused by the CSP, no script error
