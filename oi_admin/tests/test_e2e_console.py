"""Real headless Chromium: OI staff log into /admin/, open every report and see its charts
drawn (Chart.js from static/vendor, the maps without internet tiles); a tenant user is refused.

Playwright runs in a thread of its own (tests.e2e.browser.in_chromium)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from oi_admin.cells import scan_cells_ensure
from oi_admin.reports import REPORTS
from oi_admin.tests.conftest import at, make_org, make_qrs, make_scan
from tenants.models import User
from tenants.tests.factories import PASSWORD, UserFactory
from tests.e2e.browser import in_chromium
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_staff_sees_every_report_with_its_charts(live_server):
    User.objects.create_superuser("staff@outboundimpact.com", PASSWORD)
    org = make_org("Chart Co", "enterprise", scans=2000)
    qr = make_qrs(org, 1)[0]
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    for i in range(12):
        make_scan(org, qr, at(day, 9), scanner=f"s{i}")
        make_scan(org, qr, at(day, 15), scanner=f"s{i}", city="London", cc="GB", country="United Kingdom",
                  state="England", lat=51.5, lng=-0.12, device="desktop")
    scan_cells_ensure(start=day, end=day)  # the worker that keeps the console's cells
    blocked: list[str] = []

    def steps(page) -> None:
        page.on("request", lambda r: blocked.append(r.url) if not r.url.startswith(live_server.url) else None)
        _login(page, live_server, "staff@outboundimpact.com")
        page.wait_for_url(re.compile(r".*/admin/$"))
        assert page.get_by_role("link", name="Geographic heat map").first.is_visible()
        for report in REPORTS:
            page.goto(f"{live_server.url}/admin/reports/{report.slug}/")
            assert page.get_by_role("heading", name=report.title).is_visible()
            assert page.locator("canvas.oi-chart-canvas").count() >= 1, report.slug
            page.wait_for_function(
                "() => [...document.querySelectorAll('canvas.oi-chart-canvas')]"
                ".every(c => c.dataset.rendered === '1')"
            )
            assert page.get_by_test_id("export-csv").is_visible()
            if report.slug == "geo":
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "oi_console_geo.png"), full_page=True)

    in_chromium(steps, "oi_console_reports")
    assert blocked == []  # everything came from the live server: no CDN, no map tiles


def test_tenant_user_cannot_enter_the_console(live_server):
    org = make_org("Tenant Co", "small_business")
    UserFactory(organization=org, email="owner@tenant.example", role="Admin")

    def steps(page) -> None:
        _login(page, live_server, "owner@tenant.example")
        assert "staff account" in page.content()
        page.goto(f"{live_server.url}/admin/reports/revenue/")
        assert "/admin/login/" in page.url

    in_chromium(steps, "oi_console_tenant_refused")
