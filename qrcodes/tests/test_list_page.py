"""The QR list page: search, campaign and status filters, sorts, paging, thumbnails, and the
tenancy of every filter (another organization's campaign id filters nothing of theirs in)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign
from core.scoping import bind_organization
from qrcodes.forms import QRCodeListForm
from qrcodes.models import QRCode
from qrcodes.selectors import QR_CODE_SORTS
from qrcodes.tests.conftest import make_qr
from tenants.tests.factories import PASSWORD


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.email, password=PASSWORD)
    return c


def names(response) -> list[str]:
    """The codes' names in the order the page lists them."""
    html = response.content.decode()
    return re.findall(r'<td class="qr-name"><a href="/qrcodes/[0-9a-f-]+">([^<]*)</a>', html)


def campaign(org, name: str) -> Campaign:
    with bind_organization(org):
        return Campaign.objects.create(organization=org, name=name)


def bulk(org, n: int, **fields) -> list[QRCode]:
    """n codes without the service (past the small plan's 5 active codes), created a minute apart."""
    now = timezone.now()
    rows = QRCode.all_orgs.bulk_create([
        QRCode(organization=org, name=f"Code {i:03d}", short_code=f"b{i:06d}{uuid.uuid4().hex[:6]}",
               qr_url=f"https://example.com/{i}", **fields)
        for i in range(n)
    ])
    for i, qr in enumerate(rows):  # auto_now_add ignores a value given at creation
        QRCode.all_orgs.filter(pk=qr.pk).update(created_at=now - dt.timedelta(minutes=n - i))
    return rows


@pytest.fixture
def shelf(org_a, admin_a, org_b, admin_b):
    """Org A: four codes across two campaigns and none, statuses, scans; org B: one code."""
    spring = campaign(org_a, "Spring Sale")
    summer = campaign(org_a, "Summer Menu")
    foreign = campaign(org_b, "Their Campaign")
    now = timezone.now()
    codes = {
        "menu": make_qr(org_a, admin_a, name="Front Door Menu", location="Entrance", campaign_id=str(spring.pk)),
        "lobby": make_qr(org_a, admin_a, name="bar coaster", location="Lobby bar",
                         qr_url="https://pizzapalace.com/Drinks", campaign_id=str(summer.pk)),
        "window": make_qr(org_a, admin_a, name="Window Poster", location="Street window"),
        "flyer": make_qr(org_a, admin_a, name="Archived Flyer", location=""),
    }
    QRCode.all_orgs.filter(pk=codes["flyer"].pk).update(status="archived")
    QRCode.all_orgs.filter(pk=codes["window"].pk).update(status="paused")
    QRCode.all_orgs.filter(pk=codes["menu"].pk).update(total_scans=5, last_scanned_at=now - dt.timedelta(days=3))
    QRCode.all_orgs.filter(pk=codes["lobby"].pk).update(total_scans=50, last_scanned_at=now - dt.timedelta(days=9))
    QRCode.all_orgs.filter(pk=codes["window"].pk).update(total_scans=1, last_scanned_at=now - dt.timedelta(hours=1))
    theirs = make_qr(org_b, admin_b, name="Their Front Door", campaign_id=str(foreign.pk))
    for qr in [*codes.values(), theirs]:
        qr.refresh_from_db()
    return {"spring": spring, "summer": summer, "foreign": foreign, "theirs": theirs, **codes}


ALL_A = ["Archived Flyer", "Window Poster", "bar coaster", "Front Door Menu"]  # newest first


def test_default_lists_the_organizations_codes_newest_first(admin_a, shelf):
    r = login(admin_a).get("/qrcodes")
    assert r.status_code == 200
    assert names(r) == ALL_A
    assert "Their Front Door" not in r.content.decode()


@pytest.mark.parametrize(("q", "expected"), [
    ("front door", ["Front Door Menu"]),          # name, case-insensitive; org B's "Their Front Door" never
    ("  LOBBY  ", ["bar coaster"]),               # location, trimmed
    ("pizzapalace.com/drinks", ["bar coaster"]),  # destination
    ("100%", []),                                 # LIKE wildcards are literal
    ("_", []),
])
def test_search(admin_a, shelf, q, expected):
    r = login(admin_a).get("/qrcodes", {"q": q})
    assert r.status_code == 200
    assert names(r) == expected
    if not expected:
        assert 'data-testid="qr-none-match"' in r.content.decode()


def test_search_by_short_code(admin_a, shelf):
    code = shelf["window"].short_code
    r = login(admin_a).get("/qrcodes", {"q": code.upper()})
    assert names(r) == ["Window Poster"]
    assert login(admin_a).get("/qrcodes", {"q": shelf["theirs"].short_code}).content.decode().count("qr-row") == 0


def test_search_too_long_is_a_form_error_not_a_500(admin_a, shelf):
    r = login(admin_a).get("/qrcodes", {"q": "x" * (QRCodeListForm.SEARCH_MAX + 1)})
    assert r.status_code == 400
    assert 'data-testid="qr-list-errors"' in r.content.decode()
    assert names(r) == ALL_A  # the bad field is left out, the page still lists


def test_search_with_nul_is_refused_by_the_request_guard(admin_a, shelf):
    r = login(admin_a).get("/qrcodes?q=a%00b")
    assert r.status_code == 400


def test_filter_by_campaign_and_no_campaign(admin_a, shelf):
    c = login(admin_a)
    assert names(c.get("/qrcodes", {"campaign": str(shelf["spring"].pk)})) == ["Front Door Menu"]
    assert names(c.get("/qrcodes", {"campaign": str(shelf["summer"].pk)})) == ["bar coaster"]
    assert names(c.get("/qrcodes", {"campaign": "none"})) == ["Archived Flyer", "Window Poster"]


@pytest.mark.parametrize("value", ["not-a-uuid", "'; drop table qr_codes; --", str(uuid.uuid4())])
def test_bad_campaign_is_a_form_error(admin_a, shelf, value):
    r = login(admin_a).get("/qrcodes", {"campaign": value})
    assert r.status_code == 400
    assert "Choose one of your campaigns" in r.content.decode()
    assert names(r) == ALL_A


def test_another_organizations_campaign_shows_none_of_its_codes(admin_a, shelf):
    r = login(admin_a).get("/qrcodes", {"campaign": str(shelf["foreign"].pk)})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Choose one of your campaigns" in html
    assert "Their Front Door" not in html and "Their Campaign" not in html
    assert names(r) == ALL_A


def test_campaign_choices_are_only_the_organizations(admin_a, shelf):
    html = login(admin_a).get("/qrcodes").content.decode()
    assert "Spring Sale" in html and "Summer Menu" in html and "No campaign" in html
    assert str(shelf["foreign"].pk) not in html


@pytest.mark.parametrize(("status", "expected"), [
    ("active", ["bar coaster", "Front Door Menu"]),
    ("paused", ["Window Poster"]),
    ("archived", ["Archived Flyer"]),
])
def test_filter_by_status(admin_a, shelf, status, expected):
    r = login(admin_a).get("/qrcodes", {"status": status})
    assert r.status_code == 200 and names(r) == expected


def test_unknown_status_and_sort_are_form_errors(admin_a, shelf):
    r = login(admin_a).get("/qrcodes", {"status": "deleted", "sort": "price"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Unknown status" in html and "Unknown order" in html
    assert names(r) == ALL_A


def test_filters_combine(admin_a, shelf):
    r = login(admin_a).get("/qrcodes", {"q": "o", "status": "active", "campaign": str(shelf["summer"].pk)})
    assert names(r) == ["bar coaster"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("newest", ALL_A),
    ("oldest", list(reversed(ALL_A))),
    ("name", ["Archived Flyer", "bar coaster", "Front Door Menu", "Window Poster"]),  # case-insensitive
    ("scans", ["bar coaster", "Front Door Menu", "Window Poster", "Archived Flyer"]),
    ("last_scan", ["Window Poster", "Front Door Menu", "bar coaster", "Archived Flyer"]),  # never scanned last
])
def test_sorts(admin_a, shelf, sort, expected):
    r = login(admin_a).get("/qrcodes", {"sort": sort})
    assert r.status_code == 200 and names(r) == expected


def test_every_sort_has_a_label():
    assert set(QRCodeListForm.SORTS) == set(QR_CODE_SORTS)


def test_paging_keeps_the_other_params(admin_a, org_a, org_b):
    bulk(org_a, 60)
    bulk(org_b, 5)
    c = login(admin_a)
    first = c.get("/qrcodes", {"q": "code", "sort": "oldest"})
    assert names(first) == [f"Code {i:03d}" for i in range(25)]
    html = first.content.decode()
    assert "page 1 of 3" in html and "1–25 of 60 QR codes" in html
    nxt = re.search(r'<a class="btn" href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "q=code" in nxt and "sort=oldest" in nxt and "page=2" in nxt
    second = c.get("/qrcodes" + nxt)
    assert names(second) == [f"Code {i:03d}" for i in range(25, 50)]
    last = c.get("/qrcodes", {"q": "code", "sort": "oldest", "page": "3"})
    assert names(last) == [f"Code {i:03d}" for i in range(50, 60)]


@pytest.mark.parametrize(("page", "expected_first"), [("9999", "Code 050"), ("abc", "Code 000"), ("-1", "Code 050"), ("", "Code 000")])
def test_out_of_range_or_bad_page_never_500s(admin_a, org_a, page, expected_first):
    bulk(org_a, 60)
    r = login(admin_a).get("/qrcodes", {"sort": "oldest", "page": page})
    assert r.status_code == 200
    assert names(r)[0] == expected_first


def test_thumbnails_are_small_lazy_and_labelled(admin_a, shelf):
    html = login(admin_a).get("/qrcodes").content.decode()
    thumbs = re.findall(r"<img [^>]*data-testid=\"qr-thumb\"[^>]*>", html)
    assert len(thumbs) == 4
    # the code's design (issue 14): the studio's preview of the saved design
    menu = next(t for t in thumbs if f"/qrcodes/{shelf['menu'].pk}/studio/preview.svg" in t)
    assert 'loading="lazy"' in menu and 'width="48"' in menu and 'height="48"' in menu
    assert 'alt="QR code of Front Door Menu"' in menu


def test_thumbnail_url_serves_an_image_to_the_session(admin_a, shelf):
    r = login(admin_a).get(f"/qrcodes/{shelf['menu'].pk}/studio/preview.svg")
    assert r.status_code == 200 and r["Content-Type"].startswith("image/svg+xml")


def test_cards_carry_the_short_url_and_scans(admin_a, shelf, settings):
    html = login(admin_a).get("/qrcodes").content.decode()
    assert f"{settings.SITE_URL}/s/{shelf['lobby'].short_code}" in html
    assert '<span class="qr-scans-n">50</span><span class="qr-scans-unit"> scans</span>' in html
    assert "css/qrcodes.css" in html


def test_query_count_does_not_grow_with_rows(admin_a, org_a, django_assert_max_num_queries):
    with bind_organization(org_a):
        spring = Campaign.objects.create(organization=org_a, name="Spring")
    c = login(admin_a)
    c.get("/qrcodes")  # warm the session and caches
    bulk(org_a, 3, campaign=spring)
    with django_assert_max_num_queries(12) as few:
        assert len(names(c.get("/qrcodes"))) == 3
    bulk(org_a, 22, campaign=spring)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(names(c.get("/qrcodes"))) == 25


def test_viewer_sees_the_list_without_write_controls(viewer_a, shelf):
    r = login(viewer_a).get("/qrcodes", {"q": "door"})
    assert r.status_code == 200 and names(r) == ["Front Door Menu"]
    assert 'data-testid="new-qr"' not in r.content.decode()


def test_detail_links_to_the_codes_analytics(admin_a, shelf):
    qr = shelf["menu"]
    html = login(admin_a).get(f"/qrcodes/{qr.pk}").content.decode()
    assert f'href="/qrcodes/{qr.pk}/analytics" data-testid="qr-analytics-link">See all analytics for this code</a>' in html
    assert "Latest 10 scans — " in html and "see all analytics" in html


def test_old_status_links_still_work(admin_a, shelf):
    assert names(login(admin_a).get("/qrcodes?status=paused")) == ["Window Poster"]
