"""Bulk seeding (`make seed-scale`) writes with COPY, around the ORM: a tiny run catches a
column the models gained that the COPY writers do not fill."""

import os

import pytest
from django.core.management import call_command
from django.db import connection

from demo import seeding
from qrcodes.models import QRCode, ScanEvent
from tenants.models import Organization, User

# What the tiny run adds on top of the demo's own rows (bulk seeding tops the totals up).
TINY = {"organizations": 6, "users": 30, "qr_codes": 40, "scan_events": 600, "campaigns": 10,
        "uploads": 12, "activity": 50}


@pytest.mark.django_db(transaction=True)
def test_bulk_seeding_at_a_tiny_scale_fills_every_table(monkeypatch):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with connection.cursor() as cur:
        demo = seeding._counts(cur)
    monkeypatch.setattr(seeding, "BASE", {k: demo[k] + n for k, n in TINY.items()})
    monkeypatch.setattr(seeding, "SCALES", {"tiny": 1})
    totals = seeding.generate_at_scale("tiny", log=lambda _: None)["totals"]
    # every COPY writer wrote rows (capped plans may draw a few more than asked)
    assert all(totals[k] >= demo[k] + n for k, n in TINY.items()), (totals, demo)
    assert totals["scan_events"] == demo["scan_events"] + TINY["scan_events"]
    assert Organization.objects.count() == totals["organizations"]
    assert User.objects.filter(email__endswith="@" + seeding.BULK_DOMAIN).exists()
    assert ScanEvent.all_orgs.count() == totals["scan_events"]
    # the counters agree with the events, as the workers' would
    counted = ScanEvent.all_orgs.filter(counted_at__isnull=False, classification__in=("human", "duplicate")).count()
    assert sum(QRCode.all_orgs.values_list("total_scans", flat=True)) == counted
