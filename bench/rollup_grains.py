"""What the year blocks and hot QR codes cost the scan workers: `rollup_scan_events` over the
same batch as deployed (five grains: day, month week, month, quarter, year; hot codes' dimension
blocks), with five grains but no hot codes, and with the four grains it had before (no year, no
hot codes), alternated in one run, each batch rolled back. Needs a seeded database (counted
events; `seed_demo --scale` promotes its hot codes).

    DATABASE_URL=postgres://.../oi_seed .venv/bin/python bench/rollup_grains.py [--batch 1000] [--rounds 9]

Prints microseconds per event (median of the rounds) and the ratios to the four-grain layout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import periods, rollups  # noqa: E402
from qrcodes.models import ScanEvent  # noqa: E402

FIVE = periods.GRAINS
FOUR = tuple(g for g in FIVE if g != periods.Grain.YEAR)
HOT_IDS = rollups.hot_ids


def one_batch(events: list[ScanEvent], grains: tuple[str, ...], hot: bool = True) -> float:
    periods.GRAINS = grains  # blocks_of() reads it per call
    rollups.hot_ids = HOT_IDS if hot else (lambda ids: set())
    try:
        with transaction.atomic():
            t = time.perf_counter()
            rollups.rollup_scan_events(events)
            elapsed = time.perf_counter() - t
            transaction.set_rollback(True)
    finally:
        periods.GRAINS = FIVE
        rollups.hot_ids = HOT_IDS
    return elapsed * 1e6 / len(events)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    # The busiest tenant's latest counted events, re-dated to now (as a live batch would be).
    # Cross-tenant on purpose: a benchmark picks its data by size.
    latest = ScanEvent.objects.unscoped().filter(counted_at__isnull=False).order_by("-id")[:20_000]
    org_id = statistics.mode(e.organization_id for e in latest)
    events = [e for e in latest if e.organization_id == org_id][:args.batch]
    now = timezone.now()
    for e in events:
        e.scanned_at = now
    spread = list(latest[:args.batch])  # several tenants in one batch
    for e in spread:
        e.scanned_at = now
    for label, batch in (("one tenant", events), ("mixed tenants", spread)):
        hot = len(HOT_IDS(e.qr_code_id for e in batch))
        one_batch(batch, FIVE)  # warm-up
        four, five, deployed = [], [], []
        for _ in range(args.rounds):
            four.append(one_batch(batch, FOUR, hot=False))
            five.append(one_batch(batch, FIVE, hot=False))
            deployed.append(one_batch(batch, FIVE))
        f4, f5, fd = statistics.median(four), statistics.median(five), statistics.median(deployed)
        print(f"{label:14s} batch of {len(batch)} ({hot} hot codes in it): four grains {f4:5.0f} us/event, "
              f"five {f5:5.0f} ({f5 / f4:.2f}x), five + hot codes (deployed) {fd:5.0f} ({fd / f4:.2f}x)")


if __name__ == "__main__":
    main()
