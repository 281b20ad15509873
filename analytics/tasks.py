"""Celery tasks of the analytics app. Cross-tenant maintenance (no organization bound): see
analytics.hot_codes."""

from __future__ import annotations

from celery import shared_task

from analytics.hot_codes import hot_codes_promote


@shared_task(name="analytics.hot_codes_promote", ignore_result=True)
def hot_codes_promote_task() -> int:
    """Promote QR codes that became busy (Celery beat, every 5 minutes)."""
    return hot_codes_promote()
