"""The CSV import in Chromium (issue 14, "a CSV of 50 rows creates 50 codes"): an Admin uploads
a 50-row file through the page and sees the codes in the QR list; a file with two bad rows shows
both rows' errors and creates nothing; a large file shows its progress live while a worker (here,
the test calling the task) checks its rows. Each page at 1366 and 390 px, none scrolling
sideways; screenshots in /tmp/shots/h3/."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from qrcodes.models import QRCode
from studio.models import BulkImport
from studio.tasks import bulk_import_run_task
from studio.tests.test_bulk_import import csv_bytes
from tenants.tests.factories import OrganizationFactory, UserFactory
from tests.e2e.browser import login
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/h3")


def _shoot(page, name: str) -> None:
    """This page at 1366 and 390 px: a screenshot of each, and no sideways scroll on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate(_OVERFLOW_JS) is None, (name, width, page.evaluate(_OVERFLOW_JS))
    page.set_viewport_size({"width": 1366, "height": 900})


def _upload(page, data: bytes, name: str = "codes.csv") -> None:
    page.set_input_files("input[type=file]", {"name": name, "mimeType": "text/csv", "buffer": data})
    with page.expect_navigation():
        page.click("[data-testid=import-submit]")


def test_fifty_rows_create_fifty_codes_and_two_bad_rows_create_nothing(page, live_server):
    org = OrganizationFactory(company_name="Import Co", plan_type="medium_business")
    other = OrganizationFactory(company_name="Other Co", plan_type="medium_business")
    admin = UserFactory(organization=org, email="importer@import.example", role="Admin")
    base = live_server.url
    login(page, base, admin.email)

    page.goto(f"{base}/qrcodes")
    with page.expect_navigation():
        page.click("[data-testid=import-qr]")
    assert page.url.endswith("/qrcodes/import")
    assert "0 of 100 active QR codes" in page.locator("[data-testid=import-usage]").inner_text()
    _shoot(page, "import-form")

    # two bad rows: both reported with their spreadsheet rows, nothing created
    _upload(page, csv_bytes(50, bad={2: "Broken link,www.example.com,,", 40: ",https://menu.example/x,,"}), "bad.csv")
    assert page.locator("[data-testid=import-failed]").is_visible()
    errors = page.locator("[data-testid=import-error]")
    assert errors.count() == 2
    assert errors.nth(0).inner_text().split("\t")[:2] == ["4", "destination"]
    assert "Add https:// in front: https://www.example.com" in errors.nth(0).inner_text()
    assert errors.nth(1).inner_text().split("\t")[:2] == ["42", "name"]
    assert QRCode.all_orgs.filter(organization=org).count() == 0
    _shoot(page, "import-failed")

    # the corrected file: 50 codes
    with page.expect_navigation():
        page.click("[data-testid=import-again]")
    _upload(page, csv_bytes(50, bom=True))
    assert page.locator("[data-testid=import-created]").inner_text().startswith("50 codes created")
    _shoot(page, "import-done")
    with page.expect_navigation():
        page.click("[data-testid=import-see-codes]")
    assert "of 50 QR codes" in page.locator("[data-testid=qr-count]").inner_text()
    names = page.locator("[data-testid=qr-row] td.qr-name > a").all_inner_texts()
    assert len(names) == 25 and all(n.startswith("Table ") for n in names)
    _shoot(page, "qr-list")
    assert QRCode.all_orgs.filter(organization=org, status="active").count() == 50
    assert QRCode.all_orgs.filter(organization=other).count() == 0


def test_a_large_file_shows_its_progress_until_it_is_done(page, live_server):
    org = OrganizationFactory(company_name="Big Import Co", plan_type="enterprise")
    admin = UserFactory(organization=org, email="big@import.example", role="Admin")
    base = live_server.url
    login(page, base, admin.email)
    page.goto(f"{base}/qrcodes/import")
    with mock.patch.object(bulk_import_run_task, "delay") as delay:  # no worker here: the test is the worker
        _upload(page, csv_bytes(400), "big.csv")
    delay.assert_called_once()
    imported = BulkImport.all_orgs.get(organization=org)
    assert imported.status == "pending"
    assert page.locator("[data-progress-text]").inner_text() == "Waiting for a worker…"

    # half-way, as a worker reports it: the bar follows without a reload
    BulkImport.all_orgs.filter(pk=imported.pk).update(status="running", processed_rows=200)
    page.wait_for_function("() => document.querySelector('[data-progress-bar]').value === 200")
    assert page.locator("[data-progress-text]").inner_text() == "Checking row 200 of 400…"
    _shoot(page, "import-progress")

    assert bulk_import_run_task(*delay.call_args.args) == "done"
    page.wait_for_selector("[data-testid=import-created]", timeout=15_000)  # the script reloads when done
    assert page.locator("[data-testid=import-created]").inner_text().startswith("400 codes created")
    assert QRCode.all_orgs.filter(organization=org).count() == 400
