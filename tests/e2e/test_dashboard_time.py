"""Issue 13 in Chromium: the dashboard's date presets change the range without any script of
ours, the partial first/last week of the scans chart is marked, and the page does not scroll
sideways at 390 and 1366 px (a Chicago organization, a frozen clock)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from analytics import periods
from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from tenants.tests.factories import OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Wednesday Dec 10, 2025, 18:00 UTC = noon in Chicago
NOW = dt.datetime(2025, 12, 10, 18, 0, tzinfo=dt.UTC)


@pytest.fixture
def chicago(monkeypatch):
    monkeypatch.setattr(periods, "now", lambda: NOW)  # the live server runs in this process
    org = OrganizationFactory(company_name="Chicago Co", plan_type="enterprise", timezone="America/Chicago")
    user = UserFactory(organization=org, email="boss@chicago.example", role="Admin")
    qr = make_qr(org, "Door")
    rollup_scan_events([make_scan(org, qr, NOW - dt.timedelta(days=d, hours=h)) for d in range(45) for h in (1, 5)])
    return user


def _login(page, base: str, user) -> None:
    # A session made server-side: the login form would add a "signed in" activity row, which
    # this test is not about.
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": base,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def _no_sideways_scroll(page) -> None:
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)
        sw, cw = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sw <= cw, f"scrolls sideways at {width} px: {sw} > {cw}"


def test_presets_partial_weeks_and_no_sideways_scroll(browser, live_server, chicago):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.set_default_timeout(15_000)
    base = live_server.url
    _login(page, base, chicago)

    # The default range (last 30 days in Chicago: Nov 11 - Dec 10) by week.
    page.goto(f"{base}/dashboard?interval=week")
    assert page.get_by_test_id("timezone").inner_text().startswith("Times in America/Chicago")
    assert "current" in page.get_by_test_id("preset-30d").get_attribute("class")
    partial = page.get_by_test_id("chart-series").get_attribute("data-partial")
    assert partial == "2025-11-10,2025-12-08"  # Mon Nov 10's week starts before the range; Dec 8's is not over
    note = page.get_by_test_id("series-partial-note").inner_text()
    assert "partial week: Nov 11\u2013Nov 16 only" in note and "week in progress: Dec 8\u2013Dec 10 so far" in note
    _no_sideways_scroll(page)

    # Presets are plain links: a click loads the new range.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_test_id("preset-7d").click()
    page.wait_for_url("**range=7d**")
    page.wait_for_load_state("networkidle")
    assert "range=7d" in page.url
    assert page.locator("input[name=from]").input_value() == "2025-12-04"
    assert page.locator("input[name=to]").input_value() == "2025-12-10"
    assert "current" in page.get_by_test_id("preset-7d").get_attribute("class")
    assert "current" not in page.get_by_test_id("preset-30d").get_attribute("class")
    assert page.get_by_test_id("range-scans").inner_text() == "14"

    page.get_by_test_id("preset-last_month").click()
    page.wait_for_url("**range=last_month**")
    page.wait_for_load_state("networkidle")
    assert page.locator("input[name=from]").input_value() == "2025-11-01"
    assert page.locator("input[name=to]").input_value() == "2025-11-30"
    assert "vs Oct 2\u2013Oct 31" in page.get_by_test_id("compare-scans").inner_text()
    _no_sideways_scroll(page)
    page.close()
