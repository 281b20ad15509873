"""Celery tasks of the scan pipeline. They serve every organization at once (a batch mixes
tenants), so they bind no organization: the cross-tenant reads are in qrcodes.counting, each
matched on the event's own QR code and organization."""

from __future__ import annotations

from celery import shared_task

from qrcodes.counting import scan_sweep_run
from qrcodes.destinations import destination_versions_apply as _versions_apply


@shared_task(name="qrcodes.scan_sweep", ignore_result=True)
def scan_sweep() -> int:
    """Enrich and count every pending scan, batch by batch (driven by Celery beat every
    SCAN_SWEEP_SECONDS). Safe to run in parallel and to retry: batches are claimed with
    SKIP LOCKED and counted exactly once."""
    return scan_sweep_run()


@shared_task(name="qrcodes.destination_versions_apply", ignore_result=True)
def destination_versions_apply() -> int:
    """Apply the scheduled destination versions that are due (beat, every 60 s). Safe to run
    twice and in parallel: each version is applied once, under its code's row lock, with its
    organization bound (qrcodes.destinations)."""
    return _versions_apply()
