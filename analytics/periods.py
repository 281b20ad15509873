"""Time blocks of the rollup tables and how a date range is cut into them.

Five nested grains, all in UTC and aligned to the calendar so a block never straddles a month:
`d` one day, `w` a "month week" (days 1-7, 8-14, 15-21, 22-28 and 29-end of a month), `m` a
month, `q` a calendar quarter, `y` a calendar year. Every counted scan is added to the five
blocks that contain its day, so any range [from, to] is the disjoint union of at most ~6 day
blocks and 4 month weeks at each ragged end plus whole months, quarters and years in between
(`segments`): a year costs about 15 blocks instead of 365 days, 30 days about 8.

A range that ends today (every preset of the dashboard) is "open": no scan is dated after
today yet, so a block that starts inside the range may run past its end, and the last 365 days
are the current year's block, last December's and a few days (~6 blocks, a third of the rows);
the last 30 days are this month's block and a few days or weeks.

A block is stored as (grain, period = its first day) and, for the index, as one integer
`bucket` = grain code * 100,000 + days since 1970-01-01: a range becomes `bucket = ANY(...)`,
one index condition, and day buckets of a range are contiguous (`bucket BETWEEN`).

The same arithmetic exists once more in SQL (`SQL_PERIOD`, `SQL_BUCKET`) for the rebuild and
must stay in step with the Python here (a test checks rebuild == incremental)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics.models import Grain

EPOCH = dt.date(1970, 1, 1)
GRAIN_CODE = {Grain.DAY: 1, Grain.WEEK: 2, Grain.MONTH: 3, Grain.QUARTER: 4, Grain.YEAR: 5}
GRAINS = (Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR)
MONTHS = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}
BUCKET_SPAN = 100_000  # days since 1970 stay below this until the year 2243


def add_months(d: dt.date, n: int) -> dt.date:
    """The first day of the month n months after d's month."""
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def block_start(grain: str, day: dt.date) -> dt.date:
    """First day of the block of this grain that contains day."""
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day.replace(day=(min(day.day, 29) - 1) // 7 * 7 + 1)
    if grain == Grain.MONTH:
        return day.replace(day=1)
    if grain == Grain.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return dt.date(day.year, 1, 1)


def block_after(grain: str, start: dt.date) -> dt.date:
    """The first day after the block that starts on `start`."""
    if grain == Grain.DAY:
        return start + dt.timedelta(days=1)
    if grain == Grain.WEEK:
        return add_months(start, 1) if start.day == 29 else min(start + dt.timedelta(days=7), add_months(start, 1))
    return add_months(start, MONTHS[grain])


def bucket(grain: str, period: dt.date) -> int:
    return GRAIN_CODE[grain] * BUCKET_SPAN + (period - EPOCH).days


def blocks_of(day: dt.date) -> list[tuple[str, dt.date, int]]:
    """(grain, period, bucket) of the five blocks that contain day."""
    out = []
    for grain in GRAINS:
        period = block_start(grain, day)
        out.append((grain, period, bucket(grain, period)))
    return out


def segments(date_from: dt.date, date_to: dt.date, *, open_end: bool = False) -> list[tuple[str, dt.date]]:
    """The fewest aligned blocks covering [date_from, date_to] exactly, oldest first: from each
    position take the largest block that starts there and ends inside the range.

    open_end: nothing is dated after date_to yet, so the last blocks may end anywhere up to the
    end of date_to's year (they start inside the range; the days past date_to are empty)."""
    end = dt.date(date_to.year, 12, 31) if open_end else date_to
    out: list[tuple[str, dt.date]] = []
    day = date_from
    while day <= date_to:
        for grain in reversed(GRAINS):
            if block_start(grain, day) == day and block_after(grain, day) <= end + dt.timedelta(days=1):
                out.append((grain, day))
                day = block_after(grain, day)
                break
    return out


def now() -> dt.datetime:
    """The clock every "today" of the analytics reads (tests replace this one function)."""
    return timezone.now()


def today_utc() -> dt.date:
    return now().astimezone(dt.UTC).date()


def today_in(tz: dt.tzinfo) -> dt.date:
    """Today's date in a time zone (an organization's `tzinfo`)."""
    return now().astimezone(tz).date()


def range_segments(date_from: dt.date, date_to: dt.date) -> list[tuple[str, dt.date]]:
    """The blocks of [date_from, date_to]; a range reaching today (UTC) is open-ended: it
    counts every scan counted so far, as the dashboard's "up to today" means."""
    return segments(date_from, date_to, open_end=date_to >= today_utc())


def range_buckets(date_from: dt.date, date_to: dt.date) -> list[int]:
    return [bucket(g, p) for g, p in range_segments(date_from, date_to)]


def day_intervals(blocks: list[tuple[str, dt.date]], date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The days the given blocks cover, as few [first, last] intervals as possible (adjacent
    blocks merged), cut at date_to."""
    out: list[tuple[dt.date, dt.date]] = []
    for grain, period in sorted(blocks, key=lambda b: b[1]):
        last = min(block_after(grain, period) - dt.timedelta(days=1), date_to)
        if out and out[-1][1] + dt.timedelta(days=1) == period:
            out[-1] = (out[-1][0], last)
        else:
            out.append((period, last))
    return out


# The same block arithmetic in SQL, over a date expression `{day}`.
SQL_PERIOD = {
    Grain.DAY: "{day}",
    Grain.WEEK: "(date_trunc('month', {day})::date + (least(extract(day FROM {day})::int, 29) - 1) / 7 * 7)",
    Grain.MONTH: "date_trunc('month', {day})::date",
    Grain.QUARTER: "date_trunc('quarter', {day})::date",
    Grain.YEAR: "date_trunc('year', {day})::date",
}


def sql_bucket(grain: str, period_sql: str) -> str:
    return f"({GRAIN_CODE[grain] * BUCKET_SPAN} + ({period_sql} - DATE '1970-01-01'))"


def sql_blocks_lateral(day_sql: str, grains: tuple[str, ...] = GRAINS) -> str:
    """`CROSS JOIN LATERAL ... AS g(grain, period, bucket)`: one row per block of the day."""
    return "CROSS JOIN LATERAL (VALUES " + ", ".join(
        f"('{g}', {SQL_PERIOD[g].format(day=day_sql)}, {sql_bucket(g, SQL_PERIOD[g].format(day=day_sql))})"
        for g in grains) + ") AS g(grain, period, bucket)"
