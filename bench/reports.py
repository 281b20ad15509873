"""Times each OI console report on the current database (seed it first:
`manage.py seed_demo --scale seed`), and prints its row count, best and median time, next to a
plain `SELECT count(*)` over all scan events as the reference.

    DATABASE_URL=postgres://.../db .venv/bin/python bench/reports.py [--runs 7]

The scan reports read oi_admin's daily scan cells and never build them (a worker does); this
script first builds any missing day as that worker would (printed separately as "cells build"),
then the timed runs measure the steady state, as a staff user sees it with the beat task keeping
recent days current. Aim: <= 300 ms per report at seed scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from oi_admin.cells import CELLS_RECENT_MAX_AGE, scan_cells_ensure  # noqa: E402
from oi_admin.reports import REPORTS, ReportParams  # noqa: E402
from oi_admin.selectors import Window  # noqa: E402
from qrcodes.models import ScanEvent  # noqa: E402
from tenants.models import Organization, User  # noqa: E402

AIM_MS = 300.0


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), result


def rows_of(result: Any) -> int:
    rows = result.rows
    return len(rows) if isinstance(rows, list) else len(list(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--days", type=int, default=30, help="window of the scan reports")
    args = parser.parse_args()

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {Organization._meta.db_table}")  # noqa: S608 - model table name
        orgs = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {ScanEvent._meta.db_table}")  # noqa: S608 - model table name
        events = cur.fetchone()[0]
    print(f"database: {connection.settings_dict['NAME']}  organizations={orgs:,}  scan events={events:,}")

    def count_all() -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {ScanEvent._meta.db_table}")  # noqa: S608 - model table name
            return cur.fetchone()[0]

    best, median, _ = timed(count_all, args.runs)
    label = "reference: count of every scan event"
    print(f"{label:52s} best {best:8.1f} ms  median {median:8.1f} ms")

    window = Window.last_days(args.days)
    start = time.perf_counter()
    year = Window.last_days(366)
    written = scan_cells_ensure(start=year.start, end=year.end)
    print(f"{'cells build (missing days of the last 366, once)':52s} {(time.perf_counter() - start) * 1000:8.1f} ms"
          f"  ({written:,} cells)")
    # Steady state from here: every day was just built, and recent days go stale only after
    # CELLS_RECENT_MAX_AGE (then a report asks a worker to rebuild them; it never builds itself).
    print(f"(recent days are rebuilt when older than {CELLS_RECENT_MAX_AGE}, by a worker; not during this run)")

    worst = 0.0
    for report in REPORTS:
        params = ReportParams(window=window if report.windowed else None, now=timezone.now())

        def run(report=report, params=params) -> Any:  # noqa: ANN001 - bound per report
            result = report.build(params)
            rows_of(result)
            return result

        best, median, result = timed(run, args.runs)
        worst = max(worst, median)
        flag = "ok" if median <= AIM_MS else "SLOW"
        print(f"report {report.slug:45s} best {best:8.1f} ms  median {median:8.1f} ms  rows={rows_of(result):6,}  {flag}")

    staff = User.objects.filter(is_superuser=True).first()
    if staff is not None:
        client = Client()
        client.force_login(staff)
        for report in REPORTS:
            url = f"/admin/reports/{report.slug}/"
            best, median, response = timed(lambda url=url: client.get(url), max(3, args.runs // 2))
            print(f"page   {url:45s} best {best:8.1f} ms  median {median:8.1f} ms  status={response.status_code}")
    print(f"worst report median {worst:.1f} ms (aim <= {AIM_MS:.0f} ms at seed scale)")


if __name__ == "__main__":
    main()
