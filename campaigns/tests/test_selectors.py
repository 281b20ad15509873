import datetime as dt

import pytest
from django.core.files.base import ContentFile

from campaigns import selectors
from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr, make_scan
from core.scoping import bind_organization
from uploads.services import upload_create
from uploads.tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def valentine(bound_a, admin_a):
    c = Campaign.objects.create(organization=bound_a, name="Valentine", start_date=D(2026, 2, 10), end_date=D(2026, 2, 15))
    door = make_qr(bound_a, campaign=c, name="Front door", total_scans=4)
    box = make_qr(bound_a, campaign=c, name="Delivery box", total_scans=2)
    for day in (D(2026, 2, 9), D(2026, 2, 10), D(2026, 2, 15), D(2026, 2, 16)):  # 2 inside the dates
        make_scan(door, day)
    make_scan(box, D(2026, 2, 12))
    make_scan(box, D(2026, 2, 12), classification="duplicate")  # duplicates count, as in total_scans
    make_scan(box, D(2026, 2, 12), classification="bot")  # bots never count
    make_scan(box, D(2026, 2, 13), counted=False)  # not counted by the workers yet
    upload_create(organization=bound_a, actor=admin_a, file=ContentFile(pdf_bytes(), name="m.pdf"), campaign_id=c.pk)
    return c


def test_stats_per_campaign(bound_a, valentine, org_b):
    empty = Campaign.objects.create(organization=bound_a, name="Empty")
    with bind_organization(org_b):  # B's rows are written while B is bound
        other = Campaign.all_orgs.create(organization=org_b, name="B")
        make_scan(make_qr(org_b, campaign=other, total_scans=9), D(2026, 2, 12))
    stats = {s["name"]: s for s in selectors.campaign_stats(organization=bound_a)}
    assert set(stats) == {"Valentine", "Empty"}
    v = stats["Valentine"]
    assert (v["qr_codes"], v["total_scans"], v["scans_in_range"], v["uploads"], v["upload_bytes"]) == (
        2, 6, 4, 1, len(pdf_bytes()))
    e = stats["Empty"]
    assert (e["qr_codes"], e["total_scans"], e["scans_in_range"], e["uploads"], e["id"]) == (0, 0, 0, 0, str(empty.pk))


def test_open_ended_campaign_counts_every_counted_scan(bound_a):
    c = Campaign.objects.create(organization=bound_a, name="Always", start_date=D(2026, 2, 12))
    qr = make_qr(bound_a, campaign=c)
    for day in (D(2026, 2, 11), D(2026, 2, 12), D(2027, 1, 1)):
        make_scan(qr, day)
    assert selectors.campaign_stats(organization=bound_a)[0]["scans_in_range"] == 2


def test_campaign_scans_per_qr_and_per_day(bound_a, valentine):
    s = selectors.campaign_scans(organization=bound_a, campaign=valentine, today=D(2026, 3, 1))
    assert (s.start, s.end, s.total_in_range) == (D(2026, 2, 10), D(2026, 2, 15), 4)
    assert [(q["name"], q["scans_in_range"], q["total_scans"]) for q in s.qr_codes] == [
        ("Front door", 2, 4), ("Delivery box", 2, 2)]
    assert [(d["date"].day, d["scans"]) for d in s.days] == [(10, 1), (11, 0), (12, 2), (13, 0), (14, 0), (15, 1)]
    assert s.max_per_day == 2 and s.empty_reason == ""


def test_chart_range_is_capped_for_long_campaigns(bound_a):
    c = Campaign.objects.create(organization=bound_a, name="Year", start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    start, end = selectors.campaign_chart_range(c, today=D(2027, 2, 1))
    assert end == D(2026, 12, 31) and (end - start).days + 1 == selectors.MAX_CHART_DAYS


def test_chart_range_ends_today_and_undated_is_the_last_30_days(bound_a):
    c = Campaign.objects.create(organization=bound_a, name="Running", start_date=D(2026, 2, 1), end_date=D(2026, 6, 30))
    assert selectors.campaign_chart_range(c, today=D(2026, 2, 20)) == (D(2026, 2, 1), D(2026, 2, 20))
    undated = Campaign.objects.create(organization=bound_a, name="Undated")
    assert selectors.campaign_chart_range(undated, today=D(2026, 2, 20)) == (D(2026, 1, 22), D(2026, 2, 20))
    future = Campaign.objects.create(organization=bound_a, name="Future", start_date=D(2026, 3, 1))
    start, end = selectors.campaign_chart_range(future, today=D(2026, 2, 20))
    assert end < start
