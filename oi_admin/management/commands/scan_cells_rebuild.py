"""Rebuild the console's daily scan cells from the raw events (after bulk seeding or a backfill)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from oi_admin.cells import scan_cells_build


class Command(BaseCommand):
    help = "Rebuild oi_admin scan cells for the last N days (default 400)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=400)

    def handle(self, *args, **options) -> None:
        today = timezone.now().astimezone(dt.UTC).date()
        start = today - dt.timedelta(days=options["days"] - 1)
        written = scan_cells_build(start=start, end=today)
        self.stdout.write(self.style.SUCCESS(f"{written} scan cells for {start}..{today}"))
