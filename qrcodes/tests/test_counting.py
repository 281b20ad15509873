"""Off the request path: enrichment, bot/duplicate classification, exactly-once counting
(retries, re-runs, parallel workers), rollup hand-off and the recompute command."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from qrcodes import hooks
from qrcodes.counting import counters_recompute, scan_batch_process, scan_sweep_run
from qrcodes.enrichment import device_info
from qrcodes.models import QRCode, ScanEvent
from qrcodes.tests.conftest import ANDROID, DESKTOP, IPHONE, LONDON_IP, MINNEAPOLIS_IP, make_qr
from tenants.models import Organization
from tenants.tests.factories import OrganizationFactory, UserFactory


def scan(qr, *, ip=MINNEAPOLIS_IP, ua=IPHONE, method="get"):
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=ua)
    r = getattr(client, method)(f"/s/{qr.short_code}")
    assert r.status_code == 302
    return ScanEvent.all_orgs.order_by("-id").first()


def refreshed(*objs):
    for o in objs:
        o.refresh_from_db()
    return objs


def test_enrichment_fills_place_and_device(qr_a):
    scan(qr_a)
    scan(qr_a, ip=LONDON_IP, ua=ANDROID)
    scan(qr_a, ip="198.51.100.9", ua=DESKTOP)
    assert scan_batch_process() == 3
    rows = list(ScanEvent.all_orgs.order_by("id").values_list(
        "city", "state", "country", "country_code", "device_type", "os", "browser", "classification"))
    assert rows[0] == ("Minneapolis", "Minnesota", "United States", "US", "mobile", "iOS 16.0", "Mobile Safari", "human")
    assert rows[1][2:7] == ("United Kingdom", "GB", "mobile", "Android 13", "Chrome Mobile")
    assert rows[2][:4] == ("", "", "", "")  # a documentation address has no place
    assert rows[2][4:7] == ("desktop", "Windows 10", "Chrome")
    e = ScanEvent.all_orgs.order_by("id").first()
    assert e.latitude == pytest.approx(44.9759) and e.enriched_at is not None and e.counted_at is not None


@pytest.mark.parametrize("ua", [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
    "Twitterbot/1.0",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "",
])
def test_bots_and_link_previews_are_kept_but_not_counted(qr_a, org_a, ua):
    scan(qr_a, ua=ua)
    scan(qr_a, ip=LONDON_IP)  # one person
    scan_batch_process()
    assert ScanEvent.all_orgs.filter(classification="bot").count() == 1
    assert ScanEvent.all_orgs.get(classification="bot").device_type == "bot"
    qr_a, org_a = refreshed(qr_a, org_a)
    assert (qr_a.total_scans, org_a.total_qr_scans) == (1, 1)


def test_head_request_is_a_bot(qr_a):
    scan(qr_a, method="head")
    scan_batch_process()
    assert ScanEvent.all_orgs.get().classification == "bot"
    qr_a.refresh_from_db()
    assert qr_a.total_scans == 0


def test_headless_and_real_phones_are_not_bots():
    assert not device_info(IPHONE).is_bot and device_info(IPHONE).device_type == "mobile"
    ipad = "Mozilla/5.0 (iPad; CPU OS 15_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1"
    assert device_info(ipad).device_type == "tablet"


def test_repeat_scans_are_duplicates_and_still_counted(qr_a, org_a, org_b, admin_b):
    other_qr = make_qr(org_b, admin_b, name="other")
    first = scan(qr_a)
    again = scan(qr_a)  # same phone, same code
    other_phone = scan(qr_a, ua=ANDROID)  # same network, another device
    other_code = scan(other_qr)  # same phone, another code
    scan_batch_process()
    kinds = dict(ScanEvent.all_orgs.values_list("id", "classification"))
    assert kinds == {first.pk: "human", again.pk: "duplicate", other_phone.pk: "human", other_code.pk: "human"}
    qr_a, org_a = refreshed(qr_a, org_a)
    assert (qr_a.total_scans, org_a.total_qr_scans) == (3, 3)  # duplicates count, as in the seed


def test_duplicate_window_is_configurable(qr_a, settings):
    settings.SCAN_DUPLICATE_WINDOW_SECONDS = 60
    first = scan(qr_a)
    later = scan(qr_a)
    ScanEvent.all_orgs.filter(pk=first.pk).update(scanned_at=later.scanned_at - timedelta(seconds=61))
    scan_batch_process()
    assert ScanEvent.all_orgs.get(pk=later.pk).classification == "human"


def test_duplicate_classification_does_not_depend_on_batching(qr_a):
    for _ in range(3):
        scan(qr_a)
    scan(qr_a, ua=ANDROID)
    while scan_batch_process(limit=1):
        pass
    assert list(ScanEvent.all_orgs.order_by("id").values_list("classification", flat=True)) == [
        "human", "duplicate", "duplicate", "human"
    ]


def test_counting_is_idempotent(qr_a, org_a):
    scan(qr_a)
    scan(qr_a, ip=LONDON_IP)
    assert scan_batch_process() == 2
    assert scan_batch_process() == 0  # a second run (or a retried task) finds nothing to count
    assert scan_sweep_run() == 0
    qr_a, org_a = refreshed(qr_a, org_a)
    assert (qr_a.total_scans, org_a.total_qr_scans) == (2, 2)
    assert qr_a.last_scanned_at == ScanEvent.all_orgs.order_by("-scanned_at").first().scanned_at


def test_a_batch_that_fails_midway_counts_nothing_and_is_retried_once(qr_a, org_a, monkeypatch):
    scan(qr_a)
    scan(qr_a, ip=LONDON_IP)

    def crash(events):
        raise RuntimeError("worker killed after counting, before commit")

    monkeypatch.setattr(hooks, "scans_counted", [crash])  # the rollups hook fails
    with pytest.raises(RuntimeError):
        scan_batch_process()
    qr_a, org_a = refreshed(qr_a, org_a)
    assert (qr_a.total_scans, org_a.total_qr_scans) == (0, 0)
    assert ScanEvent.all_orgs.filter(counted_at__isnull=True, classification="pending").count() == 2
    monkeypatch.undo()
    assert scan_batch_process() == 2  # the retry
    assert scan_batch_process() == 0
    qr_a, org_a = refreshed(qr_a, org_a)
    assert (qr_a.total_scans, org_a.total_qr_scans) == (2, 2)


def test_rollups_get_each_counted_event_once_inside_the_counting_transaction(qr_a, monkeypatch):
    seen = []

    def record(events):
        assert connection.in_atomic_block
        assert all(e.counted_at is not None and e.classification != "pending" for e in events)
        seen.extend(e.pk for e in events)

    monkeypatch.setattr(hooks, "scans_counted", [record])
    ids = sorted(scan(qr_a, ip=f"198.51.100.{i}").pk for i in range(1, 6))
    scan_batch_process(limit=2)
    scan_sweep_run()
    scan_sweep_run()
    assert sorted(seen) == ids


def test_processing_one_given_event_counts_it_once(qr_a):
    """The event_ids path (bench/redirect.py's one-task-per-scan mode, demo seeding)."""
    e = scan(qr_a)
    assert scan_batch_process(event_ids=[e.pk], limit=1) == 1
    assert scan_batch_process(event_ids=[e.pk], limit=1) == 0
    qr_a.refresh_from_db()
    assert qr_a.total_scans == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_count_every_event_exactly_once():
    orgs = [OrganizationFactory(plan_type="enterprise") for _ in range(2)]
    qrs = [make_qr(o, UserFactory(organization=o, role="Admin"), name=f"q{i}")
           for o in orgs for i in range(3)]
    now = timezone.now()
    ScanEvent.all_orgs.bulk_create([
        ScanEvent(organization_id=q.organization_id, qr_code=q, scanned_at=now, user_agent=IPHONE,
                  ip_hash=f"h{n}", ip_address="198.51.100.1")
        for n in range(300) for q in [qrs[n % len(qrs)]]
    ])

    def work():
        try:
            while scan_batch_process(limit=25):
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not ScanEvent.all_orgs.filter(counted_at__isnull=True).exists()
    assert sorted(QRCode.all_orgs.values_list("total_scans", flat=True)) == [50] * 6
    assert sorted(Organization.objects.values_list("total_qr_scans", flat=True)) == [150, 150]


def test_recompute_restores_counters_from_events(qr_a, qr_b, org_a, org_b):
    scan(qr_a)
    scan(qr_a)  # duplicate: counted
    scan(qr_a, ua="Twitterbot/1.0")  # bot: not counted
    scan(qr_b, ip=LONDON_IP)
    scan_batch_process()
    QRCode.all_orgs.update(total_scans=999, last_scanned_at=None)
    Organization.objects.update(total_qr_scans=-5, total_qr_codes=42)
    call_command("scan_counters_recompute")
    qr_a, qr_b, org_a, org_b = refreshed(qr_a, qr_b, org_a, org_b)
    assert (qr_a.total_scans, qr_b.total_scans) == (2, 1)
    assert (org_a.total_qr_scans, org_b.total_qr_scans) == (2, 1)
    assert (org_a.total_qr_codes, org_b.total_qr_codes) == (1, 1)
    assert qr_a.last_scanned_at is not None


def test_recompute_can_process_pending_first(qr_a):
    scan(qr_a)
    call_command("scan_counters_recompute", "--process-pending", "--organization", str(qr_a.organization_id))
    qr_a.refresh_from_db()
    assert qr_a.total_scans == 1
    assert counters_recompute() >= 1
