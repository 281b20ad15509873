"""Scans counted in the organization's time zone, for an organization whose zone is not UTC
(a UTC organization never comes here: the selectors keep their block reads, unchanged).

The rollups are cut in UTC days, and a local day (midnight to midnight in, say, America/Chicago)
straddles two of them. What is stored per UTC *hour* is what makes local days honest:

* the organization's `hour` breakdown rows of each UTC day (`OrgScanRollup`, grain `d`): non-bot
  and unique scans per UTC day and hour, i.e. an hourly cell (unfiltered charts);
* `CountedScan` rows, one per non-bot scan with its UTC day and hour (under a QR-code or
  campaign filter).

So scans and unique scans per local day, week or month, their totals and the hour-of-day
chart are exact for every zone whose offset is a whole number of hours (DST included: each UTC
hour is placed by PostgreSQL's tz database). For a zone with a :30 or :45 offset
(Asia/Kolkata, Asia/Kathmandu) a UTC hour is split between two local hours; it is placed by its
middle, so scans up to 30 minutes from local midnight can land on the neighbouring day.

Bot scans are stored per UTC day only: each UTC day's bots count for the local day that holds
its noon (`DashboardFilters.utc_dates`), and so do the other breakdowns, top QR codes and the
campaign comparison. The page and docs/analytics.md say so.

Reads only; one index-range statement per call, the same scoped querysets as the selectors."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import connection

from analytics.filters import DashboardFilters
from analytics.models import CountedScan, Dimension, Grain, OrgScanRollup, QRScanRollup
from analytics.periods import EPOCH, bucket
from analytics.periods import now as periods_now
from tenants.models import Organization

# The local time of a UTC hour cell: its middle, in the zone (exact hour for whole-hour zones).
_LOCAL = "(({instant} + interval '30 minutes') AT TIME ZONE 'UTC' AT TIME ZONE %s)"
# A day row's date from its bucket (analytics.periods.bucket: days since EPOCH after the grain's
# code), not from `period`: bucket, value and the counters are all in org_block_key, so the
# read is an index-only scan (reading `period` fetched ~one heap page per row: 8,000 for a year).
_DAY_BASE = bucket(Grain.DAY, EPOCH)
_HOUR_CELL = f"(DATE '{EPOCH.isoformat()}' + (t.bucket - {_DAY_BASE}) + t.value::int * interval '1 hour')"
_SCAN_CELL = "(t.day + t.hour::int * interval '1 hour')"


def _utc_day_span(filters: DashboardFilters) -> tuple[dt.date, dt.date]:
    # Local days reach at most 14 hours into the UTC days on either side.
    return filters.date_from - dt.timedelta(days=1), filters.date_to + dt.timedelta(days=1)


def _cells(organization: Organization, filters: DashboardFilters,
           qr_ids: list[uuid.UUID] | None) -> tuple[str, list[Any], str, str, str]:
    """(inner SQL, params, local-time expression, scans expr, unique expr) of the hourly cells."""
    d0, d1 = _utc_day_span(filters)
    if qr_ids is None:
        qs = (OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.HOUR,
                                           bucket__range=(bucket(Grain.DAY, d0), bucket(Grain.DAY, d1)))
              .order_by().values("bucket", "value", "scans", "unique_scans"))
        inner, params = qs.query.sql_with_params()
        return inner, list(params), _LOCAL.format(instant=_HOUR_CELL), "sum(x.scans)", "sum(x.unique_scans)"
    qs = (CountedScan.objects.filter(organization=organization, qr_code_id__in=qr_ids, day__range=(d0, d1))
          .order_by().values("day", "hour", "is_unique"))
    inner, params = qs.query.sql_with_params()
    return inner, list(params), _LOCAL.format(instant=_SCAN_CELL), "count(*)", "count(*) FILTER (WHERE x.is_unique)"


def _localized(inner: str, local: str) -> str:
    """The cells with their local time `l`, computed once per row: OFFSET 0 keeps PostgreSQL
    from inlining the subquery and converting every row's time zone again in WHERE and GROUP BY
    (half the statement's time for a year of hour cells)."""
    return f"(SELECT {local} AS l, t.* FROM ({inner}) AS t OFFSET 0) AS x"  # noqa: S608 - ORM-built + constants


def local_day_counts(organization: Organization, filters: DashboardFilters,
                     qr_ids: list[uuid.UUID] | None) -> dict[dt.date, list[int]]:
    """{local day: [scans, unique scans, bot scans]} for the days of the range that had any."""
    inner, params, local, s, u = _cells(organization, filters, qr_ids)
    tz = filters.timezone
    sql = (f"SELECT x.l::date AS d, {s}, {u} FROM {_localized(inner, local)} "  # noqa: S608 - ORM-built + constants
           f"WHERE x.l::date BETWEEN %s AND %s GROUP BY 1")
    out: dict[dt.date, list[int]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, [tz, *params, filters.date_from, filters.date_to])
        for day, scans, unique in cur.fetchall():
            out[day] = [scans or 0, unique or 0, 0]
    for day, bots in _bots_by_local_day(organization, filters, qr_ids).items():
        out.setdefault(day, [0, 0, 0])[2] += bots
    return out


def _bots_by_local_day(organization: Organization, filters: DashboardFilters,
                       qr_ids: list[uuid.UUID] | None) -> dict[dt.date, int]:
    """Bot scans per UTC day (stored no finer), each on the local day holding that day's noon."""
    d0, d1 = filters.utc_dates()
    days = (bucket(Grain.DAY, d0), bucket(Grain.DAY, d1))
    if qr_ids is None:
        qs = OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.TOTAL, bucket__range=days,
                                          bot_scans__gt=0)
    else:
        qs = QRScanRollup.objects.filter(organization=organization, qr_code_id__in=qr_ids, bucket__range=days,
                                         bot_scans__gt=0)
    tz = filters.tzinfo
    out: dict[dt.date, int] = {}
    for period, bots in qs.order_by().values_list("period", "bot_scans"):
        day = dt.datetime.combine(period, dt.time(12), tzinfo=dt.UTC).astimezone(tz).date()
        out[day] = out.get(day, 0) + bots
    return out


def local_hours(organization: Organization, filters: DashboardFilters,
                qr_ids: list[uuid.UUID] | None) -> tuple[list[tuple[Any, ...]], int]:
    """Hour-of-day rows (value "00".."23" local, scans, unique, None, None, None) of the hours
    that had scans, in clock order, and the range's non-bot scans (the shares' base)."""
    inner, params, local, s, u = _cells(organization, filters, qr_ids)
    tz = filters.timezone
    sql = (f"SELECT lpad(extract(hour FROM x.l)::int::text, 2, '0'), {s}, {u} "  # noqa: S608 - as above
           f"FROM {_localized(inner, local)} WHERE x.l::date BETWEEN %s AND %s GROUP BY 1 ORDER BY 1")
    with connection.cursor() as cur:
        cur.execute(sql, [tz, *params, filters.date_from, filters.date_to])
        rows = [(h, scans, unique, None, None, None) for h, scans, unique in cur.fetchall() if scans]
    return rows, sum(r[1] for r in rows)


def exactness_note(filters: DashboardFilters) -> str:
    """What the page says under "Times in <zone>" about numbers that cannot be exact there."""
    if filters.is_utc:
        return ""
    now = periods_now().astimezone(filters.tzinfo)
    offset = now.utcoffset() or dt.timedelta()
    whole = offset.total_seconds() % 3600 == 0
    note = ("Scans, unique scans and hour of day are counted in this zone"
            + ("" if whole else " to the nearest UTC hour (this zone's offset is not whole hours)")
            + "; bot scans, the other breakdowns, top QR codes and campaigns count whole UTC days.")
    return note
