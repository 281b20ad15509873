import datetime as dt
import itertools

import pytest
from django.utils import timezone

from analytics.rollups import rollup_scan_events
from qrcodes.models import QRCode, ScanEvent

_codes = itertools.count()


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path / "media"


def make_qr(organization, campaign=None, name="QR", status="active", total_scans=0) -> QRCode:
    return QRCode.all_orgs.create(
        organization=organization, campaign=campaign, name=name, status=status,
        short_code=f"t{next(_codes):06d}", total_scans=total_scans, qr_url="https://example.com/",
    )


def make_scan(qr: QRCode, day: dt.date, classification: str = "human", counted: bool = True) -> ScanEvent:
    """A scan event; a counted one is also added to the analytics rollups, as the scan
    workers do in the transaction that counts it."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)), dt.UTC)
    event = ScanEvent.all_orgs.create(
        organization_id=qr.organization_id, qr_code=qr, scanned_at=at, classification=classification,
        counted_at=at if counted else None,
    )
    if counted:
        rollup_scan_events([event])
    return event
