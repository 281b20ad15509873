"""Analytics fixtures: an enterprise tenant with three QR codes and scans whose counts are
worked out by hand in the tests (see SCENARIO), plus org B's scans that must never leak."""

import datetime as dt
import secrets

import pytest

from analytics.rollups import rollup_scan_events
from campaigns.models import Campaign
from conftest import api_client_for
from qrcodes.models import QRCode, ScanEvent
from tenants.tests.factories import OrganizationFactory, UserFactory

UTC = dt.UTC


def make_qr(org, name, campaign=None, **kw) -> QRCode:
    return QRCode.all_orgs.create(
        organization=org, name=name, short_code=secrets.token_hex(6), campaign=campaign,
        qr_url="https://example.com/" + name.replace(" ", "-"), **kw,
    )


def make_scan(org, qr, when, classification="human", *, country_code="US", country="United States",
              city="Chicago", state="Illinois", lat=41.88, lng=-87.63, device_type="mobile",
              os="iOS 16.0", browser="Mobile Safari 16.0", referrer="", ip="203.0.113.7",
              ua="Mozilla/5.0 (iPhone)", counted=True) -> ScanEvent:
    return ScanEvent.all_orgs.create(
        organization=org, qr_code=qr, scanned_at=when, classification=classification,
        country_code=country_code, country=country, city=city, state=state, latitude=lat, longitude=lng,
        device_type=device_type, os=os, browser=browser, referrer_url=referrer, ip_address=ip, user_agent=ua,
        enriched_at=when if counted else None, counted_at=when if counted else None,
    )


def t(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture
def ent_org(db):
    return OrganizationFactory(company_name="Ent Co", plan_type="enterprise")


@pytest.fixture
def ent_admin(ent_org):
    return UserFactory(organization=ent_org, email="boss@ent.example", role="Admin")


@pytest.fixture
def api_ent(ent_admin):
    return api_client_for(ent_admin)


@pytest.fixture
def scenario(ent_org, org_b):
    """The hand-counted fixture. Counted events (UTC):
    1 QR1 2025-01-31 10:15 human     US Chicago  mobile iOS 16.0    Mobile Safari  instagram
    2 QR1 2025-01-31 10:45 duplicate US Chicago  mobile iOS 16.0    Mobile Safari  instagram
    3 QR1 2025-02-01 09:00 bot       (Googlebot)
    4 QR2 2025-02-14 20:30 human     GB London   desktop Windows 10 Chrome 120     facebook.com
    5 QR2 2025-02-28 23:59 human     US New York mobile Android 13  Chrome Mobile  (none)
    6 QR3 2025-03-01 00:00 human     US Chicago  tablet iOS 17.1    Mobile Safari  t.co
    7 QR3 2025-03-02 12:00 pending (not counted)
    plus one scan of org B's QR code on 2025-02-14 (human)."""
    c1 = Campaign.all_orgs.create(organization=ent_org, name="Spring", status="active")
    c2 = Campaign.all_orgs.create(organization=ent_org, name="Idle", status="draft")
    qr1 = make_qr(ent_org, "Front Door", campaign=c1)
    qr2 = make_qr(ent_org, "Delivery Box", campaign=c1)
    qr3 = make_qr(ent_org, "Hotel Lobby")
    events = [
        make_scan(ent_org, qr1, t("2025-01-31 10:15"), referrer="https://www.instagram.com/p/1"),
        make_scan(ent_org, qr1, t("2025-01-31 10:45"), "duplicate", referrer="https://www.instagram.com/p/1"),
        make_scan(ent_org, qr1, t("2025-02-01 09:00"), "bot", country_code="US", city="", device_type="bot",
                  os="Other", browser="Googlebot 2.1", ua="Googlebot/2.1"),
        make_scan(ent_org, qr2, t("2025-02-14 20:30"), country_code="GB", country="United Kingdom", city="London",
                  state="England", lat=51.5, lng=-0.12, device_type="desktop", os="Windows 10",
                  browser="Chrome 120.0.0", referrer="facebook.com"),
        make_scan(ent_org, qr2, t("2025-02-28 23:59"), city="New York", state="New York", lat=40.7, lng=-74.0,
                  os="Android 13", browser="Chrome Mobile 120.0"),
        make_scan(ent_org, qr3, t("2025-03-01 00:00"), device_type="tablet", os="iOS 17.1",
                  browser="Mobile Safari 17.1", referrer="t.co"),
    ]
    pending = make_scan(ent_org, qr3, t("2025-03-02 12:00"), classification="pending", counted=False)
    qr_b = make_qr(org_b, "B code")
    other = make_scan(org_b, qr_b, t("2025-02-14 12:00"), country_code="FR", country="France", city="Paris")
    rollup_scan_events(events + [pending, other])
    return {"c1": c1, "c2": c2, "qr1": qr1, "qr2": qr2, "qr3": qr3, "qr_b": qr_b, "events": events,
            "pending": pending}
