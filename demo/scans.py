"""Demo content for `manage.py seed_demo` (the analytics part). Idempotent: called on every run.

A few hundred scans over the last four weeks on the organization's demo QR codes, from real
public addresses and real user agents, captured raw and then enriched, classified and counted
by the scan pipeline itself (qrcodes.counting), so counters and rollups agree with the events."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random

from tenants.models import Organization, User

DEMO_SCANS = {"owner@pizzapalace.com": 160, "ops@acme.example": 320, "hq@megabrand.example": 600}
DAYS = 28


def seed_demo_content(*, organization: Organization, users: list[User]) -> None:
    """Create this app's demo rows for one demo organization, unless they exist."""
    from demo.distributions import LOCAL_HOUR_WEIGHT, REFERRERS, USER_AGENTS, pick, place_pool, weighted
    from qrcodes.counting import scan_batch_process
    from qrcodes.enrichment import ip_for_storage, ip_hash
    from qrcodes.models import QRCode, ScanEvent

    count = DEMO_SCANS.get(organization.company_email, 0)
    qrs = list(QRCode.objects.filter(organization=organization).order_by("created_at"))
    if not count or not qrs or ScanEvent.objects.filter(organization=organization).exists():
        return
    rng = random.Random(organization.company_email)
    pool = place_pool(rng, 40)
    visitors = [(ip, pick(rng, *weighted(USER_AGENTS))) for ip, _ in pool]
    refs, ref_cum = weighted(REFERRERS)
    hour_cum = list(itertools.accumulate(LOCAL_HOUR_WEIGHT))
    qr_cum = list(itertools.accumulate(1 / (i + 1) for i in range(len(qrs))))
    now = dt.datetime.now(dt.UTC)
    events = []
    for _ in range(count):
        ip, ua = visitors[rng.randrange(len(visitors))]
        day = now - dt.timedelta(days=rng.randrange(DAYS))
        at = day.replace(hour=bisect.bisect(hour_cum, rng.random() * hour_cum[-1]), minute=rng.randrange(60))
        at = min(at, now)
        qr = qrs[bisect.bisect(qr_cum, rng.random() * qr_cum[-1])]
        events.append(ScanEvent(organization=organization, qr_code=qr, scanned_at=at, ip_address=ip_for_storage(ip),
                                ip_hash=ip_hash(ip), user_agent=ua, referrer_url=pick(rng, refs, ref_cum)))
    events.sort(key=lambda e: e.scanned_at)
    ids = [e.pk for e in ScanEvent.objects.bulk_create(events)]
    for start in range(0, len(ids), 500):
        scan_batch_process(event_ids=ids[start:start + 500], limit=500)
