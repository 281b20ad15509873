"""Console tasks. Cross-tenant by design (platform-wide aggregates): they take no organization.

The console's reports never build their daily scan cells (reads never write): they read what
the cells have and, when some are stale, ask for `scan_cells_rebuild` through
`scan_cells_rebuild_request`."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from oi_admin.cells import CELLS_RECENT_MAX_AGE, scan_cells_ensure

logger = logging.getLogger(__name__)

_QUEUED_KEY = "oi_admin:scan_cells_rebuild:{}:{}"


@shared_task(name="oi_admin.scan_cells_refresh", ignore_result=True)
def scan_cells_refresh(days: int = 2) -> int:
    """Keep the recent daily scan cells current (today and yesterday by default)."""
    today = timezone.now().astimezone(dt.UTC).date()
    return scan_cells_ensure(start=today - dt.timedelta(days=days - 1), end=today)


@shared_task(name="oi_admin.scan_cells_rebuild", ignore_result=True)
def scan_cells_rebuild(start: str, end: str) -> int:
    """Build the stale cells of [start, end] (ISO dates) that a report found; returns the
    number of cells written (0: another worker built them first)."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    try:
        return scan_cells_ensure(start=first, end=last)
    finally:
        with contextlib.suppress(RedisError, OSError):
            cache.delete(_QUEUED_KEY.format(first, last))  # the next stale view may ask again


def scan_cells_rebuild_request(days: Iterable[dt.date]) -> None:
    """Ask a worker to build these stale days (as one range), after the current transaction
    commits. At most one request per range is in flight: a marker in the cache is set when the
    task is sent and cleared when it ends, or expires after CELLS_RECENT_MAX_AGE if the task was
    lost, so page views do not pile tasks up. Never raises and never writes to the database:
    with Redis down the report shows what the cells have and a later view asks again."""
    days = list(days)
    if not days:
        return
    first, last = min(days), max(days)
    key = _QUEUED_KEY.format(first, last)

    def send() -> None:
        try:
            if not cache.add(key, 1, timeout=int(CELLS_RECENT_MAX_AGE.total_seconds())):
                return  # already asked for, not done yet
        except (RedisError, OSError) as err:
            logger.warning("scan cells %s..%s not queued for a rebuild: cache unavailable (%s)", first, last, err)
            return
        try:
            scan_cells_rebuild.delay(first.isoformat(), last.isoformat())
        except (KombuError, RedisError, OSError) as err:
            logger.warning("scan cells %s..%s not queued for a rebuild: broker unavailable (%s)", first, last, err)
            with contextlib.suppress(RedisError, OSError):
                cache.delete(key)

    transaction.on_commit(send)
