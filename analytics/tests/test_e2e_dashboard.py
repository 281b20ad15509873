"""Real headless Chromium: the dashboard of a tenant with data draws every chart (canvas with a
Chart.js instance), both maps included, from vendored static files only."""

import datetime as dt
import re

import pytest

from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.e2e.conftest import CHROMIUM, page, pytest_runtest_makereport  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



@pytest.fixture(scope="module")
def browser():
    """This module's own Chromium, closed when the module ends: Playwright's sync API allows one
    running instance per thread, and tests/e2e starts its session-wide one later."""
    import shutil
    from pathlib import Path

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield b
        b.close()


CHARTS = ["chart-series", "chart-top-qr", "chart-map-countries", "chart-map-cities", "chart-device_type",
          "chart-os", "chart-browser", "chart-referrer", "chart-hour", "chart-campaigns"]


def test_dashboard_draws_every_chart(page, live_server):  # noqa: F811
    from campaigns.models import Campaign

    org = OrganizationFactory(company_name="Chart Co", plan_type="enterprise")
    user = UserFactory(organization=org, email="charts@chart.example", role="Admin")
    camp = Campaign.all_orgs.create(organization=org, name="Launch", status="active")
    qrs = [make_qr(org, "Poster", campaign=camp), make_qr(org, "Flyer")]
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    events = []
    places = [("US", "United States", "Chicago", "Illinois", 41.88, -87.63),
              ("GB", "United Kingdom", "London", "England", 51.5, -0.12),
              ("JP", "Japan", "Tokyo", "Tokyo", 35.68, 139.69)]
    for i in range(30):
        cc, country, city, state, lat, lng = places[i % 3]
        events.append(make_scan(org, qrs[i % 2], now - dt.timedelta(days=i % 20, hours=i % 7), country_code=cc,
                                country=country, city=city, state=state, lat=lat, lng=lng,
                                referrer="https://instagram.com/x" if i % 2 else ""))
    rollup_scan_events(events)

    page.goto(f"{live_server.url}/login")
    page.fill("#id_email", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_test_id("range-scans").inner_text() == "30"
    page.wait_for_function(
        "ids => ids.every(id => window.Chart && Chart.getChart(document.getElementById(id)))", arg=CHARTS)
    for chart_id in CHARTS:
        box = page.get_by_test_id(chart_id).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart_id
    # the country map colours the three countries that were scanned
    coloured = page.evaluate("""() => Chart.getChart(document.getElementById('chart-map-countries'))
        .data.datasets[0].data.filter(d => d.value > 0).map(d => d.feature.properties.name).sort()""")
    assert coloured == ["Japan", "United Kingdom", "United States of America"]
    cities = page.evaluate("""() => Chart.getChart(document.getElementById('chart-map-cities'))
        .data.datasets[0].data.map(d => d.description).sort()""")
    assert cities == ["Chicago, United States", "London, United Kingdom", "Tokyo, Japan"]


def test_qr_code_search_box_filters_the_dashboard(page, live_server):  # noqa: F811
    """A tenant with more QR codes than a <select> should hold: type, pick a suggestion, apply."""
    from analytics.selectors import PICKER_INLINE_MAX

    org = OrganizationFactory(company_name="Many Codes", plan_type="enterprise")
    user = UserFactory(organization=org, email="many@codes.example", role="Admin")
    for i in range(PICKER_INLINE_MAX):
        make_qr(org, f"Flyer {i:03d}")
    harbor = make_qr(org, "Harbor Poster")
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    rollup_scan_events([make_scan(org, harbor, now - dt.timedelta(hours=i)) for i in range(3)])

    page.goto(f"{live_server.url}/login")
    page.fill("#id_email", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard$"))
    box = page.get_by_test_id("picker-qr_code")
    # text that names no QR code is refused, not silently turned into "all QR codes"
    box.fill("Nothing like this")
    page.get_by_role("button", name="Apply").click()
    assert page.evaluate("() => document.querySelector('input.picker').validationMessage") != ""
    assert "qr_code_id" not in page.url
    box.fill("harb")
    page.wait_for_function("() => [...document.querySelectorAll('#choices-qr_code option')]"
                           ".some(o => o.value === 'Harbor Poster')")
    box.fill("Harbor Poster")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf".*qr_code_id={harbor.pk}.*"))
    assert page.get_by_test_id("range-scans").inner_text() == "3"
    assert page.get_by_test_id("picker-qr_code").input_value() == "Harbor Poster"
