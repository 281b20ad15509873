"""The dashboard a customer sees, in Chromium (issue 13): a new account gets three first steps and
no empty canvas; charts without data in the range say why instead of drawing empty axes; one QR
code's analytics page draws its series; the six organization cards sit on one row at 1366 px and
2 + 2 + 2 at 390 px; neither page scrolls sideways at 390 or 1366 px."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1366)
NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
CANVASES = "() => document.querySelectorAll('canvas').length"
SCREENSHOTS = os.environ.get("DASHBOARD_SCREENSHOTS") == "1"  # also save each page to test-artifacts/dashboard/


def _login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("#id_email", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))


def _no_sideways_scroll(page, path: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)  # Chart.js resizes on the next frame
        assert page.evaluate(NO_SIDEWAYS), f"{path} scrolls sideways at {width}px"
        if SCREENSHOTS:
            (ARTIFACTS / "dashboard").mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
            page.screenshot(path=str(ARTIFACTS / "dashboard" / f"{name}-{width}.png"), full_page=True)


def _card_rows(page) -> list[int]:
    """How many of the six organization cards sit on each row, top to bottom."""
    tops = page.evaluate("""() => [...document.querySelectorAll('section.org-stats > .card')]
        .map(c => Math.round(c.getBoundingClientRect().top))""")
    assert len(tops) == 6
    return [tops.count(t) for t in sorted(set(tops))]


def test_a_new_account_sees_three_steps_and_no_canvas(page, live_server):
    org = OrganizationFactory(company_name="Fresh Start", plan_type="small_business")
    user = UserFactory(organization=org, email="new@fresh.example", role="Admin")
    _login(page, live_server, user)
    steps = page.get_by_test_id("first-steps")
    assert steps.is_visible()
    text = steps.inner_text()
    for words in ("Create your first QR code", "Print it", "Scan it with your phone"):
        assert words in text
    assert page.evaluate(CANVASES) == 0
    page.get_by_test_id("step-create-link").click()
    page.wait_for_url(re.compile(r".*/qrcodes/new$"))
    page.goto(f"{live_server.url}/dashboard")
    _no_sideways_scroll(page, "/dashboard (first steps)")


def test_codes_without_scans_in_range_say_why_instead_of_empty_axes(page, live_server):
    org = OrganizationFactory(company_name="Quiet Month", plan_type="enterprise")
    user = UserFactory(organization=org, email="quiet@month.example", role="Admin")
    qr = make_qr(org, "Old poster")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    rollup_scan_events([make_scan(org, qr, long_ago)])  # scanned once, long before the default 30 days
    _login(page, live_server, user)
    assert page.get_by_test_id("first-steps").count() == 0
    assert page.get_by_test_id("empty-series").inner_text().startswith("No scans between ")
    for key in ("top-qr", "country", "city-map", "device_type", "os", "browser", "referrer", "hour"):
        assert page.get_by_test_id(f"empty-{key}").is_visible(), key
    assert page.evaluate(CANVASES) == 0
    page.set_viewport_size({"width": 1366, "height": 900})
    assert _card_rows(page) == [6]
    page.set_viewport_size({"width": 390, "height": 900})
    assert _card_rows(page) == [2, 2, 2]
    _no_sideways_scroll(page, "/dashboard (empty range)")


def test_charts_tick_in_whole_scans_and_missing_referrers_are_explained(page, live_server):
    org = OrganizationFactory(company_name="One Scan", plan_type="enterprise")
    user = UserFactory(organization=org, email="one@scan.example", role="Admin")
    qr = make_qr(org, "Window")
    rollup_scan_events([make_scan(org, qr, dt.datetime.now(dt.UTC) - dt.timedelta(hours=2), referrer="")])
    _login(page, live_server, user)
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-series'))")
    ticks = page.evaluate("""() => Chart.getChart(document.getElementById('chart-series')).scales.y.ticks
        .map(t => t.value)""")
    assert ticks and ticks[0] == 0 and all(float(v).is_integer() for v in ticks), ticks
    bar_ticks = page.evaluate("""() => Chart.getChart(document.getElementById('chart-top-qr')).scales.x.ticks
        .map(t => t.value)""")
    assert bar_ticks[0] == 0 and all(float(v).is_integer() for v in bar_ticks), bar_ticks
    assert "camera apps" in page.get_by_test_id("empty-referrer").inner_text()
    assert page.locator("#chart-referrer").count() == 0


def test_one_qr_codes_page_draws_its_series(page, live_server):
    org = OrganizationFactory(company_name="Per Code", plan_type="medium_business")
    user = UserFactory(organization=org, email="per@code.example", role="Admin")
    qr, other = make_qr(org, "Harbor sign"), make_qr(org, "Other sign")
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    rollup_scan_events([make_scan(org, qr, now - dt.timedelta(days=i % 5, hours=1)) for i in range(7)]
                       + [make_scan(org, other, now - dt.timedelta(hours=3))])
    _login(page, live_server, user)
    page.goto(f"{live_server.url}/qrcodes/{qr.pk}/analytics")
    assert page.get_by_role("heading", name=re.compile("Harbor sign")).is_visible()
    assert page.get_by_test_id("range-scans").inner_text() == "7"
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-series'))")
    total = page.evaluate("""() => Chart.getChart(document.getElementById('chart-series')).data.datasets[0].data
        .reduce((a, b) => a + b, 0)""")
    assert total == 7
    assert page.get_by_test_id("back-to-code").get_attribute("href") == f"/qrcodes/{qr.pk}"
    _no_sideways_scroll(page, "/qrcodes/id/analytics")
    page.goto(f"{live_server.url}/dashboard")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-series'))")
    _no_sideways_scroll(page, "/dashboard")
