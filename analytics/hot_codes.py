"""Hot QR codes: per-QR dimension blocks for the codes that need them.

A breakdown under a QR-code filter reads the code's CountedScan rows, one per scan: fine for
most codes, slow for a code with hundreds of thousands of scans a year. A code whose all-time
scans reach ANALYTICS_HOT_QR_SCANS is promoted: it gets QRDimensionRollup rows (month, quarter
and year blocks per breakdown value), backfilled here from its CountedScan rows and kept current
by the workers (analytics.rollups). Reads then take whole months, quarters and years from the
blocks and only the days and month weeks at a range's ends from CountedScan.

Promotion and the workers never miss or double an event: both lock the QR code's row (the
workers' counter update in qrcodes.counting holds it until their batch commits, and they read
the hot set after taking it), so a batch either commits before the backfill reads CountedScan
(and is in it) or sees the code hot and writes its blocks itself.

Cross-tenant on purpose (a maintenance task over every tenant): the reads go through
`unscoped()` / `all_orgs`, and each row keeps its own organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction

from analytics.models import BREAKDOWN_DIMENSIONS, HOT_GRAINS, CountedScan, HotQRCode, QRDimensionRollup
from analytics.periods import sql_blocks_lateral
from qrcodes.models import QRCode  # analytics sits above qrcodes (.importlinter)
from tenants.services import organizations_lock

DIM_TABLE = QRDimensionRollup._meta.db_table
_DIMS = ", ".join(f"('{d}', c.{d})" for d in BREAKDOWN_DIMENSIONS)
# The blocks of the hot codes (all, one organization's, or one code), from their CountedScan
# rows: promotion and rebuild. Parameters: organization id or NULL twice, QR code id or NULL twice.
BACKFILL_SQL = f"""
INSERT INTO {DIM_TABLE} (organization_id, qr_code_id, dimension, value, grain, period, bucket, scans, unique_scans)
SELECT c.organization_id, c.qr_code_id, d.dimension, d.value, g.grain, g.period, g.bucket,
       count(*), count(*) FILTER (WHERE c.is_unique)
FROM {HotQRCode._meta.db_table} h
JOIN {CountedScan._meta.db_table} c ON c.organization_id = h.organization_id AND c.qr_code_id = h.qr_code_id
CROSS JOIN LATERAL (VALUES {_DIMS}) AS d(dimension, value)
{sql_blocks_lateral("c.day", HOT_GRAINS)}
WHERE (%s::uuid IS NULL OR h.organization_id = %s::uuid) AND (%s::uuid IS NULL OR h.qr_code_id = %s::uuid)
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""  # noqa: S608 - constants only


def hot_ids(qr_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these QR codes are hot (any tenant's: callers pass ids they already hold)."""
    ids = list(set(qr_ids))
    if not ids:
        return set()
    return set(HotQRCode.all_orgs.filter(qr_code_id__in=ids).values_list("qr_code_id", flat=True))


def hot_codes_promote(*, threshold: int | None = None, limit: int | None = 100) -> int:
    """Promote QR codes whose all-time scans reached the threshold (default
    ANALYTICS_HOT_QR_SCANS), busiest first, one transaction each. Returns how many."""
    threshold = settings.ANALYTICS_HOT_QR_SCANS if threshold is None else threshold
    candidates = (QRCode.objects.unscoped().filter(total_scans__gte=threshold)
                  .exclude(pk__in=HotQRCode.all_orgs.values("qr_code_id"))
                  .order_by("-total_scans").values_list("pk", "organization_id"))
    promoted = 0
    for qr_id, org_id in (candidates[:limit] if limit else candidates):
        with transaction.atomic(), connection.cursor() as cur:
            # Organization, then QR code: the workers' lock order (qrcodes.counting).
            organizations_lock([org_id])
            cur.execute(f"SELECT id FROM {QRCode._meta.db_table} WHERE id = %s FOR NO KEY UPDATE", [qr_id])  # noqa: S608
            if cur.fetchone() is None:
                continue  # deleted since the candidates were read: nothing to promote
            _, created = HotQRCode.all_orgs.get_or_create(qr_code_id=qr_id, defaults={"organization_id": org_id})
            if created:
                cur.execute(BACKFILL_SQL, [org_id, org_id, qr_id, qr_id])
                promoted += 1
    return promoted
