"""The incremental path (what the workers call) and the rebuild give the same rows, and both
match counts worked out by hand (see conftest.scenario)."""

import datetime as dt

import pytest

from analytics.models import CountedScan, DimensionLabel, OrgScanRollup, QRScanRollup
from analytics.rollups import family, referrer_host, rollup_scan_events, rollups_rebuild
from analytics.tests.conftest import make_scan, t

pytestmark = pytest.mark.django_db


def snapshot(model, org=None):
    qs = model.all_orgs.all()
    if org is not None:
        qs = qs.filter(organization=org)
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(tuple(str(v) for v in row) for row in qs.values_list(*fields))


def test_families_and_hosts():
    assert family("iOS 16.0") == "iOS"
    assert family("Chrome Mobile 120.0.6099") == "Chrome Mobile"
    assert family("Mac OS X 10.15.7") == "Mac OS X"
    assert family("Other") == "Other"
    assert referrer_host("https://www.Instagram.com/p/1?x=2") == "instagram.com"
    assert referrer_host("instagram.com") == "instagram.com"
    assert referrer_host("android-app://com.google.android.gm/") == "com.google.android.gm"
    assert referrer_host("") == ""


def test_day_rows_match_hand_counts(scenario, ent_org):
    day = OrgScanRollup.all_orgs.filter(organization=ent_org, grain="d", dimension="total")
    assert {(r.period.isoformat(), r.scans, r.unique_scans, r.bot_scans) for r in day} == {
        ("2025-01-31", 2, 1, 0), ("2025-02-01", 0, 0, 1), ("2025-02-14", 1, 1, 0),
        ("2025-02-28", 1, 1, 0), ("2025-03-01", 1, 1, 0),
    }
    month = OrgScanRollup.all_orgs.filter(organization=ent_org, grain="m", dimension="total")
    assert {(r.period.isoformat(), r.scans, r.unique_scans, r.bot_scans) for r in month} == {
        ("2025-01-01", 2, 1, 0), ("2025-02-01", 2, 2, 1), ("2025-03-01", 1, 1, 0),
    }
    qr1 = CountedScan.all_orgs.filter(qr_code_id=scenario["qr1"].pk).order_by("event_id")
    assert [(r.day, r.referrer, r.is_unique, r.os, r.city) for r in qr1] == [
        (dt.date(2025, 1, 31), "instagram.com", True, "iOS", "US|Illinois|Chicago"),
        (dt.date(2025, 1, 31), "instagram.com", False, "iOS", "US|Illinois|Chicago")]
    # the bot scan has no breakdown rows, the pending one none at all
    assert CountedScan.all_orgs.filter(organization=ent_org).count() == 5
    assert not OrgScanRollup.all_orgs.filter(organization=ent_org, period=dt.date(2025, 2, 1),
                                             grain="d").exclude(dimension="total").exists()
    assert not OrgScanRollup.all_orgs.filter(organization=ent_org, period=dt.date(2025, 3, 2)).exists()


def test_week_quarter_and_per_qr_blocks_match_hand_counts(scenario, ent_org):
    def totals(model, **kw):
        return {(r.period.isoformat(), r.scans, r.unique_scans, r.bot_scans)
                for r in model.all_orgs.filter(organization=ent_org, **kw)}

    # month weeks: Jan 29-31, Feb 1-7, Feb 8-14, Feb 22-28, Mar 1-7
    assert totals(OrgScanRollup, grain="w", dimension="total") == {
        ("2025-01-29", 2, 1, 0), ("2025-02-01", 0, 0, 1), ("2025-02-08", 1, 1, 0), ("2025-02-22", 1, 1, 0),
        ("2025-03-01", 1, 1, 0)}
    assert totals(OrgScanRollup, grain="q", dimension="total") == {("2025-01-01", 5, 4, 1)}
    assert totals(QRScanRollup, grain="q", qr_code=scenario["qr1"]) == {("2025-01-01", 2, 1, 1)}
    assert totals(QRScanRollup, grain="d", qr_code=scenario["qr2"]) == {("2025-02-14", 1, 1, 0),
                                                                         ("2025-02-28", 1, 1, 0)}
    q_os = {(r.value, r.scans) for r in OrgScanRollup.all_orgs.filter(organization=ent_org, grain="q", dimension="os")}
    assert q_os == {("iOS", 3), ("Windows", 1), ("Android", 1)}
    # year blocks: every scan of 2025 in one row per value
    assert totals(OrgScanRollup, grain="y", dimension="total") == {("2025-01-01", 5, 4, 1)}
    assert totals(QRScanRollup, grain="y", qr_code=scenario["qr2"]) == {("2025-01-01", 2, 2, 0)}
    y_city = {(r.value, r.scans) for r in OrgScanRollup.all_orgs.filter(organization=ent_org, grain="y", dimension="city")}
    assert y_city == {("US|Illinois|Chicago", 3), ("GB|England|London", 1), ("US|New York|New York", 1)}


def test_year_block_migration_sql_gives_the_rebuilds_year_rows(scenario, ent_org, org_b):
    """analytics.0005 adds year rows to existing databases from their quarter rows."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("analytics.migrations.0005_year_blocks")
    rebuilt = [snapshot(OrgScanRollup), snapshot(QRScanRollup)]
    OrgScanRollup.all_orgs.filter(grain="y").delete()
    QRScanRollup.all_orgs.filter(grain="y").delete()
    with connection.cursor() as cur:
        for sql in migration._FORWARD:
            cur.execute(sql)
    assert [snapshot(OrgScanRollup), snapshot(QRScanRollup)] == rebuilt


def test_city_rows_carry_coordinates_and_labels(scenario, ent_org):
    row = OrgScanRollup.all_orgs.get(organization=ent_org, grain="m", period=dt.date(2025, 2, 1),
                                     dimension="city", value="GB|England|London")
    label = DimensionLabel.all_orgs.get(organization=ent_org, dimension="city", value="GB|England|London")
    assert (label.label, label.latitude, label.longitude, row.scans) == ("London, United Kingdom", 51.5, -0.12, 1)
    assert DimensionLabel.all_orgs.get(organization=ent_org, dimension="country", value="GB").label == "United Kingdom"


def test_batches_add_up(scenario, ent_org):
    before = OrgScanRollup.all_orgs.get(organization=ent_org, grain="d", period=dt.date(2025, 2, 14),
                                        dimension="total")
    rollup_scan_events([make_scan(ent_org, scenario["qr2"], t("2025-02-14 21:00"), "duplicate"),
                        make_scan(ent_org, scenario["qr2"], t("2025-02-14 22:00"), "bot")])
    after = OrgScanRollup.all_orgs.get(pk=before.pk)
    assert (after.scans, after.unique_scans, after.bot_scans) == (before.scans + 1, before.unique_scans,
                                                                   before.bot_scans + 1)


def test_rebuild_equals_incremental(scenario, ent_org, org_b):
    models = (QRScanRollup, OrgScanRollup, CountedScan, DimensionLabel)
    incremental = [snapshot(m) for m in models]
    assert all(len(rows) > 5 for rows in incremental)
    rollups_rebuild()
    assert [snapshot(m) for m in models] == incremental


def test_rebuild_one_organization_leaves_others_alone(scenario, ent_org, org_b):
    b_before = snapshot(OrgScanRollup, org_b)
    OrgScanRollup.all_orgs.filter(organization=ent_org).update(scans=999)
    QRScanRollup.all_orgs.filter(organization=org_b).update(scans=5)  # org B is not rebuilt
    rollups_rebuild(ent_org.pk)
    assert OrgScanRollup.all_orgs.get(organization=ent_org, grain="m", period=dt.date(2025, 2, 1),
                                      dimension="total").scans == 2
    assert snapshot(OrgScanRollup, org_b) == b_before
    assert set(QRScanRollup.all_orgs.filter(organization=org_b).values_list("scans", flat=True)) == {5}


def test_rebuild_counts_events_marked_counted_only(scenario, ent_org):
    pending = scenario["pending"]
    rollups_rebuild(ent_org.pk)
    assert not OrgScanRollup.all_orgs.filter(organization=ent_org, period=dt.date(2025, 3, 2)).exists()
    pending.classification = "human"
    pending.counted_at = pending.scanned_at
    pending.save()
    rollups_rebuild(ent_org.pk)
    assert OrgScanRollup.all_orgs.get(organization=ent_org, grain="d", period=dt.date(2025, 3, 2),
                                      dimension="total").scans == 1


def test_hot_code_blocks_from_promotion_workers_and_rebuild_agree(scenario, ent_org, org_b, settings):
    from analytics.hot_codes import hot_codes_promote
    from analytics.models import HotQRCode, QRDimensionRollup
    from analytics.tasks import hot_codes_promote_task

    qr1, qr2 = scenario["qr1"], scenario["qr2"]
    qr1.total_scans, qr2.total_scans = 3, 2
    qr1.save()
    qr2.save()
    assert hot_codes_promote(threshold=3) == 1  # qr1 only: busy enough
    assert hot_codes_promote(threshold=3) == 0  # already hot: nothing to do
    assert set(HotQRCode.all_orgs.values_list("qr_code_id", flat=True)) == {qr1.pk}
    # backfilled from its counted scans: events 1 and 2 (the bot is not in breakdowns), by hand
    rows = {(r.grain, str(r.period), r.dimension, r.value): (r.scans, r.unique_scans)
            for r in QRDimensionRollup.all_orgs.filter(qr_code_id=qr1.pk, dimension__in=["os", "referrer"])}
    assert rows == {(g, p, d, v): (2, 1) for g, p in (("m", "2025-01-01"), ("q", "2025-01-01"), ("y", "2025-01-01"))
                    for d, v in (("os", "iOS"), ("referrer", "instagram.com"))}
    # the workers keep it current; a code that is not hot gets no blocks
    rollup_scan_events([make_scan(ent_org, qr1, t("2025-04-02 08:00"), os="Android 14"),
                        make_scan(ent_org, qr2, t("2025-04-02 09:00"))])
    assert QRDimensionRollup.all_orgs.get(qr_code_id=qr1.pk, grain="q", period=dt.date(2025, 4, 1),
                                          dimension="os", value="Android").scans == 1
    assert QRDimensionRollup.all_orgs.get(qr_code_id=qr1.pk, grain="y", dimension="os", value="iOS").scans == 2
    assert not QRDimensionRollup.all_orgs.filter(qr_code_id=qr2.pk).exists()
    incremental = snapshot(QRDimensionRollup)
    rollups_rebuild()
    assert snapshot(QRDimensionRollup) == incremental
    rollups_rebuild(ent_org.pk)
    assert snapshot(QRDimensionRollup) == incremental
    settings.ANALYTICS_HOT_QR_SCANS = 2  # the beat task's threshold
    assert hot_codes_promote_task() == 1  # qr2
