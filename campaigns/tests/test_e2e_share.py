"""Share buttons on a campaign page in headless Chromium: a click is tracked through
POST /api/activity/track (session + CSRF) and lands in the activity feed."""

import re

import pytest

from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from tenants.models import ActivityLog
from tests.e2e.browser import in_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_share_clicks_are_tracked(live_server, admin_a, org_a, password):
    campaign = Campaign.all_orgs.create(organization=org_a, name="Valentine's Day Special", status="active")
    make_qr(org_a, campaign=campaign, name="Door")
    seen = {}

    def steps(page) -> None:
        page.goto(f"{live_server.url}/login")
        page.fill("#id_email", admin_a.email)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/dashboard$"))
        # No internet here: the share sites answer from a stub.
        page.context.route(re.compile(r"https://(wa\.me|www\.facebook\.com|twitter\.com|www\.linkedin\.com)/.*"),
                           lambda route: route.fulfill(body="share dialog", content_type="text/plain"))
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}")
        with page.expect_popup() as popup:
            page.click("a[data-platform=whatsapp]")
        popup.value.wait_for_load_state()
        seen["popup"] = popup.value.url
        popup.value.close()
        with page.expect_response("**/api/activity/track") as tracked:
            page.click("button[data-platform=copy_link]")
        seen["status"] = tracked.value.status
        page.goto(f"{live_server.url}/activity")
        seen["feed"] = page.get_by_test_id("activity-table").inner_text()

    in_chromium(steps, "test_share_clicks_are_tracked")

    assert seen["status"] == 201
    assert seen["popup"].startswith("https://wa.me/?text=Valentine")
    rows = ActivityLog.all_orgs.filter(action="campaign_social_share", entity_id=str(campaign.pk))
    assert sorted(r.metadata["platform"] for r in rows) == ["copy_link", "whatsapp"]
    # the feed's wording is the activity page's; it names the campaign and the platform
    assert "Valentine's Day Special" in seen["feed"] and "whatsapp" in seen["feed"].lower()
