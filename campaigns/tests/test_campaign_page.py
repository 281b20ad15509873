"""The campaign page's chart: scans per day of the organization's zone, share-link clicks as
their own series, and a sentence instead of a chart when there is nothing to draw."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from analytics.rollups import rollup_scan_events
from campaigns import selectors, services
from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from core.scoping import bind_organization
from qrcodes.models import ScanEvent

pytestmark = pytest.mark.django_db

D = dt.date
UTC = dt.UTC


def scan_at(qr, at: dt.datetime, classification: str = "human") -> ScanEvent:
    """A counted scan at an exact instant, added to the rollups as the workers do."""
    event = ScanEvent.all_orgs.create(organization_id=qr.organization_id, qr_code=qr, scanned_at=at,
                                      classification=classification, counted_at=at)
    rollup_scan_events([event])
    return event


@pytest.fixture
def web(client, password):
    def login(user):
        assert client.login(email=user.email, password=password)
        return client

    return login


def _late_evening_campaign(org):
    c = Campaign.all_orgs.create(organization=org, name="Thanksgiving", status="active",
                                 start_date=D(2026, 11, 28), end_date=D(2026, 12, 1))
    qr = make_qr(org, campaign=c, name="Door", total_scans=3)
    # 23:30 in Chicago on Nov 30 is 05:30 UTC on Dec 1.
    scan_at(qr, dt.datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
    scan_at(qr, dt.datetime(2026, 11, 28, 18, 0, tzinfo=UTC))
    scan_at(qr, dt.datetime(2026, 11, 29, 3, 0, tzinfo=UTC), classification="bot")  # never counted
    return c


def scans_of(org, campaign, today=None):
    with bind_organization(org):  # as the middleware binds it for the page
        return selectors.campaign_scans(organization=org, campaign=campaign, today=today)


def _days(s) -> dict:
    return {d["date"]: d["scans"] for d in s.days}


def test_days_are_the_organizations_days(org_a):
    org_a.timezone = "America/Chicago"
    org_a.save(update_fields=["timezone"])
    c = _late_evening_campaign(org_a)
    s = scans_of(org_a, c, D(2026, 12, 10))
    assert (s.start, s.end, s.timezone) == (D(2026, 11, 28), D(2026, 12, 1), "America/Chicago")
    assert _days(s) == {D(2026, 11, 28): 1, D(2026, 11, 29): 0, D(2026, 11, 30): 1, D(2026, 12, 1): 0}
    assert s.total_in_range == 2 and s.qr_codes[0]["scans_in_range"] == 2


def test_the_same_scans_in_a_utc_organization_land_on_utc_days(org_a):
    c = _late_evening_campaign(org_a)
    s = scans_of(org_a, c, D(2026, 12, 10))
    assert _days(s) == {D(2026, 11, 28): 1, D(2026, 11, 29): 0, D(2026, 11, 30): 0, D(2026, 12, 1): 1}


def test_the_range_ends_on_the_organizations_today(org_a):
    org_a.timezone = "Pacific/Auckland"
    org_a.save(update_fields=["timezone"])
    c = Campaign.all_orgs.create(organization=org_a, name="Running", start_date=D(2026, 1, 1))
    s = scans_of(org_a, c)
    assert s.end == timezone.now().astimezone(org_a.tzinfo).date()


def test_share_clicks_are_a_separate_series(org_a):
    c = _late_evening_campaign(org_a)
    services.campaign_share_clicks_record(organization=org_a, campaign=c, clicked_at=[
        dt.datetime(2026, 11, 29, 12, tzinfo=UTC), dt.datetime(2026, 11, 29, 13, tzinfo=UTC),
        dt.datetime(2026, 11, 20, 13, tzinfo=UTC)])  # before the dates: all-time only
    services.campaign_share_clicks_record(organization=org_a, campaign=c, is_bot=True,
                                          clicked_at=[dt.datetime(2026, 11, 29, 14, tzinfo=UTC)])
    s = scans_of(org_a, c, D(2026, 12, 10))
    data = s.chart_data()
    assert data["labels"] == ["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"]
    assert data["share_clicks"] == [0, 2, 0, 0] and data["scans"] == [1, 0, 0, 1]
    assert (s.total_in_range, s.share_clicks_in_range, s.share_clicks_total) == (2, 2, 3)
    assert s.qr_codes[0]["total_scans"] == 3  # untouched by the clicks


def test_page_draws_the_chart_with_its_data(web, admin_a, org_a):
    c = _late_evening_campaign(org_a)
    services.campaign_share_clicks_record(organization=org_a, campaign=c,
                                          clicked_at=[dt.datetime(2026, 11, 29, 12, tzinfo=UTC)])
    html = web(admin_a).get(f"/campaigns/{c.pk}").content.decode()
    assert 'id="campaign-chart"' in html and "js/campaign-chart.js" in html and "chart.umd.min.js" in html
    data = json.loads(re.search(r'id="campaign-chart-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["timezone"] == "UTC" and sum(data["scans"]) == 2 and sum(data["share_clicks"]) == 1
    assert "Share link clicks: 1" in html and "not counted as scans of any printed code" in html
    assert 'data-testid="chart-empty"' not in html


def test_no_data_no_chart_and_a_reason(web, admin_a, org_a):
    c = Campaign.all_orgs.create(organization=org_a, name="Quiet", start_date=D(2026, 1, 1), end_date=D(2026, 1, 31))
    make_qr(org_a, campaign=c, name="Poster")
    html = web(admin_a).get(f"/campaigns/{c.pk}").content.decode()
    assert 'id="campaign-chart"' not in html and "chart.umd.min.js" not in html
    assert "No chart yet: no counted scans or share-link clicks between 2026-01-01 and 2026-01-31" in html


def test_a_future_campaign_says_when_it_starts(org_a):
    c = Campaign.all_orgs.create(organization=org_a, name="Later", start_date=D(2026, 3, 1))
    s = scans_of(org_a, c, D(2026, 2, 1))
    assert s.days == [] and s.empty_reason == "No chart yet: the campaign starts on 2026-03-01."


def test_other_organizations_scans_never_reach_the_chart(org_a, org_b):
    c = _late_evening_campaign(org_a)
    theirs = Campaign.all_orgs.create(organization=org_b, name="B")
    scan_at(make_qr(org_b, campaign=theirs), dt.datetime(2026, 11, 29, 12, tzinfo=UTC))
    s = scans_of(org_a, c, D(2026, 12, 10))
    assert s.total_in_range == 2
