"""The Content-Security-Policy breaks nothing: in headless Chromium, the main pages (public,
tenant, OI console, Swagger UI) load with no CSP violation and no script error, and the bits
that run JavaScript still work (dashboard charts, inline handlers allowed by hash, share
buttons, the upload page's script, the console's charts)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import resolve

from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_scan
from campaigns.services import campaign_create
from core.scoping import bind_organization
from oi_admin.reports import REPORTS
from qrcodes.services import qr_code_create
from tenants.models import User
from tenants.tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Reported by Chromium on the console for every blocked script, style, image, frame, eval...
_VIOLATION = re.compile(r"Content Security Policy|Refused to (load|execute|apply|frame|connect|evaluate)", re.I)


class Console:
    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        # Also straight from the DOM event, in case a message is not echoed to the console.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _console(self, msg) -> None:
        if msg.type == "error" and _VIOLATION.search(msg.text):
            self.problems.append(msg.text)

    def visit(self, page, url: str, status: int = 200) -> None:
        response = page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        page.wait_for_load_state("networkidle")

    def assert_clean(self, where: str) -> None:
        assert self.problems == [], f"{where}: {self.problems}"


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_public_pages_have_no_csp_violations(page, live_server):
    console = Console(page)
    for path in ("/login", "/register"):
        console.visit(page, f"{live_server.url}{path}")
    console.visit(page, f"{live_server.url}/s/doesnotexist", status=404)
    console.assert_clean("public pages")


def test_swagger_ui_runs_under_the_policy(page, live_server):
    view = resolve("/api/docs/").func.view_class
    if view.__name__ != "SpectacularSwaggerSplitView":
        pytest.xfail("Swagger UI's inline init script carries the CSRF token (no stable hash): "
                     "/api/docs/ needs drf-spectacular's SpectacularSwaggerSplitView (requested)")
    console = Console(page)
    console.visit(page, f"{live_server.url}/api/docs/")
    page.locator("#swagger-ui .opblock").first.wait_for()
    console.assert_clean("/api/docs/")


def test_tenant_pages_work_under_the_policy(page, live_server, org_a, admin_a):
    with bind_organization(org_a):
        campaign = campaign_create(organization=org_a, actor=admin_a, data={"name": "Spring"})
        qr = qr_code_create(organization=org_a, actor=admin_a, data={
            "name": "Front door", "qr_url": "https://pizzapalace.com/menu", "campaign_id": str(campaign.pk)})
    # one counted scan, so the dashboard draws its charts (a new account sees first steps instead)
    rollup_scan_events([make_scan(org_a, qr, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))])
    console = Console(page)
    _login(page, live_server.url, admin_a.email)
    for path in ("/dashboard", "/qrcodes", "/campaigns", f"/campaigns/{campaign.pk}", "/uploads", "/team"):
        console.visit(page, f"{live_server.url}{path}")
        if path == "/dashboard":
            page.locator("canvas").first.wait_for()
    # The delete button's inline confirm (allowed by hash) still asks.
    console.visit(page, f"{live_server.url}/qrcodes/{qr.pk}")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Delete").click()
    page.wait_for_timeout(300)
    console.assert_clean("qr code detail")  # a blocked handler shows here first
    assert asked and asked[0].startswith("Delete this QR code")
    # The activity filter's inline onchange (allowed by hash) still submits.
    console.visit(page, f"{live_server.url}/activity")
    options = page.locator("#action-filter option")
    if options.count() > 1:
        value = options.nth(1).get_attribute("value")
        page.select_option("#action-filter", value)
        page.wait_for_url(re.compile(r".*[?&]action="))
    console.assert_clean("tenant pages")


def test_the_oi_console_and_its_charts_work_under_the_policy(page, live_server):
    User.objects.create_superuser("staff@outboundimpact.com", PASSWORD)
    console = Console(page)
    _login(page, live_server.url, "staff@outboundimpact.com")
    console.visit(page, f"{live_server.url}/admin/")
    for report in REPORTS[:3]:
        console.visit(page, f"{live_server.url}/admin/reports/{report.slug}/")
        canvases = page.locator("canvas.oi-chart-canvas")
        for i in range(canvases.count()):
            page.wait_for_selector(f"canvas.oi-chart-canvas >> nth={i}")
        console.assert_clean(f"report {report.slug}")
        rendered = page.evaluate(
            "[...document.querySelectorAll('canvas.oi-chart-canvas')].every(c => c.dataset.rendered === '1')")
        assert rendered, report.slug  # the inline chart script ran
    console.assert_clean("OI console")
