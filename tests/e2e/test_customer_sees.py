"""Issue 13 in Chromium, on the demo data: what a role cannot do is not offered (with the line
saying who can), and the words people read are words: activity sentences (no action codes),
storage in human units, "at your limit" / "close to your limit" linking the Plan page, and the
pending plan request the demo files shows on the Plan page and in the console."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACTION_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # create_qr_code, qr_code_create, ...


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, email


@pytest.fixture
def demo_site(live_server):
    call_command("seed_demo", verbosity=0)
    return live_server.url


def test_a_viewer_is_offered_nothing_they_cannot_do_and_told_who_can(browser, demo_site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _login(page, demo_site, "viewer@acme.example")
    page.goto(f"{demo_site}/qrcodes")
    assert page.get_by_test_id("new-qr").count() == 0
    assert "ask an Admin or Editor" in page.get_by_test_id("not-offered").inner_text()
    page.goto(f"{demo_site}/team")
    assert page.locator("form[action='/team']").count() == 0
    assert "Only an Admin" in page.get_by_test_id("not-offered").inner_text()
    page.goto(f"{demo_site}/plan")
    assert page.get_by_role("button", name=re.compile("Request (upgrade|downgrade)")).count() == 0
    assert "Only Admins can change the plan" in page.inner_text("main")
    page.goto(f"{demo_site}/qrcodes/new")
    assert page.locator("main form").count() == 0  # the 403 page, not a form that fails on Submit
    context.close()


def test_an_admin_has_no_deactivate_on_their_own_row(browser, demo_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, demo_site, "wile@acme.example")
    page.goto(f"{demo_site}/team")
    own = page.locator("tr", has=page.get_by_test_id("self-row"))
    assert own.count() == 1 and "wile@acme.example" in own.inner_text()
    assert own.get_by_role("button").count() == 0
    others = page.locator("[data-testid=team-table] tbody tr").filter(has_not=page.get_by_test_id("self-row"))
    assert others.count() >= 1 and others.first.get_by_role("button").count() >= 1
    context.close()


def test_words_not_codes_and_limits_that_link_the_plan_page(browser, demo_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _login(page, demo_site, "john@pizzapalace.com")  # small plan, 4 of 5 codes in the demo
    page.goto(f"{demo_site}/dashboard")
    activity = page.get_by_test_id("recent-activity").inner_text()
    assert "created the QR code" in activity
    assert not ACTION_CODE.search(activity), activity
    storage = page.get_by_test_id("stat-storage").inner_text()
    assert re.search(r"\d[\d.,]*\s(bytes|KB|MB|GB)", storage) and "0.0 GB" not in storage, storage
    prompt = page.get_by_test_id("upgrade-prompt")
    assert re.search(r"(close to|at) your plan's limit for Active QR codes \(\d of 5\)", prompt.inner_text())
    prompt.get_by_role("link").click()
    page.wait_for_url("**/plan")
    # the demo's pending request (Pizza Palace asked for Medium business) shows on the Plan page
    assert "Medium business" in page.inner_text("main") and "pending" in page.inner_text("main").lower()
    page.goto(f"{demo_site}/activity")
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 5
    text = page.inner_text("main table")
    assert not ACTION_CODE.search(text.split("\n", 1)[1]), text[:500]
    context.close()
