"""Console tasks. Cross-tenant by design (platform-wide aggregates), so no TenantTask binding."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from oi_admin.cells import scan_cells_ensure


@shared_task(name="oi_admin.scan_cells_refresh", ignore_result=True)
def scan_cells_refresh(days: int = 2) -> int:
    """Keep the recent daily scan cells current (today and yesterday by default)."""
    today = timezone.now().astimezone(dt.UTC).date()
    return scan_cells_ensure(start=today - dt.timedelta(days=days - 1), end=today)
