"""Plans are real (issue 13), in Chromium: a paid sign-up lands on the free plan with the request
shown and the browser's time zone captured; the Plan page fits a phone and a laptop; an Admin
asking for a downgrade the organization does not fit sees what must go first."""

from __future__ import annotations

import re
import uuid

import pytest

from qrcodes.models import QRCode
from tenants.models import Organization, PlanChangeRequest
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _fits(page, width: int) -> bool:
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_timeout(120)
    return page.evaluate(NO_SIDEWAYS_SCROLL)


def test_enterprise_sign_up_starts_free_with_the_request_and_the_browsers_time_zone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, timezone_id="America/Chicago")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/register")
    assert _fits(page, 390), "the sign-up page scrolls sideways at 390 px"
    assert page.get_by_test_id("signup-plans").inner_text().count("$") == 2  # the two paid plans' prices
    # the script filled the hidden field from Intl.DateTimeFormat().resolvedOptions().timeZone
    assert page.input_value("input[name=timezone]") == "America/Chicago"
    page.fill("#id_company_name", "Prairie Pies")
    page.fill("#id_company_email", "hello@pies.example")
    page.fill("#id_full_name", "Pat Pie")
    page.fill("#id_email", "pat@pies.example")
    page.fill("#id_password", "Rhubarb-Season-2026")
    page.select_option("#id_plan_type", "enterprise")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/plan$"))
    assert ("Enterprise is requested; OI will confirm it and you are on Small business until then"
            in page.content())
    assert "Requested: Enterprise" in page.get_by_test_id("pending-request").inner_text()
    assert "Small business" in page.get_by_test_id("current-plan").inner_text()
    assert page.input_value("#id_timezone") == "America/Chicago"
    org = Organization.objects.get(company_name="Prairie Pies")
    assert (org.plan_type, org.timezone) == ("small_business", "America/Chicago")
    assert PlanChangeRequest.all_orgs.get(organization=org).to_plan == "enterprise"
    for width in (390, 1366):
        assert _fits(page, width), f"the Plan page scrolls sideways at {width} px"
    # the header's plan label leads back to the Plan page
    page.goto(f"{live_server.url}/dashboard")
    page.set_viewport_size({"width": 1366, "height": 800})
    page.locator("a.plan").click()
    page.wait_for_url(re.compile(r".*/plan$"))
    context.close()


def test_admin_asking_for_a_downgrade_sees_what_must_go_first(browser, live_server):
    org = OrganizationFactory(company_name="Busy Bistro", plan_type="medium_business")
    admin = UserFactory(organization=org, email="owner@bistro.example", role="Admin")
    for i in range(7):
        QRCode.all_orgs.create(organization=org, name=f"Table {i}", short_code=uuid.uuid4().hex[:12], total_scans=i)
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=7)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login")
    page.fill("#id_email", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    page.goto(f"{live_server.url}/plan")
    blockers = page.get_by_test_id("blockers-small_business")
    assert "Pause, archive or delete 2 active QR codes (least scanned: Table 0 (0 scans), Table 1 (1 scans))" \
        in blockers.inner_text()
    for width in (390, 1366):
        assert _fits(page, width), f"the Plan page with blockers scrolls sideways at {width} px"
    page.get_by_role("button", name="Request downgrade to Small business").click()
    errors = page.get_by_test_id("plan-errors")
    assert "To move to Small business, first: Pause, archive or delete 2 active QR codes" in errors.inner_text()
    assert not PlanChangeRequest.all_orgs.exists()
    # an upgrade goes through and shows as pending
    page.get_by_role("button", name="Request upgrade to Enterprise").click()
    page.wait_for_url(re.compile(r".*/plan$"))
    assert "Requested: Enterprise" in page.get_by_test_id("pending-request").inner_text()
    assert _fits(page, 390)
    context.close()
