"""The campaign page in headless Chromium: the Chart.js chart is drawn with labelled axes and
two series (scans; share-link clicks), two QR codes are attached at once by ticking boxes, the
share link has its copy button, and nothing scrolls sideways at 390 or 1366 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaign_share_clicks_record
from campaigns.tests.conftest import make_qr, make_scan
from qrcodes.models import QRCode
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXES_JS = """() => {
  const c = window.campaignChart;
  if (!c) return null;
  const cb = c.options.plugins.tooltip.callbacks.label;
  return {
    x: c.options.scales.x.title.text, y: c.options.scales.y.title.text,
    yMin: c.scales.y.min, yTicks: c.scales.y.ticks.map(t => t.value),
    xLabels: c.data.labels.length, series: c.data.datasets.map(d => d.label),
    scans: c.data.datasets[0].data.reduce((a, b) => a + b, 0),
    clicks: c.data.datasets[1].data.reduce((a, b) => a + b, 0),
    tooltip: cb.call(c.tooltip, {dataset: c.data.datasets[0], parsed: {y: 3}}),
    canvas: [c.canvas.width, c.canvas.height],
  };
}"""


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard")


def test_campaign_page_chart_attach_and_share(page, live_server, admin_a, org_a, password):
    today = timezone.now().date()
    campaign = Campaign.all_orgs.create(organization=org_a, name="Summer terrace with a rather long name",
                                        status="active", start_date=today - dt.timedelta(days=9))
    door = make_qr(org_a, campaign=campaign, name="Front door")
    for days_ago in (1, 1, 4):
        make_scan(door, today - dt.timedelta(days=days_ago))
    campaign_share_clicks_record(organization=org_a, campaign=campaign,
                                 clicked_at=[timezone.now() - dt.timedelta(hours=h) for h in (1, 30)])
    loose = [make_qr(org_a, name=f"Table tent {i}") for i in range(3)]
    url = f"{live_server.url}/campaigns/{campaign.pk}"

    _login(page, live_server.url, admin_a.email, password)
    problems = []
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_selector("#campaign-chart[data-drawn='1']")
        page.wait_for_timeout(150)
        axes = page.evaluate(AXES_JS)
        assert axes["x"] == "Date (UTC)" and axes["y"] == "Scans"
        assert axes["yMin"] == 0 and all(float(v).is_integer() for v in axes["yTicks"])
        assert axes["xLabels"] == 10 and axes["scans"] == 3 and axes["clicks"] == 2
        assert axes["series"] == ["Scans of the campaign's QR codes", "Share link clicks (not scans)"]
        assert axes["tooltip"] == "Scans of the campaign's QR codes: 3"
        assert axes["canvas"][0] > 0 and axes["canvas"][1] > 0
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow:
            problems.append(f"@{width}: {overflow}")
    assert not problems, problems

    # The share link and its copy button.
    assert page.get_by_test_id("share-link").inner_text().endswith(f"/l/{campaign.share_code}")
    assert "Share link clicks: 2" in page.get_by_test_id("share-clicks").inner_text()
    page.get_by_test_id("share-copy").click()
    # a function, not an expression: Playwright evals an expression on every poll, which the CSP refuses
    page.wait_for_function("() => document.querySelector('.share-status').textContent.length > 0")
    assert campaign.share_code in page.inner_text(".share-status") or "copied" in page.inner_text(".share-status")

    # Attach two codes at once by ticking their boxes (at phone width).
    for q in (loose[0], loose[2]):
        box = page.locator(f"input[name=qr_code_ids][value='{q.pk}']")
        box.scroll_into_view_if_needed()
        box.check()
        assert box.is_checked()
    with page.expect_navigation(wait_until="load"):  # the POST, its redirect and the new page
        page.get_by_test_id("attach-submit").click()
    assert "Added 2 QR codes to the campaign." in page.content()
    assert [QRCode.all_orgs.get(pk=q.pk).campaign_id for q in loose] == [campaign.pk, None, campaign.pk]
    assert page.locator("[data-testid=remove-qr]").count() == 3
    assert not page.evaluate(_OVERFLOW_JS)


def test_empty_campaign_page_explains_instead_of_drawing(page, live_server, viewer_a, org_a, password):
    campaign = Campaign.all_orgs.create(organization=org_a, name="Quiet")
    _login(page, live_server.url, viewer_a.email, password)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}")
    assert page.locator("#campaign-chart").count() == 0
    assert "No chart yet" in page.get_by_test_id("chart-empty").inner_text()
    assert page.locator("[data-testid=attach-form]").count() == 0  # a Viewer gets no write controls
    assert not page.evaluate(_OVERFLOW_JS)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(100)
    assert not page.evaluate(_OVERFLOW_JS)
