"""Rollup tables kept current by the scan workers (owned by the analytics app).

Contract used by the scan pipeline (qrcodes):
- `rollup_scan_events(events)` is called inside the same transaction that marks those
  events counted (counted_at set), exactly once per event, with classification and
  enrichment fields already filled. It is additive (upserts with +=), so the pipeline's
  exactly-once marking makes the rollups exact too.
- `rollups_rebuild(organization_id=None)` recomputes the rollups from the raw events
  (used by `manage.py scan_counters_recompute` and after bulk seeding).

Per counted event: 5 per-QR block rows (totals), 5 per-organization block rows for the total
and for each of the 7 breakdown dimensions (non-bot events), one CountedScan row (non-bot), a
label row per country/city value, and for a hot QR code (analytics.hot_codes) its month,
quarter and year block rows per breakdown value; a batch is pre-summed first, so a busy
organization's batch touches each block/value row once.

How an event is bucketed is written twice, once in Python (the incremental path) and once in
SQL (`sql_value`, used by the rebuild); both read the
regular expressions below, and a test checks that both paths give the same rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet

from analytics.hot_codes import BACKFILL_SQL, DIM_TABLE, hot_ids
from analytics.models import (
    BREAKDOWN_DIMENSIONS,
    HOT_GRAINS,
    CountedScan,
    Dimension,
    DimensionLabel,
    Grain,
    HotQRCode,
    OrgScanRollup,
    QRScanRollup,
)
from analytics.periods import blocks_of, sql_blocks_lateral
from core.enums import Classification
from qrcodes.models import QRCode, ScanEvent

if TYPE_CHECKING:
    from tenants.models import Organization

# "iOS 16.0" -> "iOS", "Chrome Mobile 120.0.1" -> "Chrome Mobile": charts group by family.
VERSION_SUFFIX_RE = r"\s+[0-9][0-9A-Za-z._-]*$"
# Referrer host: "https://www.instagram.com/p/x" -> "instagram.com"; a bare "instagram.com" too.
URL_HOST_RE = r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#:]+)"
BARE_HOST_RE = r"^([^/?#:]+)"
WWW_RE = r"^www\."
MAX_VALUE = 255

ORG_TABLE = OrgScanRollup._meta.db_table
QR_TABLE = QRScanRollup._meta.db_table
FACT_TABLE = CountedScan._meta.db_table
FACT_COLUMNS = ["event_id", "organization_id", "qr_code_id", "day", "is_unique", *BREAKDOWN_DIMENSIONS]
FACT_TYPES = ["int8", "uuid", "uuid", "date", "bool", *["varchar"] * len(BREAKDOWN_DIMENSIONS)]
LABEL_TABLE = DimensionLabel._meta.db_table
SCAN_TABLE = ScanEvent._meta.db_table
VERSION_KEY = "analytics:version:{}"


def family(name: str) -> str:
    """OS or browser family without its version number."""
    return re.sub(VERSION_SUFFIX_RE, "", (name or "").strip())[:MAX_VALUE]


def referrer_host(url: str) -> str:
    url = (url or "").strip()
    m = re.match(URL_HOST_RE, url) or re.match(BARE_HOST_RE, url)
    host = m.group(1).lower() if m else ""
    return re.sub(WWW_RE, "", host)[:MAX_VALUE]


def _dimension_values(e: ScanEvent) -> list[tuple[str, str]]:
    """(dimension, value) for each breakdown of one non-bot event."""
    cc = e.country_code or ""
    city = e.city or ""
    return [
        (Dimension.COUNTRY, cc),
        (Dimension.CITY, f"{cc}|{e.state or ''}|{city}"[:MAX_VALUE] if city else ""),
        (Dimension.DEVICE_TYPE, (e.device_type or "")[:MAX_VALUE]),
        (Dimension.OS, family(e.os)),
        (Dimension.BROWSER, family(e.browser)),
        (Dimension.REFERRER, referrer_host(e.referrer_url)),
        (Dimension.HOUR, f"{e.scanned_at.astimezone(dt.UTC).hour:02d}"),
    ]


def _labels(e: ScanEvent) -> list[tuple[str, str, str, float | None, float | None]]:
    """(dimension, value, label, latitude, longitude) of the event's country and city."""
    cc = e.country_code or ""
    name = e.country or cc
    out = []
    if cc:
        out.append((Dimension.COUNTRY, cc, name[:MAX_VALUE], None, None))
    if e.city:
        out.append((Dimension.CITY, f"{cc}|{e.state or ''}|{e.city}"[:MAX_VALUE], f"{e.city}, {name}"[:MAX_VALUE],
                    e.latitude, e.longitude))
    return out


def _greatest(a: Any, b: Any) -> Any:
    """PostgreSQL GREATEST: NULLs ignored."""
    if a is None:
        return b
    return a if b is None else max(a, b)


def _add(rows: dict[tuple, list[Any]], key: tuple, head: Sequence[Any], counts: Sequence[int]) -> None:
    row = rows.get(key)
    if row is None:
        rows[key] = [*head, *counts]
    else:
        for i, n in enumerate(counts, start=len(head)):
            row[i] += n


def _aggregate(events: Iterable[ScanEvent]) -> tuple[dict, dict, list, dict, set]:
    """Pre-sum the batch so each rollup row is upserted once (ON CONFLICT may touch a row
    only once per statement)."""
    org_rows: dict[tuple, list[Any]] = {}
    qr_rows: dict[tuple, list[Any]] = {}
    facts: list[tuple] = []
    labels: dict[tuple, list[Any]] = {}
    orgs: set = set()
    for e in events:
        if e.classification not in Classification.CLASSIFIED:
            continue  # pending events are not counted yet; the pipeline never passes them
        org = e.organization_id
        orgs.add(org)
        s = int(e.classification in Classification.COUNTED)
        u = int(e.classification == Classification.HUMAN)
        b = int(e.classification == Classification.BOT)
        day = e.scanned_at.astimezone(dt.UTC).date()
        blocks = blocks_of(day)
        dims = [] if b else _dimension_values(e)
        for grain, period, bkt in blocks:
            _add(qr_rows, (org, e.qr_code_id, bkt), (grain, period), (s, u, b))
            _add(org_rows, (org, Dimension.TOTAL.value, bkt, ""), (grain, period), (s, u, b))
            for dim, value in dims:
                _add(org_rows, (org, dim.value, bkt, value), (grain, period), (s, u, 0))
        if not b:
            facts.append((e.pk, org, e.qr_code_id, day, bool(u), *(value for _, value in dims)))
            for dim, value, label, lat, lng in _labels(e):
                key = (org, dim.value, value)
                old = labels.get(key)
                labels[key] = ([label, lat, lng] if old is None else
                               [_greatest(old[0], label), _greatest(old[1], lat), _greatest(old[2], lng)])
    return org_rows, qr_rows, facts, labels, orgs


_ADD = "{c} = t.{c} + EXCLUDED.{c}"
_UPSERTS = {
    ORG_TABLE: (
        ["organization_id", "dimension", "bucket", "value"], ["uuid", "varchar", "int4", "varchar"],
        ["grain", "period", "scans", "unique_scans", "bot_scans"], ["varchar", "date", "int4", "int4", "int4"],
        ", ".join(_ADD.format(c=c) for c in ("scans", "unique_scans", "bot_scans")), "",
    ),
    QR_TABLE: (
        ["organization_id", "qr_code_id", "bucket"], ["uuid", "uuid", "int4"],
        ["grain", "period", "scans", "unique_scans", "bot_scans"], ["varchar", "date", "int4", "int4", "int4"],
        ", ".join(_ADD.format(c=c) for c in ("scans", "unique_scans", "bot_scans")), "",
    ),
    DIM_TABLE: (
        ["organization_id", "qr_code_id", "bucket", "dimension", "value"], ["uuid", "uuid", "int4", "varchar", "varchar"],
        ["grain", "period", "scans", "unique_scans"], ["varchar", "date", "int4", "int4"],
        ", ".join(_ADD.format(c=c) for c in ("scans", "unique_scans")), "",
    ),
    LABEL_TABLE: (
        ["organization_id", "dimension", "value"], ["uuid", "varchar", "varchar"],
        ["label", "latitude", "longitude"], ["varchar", "float8", "float8"],
        "label = GREATEST(t.label, EXCLUDED.label), latitude = GREATEST(t.latitude, EXCLUDED.latitude), "
        "longitude = GREATEST(t.longitude, EXCLUDED.longitude)",
        # only write a label row when something changes (nearly never)
        " WHERE (t.label, t.latitude, t.longitude) IS DISTINCT FROM (GREATEST(t.label, EXCLUDED.label), "
        "GREATEST(t.latitude, EXCLUDED.latitude), GREATEST(t.longitude, EXCLUDED.longitude))",
    ),
}


def _upsert(cur: Any, table: str, rows: dict[tuple, list[Any]]) -> None:
    if not rows:
        return
    key, key_types, cols, col_types, update, where = _UPSERTS[table]
    # A stable order keeps two workers that touch the same rows from deadlocking.
    items = sorted(rows.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    columns: list[list[Any]] = [[] for _ in range(len(key) + len(cols))]
    for k, v in items:
        for i, part in enumerate((*k, *v)):
            columns[i].append(part)
    arrays = ", ".join(f"%s::{t}[]" for t in (*key_types, *col_types))
    cur.execute(
        f"INSERT INTO {table} AS t ({', '.join((*key, *cols))}) SELECT * FROM unnest({arrays}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}{where}",
        columns,
    )


def daily_scans(organization: Organization) -> QuerySet[QRScanRollup]:
    """Per QR code and UTC day: counted non-bot scans (`scans`), the organization's day rows.
    Registered for the campaign pages (campaigns.hooks)."""
    return QRScanRollup.objects.filter(organization=organization, grain=Grain.DAY)


def rollup_scan_events(events: Sequence[ScanEvent]) -> None:
    """Add newly counted events to the rollup tables: one bulk upsert per table per batch.

    Call it exactly once per event, inside the transaction that sets counted_at. Events of
    several organizations may be mixed; each row keeps its own organization_id. After commit
    the dashboards' cached payloads of those organizations are invalidated (analytics.caching)."""
    org_rows, qr_rows, facts, labels, orgs = _aggregate(events)
    if not orgs:
        return
    with transaction.atomic(), connection.cursor() as cur:
        # Read after the counters locked these QR codes' rows (analytics.hot_codes).
        dim_rows = _hot_dimension_rows(facts, hot_ids(f[2] for f in facts))
        # Fixed table order, rows sorted within each: concurrent workers never deadlock.
        for table, rows in ((ORG_TABLE, org_rows), (QR_TABLE, qr_rows), (DIM_TABLE, dim_rows), (LABEL_TABLE, labels)):
            _upsert(cur, table, rows)
        if facts:
            # New rows only (one per event); DO NOTHING keeps a replayed event from failing the batch.
            cur.execute(
                f"INSERT INTO {FACT_TABLE} ({', '.join(FACT_COLUMNS)}) "  # noqa: S608 - constants
                f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in FACT_TYPES)}) ON CONFLICT DO NOTHING",
                [list(col) for col in zip(*facts, strict=True)],
            )
    transaction.on_commit(lambda: rollups_changed(orgs))


def _hot_dimension_rows(facts: list[tuple], hot: set) -> dict[tuple, list[Any]]:
    """Month, quarter and year blocks per breakdown value of the hot QR codes' new scans."""
    rows: dict[tuple, list[Any]] = {}
    for _event_id, org, qr, day, is_unique, *values in facts:
        if qr not in hot:
            continue
        for grain, period, bkt in blocks_of(day):
            if grain in HOT_GRAINS:
                for dim, value in zip(BREAKDOWN_DIMENSIONS, values, strict=True):
                    _add(rows, (org, qr, bkt, dim, value), (grain, period), (1, int(is_unique)))
    return rows


def rollups_changed(organization_ids: Iterable[Any]) -> None:
    """Bump the organizations' dashboard cache version (a failed Redis only delays the cached
    payloads' refresh until their short TTL ends)."""
    stamp = time.time_ns()
    with contextlib.suppress(Exception):
        cache.set_many({VERSION_KEY.format(o): stamp for o in organization_ids}, timeout=None)


# --- the same bucketing in SQL ----------------------------------------------------------

def sql_value(dimension: str, alias: str = "") -> tuple[str, list[str]]:
    """SQL expression (and its parameters) for an event's value in a breakdown dimension,
    over qr_scan_events columns (prefixed with `alias.`); the same rules as _dimension_values."""
    p = f"{alias}." if alias else ""
    if dimension == Dimension.COUNTRY:
        return f"{p}country_code", []
    if dimension == Dimension.CITY:
        return (f"CASE WHEN {p}city = '' THEN '' ELSE left({p}country_code || '|' || {p}state || '|' || {p}city, "
                f"{MAX_VALUE}) END"), []
    if dimension == Dimension.DEVICE_TYPE:
        return f"left({p}device_type, {MAX_VALUE})", []
    if dimension in (Dimension.OS, Dimension.BROWSER):
        return f"left(regexp_replace(btrim({p}{dimension}), %s, ''), {MAX_VALUE})", [VERSION_SUFFIX_RE]
    if dimension == Dimension.REFERRER:
        return (f"left(regexp_replace(lower(COALESCE(substring(btrim({p}referrer_url) FROM %s), "
                f"substring(btrim({p}referrer_url) FROM %s), '')), %s, ''), {MAX_VALUE})"),\
            [URL_HOST_RE, BARE_HOST_RE, WWW_RE]
    if dimension == Dimension.HOUR:
        return f"lpad(extract(hour FROM {p}scanned_at AT TIME ZONE 'UTC')::int::text, 2, '0')", []
    raise ValueError(dimension)


def _ev_sql() -> tuple[str, list[Any]]:
    """The rebuild's event table and its parameters, but for the organization id (twice) that
    the caller appends; the same counting rules as _aggregate."""
    cols, dim_params = [], []
    for dim in BREAKDOWN_DIMENSIONS:
        expr, p = sql_value(dim, "e")
        cols.append(f"{expr} AS v_{dim}")
        dim_params += p
    sql = f"""
    CREATE TEMP TABLE _analytics_ev AS
    SELECT e.id, e.organization_id AS org, e.qr_code_id AS qr, (e.scanned_at AT TIME ZONE 'UTC')::date AS day,
           (e.classification = ANY(%s))::int AS s, (e.classification = %s)::int AS u,
           (e.classification = %s)::int AS b,
           COALESCE(NULLIF(e.country, ''), e.country_code) AS country_name, e.city, e.latitude, e.longitude,
           {", ".join(cols)}
    FROM {SCAN_TABLE} e
    WHERE e.counted_at IS NOT NULL AND e.classification = ANY(%s)
      AND (%s::uuid IS NULL OR e.organization_id = %s::uuid)
    """  # noqa: S608 - only constants are formatted in; values are parameters
    params = [list(Classification.COUNTED), Classification.HUMAN, Classification.BOT, *dim_params,
              list(Classification.CLASSIFIED)]
    return sql, params


_DIMS_LATERAL = "CROSS JOIN LATERAL (VALUES " + ", ".join(
    f"('{d}', ev.v_{d})" for d in BREAKDOWN_DIMENSIONS) + ") AS d(dimension, value)"
_GRAINS_LATERAL = sql_blocks_lateral("x.day")

_REBUILD = [
    # per organization, day, dimension, value; then the five blocks of each day
    f"""CREATE TEMP TABLE _analytics_orgday AS
        SELECT org, day, '{Dimension.TOTAL.value}'::varchar AS dimension, ''::varchar AS value, sum(s) AS s, sum(u) AS u, sum(b) AS b
        FROM _analytics_ev GROUP BY org, day
        UNION ALL
        SELECT ev.org, ev.day, d.dimension, d.value, sum(ev.s), sum(ev.u), 0
        FROM _analytics_ev ev {_DIMS_LATERAL} WHERE ev.b = 0 GROUP BY 1, 2, 3, 4""",  # noqa: S608 - constants only
    f"""INSERT INTO {ORG_TABLE} (organization_id, dimension, value, grain, period, bucket, scans, unique_scans, bot_scans)
        SELECT x.org, x.dimension, x.value, g.grain, g.period, g.bucket, sum(x.s), sum(x.u), sum(x.b)
        FROM _analytics_orgday x {_GRAINS_LATERAL} GROUP BY 1, 2, 3, 4, 5, 6""",  # noqa: S608 - constants only
    f"""INSERT INTO {QR_TABLE} (organization_id, qr_code_id, grain, period, bucket, scans, unique_scans, bot_scans)
        SELECT x.org, x.qr, g.grain, g.period, g.bucket, sum(x.s), sum(x.u), sum(x.b)
        FROM (SELECT org, qr, day, sum(s) AS s, sum(u) AS u, sum(b) AS b FROM _analytics_ev GROUP BY 1, 2, 3) x
        {_GRAINS_LATERAL} GROUP BY 1, 2, 3, 4, 5""",  # noqa: S608 - constants only
    f"""INSERT INTO {FACT_TABLE} ({", ".join(FACT_COLUMNS)})
        SELECT id, org, qr, day, u = 1, {", ".join(f"v_{d}" for d in BREAKDOWN_DIMENSIONS)}
        FROM _analytics_ev WHERE b = 0""",  # noqa: S608 - constants only
    f"""INSERT INTO {LABEL_TABLE} (organization_id, dimension, value, label, latitude, longitude)
        SELECT org, '{Dimension.COUNTRY.value}', v_country, max(left(country_name, {MAX_VALUE})), NULL, NULL
        FROM _analytics_ev WHERE b = 0 AND v_country <> '' GROUP BY org, v_country
        UNION ALL
        SELECT org, '{Dimension.CITY.value}', v_city, max(left(city || ', ' || country_name, {MAX_VALUE})), max(latitude), max(longitude)
        FROM _analytics_ev WHERE b = 0 AND v_city <> '' GROUP BY org, v_city""",  # noqa: S608 - constants only
]
_TABLES = (ORG_TABLE, QR_TABLE, FACT_TABLE, LABEL_TABLE, DIM_TABLE)


def rollups_rebuild(organization_id: uuid.UUID | None = None, report: Callable[[str], None] | None = None) -> None:
    """Recompute rollups from the raw counted events: for one organization, or all of them
    (None here means "every tenant" on purpose: it is a maintenance command, not a read).
    With `report`, each difference between the rows before and after is passed to it as a
    line (analytics.rollup_drift): the incremental rollups should already equal a rebuild.

    Locks the rollup tables against writes for the duration, so a worker counting events
    meanwhile either lands before the rebuild reads the events or adds on top of it after."""
    from analytics.rollup_drift import drift_lines, drift_snapshot  # it reads this module's tables

    ev_sql, ev_params = _ev_sql()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {', '.join(_TABLES)} IN EXCLUSIVE MODE")
        cur.execute("SET LOCAL work_mem = '256MB'")
        if report is not None:
            drift_snapshot(cur, organization_id)
        for table in _TABLES:
            cur.execute(
                f"DELETE FROM {table} WHERE %s::uuid IS NULL OR organization_id = %s::uuid",  # noqa: S608
                [organization_id, organization_id],
            )
        # Hot-code rows of QR codes deleted before the delete service cleaned them up (issue 12).
        cur.execute(
            f"DELETE FROM {HotQRCode._meta.db_table} h WHERE (%s::uuid IS NULL OR h.organization_id = %s::uuid) "  # noqa: S608
            f"AND NOT EXISTS (SELECT FROM {QRCode._meta.db_table} q WHERE q.id = h.qr_code_id)",
            [organization_id, organization_id],
        )
        # ON COMMIT DROP is not enough when called inside a longer transaction (tests, scripts).
        cur.execute("DROP TABLE IF EXISTS _analytics_ev, _analytics_orgday")
        cur.execute(ev_sql, [*ev_params, organization_id, organization_id])
        cur.execute("ANALYZE _analytics_ev")
        for sql in _REBUILD:
            cur.execute(sql)
        cur.execute("DROP TABLE _analytics_ev, _analytics_orgday")
        # Hot QR codes' dimension blocks, from the CountedScan rows just rebuilt.
        cur.execute(BACKFILL_SQL, [organization_id, organization_id, None, None])
        if report is not None:
            for line in drift_lines(cur, organization_id):
                report(line)
    transaction.on_commit(lambda: rollups_changed([organization_id] if organization_id else []))
