"""A real `celery worker` process against Redis and this test database: a scan made over
HTTP is enriched and counted by the worker within seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from qrcodes.models import ScanEvent
from qrcodes.tasks import scan_sweep
from qrcodes.tests.conftest import IPHONE, MINNEAPOLIS_IP, make_qr
from tenants.tests.factories import OrganizationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    queue = f"qrcodes-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "outbound_impact", "worker", "--pool=solo",
         "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_counted(n: int, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ScanEvent.all_orgs.filter(counted_at__isnull=False).count() >= n:
            return
        time.sleep(0.25)
    raise AssertionError(f"the worker did not count {n} scans within {timeout}s")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_enriches_and_counts_a_scan(worker_queue):
    org = OrganizationFactory(plan_type="small_business")
    qr = make_qr(org, UserFactory(organization=org, role="Admin"))
    phone = Client(REMOTE_ADDR=MINNEAPOLIS_IP, HTTP_USER_AGENT=IPHONE)
    assert phone.get(f"/s/{qr.short_code}").status_code == 302
    scan_sweep.apply_async(queue=worker_queue)  # what beat sends every SCAN_SWEEP_SECONDS
    _wait_counted(1)
    assert phone.get(f"/s/{qr.short_code}").status_code == 302
    scan_sweep.apply_async(queue=worker_queue)
    _wait_counted(2)
    first, second = ScanEvent.all_orgs.order_by("id")
    assert (first.city, first.country, first.device_type, first.os, first.browser, first.classification) == (
        "Minneapolis", "United States", "mobile", "iOS 16.0", "Mobile Safari", "human"
    )
    assert second.classification == "duplicate"
    qr.refresh_from_db()
    org.refresh_from_db()
    assert (qr.total_scans, org.total_qr_scans) == (2, 2)
