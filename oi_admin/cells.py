"""Builds oi_admin.ScanCell: platform-wide daily scan counts per location, device and daypart.

Why a table of its own: the console's scan reports read every customer's scans over a window.
The analytics rollups are keyed by organization first (right for tenant dashboards), so a
cross-tenant window over them, like one over raw events, touches tens of thousands of
scattered rows (~250-500 ms at seed scale). The cells are keyed by day and hold a few hundred
rows per day, so a 30-day report reads a few thousand rows.

Freshness: a day is stale when it was never built, when it is today or yesterday and older
than CELLS_RECENT_MAX_AGE (late enrichment), or when the set of organizations that opted out of
data sharing changed since it was built. Only workers build: the beat task
oi_admin.tasks.scan_cells_refresh keeps recent days current, oi_admin.tasks.scan_cells_rebuild
builds the stale days a report asked for (reports read what the cells have and never write;
the data export leaves out days built with another opted-out set until they are rebuilt, so an
opt-out is honoured at once), and `manage.py scan_cells_rebuild` rebuilds a range (after bulk
seeding or a backfill).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection, transaction
from django.utils import timezone

from core.enums import Classification
from core.locks import LockKey, advisory_xact_lock
from oi_admin.models import ScanCell, ScanCellDay
from qrcodes.models import ScanEvent
from tenants.models import Organization

CELLS_RECENT_MAX_AGE = dt.timedelta(minutes=5)

_BUILD_SQL = f"""
INSERT INTO {ScanCell._meta.db_table}
    (day, daypart, country_code, country, state, city, device_type,
     scans, unique_scans, latitude, longitude, shared_scans, shared_scanners)
SELECT day, COALESCE(daypart, ''), country_code, country, state, city, device_type,
       count(*), count(*) FILTER (WHERE human), avg(latitude), avg(longitude),
       count(*) FILTER (WHERE shared), count(DISTINCT scanner) FILTER (WHERE shared)
FROM (
    SELECT (e.scanned_at AT TIME ZONE 'UTC')::date AS day,
           CASE WHEN h.hour < 6 THEN 'night' WHEN h.hour < 12 THEN 'morning'
                WHEN h.hour < 18 THEN 'afternoon' ELSE 'evening' END AS daypart,
           e.country_code, e.country, e.state, e.city, e.device_type, e.latitude, e.longitude,
           e.classification = %(human)s AS human,
           NOT (e.organization_id = ANY(%(opted_out)s::uuid[])) AS shared,
           md5(e.ip_hash || '|' || e.user_agent) AS scanner
    FROM {ScanEvent._meta.db_table} e
    CROSS JOIN LATERAL (SELECT extract(hour FROM e.scanned_at AT TIME ZONE 'UTC') AS hour) h
    WHERE e.organization_id = ANY(%(orgs)s::uuid[])
      AND e.scanned_at >= %(start)s AND e.scanned_at < %(end)s
      AND e.classification = ANY(%(counted)s)
) ev
GROUP BY GROUPING SETS (
    (day, country_code, country, state, city, device_type, daypart),
    (day, country_code, country, state, city, device_type)
)
"""  # noqa: S608 - only the table names are formatted in; values are parameters


def _opted_out_ids() -> list[str]:
    return sorted(
        str(pk) for pk in Organization.objects.filter(data_sharing_opted_out=True).values_list("pk", flat=True)
    )


def opted_out_key(ids: list[str] | None = None) -> str:
    ids = _opted_out_ids() if ids is None else ids
    return hashlib.sha256(",".join(ids).encode()).hexdigest()


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def scan_cells_build(*, start: dt.date, end: dt.date) -> int:
    """Rebuild the cells of every day in [start, end] from the raw events; returns the number
    of cells written. Cross-tenant by design (platform-wide aggregates, no tenant identity)."""
    if end < start:
        return 0
    opted_out = _opted_out_ids()
    # organization_id = ANY(every id) walks the (organization, scanned_at) index per customer
    # instead of scanning the whole events table for a few days.
    org_ids = [str(pk) for pk in Organization.objects.values_list("pk", flat=True)]
    with connection.cursor() as cur:
        advisory_xact_lock(cur, LockKey.SCAN_CELLS_BUILD)
        cur.execute("SET LOCAL work_mem = '64MB'")
        ScanCell.objects.filter(day__gte=start, day__lte=end).delete()
        cur.execute(
            _BUILD_SQL,
            {"opted_out": opted_out, "orgs": org_ids, "start": _midnight(start),
             "end": _midnight(end + dt.timedelta(days=1)),
             "human": Classification.HUMAN, "counted": list(Classification.COUNTED)},
        )
        written = cur.rowcount
    now = timezone.now()
    key = opted_out_key(opted_out)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    ScanCellDay.objects.filter(day__in=days).delete()
    ScanCellDay.objects.bulk_create([ScanCellDay(day=d, built_at=now, opted_out_key=key) for d in days])
    return written


def stale_days(*, start: dt.date, end: dt.date, now: dt.datetime | None = None,
               key: str | None = None) -> list[dt.date]:
    """Days in [start, end] whose cells are missing, built with another opted-out set (`key`,
    default the current one), or recent (today, yesterday) and older than CELLS_RECENT_MAX_AGE.
    Reads only."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    end = min(end, today)
    key = opted_out_key() if key is None else key
    built = {
        d.day: d for d in ScanCellDay.objects.filter(day__gte=start, day__lte=end)
    }
    stale = []
    for i in range((end - start).days + 1):
        day = start + dt.timedelta(days=i)
        record = built.get(day)
        if (
            record is None
            or record.opted_out_key != key
            or (day >= today - dt.timedelta(days=1) and record.built_at < now - CELLS_RECENT_MAX_AGE)
        ):
            stale.append(day)
    return stale


def scan_cells_forget_days(days: list[dt.date]) -> None:
    """Scans of these days were deleted (a QR code went, qrcodes.hooks): their cells are stale
    and are rebuilt by the next report that asks for them, or by beat for recent days."""
    if days:
        ScanCellDay.objects.filter(day__in=days).delete()


@transaction.atomic
def scan_cells_ensure(*, start: dt.date, end: dt.date) -> int:
    """Build whatever is stale in [start, end], one statement per run of consecutive days;
    returns the number of cells written. For workers and commands: a report never builds
    (oi_admin.selectors.scan_cells asks oi_admin.tasks.scan_cells_rebuild). The stale days are
    read under the build lock, so two concurrent calls never build the same days twice."""
    advisory_xact_lock(None, LockKey.SCAN_CELLS_BUILD)
    days = stale_days(start=start, end=end)
    written = 0
    run_start = prev = None
    for day in [*days, None]:
        if day is not None and prev is not None and day == prev + dt.timedelta(days=1):
            prev = day
            continue
        if run_start is not None:
            written += scan_cells_build(start=run_start, end=prev)
        run_start = prev = day
    return written
