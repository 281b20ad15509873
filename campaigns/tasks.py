"""Celery tasks of campaigns. The share-click spool drain serves every organization at once (a
sweep), so it binds no organization; each row keeps its own campaign and organization."""

from __future__ import annotations

from celery import shared_task

from campaigns.sharing import share_click_spool_drain as _drain


@shared_task(name="campaigns.share_click_spool_drain", ignore_result=True)
def share_click_spool_drain() -> int:
    """Insert the share clicks spooled to Redis while the database was down (beat: every
    minute is plenty; it is empty unless the database was)."""
    return _drain()
