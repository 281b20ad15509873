"""Celery tasks of the scan pipeline. They serve every organization at once (a batch mixes
tenants), so they bind no organization: the cross-tenant reads are in qrcodes.counting, each
matched on the event's own QR code and organization."""

from __future__ import annotations

from celery import shared_task

from qrcodes.counting import scan_sweep_run


@shared_task(name="qrcodes.scan_sweep", ignore_result=True)
def scan_sweep() -> int:
    """Enrich and count every pending scan, batch by batch (driven by Celery beat every
    SCAN_SWEEP_SECONDS). Safe to run in parallel and to retry: batches are claimed with
    SKIP LOCKED and counted exactly once."""
    return scan_sweep_run()
