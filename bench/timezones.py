"""The cost of reading analytics in an organization's own time zone (issue 13).

For the largest tenant of a seeded database, times each zone-sensitive dashboard read twice in
the same run, interleaved: with the tenant's days as UTC days (the rollups' own buckets) and as
America/Chicago days (rebuilt from the per-UTC-day hour cells, or the per-scan table under a QR
or campaign filter: analytics/zoned.py). Prints p50/p95 of each and the ratio zoned / UTC.

    make seed-scale                                   # once (or SCALE=10x)
    make bench-timezones [RUNS=40]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")

import django  # noqa: E402

django.setup()

from analytics import selectors  # noqa: E402
from analytics.filters import DashboardFilters  # noqa: E402
from core.scoping import bind_organization  # noqa: E402
from qrcodes.models import QRCode  # noqa: E402
from tenants.models import Organization  # noqa: E402

ZONE = "America/Chicago"


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def side_by_side(fn: Callable[[DashboardFilters], object], base: DashboardFilters,
                 runs: int) -> tuple[list[float], list[float]]:
    """Alternate UTC and zoned calls so both see the same cache and load."""
    import time

    zoned = dataclasses.replace(base, timezone=ZONE)
    utc = dataclasses.replace(base, timezone="UTC")
    for _ in range(3):
        fn(utc), fn(zoned)
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(utc)
        t1 = time.perf_counter()
        fn(zoned)
        t2 = time.perf_counter()
        a.append((t1 - t0) * 1000)
        b.append((t2 - t1) * 1000)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    # Cross-tenant on purpose: a benchmark chooses its tenant by size.
    org = Organization.objects.filter(status="active").order_by("-total_qr_scans").first()
    if org is None or not org.total_qr_scans:
        sys.exit("No tenant has scans: seed first (make seed-scale).")
    today = dt.datetime.now(dt.UTC).date()
    d30 = DashboardFilters(today - dt.timedelta(days=29), today)
    d365 = DashboardFilters(today - dt.timedelta(days=364), today)
    with bind_organization(org):
        qr = QRCode.objects.filter(organization=org).order_by("-total_scans").first()
        q30 = dataclasses.replace(d30, qr_code_id=qr.pk)
        cases: list[tuple[str, DashboardFilters, Callable[[DashboardFilters], object]]] = [
            ("totals 30d", d30, lambda f: selectors.scans_totals(organization=org, filters=f)),
            ("series day 30d", d30, lambda f: selectors.scans_series(organization=org, filters=f, interval="day")),
            ("totals 365d", d365, lambda f: selectors.scans_totals(organization=org, filters=f)),
            ("series week 365d", d365,
             lambda f: selectors.scans_series(organization=org, filters=f, interval="week")),
            ("hour of day 30d", d30, lambda f: selectors.breakdown(organization=org, filters=f, by="hour")),
            ("hour of day 365d", d365, lambda f: selectors.breakdown(organization=org, filters=f, by="hour")),
            ("busiest QR code: series day 30d", q30,
             lambda f: selectors.scans_series(organization=org, filters=f, interval="day")),
            ("busiest QR code: totals 30d", q30, lambda f: selectors.scans_totals(organization=org, filters=f)),
        ]
        print(f"tenant: {org.company_name} ({org.total_qr_scans:,} scans); zoned = {ZONE}; runs = {runs}")
        print(f"{'read':40} {'UTC p50':>8} {'UTC p95':>8} {'zoned p50':>10} {'zoned p95':>10} {'p95 ratio':>9}")
        for name, base, fn in cases:
            utc, zoned = side_by_side(fn, base, runs)
            ratio = _pct(zoned, 0.95) / max(_pct(utc, 0.95), 1e-6)
            print(f"{name:40} {_pct(utc, .5):8.1f} {_pct(utc, .95):8.1f} {_pct(zoned, .5):10.1f} "
                  f"{_pct(zoned, .95):10.1f} {ratio:8.1f}x")


if __name__ == "__main__":
    main()
