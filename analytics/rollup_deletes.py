"""Rollups when QR codes are deleted: the organization's rows lose exactly what the deleted
codes had added, so totals and breakdowns stay what `rollups_rebuild` would give from the
remaining scans (issue 12 item 8; analytics/tests/test_delete_consistency.py checks it).

Called through `qrcodes.hooks.qr_codes_deleting` (registered in AnalyticsConfig.ready: qrcodes
sits below analytics and never imports it) inside the delete's transaction, after the codes'
scan events are deleted and with the organization's and the codes' rows locked: the locks the
scan workers take before they move counters and rollups. So no counting batch of these codes is
in flight: one that committed earlier is in the rows read here (the events' DELETE waited for
it), a new capture waits on the QR row lock and then fails its foreign key, and a batch of this
organization's other codes waits on the organization row before touching its rollups. (A batch
of bots only takes no row lock; it adds to other codes' rows, which commutes with this.)

What a deleted code leaves, and what happens to it:
- per-QR blocks (QRScanRollup): their scans / unique / bots come off the organization's
  `total` blocks, then the rows go;
- CountedScan rows (its non-bot scans with their bucketed values): they come off the
  organization's breakdown blocks per dimension and value, then the rows go;
- organization blocks left at zero are deleted (a rebuild has no such rows);
- its hot-code row and per-QR dimension blocks (QRDimensionRollup) are deleted;
- labels (DimensionLabel) of the countries and cities it was scanned from are recomputed from
  the organization's remaining counted scans (greatest label and coordinates, as the rebuild
  does), and deleted when no scan has that value any more. This reads the organization's raw
  events of those countries: the one cost here that grows with the tenant.

Campaigns have no rollups of their own (a campaign filter sums its current QR codes' rows), and
deleting a campaign detaches its codes (SET NULL): no rollup row changes. Deleting an
organization cascades to every rollup row of it (each carries organization_id)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.db import connection, transaction

from analytics.hot_codes import DIM_TABLE
from analytics.models import BREAKDOWN_DIMENSIONS, Dimension, HotQRCode
from analytics.periods import sql_blocks_lateral
from analytics.rollups import FACT_TABLE, LABEL_TABLE, MAX_VALUE, ORG_TABLE, QR_TABLE, rollups_changed, sql_value
from core.enums import Classification
from qrcodes.models import ScanEvent

logger = logging.getLogger(__name__)

_DIMS = ", ".join(f"('{d}', c.{d})" for d in BREAKDOWN_DIMENSIONS)
# What the codes added to the organization's blocks: totals from their per-QR blocks (bots
# included), breakdowns from their CountedScan rows (non-bot scans), per block.
_SUBTRACT_SQL = f"""
UPDATE {ORG_TABLE} AS o
SET scans = o.scans - x.s, unique_scans = o.unique_scans - x.u, bot_scans = o.bot_scans - x.b
FROM (
    SELECT 'total' AS dimension, '' AS value, q.bucket, sum(q.scans) AS s, sum(q.unique_scans) AS u,
           sum(q.bot_scans) AS b
    FROM {QR_TABLE} q
    WHERE q.organization_id = %(org)s AND q.qr_code_id = ANY(%(codes)s::uuid[])
    GROUP BY q.bucket
    UNION ALL
    SELECT d.dimension, d.value, g.bucket, count(*), count(*) FILTER (WHERE c.is_unique), 0
    FROM {FACT_TABLE} c
    CROSS JOIN LATERAL (VALUES {_DIMS}) AS d(dimension, value)
    {sql_blocks_lateral("c.day")}
    WHERE c.organization_id = %(org)s AND c.qr_code_id = ANY(%(codes)s::uuid[])
    GROUP BY 1, 2, 3
) AS x
WHERE o.organization_id = %(org)s AND o.dimension = x.dimension AND o.bucket = x.bucket AND o.value = x.value
RETURNING o.id, o.scans, o.unique_scans, o.bot_scans
"""  # noqa: S608 - constants only

_CITY_SQL = sql_value(Dimension.CITY, "e")[0]  # no parameters
# The labels of these values, from the organization's remaining counted non-bot scans: the
# rebuild's expressions (analytics.rollups._REBUILD), restricted to the values concerned.
_LABELS_SQL = f"""
WITH ev AS (
    SELECT e.country_code AS v_country, {_CITY_SQL} AS v_city,
           COALESCE(NULLIF(e.country, ''), e.country_code) AS country_name, e.city, e.latitude, e.longitude
    FROM {ScanEvent._meta.db_table} e
    WHERE e.organization_id = %(org)s AND e.counted_at IS NOT NULL AND e.classification = ANY(%(counted)s)
      AND e.country_code = ANY(%(ccs)s::varchar[])
)
INSERT INTO {LABEL_TABLE} (organization_id, dimension, value, label, latitude, longitude)
SELECT %(org)s, 'country', v_country, max(left(country_name, {MAX_VALUE})), NULL, NULL
FROM ev WHERE v_country = ANY(%(countries)s::varchar[]) GROUP BY v_country
UNION ALL
SELECT %(org)s, 'city', v_city, max(left(city || ', ' || country_name, {MAX_VALUE})), max(latitude), max(longitude)
FROM ev WHERE v_city = ANY(%(cities)s::varchar[]) GROUP BY v_city
"""  # noqa: S608 - constants only


def rollups_qr_codes_forget(organization_id: uuid.UUID, qr_code_ids: Sequence[uuid.UUID]) -> None:
    """Take the organization's QR codes `qr_code_ids` out of every rollup (see the module
    docstring). Only for the QR-code delete service, through qrcodes.hooks: call it inside the
    delete's transaction, after the codes' scan events are deleted and with the organization's
    and the codes' rows locked, before the codes' rows are deleted."""
    codes = sorted(set(qr_code_ids))
    if not codes:
        return
    args = {"org": organization_id, "codes": codes}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_SUBTRACT_SQL, args)
        changed = cur.fetchall()
        below = [row for row in changed if min(row[1:]) < 0]
        if below:
            # Only rows that drifted before could go below zero: say so, never hide it.
            logger.warning("rollups of organization %s were already off (%d blocks below zero after deleting "
                           "QR codes); run manage.py scan_counters_recompute", organization_id, len(below))
        empty = [row[0] for row in changed if not any(row[1:])]
        if empty:
            cur.execute(f"DELETE FROM {ORG_TABLE} WHERE id = ANY(%s)", [empty])  # noqa: S608
        cur.execute(
            f"SELECT DISTINCT country, city FROM {FACT_TABLE} "  # noqa: S608 - constants only
            "WHERE organization_id = %(org)s AND qr_code_id = ANY(%(codes)s::uuid[]) AND (country <> '' OR city <> '')",
            args,
        )
        places = cur.fetchall()
        for table in (QR_TABLE, FACT_TABLE, DIM_TABLE, HotQRCode._meta.db_table):
            cur.execute(
                f"DELETE FROM {table} WHERE organization_id = %(org)s AND qr_code_id = ANY(%(codes)s::uuid[])",  # noqa: S608
                args,
            )
        if places:
            countries = sorted({country for country, _ in places if country})
            cities = sorted({city for _, city in places if city})
            cur.execute(
                f"DELETE FROM {LABEL_TABLE} WHERE organization_id = %(org)s AND "  # noqa: S608 - constants only
                "((dimension = 'country' AND value = ANY(%(countries)s::varchar[])) "
                "OR (dimension = 'city' AND value = ANY(%(cities)s::varchar[])))",
                {"org": organization_id, "countries": countries, "cities": cities},
            )
            cur.execute(_LABELS_SQL, {"org": organization_id, "countries": countries, "cities": cities,
                                      "ccs": sorted({country for country, _ in places}),
                                      "counted": list(Classification.COUNTED)})
    transaction.on_commit(lambda: rollups_changed([organization_id]))
