"""What a rollup rebuild changed: `rollups_rebuild(..., report=...)` copies the rows it is
about to replace (`drift_snapshot`), and after rebuilding compares them with the new rows
(`drift_lines`), so `manage.py scan_counters_recompute` says what it fixed instead of silently
rewriting history. Nothing is reported when the incremental rollups already equal a rebuild,
which is the normal state (analytics/tests/test_delete_consistency.py).

Costs one copy of the rebuilt rows into temporary tables; only the command asks for it (bulk
seeding, which rebuilds into empty tables, does not)."""

from __future__ import annotations

import uuid
from typing import Any

from analytics.hot_codes import DIM_TABLE
from analytics.models import BREAKDOWN_DIMENSIONS, HotQRCode
from analytics.rollups import FACT_TABLE, LABEL_TABLE, ORG_TABLE, QR_TABLE

SAMPLES = 5  # differing rows shown per table
# table: (key columns, compared columns)
_COLUMNS = {
    ORG_TABLE: (["organization_id", "dimension", "bucket", "value"], ["scans", "unique_scans", "bot_scans"]),
    QR_TABLE: (["organization_id", "qr_code_id", "bucket"], ["scans", "unique_scans", "bot_scans"]),
    FACT_TABLE: (["event_id"], ["organization_id", "qr_code_id", "day", "is_unique", *BREAKDOWN_DIMENSIONS]),
    LABEL_TABLE: (["organization_id", "dimension", "value"], ["label", "latitude", "longitude"]),
    DIM_TABLE: (["organization_id", "qr_code_id", "bucket", "dimension", "value"], ["scans", "unique_scans"]),
    HotQRCode._meta.db_table: (["qr_code_id"], ["organization_id"]),
}
_WHERE = "WHERE %(org)s::uuid IS NULL OR organization_id = %(org)s::uuid"


def _rows(table: str) -> str:
    key, values = _COLUMNS[table]
    return f"SELECT {', '.join((*key, *values))}, true AS present FROM {table} {_WHERE}"  # noqa: S608


def drift_snapshot(cur: Any, organization_id: uuid.UUID | None) -> None:
    """Copy the rows the rebuild is about to replace (inside its transaction, tables locked)."""
    for i, table in enumerate(_COLUMNS):
        cur.execute(f"DROP TABLE IF EXISTS _drift_{i}")
        cur.execute(f"CREATE TEMP TABLE _drift_{i} AS {_rows(table)}", {"org": organization_id})


def drift_lines(cur: Any, organization_id: uuid.UUID | None) -> list[str]:
    """Per table that the rebuild changed: rows added, removed and changed, and a few of them
    as `key: before -> after`. Drops the copies."""
    lines = []
    for i, (table, (key, values)) in enumerate(_COLUMNS.items()):
        before = ", ".join(f"b.{c}" for c in values)
        after = ", ".join(f"a.{c}" for c in values)
        joined = (f"FROM _drift_{i} b FULL JOIN ({_rows(table)}) a USING ({', '.join(key)}) "  # noqa: S608
                  f"WHERE b.present IS NULL OR a.present IS NULL OR ({before}) IS DISTINCT FROM ({after})")
        cur.execute(
            f"SELECT count(*) FILTER (WHERE b.present IS NULL), count(*) FILTER (WHERE a.present IS NULL), "
            f"count(*) FILTER (WHERE b.present AND a.present) {joined}",
            {"org": organization_id},
        )
        added, removed, changed = cur.fetchone()
        if added or removed or changed:
            lines.append(f"{table}: {added} rows added, {removed} removed, {changed} changed by the rebuild")
            cur.execute(f"SELECT {', '.join(key)}, b.present, {before}, a.present, {after} {joined} "
                        f"ORDER BY {', '.join(key)} LIMIT {SAMPLES}", {"org": organization_id})
            for row in cur.fetchall():
                k, b, a = row[:len(key)], row[len(key):len(key) + 1 + len(values)], row[len(key) + 1 + len(values):]
                lines.append(f"  {'/'.join(map(str, k))}: {_shown(b)} -> {_shown(a)}")
        cur.execute(f"DROP TABLE _drift_{i}")
    return lines


def _shown(side: tuple) -> str:
    present, *values = side
    return ", ".join(map(str, values)) if present else "(none)"
