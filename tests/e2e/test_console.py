"""The OI console in Chromium: the home shows the overview at 1366 px; the customers report fits
1366 px without any sideways scroll, and at 390 px only its table's own box scrolls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oi_admin.reports import REPORTS
from tenants.models import Organization, User
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLANS = ["small_business", "medium_business", "enterprise"]

_PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
_BOX = """() => { const b = document.querySelector('.oi-table-box');
  return {scroll: b.scrollWidth, client: b.clientWidth}; }"""


def _customers() -> None:
    for i in range(12):
        org = OrganizationFactory(
            company_name=f"Northwestern Regional Pizza & Pasta Company {i}",
            company_email=f"accounts.payable.department{i}@northwestern-regional-pizza.example",
            plan_type=PLANS[i % 3], total_qr_scans=1_234_567 * (i + 1),
        )
        Organization.objects.filter(pk=org.pk).update(created_at=timezone.now() - dt.timedelta(days=30 * i))
        UserFactory(organization=org, email=f"owner{i}@northwestern-regional-pizza.example")


def _admin_login(page, base: str) -> None:
    User.objects.create_superuser("root@outboundimpact.com", PASSWORD)
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "root@outboundimpact.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith("/admin"), page.url


def test_console_home_and_customers_report_fit(browser, live_server):
    _customers()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    _admin_login(page, base)
    # The admin login counted (tenants.signals).
    assert User.objects.get(email="root@outboundimpact.com").login_count == 1

    overview = page.locator('[data-testid="overview"]')
    assert overview.is_visible()
    assert "12" in page.locator('[data-testid="stat-customers"]').inner_text()
    for testid in ("stat-mrr", "stat-scans", "stat-spool"):
        assert page.locator(f'[data-testid="{testid}"]').is_visible(), testid
    assert "UTC" in page.locator('[data-testid="stat-scans"]').inner_text()
    assert page.locator('[data-testid="home-reports"] a').count() >= 7
    assert page.locator(".app-oi_system").is_visible()  # a superuser sees the System section
    assert page.evaluate(_PAGE_OVERFLOW) <= 0

    page.goto(f"{base}/admin/reports/customers/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list tbody tr").count() == 12
    assert page.locator('[data-testid="row-link"]', has_text="Open customer").count() == 12
    assert "Enterprise" in page.locator("#result_list").inner_text()
    assert page.evaluate(_PAGE_OVERFLOW) <= 0, "the page scrolls sideways at 1366"
    box = page.evaluate(_BOX)
    assert box["scroll"] <= box["client"], f"the customers table does not fit 1366 px: {box}"
    # Numbers are right-aligned.
    assert page.locator("#result_list td.num").first.evaluate("e => getComputedStyle(e).textAlign") == "right"

    page.set_viewport_size({"width": 390, "height": 800})
    page.wait_for_timeout(150)
    assert page.evaluate(_PAGE_OVERFLOW) <= 0, "the page scrolls sideways at 390"
    box = page.evaluate(_BOX)
    assert box["scroll"] > box["client"], "at 390 the table scrolls inside its box"

    # Every console page this issue touched, loaded at 390 then widened to 1366: no sideways scroll.
    paths = ["/admin/", "/admin/system/dead-letters/", "/admin/reports/",
             *(f"/admin/reports/{r.slug}/" for r in REPORTS)]
    for path in paths:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(120)
            assert page.evaluate(_PAGE_OVERFLOW) <= 0, f"{path} scrolls sideways at {width}"
    context.close()
