"""Issue 11: campaign dates are bounded (400 / a form error), and a campaign already stored
with a far date (before the bound existed) still shows: its page used to answer 500 forever."""

import datetime as dt

import pytest

from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr, make_scan

pytestmark = pytest.mark.django_db

BOUNDS = "2000-01-01 and 2100-12-31"  # core.dates.MIN_DATE, MAX_DATE
FAR = [("end_date", "9999-12-31"), ("start_date", "0001-01-01"), ("end_date", "2101-01-01"),
       ("start_date", "1999-12-31")]
FORM = {"name": "Spring", "description": "", "start_date": "2026-03-01", "end_date": "2026-05-31",
        "status": "active"}


@pytest.fixture
def campaign(org_a):
    return Campaign.all_orgs.create(organization=org_a, name="Spring", start_date=dt.date(2026, 3, 1),
                                    end_date=dt.date(2026, 5, 31))


@pytest.mark.parametrize("field, value", FAR)
def test_api_create_refuses_a_far_date(api_a, field, value):
    r = api_a.post("/api/campaigns", {"name": "Far", field: value}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "validation_error" and BOUNDS in r.json()["detail"][field]
    assert not Campaign.all_orgs.exists()


@pytest.mark.parametrize("field, value", FAR)
def test_api_patch_refuses_a_far_date(api_a, campaign, field, value):
    r = api_a.patch(f"/api/campaigns/{campaign.pk}", {field: value}, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "validation_error" and BOUNDS in r.json()["detail"][field]
    campaign.refresh_from_db()
    assert (campaign.start_date, campaign.end_date) == (dt.date(2026, 3, 1), dt.date(2026, 5, 31))


def test_the_bounds_themselves_are_accepted(api_a, campaign):
    r = api_a.patch(f"/api/campaigns/{campaign.pk}", {"start_date": "2000-01-01", "end_date": "2100-12-31"},
                    format="json")
    assert r.status_code == 200


@pytest.mark.parametrize("field, value", FAR)
def test_the_form_shows_an_error_for_a_far_date(client, admin_a, campaign, field, value):
    client.force_login(admin_a)
    for url in ("/campaigns/new", f"/campaigns/{campaign.pk}/edit"):
        r = client.post(url, {**FORM, field: value})
        assert r.status_code == 400 and BOUNDS in r.content.decode(), url
    assert Campaign.all_orgs.count() == 1
    campaign.refresh_from_db()
    assert campaign.end_date == dt.date(2026, 5, 31)


@pytest.mark.parametrize("start, end", [
    (dt.date(2026, 3, 1), dt.date(9999, 12, 31)),
    (dt.date(1, 1, 1), dt.date(2026, 5, 31)),
    (dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    (None, dt.date(9999, 12, 31)),
    (dt.date(9999, 12, 1), None),
])
def test_a_campaign_stored_with_a_far_date_still_shows(client, api_a, admin_a, org_a, start, end):
    org_a.plan_type = "enterprise"  # the dashboard's campaign filter
    org_a.save(update_fields=["plan_type"])
    c = Campaign.all_orgs.create(organization=org_a, name="Old far", start_date=start, end_date=end)
    make_scan(make_qr(org_a, campaign=c), dt.date.today())
    client.force_login(admin_a)
    for url in (f"/campaigns/{c.pk}", "/campaigns", f"/campaigns/{c.pk}/edit",
                f"/dashboard?campaign_id={c.pk}"):
        assert client.get(url).status_code == 200, url
    for url in (f"/api/campaigns/{c.pk}", "/api/campaigns", "/api/campaigns/stats", "/api/analytics/campaigns"):
        assert api_a.get(url).status_code == 200, url
