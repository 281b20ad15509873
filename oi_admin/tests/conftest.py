"""Fixtures of the console tests: staff users in each group and a small world of customers whose
report rows are known by hand (see the expectations in test_selectors.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from analytics.models import OrgScanRollup
from analytics.periods import bucket
from campaigns.models import Campaign
from qrcodes.models import QRCode, ScanEvent
from tenants.models import ActivityLog, Organization, User
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory
from uploads.models import UploadedFile

GB = 1024**3


def make_staff(email: str, group: str | None = None, *, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(email, PASSWORD)
    user = User.objects.create_user(email, PASSWORD, is_staff=True, full_name=email.split("@")[0])
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def superuser(db) -> User:
    return make_staff("root@outboundimpact.com", superuser=True)


@pytest.fixture
def staff_admin(db) -> User:
    return make_staff("ops@outboundimpact.com", "admin")


@pytest.fixture
def analyst(db) -> User:
    return make_staff("analyst@outboundimpact.com", "analyst")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_org(name: str, plan: str, *, days_old: int = 100, status: str = "active", scans: int = 0,
             opted_out: bool = False) -> Organization:
    org = OrganizationFactory(company_name=name, plan_type=plan, status=status, total_qr_scans=scans,
                              data_sharing_opted_out=opted_out)
    Organization.objects.filter(pk=org.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    org.refresh_from_db()
    return org


def make_users(org: Organization, active: int, invited: int = 0) -> list[User]:
    slug = org.company_name.lower().replace(" ", "")
    users = [UserFactory(organization=org, email=f"u{i}@{slug}.example") for i in range(active)]
    users += [UserFactory(organization=org, email=f"inv{i}@{slug}.example", status="invited") for i in range(invited)]
    return users


def make_qrs(org: Organization, active: int, paused: int = 0) -> list[QRCode]:
    qrs = [QRCode.all_orgs.create(organization=org, name=f"QR {i}", short_code=uuid.uuid4().hex[:12])
           for i in range(active)]
    qrs += [QRCode.all_orgs.create(organization=org, name=f"Paused {i}", short_code=uuid.uuid4().hex[:12],
                                   status="paused") for i in range(paused)]
    return qrs


def make_campaigns(org: Organization, n: int) -> None:
    for i in range(n):
        Campaign.all_orgs.create(organization=org, name=f"Campaign {i}")


def make_uploads(org: Organization, sizes: list[int]) -> None:
    for i, size in enumerate(sizes):
        UploadedFile.all_orgs.create(organization=org, file_name=f"f{i}.pdf", file_type="pdf",
                                     file_size_bytes=size, storage_path=f"{org.pk}/f{i}.pdf")


def make_activity(org: Organization, *, days_ago: list[float]) -> None:
    now = timezone.now()
    rows = ActivityLog.all_orgs.bulk_create([ActivityLog(organization=org, action="qr_code.create") for _ in days_ago])
    for row, ago in zip(rows, days_ago, strict=True):
        ActivityLog.all_orgs.filter(pk=row.pk).update(created_at=now - dt.timedelta(days=ago))


@dataclass
class World:
    pizza: Organization
    sleepy: Organization
    acme: Organization
    mega: Organization
    lowco: Organization
    gone: Organization


@pytest.fixture
def world(db) -> World:
    """Six customers:
    - Pizza (small, 0$): 3 active users + 1 invited (3/3 = 100%), 3 active QR + 1 paused (3/5 = 60%),
      1 campaign, uploads 1 GB + 0.5 GB, 60 activities in the last 30 days (latest 1 day ago), 500 scans.
    - Sleepy (small): 1 user (33.3%), 1 QR (20%), 5 activities 2 days ago: not an upgrade candidate.
    - Acme (medium, 29$): 2 users, 4 QR codes, 3 campaigns, 1,500 scans, 3 activities 20/25/40 days
      ago (MEDIUM churn), scans in 2 countries.
    - Mega (enterprise, 99$): created 40 days ago, never active (HIGH churn), 5,000 scans, 2 campaigns.
    - Lowco (enterprise, 99$): last activity 10 days ago (LOW churn), 1,001 scans, 3 campaigns, 0 QR.
    - Gone (medium, suspended): in no report but the overview."""
    pizza = make_org("Pizza", "small_business", scans=500)
    make_users(pizza, 3, invited=1)
    make_qrs(pizza, 3, paused=1)
    make_campaigns(pizza, 1)
    make_uploads(pizza, [GB, GB // 2])
    make_activity(pizza, days_ago=[1 + i * 0.4 for i in range(60)])

    sleepy = make_org("Sleepy", "small_business")
    make_users(sleepy, 1)
    make_qrs(sleepy, 1)
    make_activity(sleepy, days_ago=[2] * 5)

    acme = make_org("Acme", "medium_business", scans=1500)
    make_users(acme, 2)
    make_qrs(acme, 4)
    make_campaigns(acme, 3)
    make_activity(acme, days_ago=[20, 25, 40])
    month = timezone.now().date().replace(day=1)
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    for period, cc in ((month, "US"), (month, "GB"), (prev, "US")):
        OrgScanRollup.all_orgs.create(organization=acme, grain="m", period=period, bucket=bucket("m", period),
                                      dimension="country", value=cc, scans=10)

    mega = make_org("Mega", "enterprise", days_old=40, scans=5000)
    make_users(mega, 1)
    make_qrs(mega, 2)
    make_campaigns(mega, 2)

    lowco = make_org("Lowco", "enterprise", scans=1001)
    make_campaigns(lowco, 3)
    make_activity(lowco, days_ago=[10])

    gone = make_org("Gone", "medium_business", status="suspended", scans=7)
    make_activity(gone, days_ago=[60])
    return World(pizza, sleepy, acme, mega, lowco, gone)


def make_scan(org: Organization, qr: QRCode, when: dt.datetime, *, scanner: str, city: str = "Chicago",
              cc: str = "US", country: str = "United States", state: str = "Illinois", device: str = "mobile",
              classification: str = "human", lat: float = 41.88, lng: float = -87.63) -> ScanEvent:
    return ScanEvent.all_orgs.create(
        organization=org, qr_code=qr, scanned_at=when, ip_hash=scanner, user_agent="UA " + scanner,
        city=city, country_code=cc, country=country, state=state, device_type=device,
        classification=classification, latitude=lat, longitude=lng, counted_at=timezone.now(),
    )


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)

