"""bench/redirect.py's one-task-per-scan mode: one Celery task per scan event, measured against
the batch sweep (qrcodes.tasks.scan_sweep). Only the benchmark uses it: its worker loads this
module through bench.redirect_site's CELERY_IMPORTS."""

from __future__ import annotations

from celery import shared_task

from qrcodes.counting import scan_batch_process


@shared_task(name="bench.scan_event_process", ignore_result=True)
def scan_event_process(event_id: int) -> int:
    """Enrich, classify and count one pending scan event (0: already counted or locked)."""
    return scan_batch_process(event_ids=[event_id], limit=1)
