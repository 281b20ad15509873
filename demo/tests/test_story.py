"""The demo tells a true story (issue 13): seeded once for the module (in a transaction rolled
back at the end), then checked the way a visitor would notice a lie."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from analytics.models import QRScanRollup
from campaigns.models import Campaign
from core.scoping import bind_organization
from demo.businesses import BUSINESS_DOMAIN, businesses
from demo.campaigns import campaign_dates, campaigns_align
from demo.customers import CUSTOMERS
from demo.scans import HOURS
from oi_admin import selectors
from oi_admin.monetization import monetization_rows
from oi_admin.reports import REPORTS, ReportParams
from oi_admin.selectors import Window
from qrcodes.models import QRCode, ScanEvent
from tenants.models import ActivityLog, Organization, User
from uploads.models import UploadedFile

CUSTOMER_EMAILS = [c.company_email for c in CUSTOMERS]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db):
    return None


def _demo_orgs():
    return Organization.objects.filter(Q(company_email__in=CUSTOMER_EMAILS)
                                       | Q(company_email__endswith="." + BUSINESS_DOMAIN))


def _counts() -> dict[str, int]:
    return {"organizations": Organization.objects.count(), "users": User.objects.count(),
            "qr_codes": QRCode.all_orgs.count(), "campaigns": Campaign.all_orgs.count(),
            "uploads": UploadedFile.all_orgs.count(), "scans": ScanEvent.all_orgs.count(),
            "activity": ActivityLog.all_orgs.count()}


def test_every_demo_organization_has_a_home_and_a_time_zone(demo):
    orgs = {o.company_email: o for o in _demo_orgs()}
    assert len(orgs) == len(CUSTOMERS) + len(businesses()) >= 40
    assert orgs["owner@pizzapalace.com"].timezone == "America/Chicago"
    for spec in [*CUSTOMERS, *businesses()]:
        assert orgs[spec.company_email].timezone == spec.city.timezone


def test_no_scan_happens_before_its_qr_code_was_created(demo):
    assert ScanEvent.all_orgs.exists()
    early = ScanEvent.all_orgs.filter(scanned_at__lt=F("qr_code__created_at"))
    assert not early.exists(), list(early.values_list("qr_code__name", "scanned_at", "qr_code__created_at")[:5])
    # ...nor after "now", nor before the organization was a customer
    assert not ScanEvent.all_orgs.filter(scanned_at__gt=timezone.now()).exists()
    assert not QRCode.all_orgs.filter(created_at__lt=F("organization__created_at")).exists()
    assert not ActivityLog.all_orgs.filter(created_at__lt=F("organization__created_at")).exists()


def test_every_demo_organization_has_scans_and_most_come_from_home(demo):
    specs = {s.company_email: s for s in [*CUSTOMERS, *businesses()]}
    for org in _demo_orgs():
        home = specs[org.company_email].city
        located = ScanEvent.all_orgs.filter(organization=org).exclude(country_code="")
        n = located.count()
        assert n >= 20, org.company_name
        share = located.filter(country_code=home.country_code).count() / n
        assert share >= 0.7, (org.company_name, share)
    for spec in CUSTOMERS:  # the demo customers' own city, the one a visitor sees on the map
        scans = ScanEvent.all_orgs.filter(organization__company_email=spec.company_email)
        assert scans.filter(city=spec.city.name).count() / scans.count() >= 0.6, spec.company_name


def test_a_pizza_shop_is_scanned_at_lunch_and_dinner_in_its_own_zone(demo):
    org = Organization.objects.get(company_email="owner@pizzapalace.com")
    hours = Counter(at.astimezone(org.tzinfo).hour
                    for at in ScanEvent.all_orgs.filter(organization=org).values_list("scanned_at", flat=True))
    meals = sum(hours[h] for h in (11, 12, 13, 17, 18, 19, 20))
    assert meals / sum(hours.values()) >= 0.6
    assert sum(hours[h] for h in range(2, 7)) == 0  # nobody orders pizza at 4 am
    assert HOURS["pizza"][4] == 0


def test_counters_and_rollups_agree_with_the_events(demo):
    counted = Q(scan_events__counted_at__isnull=False, scan_events__classification__in=("human", "duplicate"))
    for qr in QRCode.all_orgs.annotate(n=Count("scan_events", filter=counted))[:200]:
        assert qr.total_scans == qr.n, qr.name
    for org in _demo_orgs():
        assert org.total_qr_scans == sum(
            QRCode.all_orgs.filter(organization=org).values_list("total_scans", flat=True))
        assert org.total_qr_codes == QRCode.all_orgs.filter(organization=org, status="active").count()
    assert QRScanRollup.objects.unscoped().exists()
    assert not ScanEvent.all_orgs.filter(counted_at__isnull=True).exists()


def _campaigns_coherent(today_of) -> None:
    campaigns = list(Campaign.all_orgs.filter(organization__in=_demo_orgs()).select_related("organization")
                     .annotate(codes=Count("qr_codes")))
    assert len(campaigns) >= 40
    wrong_size = [(c.name, c.codes) for c in campaigns if c.codes < 1 or c.codes > 4]
    assert wrong_size == [], "every demo campaign holds 1 to 4 codes"
    for c in campaigns:
        today = today_of(c.organization)
        assert c.start_date <= c.end_date
        if c.status in (Campaign.Status.ACTIVE, Campaign.Status.PAUSED):
            assert c.start_date <= today <= c.end_date, (c.name, c.status, c.start_date, c.end_date, today)
        elif c.status == Campaign.Status.ENDED:
            assert c.end_date < today, c.name
        else:
            assert c.status == Campaign.Status.DRAFT and c.start_date > today, c.name
        assert c.created_at.date() <= max(c.start_date, timezone.now().date())
    statuses = Counter(c.status for c in campaigns)
    assert statuses[Campaign.Status.ACTIVE] and statuses[Campaign.Status.ENDED] and statuses[Campaign.Status.DRAFT]


def test_campaigns_hold_codes_and_dates_that_make_sense_today(demo):
    _campaigns_coherent(lambda org: timezone.now().astimezone(org.tzinfo).date())
    # every demo customer has an active campaign, an ended one and a scheduled one
    for spec in CUSTOMERS:
        mine = Campaign.all_orgs.filter(organization__company_email=spec.company_email)
        assert {"active", "ended", "draft"} <= set(mine.values_list("status", flat=True)), spec.company_name


@pytest.mark.parametrize("today", [dt.date(2026, 2, 14), dt.date(2027, 12, 24)])
def test_campaigns_follow_the_day_the_demo_starts(demo, today):
    specs = {s.company_email: s for s in [*CUSTOMERS, *businesses()]}
    for org in _demo_orgs():
        with bind_organization(org):
            campaigns_align(organization=org, specs=specs[org.company_email].campaigns, today=today)
    _campaigns_coherent(lambda org: today)
    assert campaign_dates(CUSTOMERS[0].campaigns[0], today)[2] == Campaign.Status.ACTIVE
    # a December run has no "active" campaign that ended in February
    assert not Campaign.all_orgs.filter(status="active", end_date__lt=today).exists()


def test_ended_campaign_codes_come_down_and_scheduled_ones_are_not_scanned_before_launch(demo):
    for c in Campaign.all_orgs.filter(organization__company_email__in=CUSTOMER_EMAILS).exclude(status="active"):
        scans = ScanEvent.all_orgs.filter(qr_code__campaign=c)
        if c.status == Campaign.Status.ENDED:
            assert not scans.filter(scanned_at__gte=dt.datetime.combine(
                c.end_date + dt.timedelta(days=4), dt.time(), tzinfo=dt.UTC)).exists(), c.name
        if c.status == Campaign.Status.DRAFT:
            assert not scans.exists(), c.name


def _report_rows(report) -> list:
    window = Window.last_days(report.default_days) if report.windowed else None
    return list(report.build(ReportParams(window=window, now=timezone.now())).rows)


@pytest.mark.parametrize("report", REPORTS, ids=[r.slug for r in REPORTS])
def test_every_console_report_shows_rows_on_the_demo(demo, report):
    assert len(_report_rows(report)) >= 1, report.slug


def test_the_reports_show_what_the_story_says(demo):
    churn = selectors.churn_risk()
    assert {r["churn_risk"] for r in churn} == {"LOW", "MEDIUM", "HIGH"}
    assert {r["company_email"] for r in churn} <= {b.company_email for b in businesses() if b.role == "churning"}
    upgrades = {r["company_email"] for r in selectors.upgrade_candidates()}
    assert "owner@pizzapalace.com" in upgrades
    assert {b.company_email for b in businesses() if b.role == "near_limit"} <= upgrades
    assert "hq@megabrand.example" in {r["company_email"] for r in Organization.objects.filter(
        pk__in=[r["id"] for r in selectors.best_performing()]).values("company_email")}


def test_the_data_export_publishes_groups_of_at_least_k_scanners(demo, settings):
    settings.MONETIZATION_K = 10
    rows = monetization_rows(Window.last_days(30))
    assert rows and all(r["scanners"] >= 10 for r in rows)
    assert {r["city"] for r in rows} >= {"London"}
    assert len({r["day"] for r in rows}) >= 7  # not one lucky day


def test_seeding_again_duplicates_nothing(demo):
    before = _counts()
    pizza = Organization.objects.get(company_email="owner@pizzapalace.com")
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == before
    pizza.refresh_from_db()
    assert pizza.total_qr_scans == sum(QRCode.all_orgs.filter(organization=pizza).values_list("total_scans", flat=True))


def test_a_later_run_adds_the_scans_since_the_previous_one(demo, monkeypatch):
    before = _counts()
    latest = ScanEvent.all_orgs.order_by("-scanned_at").values_list("scanned_at", flat=True).first()
    later = timezone.now() + dt.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = _counts()
    assert after["organizations"] == before["organizations"] and after["campaigns"] == before["campaigns"]
    added = ScanEvent.all_orgs.filter(scanned_at__gt=latest)
    assert after["scans"] - before["scans"] == added.count() > 50
    assert not ScanEvent.all_orgs.filter(scanned_at__lt=F("qr_code__created_at")).exists()
    today = later.astimezone(dt.UTC).date()
    assert not Campaign.all_orgs.filter(status="active", end_date__lt=today - dt.timedelta(days=1)).exists()


def test_share_links_have_clicks_and_one_plan_change_waits_for_staff(demo):
    """The campaign share channel and the console's plan-change queue show something on the demo,
    and a second run adds no clicks before the latest one (nothing doubles)."""
    from campaigns.models import CampaignShareClick
    from tenants.models import PlanChangeRequest

    clicks = CampaignShareClick.all_orgs.count()
    assert clicks > 0
    assert not CampaignShareClick.all_orgs.filter(clicked_at__gt=timezone.now()).exists()
    for click in CampaignShareClick.all_orgs.select_related("campaign__organization")[:200]:
        assert click.campaign.start_date <= click.clicked_at.astimezone(click.campaign.organization.tzinfo).date()
    pending = PlanChangeRequest.all_orgs.filter(status="pending")
    assert [(p.organization.company_name, p.to_plan) for p in pending] == [("Pizza Palace Inc", "medium_business")]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert CampaignShareClick.all_orgs.count() == clicks  # the same day: no new clicks
    assert PlanChangeRequest.all_orgs.count() == 1
