"""The scan hot path (`/s/<code>` and `/api/qrcodes/scan/<id>`): find where a QR code sends
people, and capture the scan with one INSERT. Nothing else happens on the request: no GeoIP,
no user-agent parsing, no UPDATE of counter rows, no broker publish. A beat-driven sweep
(qrcodes.counting) does the rest, so a dead Redis or worker never slows a redirect and no
scan is lost while they are down (the raw event waits with counted_at IS NULL).

The QR lookup is cached per process (a LocMem cache, never Redis) for
SCAN_LOOKUP_CACHE_SECONDS; services drop the local entry on every change."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from outbound_impact.client_ip import client_ip
from qrcodes.enrichment import ip_for_storage, ip_hash
from qrcodes.models import QRCode, ScanEvent
from tenants.errors import DomainError
from tenants.models import Organization

logger = logging.getLogger(__name__)

CONTENT_PAGE_PREFIX = "/c/"  # the uploads app's public page for a QR code's linked content
MAX_USER_AGENT = 1024
MAX_REFERRER = 2048


@dataclass(frozen=True)
class ScanTarget:
    """What the hot path needs to know about a QR code: small, immutable, cacheable."""

    qr_code_id: uuid.UUID
    organization_id: uuid.UUID
    short_code: str
    destination: str  # absolute URL, or the content page path; "" when there is none
    live: bool  # False: paused/archived code or inactive organization -> 410, no event


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
    return ScanTarget(row["id"], row["organization_id"], row["short_code"], destination, live)


def _lookup(**where) -> ScanTarget | None:
    # Cross-tenant on purpose: a public scan carries no tenant; the short code (or the QR id)
    # is what identifies the organization.
    row = (
        QRCode.objects.unscoped()
        .filter(**where)
        .values("id", "organization_id", "short_code", "qr_url", "linked_content_id", "status",
                "organization__status")
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


_FIELDS = [f for f in ScanEvent._meta.concrete_fields if not f.primary_key]
_INSERT_SQL = 'INSERT INTO "{}" ({}) VALUES ({})'.format(  # noqa: S608 - model metadata only
    ScanEvent._meta.db_table, ", ".join(f'"{f.column}"' for f in _FIELDS), ", ".join(["%s"] * len(_FIELDS))
)
# Asynchronous commit for this one INSERT: no wait for the WAL flush (~1-3 ms per commit on
# this machine). The row is in PostgreSQL's WAL buffers and reaches disk within ~0.6 s; only
# a crash of PostgreSQL itself in that window loses it. SCAN_SYNCHRONOUS_COMMIT=true waits.
_ASYNC_INSERT_SQL = "SET LOCAL synchronous_commit TO OFF; " + _INSERT_SQL


def _insert(event: ScanEvent) -> None:
    """One round trip: the model's own columns and value conversions, without the ORM's
    per-call SQL compilation (a third of the request's CPU)."""
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _FIELDS]
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


def scan_capture(*, target: ScanTarget, request: HttpRequest, referrer: str | None = None) -> ScanEvent | None:
    """Store the raw scan (one INSERT, one round trip) and return it (unsaved instance: the
    id is not read back); None if the database refused it. A scan with nowhere to go (not
    live) is not recorded."""
    if not target.live:
        return None
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
        user_agent=request.headers.get("User-Agent", "")[:MAX_USER_AGENT],
        referrer_url=str(referrer)[:MAX_REFERRER],
    )
    try:
        _insert(event)
    except DatabaseError:
        # The person still gets where they were going; the failure is logged loudly.
        logger.exception("scan of QR %s could not be stored", target.qr_code_id)
        return None
    return event
