"""Celery tasks of the scan pipeline. They serve every organization at once (a batch mixes
tenants), so they are not TenantTasks: the cross-tenant reads are in qrcodes.counting, each
matched on the event's own QR code and organization."""

from __future__ import annotations

from celery import shared_task

from qrcodes.counting import scan_batch_process, scan_sweep_run


@shared_task(name="qrcodes.scan_sweep", ignore_result=True)
def scan_sweep() -> int:
    """Enrich and count every pending scan, batch by batch (driven by Celery beat every
    SCAN_SWEEP_SECONDS). Safe to run in parallel and to retry: batches are claimed with
    SKIP LOCKED and counted exactly once."""
    return scan_sweep_run()


@shared_task(name="qrcodes.scan_event_process", ignore_result=True)
def scan_event_process(event_id: int) -> int:
    """One-task-per-scan mode (kept to measure it against batches in bench/redirect.py)."""
    return scan_batch_process(event_ids=[event_id], limit=1)
