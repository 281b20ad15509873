"""Bulk data at the seed's scale: `manage.py seed_demo --scale seed|10x`.

Generates the seed's summary volumes (225 organizations, 8,450 users, 12,345 QR codes,
1,234,567 scan events over the last year, 4,567 campaigns, 23,456 uploads, 456,789 activity
rows), or ten times that, with PostgreSQL COPY. Totals count the demo rows already there, so
`SELECT count(*) FROM qr_scan_events` answers exactly 1,234,567 after a seed run. The demo's
MegaBrand Inc becomes the largest tenant (log in as ceo@megabrand.example to see it).

Scan events are enriched with the workers' own functions (qrcodes.enrichment: GeoIP over real
public addresses sampled from the GeoLite2 database, user-agent parsing of real user agents),
classified, and marked counted; then counters and rollups are computed from them in bulk.
Uploads are rows only: no objects are stored. Cross-tenant by nature (it writes every tenant).

Not idempotent: a second run refuses, because the bulk organizations already exist.

The data's shape is demo.distributions; the COPY writers, one per table, are demo.bulk_tables.
This module runs them in order and then computes counters, rollups and hot codes.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, transaction

from analytics.hot_codes import hot_codes_promote
from analytics.models import CountedScan, DimensionLabel, HotQRCode, OrgScanRollup, QRDimensionRollup, QRScanRollup
from analytics.rollups import rollups_rebuild
from campaigns.models import Campaign
from core.enums import Classification
from demo.bulk_tables import (
    BULK_DOMAIN,
    activity_copy,
    campaigns_copy,
    organizations_copy,
    qr_codes_copy,
    scan_events_copy,
    uploads_copy,
    users_copy,
)
from demo.distributions import place_pool
from qrcodes.models import QRCode, ScanEvent
from tenants.models import GB, ActivityLog, Organization, User
from uploads.models import UploadedFile

BASE = {"organizations": 225, "users": 8450, "qr_codes": 12345, "scan_events": 1234567, "campaigns": 4567,
        "uploads": 23456, "activity": 456789}
SCALES = {"seed": 1, "10x": 10}
LARGEST_EMAIL = "hq@megabrand.example"


# The tables bulk seeding fills (BASE's keys), and the ones it vacuums afterwards.
TABLES = {"organizations": Organization, "users": User, "qr_codes": QRCode, "scan_events": ScanEvent,
          "campaigns": Campaign, "uploads": UploadedFile, "activity": ActivityLog}
VACUUMED = (ScanEvent, OrgScanRollup, QRScanRollup, CountedScan, QRDimensionRollup, HotQRCode, DimensionLabel,
            QRCode, Organization, User, Campaign, UploadedFile, ActivityLog)


def _counts(cur: Any) -> dict[str, int]:
    out = {}
    for key, model in TABLES.items():
        cur.execute(f"SELECT count(*) FROM {model._meta.db_table}")  # noqa: S608 - model metadata only
        out[key] = cur.fetchone()[0]
    return out


def generate_at_scale(scale: str, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fill the database to the seed's volumes times the scale. Returns the timings."""
    if scale not in SCALES:
        raise CommandError(f"Unknown scale {scale!r}; use one of {', '.join(SCALES)}.")
    factor = SCALES[scale]
    largest = Organization.objects.filter(company_email=LARGEST_EMAIL).first()
    if largest is None:
        raise CommandError("Run `manage.py seed_demo` first: the demo MegaBrand Inc becomes the largest tenant.")
    if Organization.objects.filter(company_email__endswith="@" + BULK_DOMAIN).exists():
        raise CommandError(f"Bulk data is already there (organizations @{BULK_DOMAIN}). Bulk seeding runs once per "
                           "database: drop and recreate the database to generate again.")
    timings: dict[str, Any] = {}
    started = time.monotonic()
    rng = random.Random(2026 * factor)
    with connection.cursor() as cur:
        have = _counts(cur)
    want = {k: v * factor for k, v in BASE.items()}
    need = {k: max(0, want[k] - have[k]) for k in BASE}
    log(f"generating {need} (target {want})")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    with transaction.atomic():
        orgs = organizations_copy(rng, need["organizations"], factor, largest, now)
        timings["organizations"] = _step(started, log, "organizations", len(orgs) - 1)
        users_by_org = users_copy(rng, orgs, need["users"], now)
        timings["users"] = _step(started, log, "users", sum(len(v) for v in users_by_org.values()))
        campaigns_by_org = campaigns_copy(rng, orgs, users_by_org, need["campaigns"], now)
        timings["campaigns"] = _step(started, log, "campaigns", sum(len(v) for v in campaigns_by_org.values()))
        qrs_by_org = qr_codes_copy(rng, orgs, users_by_org, campaigns_by_org, need["qr_codes"], now)
        timings["qr_codes"] = _step(started, log, "qr_codes", sum(len(v) for v in qrs_by_org.values()))
        n = uploads_copy(rng, orgs, users_by_org, campaigns_by_org, need["uploads"], now)
        timings["uploads"] = _step(started, log, "uploads", n)
        pool = place_pool(rng, 4000)
        n = scan_events_copy(rng, orgs, qrs_by_org, pool, need["scan_events"], now)
        timings["scan_events"] = _step(started, log, "scan_events", n)
        n = activity_copy(rng, orgs, users_by_org, pool, need["activity"], now)
        timings["activity"] = _step(started, log, "activity", n)
        _counters()
        timings["counters"] = _step(started, log, "counters", 0)
        rollups_rebuild()
        timings["rollups"] = _step(started, log, "rollups", 0)
        n = hot_codes_promote(limit=None)
        timings["hot_codes"] = _step(started, log, "hot QR codes promoted", n)
    with connection.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {', '.join(m._meta.db_table for m in VACUUMED)}")
        timings["vacuum"] = _step(started, log, "vacuum analyze", 0)
        timings["totals"] = _counts(cur)
    log(f"done in {time.monotonic() - started:.0f} s: {timings['totals']}")
    return timings


def _step(started: float, log: Callable[[str], None], name: str, n: int) -> float:
    elapsed = round(time.monotonic() - started, 1)
    log(f"  {elapsed:7.1f} s  {name}: {n:,}")
    return elapsed


def _counters() -> None:
    """The workers' counters, set from the events and rows in bulk (same rules as
    qrcodes.counting.counters_recompute: non-bot counted scans; active QR codes)."""
    qr_codes, uploads = QRCode._meta.db_table, UploadedFile._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"""
            UPDATE {qr_codes} q SET total_scans = s.n, last_scanned_at = s.last
            FROM (SELECT qr_code_id, count(*) AS n, max(scanned_at) AS last FROM {ScanEvent._meta.db_table}
                  WHERE counted_at IS NOT NULL AND classification = ANY(%s)
                  GROUP BY qr_code_id) s
            WHERE q.id = s.qr_code_id""", [list(Classification.COUNTED)])  # noqa: S608 - model metadata only
        cur.execute(f"""
            UPDATE {Organization._meta.db_table} o SET
              total_qr_scans = COALESCE((SELECT sum(total_scans) FROM {qr_codes} q WHERE q.organization_id = o.id), 0),
              total_qr_codes = (SELECT count(*) FROM {qr_codes} q WHERE q.organization_id = o.id AND q.status = %s),
              total_uploads = (SELECT count(*) FROM {uploads} u WHERE u.organization_id = o.id),
              storage_used_bytes = COALESCE((SELECT sum(file_size_bytes) FROM {uploads} u
                                             WHERE u.organization_id = o.id), 0)""",  # noqa: S608
                    [QRCode.Status.ACTIVE])


__all__ = ["generate_at_scale", "BASE", "SCALES", "GB"]
