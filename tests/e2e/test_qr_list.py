"""The QR list in Chromium (issue 13): search, filter, sort and page through the form; a table
with thumbnails at 1366 px, cards at 390 px, and no page (list, a code's page, the activity
page) scrolling sideways on a phone."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from core.scoping import bind_organization
from qrcodes.models import QRCode
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.e2e.test_phones import _OVERFLOW_JS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _seed() -> dict:
    org = OrganizationFactory(company_name="List Co", plan_type="medium_business")
    other = OrganizationFactory(company_name="Other Co", plan_type="medium_business")
    admin = UserFactory(organization=org, email="lister@list.example", full_name="Lee Lister", role="Admin")
    with bind_organization(org):
        spring = Campaign.objects.create(organization=org, name="Spring Sale")
    now = timezone.now()
    rows = [QRCode(organization=org, name=f"Table {i:02d}", location="Dining room", short_code=f"t{i:02d}{uuid.uuid4().hex[:8]}",
                   qr_url=f"https://list.example/a-rather-long-destination-path/that-goes-on/{i}?utm_source=print",
                   total_scans=i, status="paused" if i % 10 == 0 else "active",
                   campaign=spring if i % 2 else None) for i in range(30)]
    rows += [QRCode(organization=org, name="Shop window poster", location="High street", short_code=f"w{uuid.uuid4().hex[:10]}",
                    qr_url="https://list.example/window", total_scans=999, campaign=spring)]
    rows += [QRCode(organization=other, name="Their window", short_code=f"o{uuid.uuid4().hex[:10]}",
                    qr_url="https://other.example/")]
    QRCode.all_orgs.bulk_create(rows)
    for i, qr in enumerate(rows):
        QRCode.all_orgs.filter(pk=qr.pk).update(created_at=now - dt.timedelta(minutes=len(rows) - i))
    return {"admin": admin, "spring": spring, "window": rows[30]}


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url


def _names(page) -> list[str]:
    return page.locator("[data-testid=qr-row] td.qr-name > a").all_inner_texts()


def test_search_filter_sort_and_page_at_1366(page, live_server):
    data = _seed()
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, base, data["admin"].email)
    page.goto(f"{base}/qrcodes")
    assert page.locator("table.qr-list thead").is_visible()  # a table, not cards
    assert len(_names(page)) == 25
    assert page.locator("[data-testid=qr-pager]").inner_text().count("page 1 of 2") == 1
    thumb = page.locator("[data-testid=qr-thumb]").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('[data-testid=qr-thumb]'); return i.complete && i.naturalWidth > 0; }")
    assert page.evaluate(_OVERFLOW_JS) is None

    # search
    page.fill("input[name=q]", "  WINDOW ")
    page.click("[data-testid=qr-search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _names(page) == ["Shop window poster"]  # never the other organization's "Their window"

    # filter by campaign and status, sort by most scanned
    page.fill("input[name=q]", "")
    page.select_option("select[name=campaign]", str(data["spring"].pk))
    page.select_option("select[name=status]", "active")
    page.select_option("select[name=sort]", "scans")
    page.click("[data-testid=qr-search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    names = _names(page)
    assert names[:3] == ["Shop window poster", "Table 29", "Table 27"]
    assert len(names) == 16  # odd tables are in the campaign (15), none of them paused, plus the poster

    # no campaign, name order, then the second page keeps every parameter
    page.select_option("select[name=campaign]", "none")
    page.select_option("select[name=status]", "")
    page.select_option("select[name=sort]", "oldest")
    page.click("[data-testid=qr-search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _names(page) == [f"Table {i:02d}" for i in range(0, 30, 2)]
    page.select_option("select[name=campaign]", "")
    page.click("[data-testid=qr-search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _names(page)[0] == "Table 00" and len(_names(page)) == 25
    page.click("[data-testid=qr-pager] a[rel=next]")
    page.wait_for_load_state("networkidle")
    assert "sort=oldest" in page.url and "page=2" in page.url
    assert _names(page) == [*(f"Table {i:02d}" for i in range(25, 30)), "Shop window poster"]
    assert page.locator("select[name=sort]").input_value() == "oldest"

    # a page past the end shows the last one
    page.goto(f"{base}/qrcodes?sort=oldest&page=9999")
    assert _names(page)[-1] == "Shop window poster"


def test_cards_at_390_and_no_sideways_scroll(page, live_server):
    data = _seed()
    base = live_server.url
    _login(page, base, data["admin"].email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/qrcodes")
    page.wait_for_load_state("networkidle")
    assert not page.locator("table.qr-list thead").is_visible()
    row = page.locator("[data-testid=qr-row]").first
    assert row.evaluate("el => getComputedStyle(el).display") == "grid"
    assert row.locator("[data-testid=qr-thumb]").is_visible()
    assert row.locator(".qr-short").is_visible() and row.locator(".qr-scans").is_visible()
    assert row.locator(".qr-status .badge").is_visible()
    assert not row.locator("td.qr-dest").is_visible()  # the long destination stays on the code's page
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    problems = []
    for path in ("/qrcodes", "/qrcodes?q=table&sort=name&page=2", f"/qrcodes/{data['window'].pk}", "/activity"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(_OVERFLOW_JS)
        if overflow:
            problems.append(f"{path}: {overflow}")
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert not problems, problems
    page.goto(f"{base}/qrcodes/{data['window'].pk}")
    link = page.locator("[data-testid=qr-analytics-link]")
    assert link.is_visible() and link.get_attribute("href") == f"/qrcodes/{data['window'].pk}/analytics"
    # back to a desktop width: a table again
    page.goto(f"{base}/qrcodes")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(100)
    assert page.locator("table.qr-list thead").is_visible()
    assert page.evaluate(_OVERFLOW_JS) is None
