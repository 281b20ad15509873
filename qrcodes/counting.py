"""Off the request path: enrich, classify and count pending scan events, exactly once.

A batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED on `counted_at IS NULL`, so any
number of workers share the backlog without waiting on each other. In ONE transaction the
batch gets its enrichment and classification, the counters move (one UPDATE per QR code and
one per organization, aggregated over the batch, so a popular code is one row write per batch,
not per scan), analytics rollups are added, and counted_at is set. A task that dies or is
retried rolls all of it back, or finds the events already counted: never counted twice.

Lock order, shared with qrcodes.services so the two never deadlock: scan events, then
organizations (sorted), then QR codes (sorted)."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from core.enums import Classification
from core.locks import LockKey, advisory_session_try_lock
from qrcodes import hooks
from qrcodes.enrichment import device_info, place
from qrcodes.models import QRCode, ScanEvent
from qrcodes.scanning import ROW_REFUSED, SCAN_EVENT_FIELDS, scan_spool_dead_key, spool_stats
from tenants.models import Organization
from tenants.services import organizations_lock

logger = logging.getLogger(__name__)

# Table names for the raw SQL below, from the models (never spelled by hand).
SCAN_TABLE = ScanEvent._meta.db_table
QR_TABLE = QRCode._meta.db_table
ORG_TABLE = Organization._meta.db_table


def _duplicate_ids(events: Sequence[ScanEvent]) -> set[int]:
    """Ids of events with an earlier non-HEAD scan of the same QR code from the same hashed IP
    and user agent within SCAN_DUPLICATE_WINDOW_SECONDS. Decided from raw captured fields only,
    so the answer does not depend on how events were split into batches or which ran first."""
    ids = [e.pk for e in events if e.ip_hash]
    if not ids:
        return set()
    window = timedelta(seconds=settings.SCAN_DUPLICATE_WINDOW_SECONDS)
    # Cross-tenant on purpose: the sweep serves every organization; each earlier event is
    # matched on its own QR code, which belongs to exactly one organization.
    earlier = ScanEvent.objects.unscoped().filter(
        Q(scanned_at__lt=OuterRef("scanned_at")) | Q(scanned_at=OuterRef("scanned_at"), id__lt=OuterRef("id")),
        qr_code_id=OuterRef("qr_code_id"),
        ip_hash=OuterRef("ip_hash"),
        user_agent=OuterRef("user_agent"),
        scanned_at__gte=OuterRef("scanned_at") - Value(window),
    ).exclude(method="HEAD")
    return set(
        ScanEvent.objects.unscoped().filter(id__in=ids).filter(Exists(earlier)).values_list("id", flat=True)
    )


def _enrich_and_classify(events: Sequence[ScanEvent]) -> None:
    duplicates = _duplicate_ids(events)
    for e in events:
        info = device_info(e.user_agent)
        geo = place(e.ip_address)
        e.device_type, e.os, e.browser = info.device_type, info.os, info.browser
        if geo is not None:
            e.latitude, e.longitude = geo.latitude, geo.longitude
            e.city, e.state = geo.city[:128], geo.state[:128]
            e.country, e.country_code = geo.country[:128], geo.country_code[:2]
        if info.is_bot or e.method == "HEAD":
            e.classification = Classification.BOT
        elif e.pk in duplicates:
            e.classification = Classification.DUPLICATE
        else:
            e.classification = Classification.HUMAN


_SAVE_SQL = f"""
UPDATE {SCAN_TABLE} AS e SET
  latitude = v.latitude, longitude = v.longitude, city = v.city, state = v.state,
  country = v.country, country_code = v.country_code, device_type = v.device_type,
  os = v.os, browser = v.browser, classification = v.classification,
  enriched_at = %s, counted_at = %s
FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, latitude float8, longitude float8, city text,
  state text, country text, country_code text, device_type text, os text, browser text,
  classification text)
WHERE e.id = v.id
"""  # noqa: S608 - only the table name is formatted in
_SAVE_FIELDS = ("latitude", "longitude", "city", "state", "country", "country_code", "device_type", "os",
                "browser", "classification")


def _save(events: Sequence[ScanEvent], now: datetime) -> None:
    # One statement for the whole batch (bulk_update would build a CASE per column and row);
    # the rows travel as one JSON document, which both sides encode and decode in C.
    rows = [{"id": e.pk, **{f: getattr(e, f) for f in _SAVE_FIELDS}} for e in events]
    with connection.cursor() as cur:
        cur.execute(_SAVE_SQL, [now, now, json.dumps(rows)])


_COUNT_ORG_SQL = f"""
UPDATE {ORG_TABLE} AS o SET total_qr_scans = o.total_qr_scans + v.n
FROM jsonb_to_recordset(%s::jsonb) AS v(id uuid, n bigint) WHERE o.id = v.id
"""  # noqa: S608 - only the table name is formatted in
_LOCK_QR_SQL = f"SELECT id FROM {QR_TABLE} WHERE id = ANY(%s::uuid[]) ORDER BY id FOR NO KEY UPDATE"  # noqa: S608
_COUNT_QR_SQL = f"""
UPDATE {QR_TABLE} AS q SET
  total_scans = q.total_scans + v.n,
  last_scanned_at = GREATEST(COALESCE(q.last_scanned_at, v.latest), v.latest)
FROM jsonb_to_recordset(%s::jsonb) AS v(id uuid, n bigint, latest timestamptz)
WHERE q.id = v.id
"""  # noqa: S608 - only the table name is formatted in


def _count(events: Sequence[ScanEvent]) -> None:
    per_qr: Counter = Counter()
    per_org: Counter = Counter()
    latest: dict = {}
    for e in events:
        if e.classification in Classification.COUNTED:
            per_qr[e.qr_code_id] += 1
            per_org[e.organization_id] += 1
            if e.qr_code_id not in latest or e.scanned_at > latest[e.qr_code_id]:
                latest[e.qr_code_id] = e.scanned_at
    if not per_qr:
        return
    orgs = sorted(per_org)
    qrs = sorted(per_qr)
    # Lock rows in id order, organizations first (as the services do): two workers, or a
    # worker and a service, never wait on each other in a cycle.
    organizations_lock(orgs)
    with connection.cursor() as cur:
        cur.execute(_COUNT_ORG_SQL, [json.dumps([{"id": str(i), "n": per_org[i]} for i in orgs])])
        cur.execute(_LOCK_QR_SQL, [qrs])
        cur.execute(_COUNT_QR_SQL, [json.dumps([
            {"id": str(i), "n": per_qr[i], "latest": latest[i].isoformat()} for i in qrs
        ])])


def scan_batch_process(*, limit: int | None = None, event_ids: Sequence[int] | None = None) -> int:
    """Claim up to `limit` pending events (or just `event_ids`), enrich, classify and count
    them in one transaction. Returns how many were processed (0: nothing pending / all locked).
    Cross-tenant: called by the sweep task for every organization at once."""
    limit = limit or settings.SCAN_BATCH_SIZE
    with transaction.atomic():
        pending = ScanEvent.objects.unscoped().filter(counted_at__isnull=True)
        if event_ids is not None:
            pending = pending.filter(pk__in=list(event_ids))
        events = list(pending.order_by("id").select_for_update(skip_locked=True, of=("self",))[:limit])
        if not events:
            return 0
        now = timezone.now()
        _enrich_and_classify(events)
        for e in events:
            e.enriched_at = e.counted_at = now
        _save(events, now)
        _count(events)
        hooks.run(hooks.scans_counted, events)  # analytics' rollups (registered at start-up)
    return len(events)


_SPOOL_INSERT_SQL = """
INSERT INTO {scans} ({cols})
SELECT {cols} FROM jsonb_to_recordset(%s::jsonb) AS v({typed})
WHERE EXISTS (SELECT 1 FROM {qr_codes} q WHERE q.id = v.qr_code_id)
  AND NOT EXISTS (SELECT 1 FROM {scans} e WHERE e.qr_code_id = v.qr_code_id
      AND e.ip_hash = v.ip_hash AND e.scanned_at = v.scanned_at AND e.user_agent = v.user_agent
      AND e.method = v.method)
"""


def _spool_insert_sql() -> str:
    cols = ", ".join(f'"{f.column}"' for f in SCAN_EVENT_FIELDS)
    typed = ", ".join(f'"{f.column}" {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}'
                      for f in SCAN_EVENT_FIELDS)
    return _SPOOL_INSERT_SQL.format(scans=SCAN_TABLE, qr_codes=QR_TABLE, cols=cols, typed=typed)


def _spool_insert(texts: Sequence[str]) -> int:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_spool_insert_sql(), ["[" + ",".join(texts) + "]"])
        return max(cur.rowcount, 0)


def _spool_item_json(raw: bytes) -> str | None:
    """The item's text if it is one JSON object, else None: it can never be inserted."""
    try:
        text = raw.decode()
        return text if isinstance(json.loads(text), dict) else None
    except ValueError:  # UnicodeDecodeError, JSONDecodeError
        return None


def _spool_batch_insert(items: Sequence[bytes]) -> tuple[int, list[tuple[int, str]]]:
    """Insert a batch of spooled items: (rows inserted, [(index, reason)] of the items that can
    never be inserted). One statement for the batch; when the database refuses a row of it
    (DataError, IntegrityError: bad data), one statement per item finds the bad ones. Any other
    database error (an outage, a read-only database) propagates: nothing is dead-lettered."""
    texts: dict[int, str] = {}
    dead: list[tuple[int, str]] = []
    for i, raw in enumerate(items):
        text = _spool_item_json(raw)
        if text is None:
            dead.append((i, "not a JSON object"))
        else:
            texts[i] = text
    if not texts:
        return 0, dead
    try:
        return _spool_insert(list(texts.values())), dead
    except ROW_REFUSED:
        pass
    inserted = 0
    for i, text in texts.items():
        try:
            inserted += _spool_insert([text])
        except ROW_REFUSED as err:
            first_line = str(err).partition("\n")[0]
            dead.append((i, f"{err.__class__.__name__}: {first_line}"))
    return inserted, sorted(dead)


def scan_spool_drain(*, batch: int = 1000) -> int:
    """Insert the scans spooled to Redis while the database was down (qrcodes.scanning) as
    pending events, oldest first; returns how many rows were inserted. Idempotent: a batch is
    removed from the list only after its INSERT committed, and a scan already inserted (same
    QR code, hashed IP, user agent, method and microsecond) is skipped, so a drain that dies
    between the two steps never inserts twice. Scans of QR codes deleted meanwhile are dropped.
    An item the database refuses (bad data) or that is not JSON moves to the dead-letter list
    (scan_spool_dead_key) in the same Redis transaction as the trim, and is logged: it never
    blocks the items behind it. One drain at a time (advisory lock). Redis down: nothing to
    do now, the spool waits. Database down: the error propagates, the spool waits."""
    from qrcodes.scanning import scan_spool_client

    client = scan_spool_client()
    key = settings.SCAN_SPOOL_KEY
    dead_key = scan_spool_dead_key()
    inserted = 0
    try:
        if not client.llen(key):
            return 0
    except (RedisError, OSError) as err:
        logger.warning("scan spool not drained now: Redis unavailable (%s)", err)
        return 0
    # A session lock, held until the list is trimmed: two drains never trim each other's items.
    with advisory_session_try_lock(LockKey.SCAN_SPOOL_DRAIN) as held:
        if not held:
            return 0
        try:
            while True:
                items = client.lrange(key, 0, batch - 1)
                if not items:
                    break
                n, dead = _spool_batch_insert(items)
                inserted += n
                # After the commit; new scans were appended at the tail. One Redis transaction: a
                # drain that dies before it re-reads the batch and dead-letters each item once.
                pipe = client.pipeline(transaction=True)
                if dead:
                    pipe.rpush(dead_key, *(items[i] for i, _ in dead))
                pipe.ltrim(key, len(items), -1)
                pipe.execute()
                for i, reason in dead:
                    logger.error("scan spool: item moved to the dead-letter list %s (%s): %.200r", dead_key, reason, items[i])
                spool_stats.add(dead_lettered=len(dead))
                if len(items) < batch:
                    break
        except (RedisError, OSError) as err:
            logger.warning("scan spool drain interrupted: Redis unavailable (%s)", err)
    if inserted:
        logger.warning("scan spool: %d scans captured during a database outage are now stored", inserted)
    return inserted


def scan_sweep_run(*, time_budget: float | None = None, limit: int | None = None) -> int:
    """Drain the spool, then process batches until nothing is pending or the time budget is
    spent. A deadlock or lost connection ends this sweep; its batch rolled back and the next
    sweep takes it again."""
    budget = settings.SCAN_SWEEP_TIME_BUDGET_SECONDS if time_budget is None else time_budget
    deadline = time.monotonic() + budget
    total = 0
    try:
        scan_spool_drain()
    except DatabaseError:
        logger.exception("scan spool drain failed; the next sweep retries it")
    while True:
        try:
            n = scan_batch_process(limit=limit)
        except DatabaseError:
            logger.exception("scan sweep batch failed; the next sweep retries it")
            break
        total += n
        if n == 0 or time.monotonic() >= deadline:
            break
    return total


def scan_pending_count() -> int:
    """How many scans wait to be enriched and counted (all organizations)."""
    return ScanEvent.objects.unscoped().filter(counted_at__isnull=True).count()


def counters_recompute(*, organization_id=None, report: Callable[[str], None] | None = None) -> int:
    """Set every counter from the events and QR codes themselves: QRCode.total_scans and
    last_scanned_at, Organization.total_qr_scans and total_qr_codes (active codes), then rebuild
    the analytics rollups. Each organization is recomputed under its row lock, which the
    workers take before moving its counters, so a concurrent batch is counted exactly once.
    With `report`, every value it changes is passed to it as a line (counters here, rollup rows
    by the analytics hook): the incremental state should already equal the recomputed one, so
    a line means something had drifted. Returns the number of organizations recomputed."""
    orgs = Organization.objects.order_by("pk")
    if organization_id is not None:
        orgs = orgs.filter(pk=organization_id)
    done = 0
    for org_id in orgs.values_list("pk", flat=True):
        with transaction.atomic():
            organizations_lock([org_id])
            counted = ScanEvent.objects.unscoped().filter(
                qr_code_id=OuterRef("pk"), counted_at__isnull=False, classification__in=Classification.COUNTED
            ).order_by().values("qr_code_id")
            scans = Coalesce(Subquery(counted.annotate(n=Count("id")).values("n")), 0)
            latest = Subquery(counted.annotate(m=Max("scanned_at")).values("m"))
            qr_codes = QRCode.objects.unscoped().filter(organization_id=org_id)
            if report is not None:
                for pk, name, *values in qr_codes.annotate(n=scans, m=latest).values_list(
                        "pk", "name", "total_scans", "last_scanned_at", "n", "m"):
                    if values[:2] != values[2:]:
                        report(f"QR code {pk} ({name}): total_scans {values[0]} -> {values[2]}, "
                               f"last_scanned_at {values[1]} -> {values[3]}")
            qr_codes.update(total_scans=scans, last_scanned_at=latest)
            total = ScanEvent.objects.unscoped().filter(
                organization_id=org_id, counted_at__isnull=False, classification__in=Classification.COUNTED
            ).count()
            active = QRCode.objects.unscoped().filter(organization_id=org_id, status=QRCode.Status.ACTIVE).count()
            org = Organization.objects.filter(pk=org_id)
            if report is not None:
                before = org.values_list("total_qr_scans", "total_qr_codes").get()
                if before != (total, active):
                    report(f"organization {org_id}: total_qr_scans {before[0]} -> {total}, "
                           f"total_qr_codes {before[1]} -> {active}")
            org.update(total_qr_scans=total, total_qr_codes=active)
        done += 1
    hooks.run(hooks.counters_recomputed, organization_id, report)  # analytics rebuilds its rollups
    return done
