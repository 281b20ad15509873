"""The scan hot path (`/s/<code>` and `/api/qrcodes/scan/<id>`): find where a QR code sends
people, and capture the scan with one INSERT. Nothing else happens on the request: no GeoIP,
no user-agent parsing, no UPDATE of counter rows, no broker publish. A beat-driven sweep
(qrcodes.counting) does the rest, so a dead Redis or worker never slows a redirect and no
scan is lost while they are down (the raw event waits with counted_at IS NULL).

The QR lookup is cached per process (a LocMem cache, never Redis) for
SCAN_LOOKUP_CACHE_SECONDS; services drop the local entry on every change.

Abuse and faults (docs/reliability.md): a flood from one client address is cut off after
SCAN_FLOOD_LIMIT scans per SCAN_FLOOD_WINDOW_SECONDS, counted in the same process-local cache
(no network round trip). When the INSERT fails because the database is down, the raw capture
is pushed to a Redis list with a short timeout (the spool) and the sweep inserts it later,
idempotently (qrcodes.counting.scan_spool_drain); if Redis is down too the person is still
redirected and the scan is logged and counted as lost.

Bad input never reaches the spool (issue 11): every text the capture stores is cleaned where
the row is built (`storable_text`: no NUL, no lone surrogate), and a row the database refuses
(DataError, IntegrityError: the row's fault, not an outage) is dropped and logged, never
spooled. A spooled item the drain still cannot insert goes to the dead-letter list next to the
spool (`scan_spool_dead_key`), so it never blocks the scans queued behind it."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.client_ip import client_ip
from core.errors import DomainError
from core.geoip import geoip_lookup
from qrcodes.enrichment import device_info, ip_for_storage, ip_hash
from qrcodes.models import QRCode, ScanEvent
from qrcodes.routing import (
    CompiledRouting,
    Decision,
    Visitor,
    accept_languages,
    decision_rule,
    routing_compile,
    routing_resolve,
    sticky_bucket,
)
from tenants import timezones
from tenants.models import Organization

logger = logging.getLogger(__name__)

CONTENT_PAGE_PREFIX = "/c/"  # the uploads app's public page for a QR code's linked content
MAX_USER_AGENT = 1024
MAX_REFERRER = 2048
# A row the database refuses for what is in it (a value it cannot hold, a QR code deleted since
# the lookup was cached): bad data, not an outage. Never spooled; the drain dead-letters it.
ROW_REFUSED = (DataError, IntegrityError)
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(value: str, limit: int) -> str:
    """`value` cut to `limit` characters, as PostgreSQL text can hold it: NUL removed, lone
    surrogates (a JSON body may carry "\\ud800") replaced with U+FFFD. Cheap on the hot path:
    an ASCII header without NUL costs two C-level scans and no copy."""
    value = value[:limit]
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        value = _SURROGATE.sub("\ufffd", value)
    return value


@dataclass(frozen=True)
class ScanTarget:
    """What the hot path needs to know about a QR code: small, immutable, cacheable."""

    qr_code_id: uuid.UUID
    organization_id: uuid.UUID
    short_code: str
    destination: str  # absolute URL, or the content page path; "" when there is none
    live: bool  # False: paused/archived code or inactive organization -> 410, no event
    company_name: str  # the business, named on the scanner's 410 page (same row, no extra query)
    # Smart destinations: the code's rules compiled once per cache fill (None: none), the
    # organization's zone for schedules, and the counted scans for a max-scans limit.
    routing: CompiledRouting | None = None
    zone: str = "UTC"
    total_scans: int = 0


class ScanGone(DomainError):
    """A paused or archived QR code, or one of an inactive organization: 410, no redirect."""

    status_code = 410
    code = "gone"


_MISSING = "missing"


def _cache():
    return caches["scan_lookup"]


def _target_from_row(row: dict) -> ScanTarget:
    if row["linked_content_id"]:
        # Hosted content wins; qr_url is the fallback once the upload is deleted (SET_NULL).
        destination = f"{CONTENT_PAGE_PREFIX}{row['short_code']}"
    else:
        destination = row["qr_url"]
    live = (
        row["status"] == QRCode.Status.ACTIVE
        and row["organization__status"] == Organization.Status.ACTIVE
        and bool(destination)
    )
    return ScanTarget(row["id"], row["organization_id"], row["short_code"], destination, live,
                      row["organization__company_name"], routing_compile(row["routing"]),
                      row["organization__timezone"], row["total_scans"])


def _lookup(**where) -> ScanTarget | None:
    # Cross-tenant on purpose: a public scan carries no tenant; the short code (or the QR id)
    # is what identifies the organization.
    row = (
        QRCode.objects.unscoped()
        .filter(**where)
        .values("id", "organization_id", "short_code", "qr_url", "linked_content_id", "status",
                "organization__status", "organization__company_name", "routing", "total_scans",
                "organization__timezone")
        .first()
    )
    return _target_from_row(row) if row else None


def scan_target_for_code(short_code: str) -> ScanTarget | None:
    """The target of `/s/<short_code>`, or None for an unknown code (cached both ways)."""
    if not short_code or len(short_code) > 16 or not short_code.isalnum():
        return None
    key = f"c:{short_code}"
    hit = _cache().get(key)
    if hit is None:
        hit = _lookup(short_code=short_code) or _MISSING
        _cache().set(key, hit)
    return None if hit == _MISSING else hit


def scan_target_for_id(qr_code_id: uuid.UUID) -> ScanTarget | None:
    """The target of `/api/qrcodes/scan/<id>`, or None for an unknown id."""
    key = f"i:{qr_code_id}"
    hit = _cache().get(key)
    if hit is None:
        hit = _lookup(pk=qr_code_id) or _MISSING
        _cache().set(key, hit)
    return None if hit == _MISSING else hit


def scan_target_forget(qr_code: QRCode) -> None:
    """Drop this process's cached lookups for a QR code (called by services on change).
    Other processes pick the change up within SCAN_LOOKUP_CACHE_SECONDS."""
    _cache().delete_many([f"c:{qr_code.short_code}", f"i:{qr_code.pk}"])


# Every column of a scan event but its id: the request path's INSERT and the spool drain's.
SCAN_EVENT_FIELDS = [f for f in ScanEvent._meta.concrete_fields if not f.primary_key]
_INSERT_SQL = 'INSERT INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608 - model metadata only
    ScanEvent._meta.db_table, ", ".join(f'"{f.column}"' for f in SCAN_EVENT_FIELDS), ", ".join(["%s"] * len(SCAN_EVENT_FIELDS))
)
# Asynchronous commit for this one INSERT: no wait for the WAL flush (~1-3 ms per commit on
# this machine). The row is in PostgreSQL's WAL buffers and reaches disk within ~0.6 s; only
# a crash of PostgreSQL itself in that window loses it. SCAN_SYNCHRONOUS_COMMIT=true waits.
_ASYNC_INSERT_SQL = "SET LOCAL synchronous_commit TO OFF; " + _INSERT_SQL


def _insert(event: ScanEvent) -> None:
    """One round trip: the model's own columns and value conversions, without the ORM's
    per-call SQL compilation (a third of the request's CPU)."""
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in SCAN_EVENT_FIELDS]
    one_round_trip = not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    with connection.cursor() as cur:
        if settings.SCAN_SYNCHRONOUS_COMMIT:
            cur.execute(_INSERT_SQL, values)
        elif one_round_trip:  # client-side binding runs both statements as one implicit transaction
            cur.execute(_ASYNC_INSERT_SQL, values)
        else:
            with transaction.atomic():
                cur.execute("SET LOCAL synchronous_commit TO OFF")
                cur.execute(_INSERT_SQL, values)


def scan_flood_wait(ip: str | None) -> int | None:
    """None when this scan is within the per-address budget (it is counted), else the seconds
    until the window ends. Process-local fixed window: with N processes an address gets at
    most N x SCAN_FLOOD_LIMIT recorded scans per window. Unknown address: never limited."""
    limit = settings.SCAN_FLOOD_LIMIT
    if not limit or not ip:
        return None
    window = settings.SCAN_FLOOD_WINDOW_SECONDS
    now = time.time()
    slot = int(now // window)
    key = f"f:{ip}:{slot}"
    cache = _cache()
    count = 1
    if not cache.add(key, 1, timeout=window + 1):
        try:
            count = cache.incr(key)
        except ValueError:  # expired or culled between add and incr: a fresh window
            cache.set(key, 1, timeout=window + 1)
    if count <= limit:
        return None
    return max(1, math.ceil((slot + 1) * window - now))


class _SpoolStats:
    """What this process spooled, lost, refused (bad row, dropped) or dead-lettered (drain)
    since it started (read by bench/faults.py and logs)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spooled = 0
        self.lost = 0
        self.refused = 0
        self.dead_lettered = 0

    def add(self, *, spooled: int = 0, lost: int = 0, refused: int = 0, dead_lettered: int = 0) -> None:
        with self.lock:
            self.spooled += spooled
            self.lost += lost
            self.refused += refused
            self.dead_lettered += dead_lettered


spool_stats = _SpoolStats()


@lru_cache(maxsize=4)
def _spool_client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def scan_spool_client() -> redis.Redis:
    """The Redis client of the scan spool: short timeouts, so a dead Redis costs a scan at
    most SCAN_SPOOL_TIMEOUT_SECONDS, and only while the database is down too."""
    return _spool_client(settings.REDIS_URL, settings.SCAN_SPOOL_TIMEOUT_SECONDS)


def scan_spool_dead_key() -> str:
    """The dead-letter list, next to the spool: raw spooled items the drain could not insert
    (bad data, not an outage), kept as they were for inspection or replay (RPUSH them back)."""
    return f"{settings.SCAN_SPOOL_KEY}:dead"


def scan_spool_sizes() -> dict[str, int]:
    """Scans waiting in the spool and in its dead-letter list (/healthz, the OI console).
    Raises RedisError / OSError when Redis is unavailable."""
    pipe = scan_spool_client().pipeline(transaction=False)
    pipe.llen(settings.SCAN_SPOOL_KEY)
    pipe.llen(scan_spool_dead_key())
    queued, dead = pipe.execute()
    return {"queued": queued, "dead_letter": dead}


def _spool_payload(event: ScanEvent) -> str:
    row = {}
    for f in SCAN_EVENT_FIELDS:
        value = getattr(event, f.attname)
        row[f.column] = value.isoformat() if hasattr(value, "isoformat") else (
            str(value) if isinstance(value, uuid.UUID) else value)
    return json.dumps(row)


def _spool(event: ScanEvent) -> bool:
    try:
        scan_spool_client().rpush(settings.SCAN_SPOOL_KEY, _spool_payload(event))
    except (redis.RedisError, OSError):
        logger.exception("scan of QR %s LOST: database and spool both unavailable", event.qr_code_id)
        spool_stats.add(lost=1)
        return False
    spool_stats.add(spooled=1)
    return True


def device_kind(user_agent: str) -> str:
    """What a device rule looks at: ios | android | desktop | mobile (another phone or tablet) |
    other (bots, scripts), from the workers' parser (cached per distinct user agent)."""
    info = device_info(user_agent)
    os_name = info.os.lower()
    if os_name.startswith(("ios", "ipados")):
        return "ios"
    if os_name.startswith("android"):
        return "android"
    if info.device_type == "desktop":
        return "desktop"
    return "mobile" if info.device_type in ("mobile", "tablet") else "other"


def scan_decide(target: ScanTarget, request: HttpRequest, ip: str | None) -> Decision:
    """Where this scan goes. A code without rules costs nothing here; with rules, the user
    agent is parsed (cached per distinct string), GeoIP is asked only when a rule of this code
    needs the country, and the clock is read in the organization's zone."""
    if target.routing is None:
        return Decision(target.destination)
    user_agent = request.headers.get("User-Agent", "")
    device = device_kind(user_agent)
    country = None
    if target.routing.needs_country:
        place = geoip_lookup(ip)
        country = place.country_code if place else None
    visitor = Visitor(device=device, languages=accept_languages(request.headers.get("Accept-Language", "")),
                      local_now=timezone.now().astimezone(timezones.zone(target.zone)),
                      sticky=sticky_bucket(ip_hash(ip), user_agent), country=country)
    return routing_resolve(target.routing, target.destination, visitor, total_scans=target.total_scans)


def scan_capture(*, target: ScanTarget, request: HttpRequest, referrer: str | None = None,
                 ip: str | None = None, decision: Decision | None = None) -> ScanEvent | None:
    """Store the raw scan (one INSERT, one round trip) and return it (unsaved instance: the
    id is not read back). Every text is cleaned here, the one place the row is built. If the
    database is unavailable, spool it to Redis for the sweep; None when it could be neither
    stored nor spooled (lost, logged) or the database refused the row itself (dropped, logged,
    never spooled). A scan with nowhere to go (not live) is not recorded. `ip`: the client
    address if the caller has it already."""
    if not target.live:
        return None
    if ip is None:
        ip = client_ip(request)
    if referrer is None:
        referrer = request.headers.get("Referer", "")
    event = ScanEvent(
        organization_id=target.organization_id,
        qr_code_id=target.qr_code_id,
        scanned_at=timezone.now(),
        method=request.method[:8],
        ip_address=ip_for_storage(ip),
        ip_hash=ip_hash(ip),
        user_agent=storable_text(request.headers.get("User-Agent", ""), MAX_USER_AGENT),
        referrer_url=storable_text(str(referrer), MAX_REFERRER),
        rule=decision_rule(decision),
        variant=decision.variant if decision else None,
    )
    try:
        _insert(event)
    except ROW_REFUSED as err:
        # Bad data, not an outage: spooling it would only make the drain fail on it later.
        logger.error("scan of QR %s refused by the database, not stored (%s: %s)", target.qr_code_id,
                     err.__class__.__name__, str(err).partition("\n")[0])
        spool_stats.add(refused=1)
        return None
    except DatabaseError as err:
        # The database takes no scan now (down: OperationalError / InterfaceError; or refusing
        # every write: read-only after a failover, a schema mid-deploy). The person still gets
        # where they were going; the capture waits in the spool.
        logger.warning("scan of QR %s not stored (%s); spooling it", target.qr_code_id, err.__class__.__name__)
        return event if _spool(event) else None
    return event
