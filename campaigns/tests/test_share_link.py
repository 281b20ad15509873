"""A campaign's own share link /l/<code>: redirects at once, records a share click (bots
flagged, never counted), never a scan of a QR code; paused/ended -> 410, unknown -> 404."""

import datetime as dt
import json

import pytest
from django.core.cache import caches
from django.test import Client

from analytics.models import QRScanRollup
from campaigns import selectors
from campaigns.models import Campaign, CampaignShareClick
from campaigns.sharing import share_click_spool_drain, share_click_spool_key
from campaigns.tests.conftest import make_qr, make_scan
from core.scoping import bind_organization
from qrcodes.counting import scan_sweep_run
from qrcodes.models import QRCode, ScanEvent
from qrcodes.scanning import scan_spool_client
from tenants.models import Organization

pytestmark = pytest.mark.django_db

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"


@pytest.fixture(autouse=True)
def _fresh_lookup():
    caches["scan_lookup"].clear()
    yield
    caches["scan_lookup"].clear()


@pytest.fixture
def spring(org_a):
    c = Campaign.all_orgs.create(organization=org_a, name="Spring", status="active")
    make_qr(org_a, campaign=c, name="Paused first", status="paused")
    return c


@pytest.fixture
def door(org_a, spring):
    qr = make_qr(org_a, campaign=spring, name="Door", total_scans=5)
    QRCode.all_orgs.filter(pk=qr.pk).update(qr_url="https://door.example/menu")
    make_scan(qr, dt.date(2026, 2, 1))
    return qr


def visit(campaign, ua=PHONE, method="get"):
    return getattr(Client(), method)(f"/l/{campaign.share_code}", HTTP_USER_AGENT=ua,
                                      HTTP_REFERER="https://www.instagram.com/")


def counters(org):
    return {
        "qr": list(QRCode.all_orgs.filter(organization=org).order_by("pk").values_list("total_scans", "last_scanned_at")),
        "events": ScanEvent.all_orgs.count(),
        "rollups": list(QRScanRollup.all_orgs.order_by("pk").values_list("scans", "unique_scans", "bot_scans")),
        "org": Organization.objects.filter(pk=org.pk).values_list("total_qr_scans", flat=True).get(),
    }


def test_redirects_to_the_first_active_codes_destination_and_records_the_click(org_a, spring, door):
    r = visit(spring)
    assert r.status_code == 302 and r["Location"] == "https://door.example/menu" and r["Cache-Control"] == "no-store"
    click = CampaignShareClick.all_orgs.get()
    assert (click.campaign_id, click.organization_id, click.is_bot) == (spring.pk, org_a.pk, False)
    assert click.referrer_url == "https://www.instagram.com/" and click.ip_hash


def test_share_url_wins(org_a, spring, door, api_a):
    r = api_a.patch(f"/api/campaigns/{spring.pk}", {"share_url": "https://spring.example/landing"}, format="json")
    assert r.status_code == 200 and r.json()["share_url"] == "https://spring.example/landing"
    assert visit(spring)["Location"] == "https://spring.example/landing"


def test_share_url_is_validated(api_a, spring):
    r = api_a.patch(f"/api/campaigns/{spring.pk}", {"share_url": "javascript:alert(1)"}, format="json")
    assert r.status_code == 400 and "share_url" in r.json()["detail"]


def test_clicks_never_touch_any_qr_code(org_a, spring, door):
    before = counters(org_a)
    for _ in range(3):
        visit(spring)
    scan_sweep_run()  # the scan workers find nothing of it to count
    assert counters(org_a) == before
    assert CampaignShareClick.all_orgs.count() == 3


@pytest.mark.parametrize("ua, method", [
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "get"),
    ("WhatsApp/2.23.20.0", "get"),
    ("curl/8.0", "get"),
    ("", "get"),
    (PHONE, "head"),
])
def test_bots_are_redirected_but_not_counted(org_a, spring, door, ua, method):
    r = visit(spring, ua=ua, method=method)
    assert r.status_code == 302
    assert CampaignShareClick.all_orgs.get().is_bot is True
    with bind_organization(org_a):
        assert selectors.campaign_share_clicks(organization=org_a, campaign=spring) == 0


@pytest.mark.parametrize("status", ["paused", "ended"])
def test_paused_or_ended_campaign_is_410(org_a, spring, door, status):
    Campaign.all_orgs.filter(pk=spring.pk).update(status=status)
    r = visit(spring)
    assert r.status_code == 410
    html = r.content.decode()
    assert "This link is no longer active" in html and "Org A" in html and "<script" not in html
    assert not CampaignShareClick.all_orgs.exists()


def test_a_campaign_past_its_end_date_in_the_organizations_zone_is_410(org_a, spring, door):
    Campaign.all_orgs.filter(pk=spring.pk).update(end_date=dt.date(2026, 1, 1))
    assert visit(spring).status_code == 410


def test_a_campaign_with_nowhere_to_go_is_410(org_a):
    lonely = Campaign.all_orgs.create(organization=org_a, name="Lonely", status="active")
    assert visit(lonely).status_code == 410


def test_pausing_through_the_api_takes_effect_at_once(api_a, spring, door):
    assert visit(spring).status_code == 302  # cached now
    api_a.patch(f"/api/campaigns/{spring.pk}", {"status": "paused"}, format="json")
    assert visit(spring).status_code == 410


@pytest.mark.parametrize("code", ["nosuchcode", "a" * 40, "bad-code!"])
def test_unknown_code_is_404(code):
    r = Client().get(f"/l/{code}")
    assert r.status_code == 404 and "We couldn't find this link" in r.content.decode()


def test_a_qr_short_code_is_not_a_share_code(door):
    assert Client().get(f"/l/{door.short_code}").status_code == 404


def test_stats_report_share_clicks_apart_from_scans(api_a, org_a, spring, door):
    visit(spring)
    visit(spring)
    visit(spring, ua="Twitterbot/1.0")
    body = api_a.get(f"/api/campaigns/{spring.pk}").json()
    assert body["stats"] == {"qr_codes": 2, "scans": 5, "share_clicks": 2}
    assert body["share_link"].endswith(f"/l/{spring.share_code}")
    row = api_a.get("/api/campaigns/stats").json()["campaigns"][0]
    assert (row["total_scans"], row["share_clicks"]) == (5, 2)


def test_every_campaign_gets_its_own_code(org_a):
    a = Campaign.all_orgs.create(organization=org_a, name="A")
    b = Campaign.all_orgs.create(organization=org_a, name="B")
    assert len(a.share_code) == 10 and a.share_code.isalnum() and a.share_code != b.share_code


def test_database_down_spools_the_click_and_the_drain_inserts_it(org_a, spring, door, monkeypatch):
    from django.db import OperationalError

    client = scan_spool_client()
    client.delete(share_click_spool_key())
    Client().get(f"/l/{spring.share_code}")  # warm the lookup cache
    CampaignShareClick.all_orgs.all().delete()

    def down(*a, **k):
        raise OperationalError("database is down")

    monkeypatch.setattr(CampaignShareClick.all_orgs, "bulk_create", down)
    assert visit(spring).status_code == 302
    monkeypatch.undo()
    assert not CampaignShareClick.all_orgs.exists()
    queued = client.lrange(share_click_spool_key(), 0, -1)
    assert len(queued) == 1 and json.loads(queued[0])["campaign_id"] == str(spring.pk)
    assert share_click_spool_drain() == 1
    assert CampaignShareClick.all_orgs.get().campaign_id == spring.pk
    assert client.llen(share_click_spool_key()) == 0
