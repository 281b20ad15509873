"""Bulk seeding (`make seed-scale`) writes with COPY, around the ORM: a tiny run catches a
column the models gained that the COPY writers do not fill."""

import pytest
from django.core.management import call_command

from demo import seeding
from qrcodes.models import QRCode, ScanEvent
from tenants.models import Organization, User

TINY = {"organizations": 6, "users": 30, "qr_codes": 40, "scan_events": 600, "campaigns": 10,
        "uploads": 12, "activity": 50}


@pytest.mark.django_db(transaction=True)
def test_bulk_seeding_at_a_tiny_scale_fills_every_table(monkeypatch):
    call_command("seed_demo")
    monkeypatch.setattr(seeding, "BASE", TINY)
    monkeypatch.setattr(seeding, "SCALES", {"tiny": 1})
    totals = seeding.generate_at_scale("tiny", log=lambda _: None)["totals"]
    assert totals["organizations"] >= TINY["organizations"]
    assert totals["scan_events"] >= TINY["scan_events"]
    assert Organization.objects.count() == totals["organizations"]
    assert User.objects.filter(email__endswith="@" + seeding.BULK_DOMAIN).exists()
    assert ScanEvent.all_orgs.count() == totals["scan_events"]
    # the counters agree with the events, as the workers' would
    counted = ScanEvent.all_orgs.filter(counted_at__isnull=False, classification__in=("human", "duplicate")).count()
    assert sum(QRCode.all_orgs.values_list("total_scans", flat=True)) == counted
