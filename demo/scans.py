"""Demo scans (`manage.py seed_demo`): raw scan events captured the way the redirect captures
them, then enriched, classified and counted by the scan pipeline itself
(qrcodes.counting.scan_batch_process), so counters and rollups agree with the events.

The story each event must tell:
- it happens after its QR code was created, and while the code was out there (a table tent of a
  campaign that ended is taken down a few days later);
- most scanners are in the business's home city (demo.places), the rest elsewhere in the country
  or abroad;
- at local hours that fit the business (lunch and dinner for a pizza shop), in its time zone;
- day by day at the business's pace: steady, growing, or dropping (a customer about to churn).

Idempotent: a run adds the scans since the organization's latest one (none when that is a
moment ago), so the dashboards stay current each time `make run` starts, and nothing doubles.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from demo.distributions import REFERRERS, USER_AGENTS, pick, weighted
from demo.places import HomeCity, away_addresses, home_addresses
from qrcodes.counting import scan_batch_process
from qrcodes.enrichment import ip_for_storage, ip_hash
from qrcodes.models import ScanEvent
from tenants import timezones
from tenants.models import Organization

# Local-hour weights (0..23) by kind of business.
HOURS = {
    "pizza": [.2, .1, 0, 0, 0, 0, 0, .1, .2, .4, 1, 4, 7, 5, 1.5, 1, 1.5, 5, 8, 7, 4, 2, 1, .5],
    "office": [0, 0, 0, 0, 0, .1, .3, 1, 4, 6, 6, 5, 4, 5, 6, 5, 4, 2, 1, .5, .3, .2, .1, 0],
    "retail": [.2, .1, 0, 0, 0, 0, .2, .5, 1.5, 3, 4, 5, 6, 6, 5, 5, 5, 6, 6, 5, 3, 2, 1, .5],
    "cafe": [0, 0, 0, 0, 0, .2, 2, 6, 8, 6, 4, 3, 4, 3, 2, 2, 1.5, 1, .5, .3, .1, 0, 0, 0],
    "evening": [1, .5, .2, 0, 0, 0, 0, .1, .2, .3, .5, 1, 1.5, 1.5, 1.5, 2, 3, 5, 7, 8, 8, 6, 4, 2],
}
WEEKDAY = {"pizza": [.8, .8, .9, 1, 1.4, 1.6, 1.2], "office": [1.2, 1.2, 1.2, 1.2, 1, .3, .2],
           "retail": [.8, .8, .9, 1, 1.2, 1.6, 1.3], "cafe": [1.1, 1.1, 1.1, 1.1, 1.1, .9, .7],
           "evening": [.6, .7, .8, 1, 1.5, 1.8, 1]}
HOME_SHARE, DOMESTIC_SHARE = 0.8, 0.14  # the rest abroad
HOME_VISITORS = 160  # distinct home-city scanners per business (its regulars and passers-by)


@dataclass(frozen=True)
class CodeLife:
    """When a QR code can be scanned: from its creation (or a later launch) until it is taken
    down (None: still up)."""

    qr_code_id: Any
    weight: float
    live_from: dt.datetime
    live_until: dt.datetime | None = None


@dataclass(frozen=True)
class ScanStory:
    city: HomeCity
    kind: str  # a HOURS key
    per_day: float  # scans per day at full pace
    trend: str = "steady"  # steady | growing | dropping
    days: int = 56  # the first run's history


def _pace(trend: str, f: float) -> float:
    """Share of full pace at fraction f (0 = start of the history, 1 = today)."""
    if trend == "growing":
        return 0.4 + 0.8 * f
    if trend == "dropping":
        return max(0.03, 1.5 * (1 - f) ** 2)
    return 1.0


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small daily means here; split large ones.
    n = 0
    while mean > 30:
        n += round(rng.gauss(30, 30 ** 0.5))
        mean -= 30
    limit, p, k = pow(2.718281828459045, -mean), 1.0, 0
    while True:
        p *= rng.random()
        if p <= limit:
            return max(n + k, 0)
        k += 1


class _Visitors:
    """The business's scanners: (address, user agent) pairs, home ones reused (regulars)."""

    def __init__(self, city: HomeCity, rng: random.Random) -> None:
        uas, ua_cum = weighted(USER_AGENTS)
        home = home_addresses(city, rng, HOME_VISITORS)
        domestic, abroad = away_addresses(city)
        self.rng = rng
        self.pools: list[list[tuple[str, str]]] = [
            [(ip, pick(rng, uas, ua_cum)) for ip, _ in pool]
            for pool in (home, domestic or home, abroad or home)
        ]

    def pick(self) -> tuple[str, str]:
        r = self.rng.random()
        pool = self.pools[0 if r < HOME_SHARE else 1 if r < HOME_SHARE + DOMESTIC_SHARE else 2]
        # Regulars: the first addresses of a pool come back more often.
        return pool[min(int(len(pool) * self.rng.random() ** 1.6), len(pool) - 1)]


def _live(codes: list[CodeLife], at: dt.datetime) -> list[CodeLife]:
    return [c for c in codes if c.live_from < at and (c.live_until is None or at < c.live_until)]


def scans_plan(story: ScanStory, codes: list[CodeLife], *, start: dt.datetime, now: dt.datetime,
               rng: random.Random, history_start: dt.datetime) -> list[tuple[dt.datetime, Any, str, str, str]]:
    """(scanned_at, qr_code_id, address, user agent, referrer) in (start, now], in time order.
    history_start anchors the trend, so a later top-up keeps the pace of today."""
    zone = timezones.zone(story.city.timezone)
    hour_cum = list(itertools.accumulate(HOURS[story.kind]))
    refs, ref_cum = weighted(REFERRERS)
    visitors = _Visitors(story.city, rng)
    span = max((now - history_start).total_seconds(), 1.0)
    out = []
    day = start.astimezone(zone).date()
    last_day = now.astimezone(zone).date()
    while day <= last_day:
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
        f = min(max((noon - history_start).total_seconds() / span, 0.0), 1.0)
        mean = story.per_day * _pace(story.trend, f) * WEEKDAY[story.kind][day.weekday()]
        for _ in range(_poisson(rng, mean)):
            hour = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
            at = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=zone)
            at = at.astimezone(dt.UTC)
            live = _live(codes, at)
            if not (start < at <= now) or not live:
                continue
            code = rng.choices(live, weights=[c.weight for c in live])[0]
            ip, ua = visitors.pick()
            out.append((at, code.qr_code_id, ip, ua, pick(rng, refs, ref_cum)))
        day += dt.timedelta(days=1)
    out.sort(key=lambda s: s[0])
    return out


def scans_record(*, organization: Organization, story: ScanStory, codes: list[CodeLife], now: dt.datetime,
                 rng: random.Random, since: dt.datetime | None = None) -> int:
    """Capture the scans since the previous seed run (`since`, else the organization's latest
    scan; its story's whole history on the first run) and run them through the scan pipeline.
    Returns how many were captured."""
    latest = ScanEvent.objects.filter(organization=organization).aggregate(m=Max("scanned_at"))["m"]
    history_start = now - dt.timedelta(days=story.days)
    start = max(since or latest, latest, history_start) if latest else history_start
    if now - start < dt.timedelta(hours=1) or not codes:
        return 0
    planned = scans_plan(story, codes, start=start, now=now, rng=rng, history_start=history_start)
    events = [
        ScanEvent(organization=organization, qr_code_id=qr_id, scanned_at=at, ip_address=ip_for_storage(ip),
                  ip_hash=ip_hash(ip), user_agent=ua, referrer_url=ref)
        for at, qr_id, ip, ua, ref in planned
    ]
    ids = [e.pk for e in ScanEvent.objects.bulk_create(events, batch_size=1000)]
    for i in range(0, len(ids), 1000):
        scan_batch_process(event_ids=ids[i:i + 1000], limit=1000)
    return len(ids)
