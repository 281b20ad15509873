"""Rollup tables kept current by the scan workers (owned by the analytics app).

Contract used by the scan pipeline (qrcodes):
- `rollup_scan_events(events)` is called inside the same transaction that marks those
  events counted (counted_at set), exactly once per event, with classification and
  enrichment fields already filled. It must be additive (upserts with +=) so the
  pipeline's exactly-once marking makes the rollups exact too.
- `rollups_rebuild(organization_id=None)` recomputes the rollups from the raw events
  (used by `manage.py scan_counters_recompute` and after bulk seeding).

How an event is bucketed is written twice, once in Python (the incremental path) and once in
SQL (the rebuild); both read the regular expressions below, and a test checks that both paths
give the same rows.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from analytics.models import Dimension, Grain, OrgScanRollup, QRScanRollup

if TYPE_CHECKING:
    from qrcodes.models import ScanEvent

# "iOS 16.0" -> "iOS", "Chrome Mobile 120.0.1" -> "Chrome Mobile": charts group by family.
VERSION_SUFFIX_RE = r"\s+[0-9][0-9A-Za-z._-]*$"
# Referrer host: "https://www.instagram.com/p/x" -> "instagram.com"; a bare "instagram.com" too.
URL_HOST_RE = r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#:]+)"
BARE_HOST_RE = r"^([^/?#:]+)"
WWW_RE = r"^www\."
MAX_VALUE = 255

COUNTED = ("human", "duplicate", "bot")
QR_TABLE = QRScanRollup._meta.db_table
ORG_TABLE = OrgScanRollup._meta.db_table
_QR_KEY = "organization_id, qr_code_id, grain, dimension, period, value"
_ORG_KEY = "organization_id, grain, dimension, period, value"


def family(name: str) -> str:
    """OS or browser family without its version number."""
    return re.sub(VERSION_SUFFIX_RE, "", (name or "").strip())[:MAX_VALUE]


def referrer_host(url: str) -> str:
    url = (url or "").strip()
    m = re.match(URL_HOST_RE, url) or re.match(BARE_HOST_RE, url)
    host = m.group(1).lower() if m else ""
    return re.sub(WWW_RE, "", host)[:MAX_VALUE]


def _dimension_values(e: ScanEvent) -> list[tuple[str, str, str, float | None, float | None]]:
    """(dimension, value, label, latitude, longitude) for each breakdown of one non-bot event."""
    cc = e.country_code or ""
    country_name = e.country or cc
    city = e.city or ""
    hour = e.scanned_at.astimezone(dt.UTC).hour
    return [
        (Dimension.COUNTRY, cc, country_name if cc else "", None, None),
        (
            Dimension.CITY,
            f"{cc}|{e.state or ''}|{city}"[:MAX_VALUE] if city else "",
            f"{city}, {country_name}"[:MAX_VALUE] if city else "",
            e.latitude if city else None,
            e.longitude if city else None,
        ),
        (Dimension.DEVICE_TYPE, (e.device_type or "")[:MAX_VALUE], "", None, None),
        (Dimension.OS, family(e.os), "", None, None),
        (Dimension.BROWSER, family(e.browser), "", None, None),
        (Dimension.REFERRER, referrer_host(e.referrer_url), "", None, None),
        (Dimension.HOUR, f"{hour:02d}", "", None, None),
    ]


def _aggregate(events: Iterable[ScanEvent]) -> tuple[dict, dict]:
    """Pre-sum the batch so each rollup row is upserted once (ON CONFLICT may touch a row
    only once per statement)."""
    qr_rows: dict[tuple, list[Any]] = {}
    org_rows: dict[tuple, list[Any]] = {}

    def add(key_qr: tuple, key_org: tuple, label: str, lat: Any, lng: Any, s: int, u: int, b: int) -> None:
        for rows, key in ((qr_rows, key_qr), (org_rows, key_org)):
            row = rows.get(key)
            if row is None:
                rows[key] = [label, lat, lng, s, u, b]
            else:
                row[3] += s
                row[4] += u
                row[5] += b

    for e in events:
        if e.classification not in COUNTED:
            continue  # pending events are not counted yet; the pipeline never passes them
        s = int(e.classification in ("human", "duplicate"))
        u = int(e.classification == "human")
        b = int(e.classification == "bot")
        day = e.scanned_at.astimezone(dt.UTC).date()
        dims = [(Dimension.TOTAL, "", "", None, None)]
        if not b:
            dims += _dimension_values(e)
        for grain, period in ((Grain.DAY, day), (Grain.MONTH, day.replace(day=1))):
            for dim, value, label, lat, lng in dims:
                key_org = (e.organization_id, str(grain), str(dim), period, value)
                key_qr = (e.organization_id, e.qr_code_id, str(grain), str(dim), period, value)
                add(key_qr, key_org, label, lat, lng, s, u, b if dim == Dimension.TOTAL else 0)
    return qr_rows, org_rows


_UPSERT = """
INSERT INTO {table} ({key}, label, latitude, longitude, scans, unique_scans, bot_scans)
SELECT * FROM unnest({arrays}, %s::varchar[], %s::float8[], %s::float8[], %s::bigint[], %s::bigint[], %s::bigint[])
ON CONFLICT ({key}) DO UPDATE SET
    scans = {table}.scans + EXCLUDED.scans,
    unique_scans = {table}.unique_scans + EXCLUDED.unique_scans,
    bot_scans = {table}.bot_scans + EXCLUDED.bot_scans,
    latitude = COALESCE({table}.latitude, EXCLUDED.latitude),
    longitude = COALESCE({table}.longitude, EXCLUDED.longitude)
"""


def _upsert(table: str, key: str, key_types: list[str], rows: dict[tuple, list[Any]]) -> None:
    if not rows:
        return
    # A stable order keeps two workers that touch the same rows from deadlocking.
    items = sorted(rows.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    columns: list[list[Any]] = [[] for _ in range(len(key_types) + 6)]
    for k, v in items:
        for i, part in enumerate((*k, *v)):
            columns[i].append(part)
    arrays = ", ".join(f"%s::{t}[]" for t in key_types)
    sql = _UPSERT.format(table=table, key=key, arrays=arrays)
    with connection.cursor() as cur:
        cur.execute(sql, columns)


def rollup_scan_events(events: Sequence[ScanEvent]) -> None:
    """Add newly counted events to both rollup tables: two bulk upserts per batch.

    Call it exactly once per event, inside the transaction that sets counted_at. Events of
    several organizations may be mixed; each row keeps its own organization_id."""
    qr_rows, org_rows = _aggregate(events)
    with transaction.atomic():
        _upsert(QR_TABLE, _QR_KEY, ["uuid", "uuid", "varchar", "varchar", "date", "varchar"], qr_rows)
        _upsert(ORG_TABLE, _ORG_KEY, ["uuid", "varchar", "varchar", "date", "varchar"], org_rows)


# The same bucketing as _dimension_values, in SQL, over every counted event at once.
_REBUILD_DAY = f"""
CREATE TEMP TABLE _analytics_rollup_day ON COMMIT DROP AS
WITH ev AS (
    SELECT e.organization_id, e.qr_code_id,
           (e.scanned_at AT TIME ZONE 'UTC')::date AS day,
           extract(hour FROM e.scanned_at AT TIME ZONE 'UTC')::int AS hr,
           COALESCE(e.country_code, '') AS cc,
           COALESCE(NULLIF(e.country, ''), e.country_code, '') AS country_name,
           COALESCE(e.city, '') AS city, COALESCE(e.state, '') AS state,
           e.latitude, e.longitude, e.device_type, e.os, e.browser,
           COALESCE(e.referrer_url, '') AS ref,
           (e.classification IN ('human', 'duplicate'))::int AS s,
           (e.classification = 'human')::int AS u,
           (e.classification = 'bot')::int AS b
    FROM qr_scan_events e
    WHERE e.counted_at IS NOT NULL AND e.classification IN ('human', 'duplicate', 'bot')
      AND (%(org)s::uuid IS NULL OR e.organization_id = %(org)s::uuid)
)
SELECT ev.organization_id, ev.qr_code_id, ev.day, d.dimension, d.value,
       max(d.label) AS label, max(d.lat) AS lat, max(d.lng) AS lng,
       sum(d.s) AS s, sum(d.u) AS u, sum(d.b) AS b
FROM ev CROSS JOIN LATERAL (VALUES
    ('total', '', '', NULL::float8, NULL::float8, ev.s, ev.u, ev.b),
    ('country', ev.cc, CASE WHEN ev.cc = '' THEN '' ELSE ev.country_name END, NULL, NULL, ev.s, ev.u, 0),
    ('city',
     CASE WHEN ev.city = '' THEN '' ELSE left(ev.cc || '|' || ev.state || '|' || ev.city, {MAX_VALUE}) END,
     CASE WHEN ev.city = '' THEN '' ELSE left(ev.city || ', ' || ev.country_name, {MAX_VALUE}) END,
     CASE WHEN ev.city = '' THEN NULL ELSE ev.latitude END,
     CASE WHEN ev.city = '' THEN NULL ELSE ev.longitude END, ev.s, ev.u, 0),
    ('device_type', left(COALESCE(ev.device_type, ''), {MAX_VALUE}), '', NULL, NULL, ev.s, ev.u, 0),
    ('os', left(regexp_replace(btrim(COALESCE(ev.os, '')), %(ver)s, ''), {MAX_VALUE}), '', NULL, NULL, ev.s, ev.u, 0),
    ('browser', left(regexp_replace(btrim(COALESCE(ev.browser, '')), %(ver)s, ''), {MAX_VALUE}), '', NULL, NULL,
     ev.s, ev.u, 0),
    ('referrer', left(regexp_replace(lower(COALESCE(substring(btrim(ev.ref) FROM %(host)s),
                                                  substring(btrim(ev.ref) FROM %(bare)s), '')),
                                     %(www)s, ''), {MAX_VALUE}), '', NULL, NULL, ev.s, ev.u, 0),
    ('hour', lpad(ev.hr::text, 2, '0'), '', NULL, NULL, ev.s, ev.u, 0)
) AS d(dimension, value, label, lat, lng, s, u, b)
WHERE d.dimension = 'total' OR ev.b = 0
GROUP BY ev.organization_id, ev.qr_code_id, ev.day, d.dimension, d.value
"""  # noqa: S608 - only constants are formatted in; values are parameters

_COLS = "label, latitude, longitude, scans, unique_scans, bot_scans"
_REBUILD_INSERTS = [
    f"""INSERT INTO {QR_TABLE} (organization_id, qr_code_id, grain, period, dimension, value, {_COLS})
        SELECT organization_id, qr_code_id, 'd', day, dimension, value, label, lat, lng, s, u, b
        FROM _analytics_rollup_day""",  # noqa: S608 - table names are constants
    f"""INSERT INTO {QR_TABLE} (organization_id, qr_code_id, grain, period, dimension, value, {_COLS})
        SELECT organization_id, qr_code_id, 'm', date_trunc('month', day)::date, dimension, value,
               max(label), max(lat), max(lng), sum(s), sum(u), sum(b)
        FROM _analytics_rollup_day GROUP BY 1, 2, 4, 5, 6""",  # noqa: S608 - table names are constants
    f"""INSERT INTO {ORG_TABLE} (organization_id, grain, period, dimension, value, {_COLS})
        SELECT organization_id, 'd', day, dimension, value, max(label), max(lat), max(lng), sum(s), sum(u), sum(b)
        FROM _analytics_rollup_day GROUP BY 1, 3, 4, 5""",  # noqa: S608 - table names are constants
    f"""INSERT INTO {ORG_TABLE} (organization_id, grain, period, dimension, value, {_COLS})
        SELECT organization_id, 'm', date_trunc('month', day)::date, dimension, value,
               max(label), max(lat), max(lng), sum(s), sum(u), sum(b)
        FROM _analytics_rollup_day GROUP BY 1, 3, 4, 5""",  # noqa: S608 - table names are constants
]


def rollups_rebuild(organization_id: uuid.UUID | None = None) -> None:
    """Recompute rollups from the raw counted events: for one organization, or all of them
    (None here means "every tenant" on purpose: it is a maintenance command, not a read).

    Locks both rollup tables against writes for the duration, so a worker counting events
    meanwhile either lands before the rebuild reads the events or adds on top of it after."""
    params = {"org": organization_id, "ver": VERSION_SUFFIX_RE, "host": URL_HOST_RE,
              "bare": BARE_HOST_RE, "www": WWW_RE}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {QR_TABLE}, {ORG_TABLE} IN EXCLUSIVE MODE")
        cur.execute("SET LOCAL work_mem = '256MB'")
        for table in (QR_TABLE, ORG_TABLE):
            cur.execute(
                f"DELETE FROM {table} WHERE %(org)s::uuid IS NULL OR organization_id = %(org)s::uuid",  # noqa: S608
                params,
            )
        # ON COMMIT DROP is not enough when called inside a longer transaction (tests, scripts).
        cur.execute("DROP TABLE IF EXISTS _analytics_rollup_day")
        cur.execute(_REBUILD_DAY, params)
        for sql in _REBUILD_INSERTS:
            cur.execute(sql)
        cur.execute("DROP TABLE _analytics_rollup_day")
