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

from django.core.cache import caches
from django.db import DatabaseError
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


def scan_capture(*, target: ScanTarget, request: HttpRequest, referrer: str | None = None) -> ScanEvent | None:
    """Store the raw scan (one autocommitted INSERT) and return it; None if the database
    refused it. A scan with nowhere to go (not live) is not recorded."""
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
        event.save(force_insert=True)
    except DatabaseError:
        # The person still gets where they were going; the failure is logged loudly.
        logger.exception("scan of QR %s could not be stored", target.qr_code_id)
        return None
    return event
