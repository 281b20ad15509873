"""Reads for QR codes and their scans. Every function takes the organization explicitly and
also goes through the scoped manager (two locks). Another organization's id is NotFound,
exactly like a missing one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import idna
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode, ScanEvent
from tenants.models import Organization
from tenants.selectors import LimitUsage, organization_usage


def short_url(qr: QRCode) -> str:
    """The public URL a QR code encodes."""
    return f"{settings.SITE_URL}/s/{qr.short_code}"


def _split_host(url: str) -> tuple[str, str, str] | None:
    """(before the host, host, after the host) of an absolute URL; None without a host."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if not parts.netloc:
        return None
    start = url.find(parts.netloc, url.find("//"))  # verbatim, right after the scheme's "//"
    if start < 0:  # urlsplit dropped a tab or newline inside it
        return None
    userinfo, at, hostport = parts.netloc.rpartition("@")
    host, colon, port = hostport.partition(":")
    return url[:start] + userinfo + at, host, colon + port + url[start + len(parts.netloc):]


def destination_ascii_host(url: str) -> str | None:
    """The host of a destination URL as browsers send and show it, when it is not ASCII
    (`аррӏе.com` -> `xn--80ak6aa92e.com`: IDNA with UTS #46 mapping, as browsers do); None for
    an ASCII host or no URL. A host no IDNA form encodes comes back with its characters
    escaped (`\\xe9`), never as Unicode: the point is to show what a look-alike really is."""
    split = _split_host(url or "")
    if split is None or split[1].isascii():
        return None
    host = split[1]
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:  # idna.IDNAError included
        pass
    try:
        return host.lower().encode("idna").decode("ascii")  # IDNA 2003 (Python's codec) is more lenient
    except UnicodeError:
        return host.lower().encode("ascii", "backslashreplace").decode("ascii")


def destination_display(url: str) -> str:
    """`url` with its host in punycode, equal to `url` when the host is ASCII: the API's
    `destination_display` next to qr_url, and what the pages warn with."""
    ascii_host = destination_ascii_host(url)
    if ascii_host is None:
        return url
    prefix, _, rest = _split_host(url)
    return f"{prefix}{ascii_host}{rest}"


def qr_code_list(*, organization: Organization, status: str | None = None, campaign_id: Any = None) -> QuerySet[QRCode]:
    """The organization's QR codes, newest first, optionally by status or campaign."""
    qs = QRCode.objects.filter(organization=organization).order_by("-created_at", "pk")
    if status:
        if status not in QRCode.Status.values:
            raise ValidationFailed({"status": f"Use one of {', '.join(QRCode.Status.values)}."})
        qs = qs.filter(status=status)
    if campaign_id:
        pk = as_uuid(campaign_id)
        if pk is None:
            raise ValidationFailed({"campaign_id": "Not a valid id."})
        qs = qs.filter(campaign_id=pk)
    return qs


def qr_code_get(*, organization: Organization, qr_code_id: Any) -> QRCode:
    """One of the organization's QR codes; NotFound for a malformed, missing or foreign id."""
    pk = as_uuid(qr_code_id)
    qr = QRCode.objects.filter(organization=organization, pk=pk).select_related("campaign", "linked_content").first() if pk else None
    if qr is None:
        raise NotFound("QR code not found.")
    return qr


def qr_code_performance(*, organization: Organization, limit: int = 100) -> list[dict]:
    """The seed's query 3: active QR codes by total_scans, most scanned first."""
    return list(
        QRCode.objects.filter(organization=organization, status=QRCode.Status.ACTIVE)
        .order_by("-total_scans", "-created_at")
        .values("id", "name", "location", "total_scans", "last_scanned_at", "created_at")[:limit]
    )


def scan_event_latest(*, organization: Organization, qr_code: QRCode, limit: int = 20) -> QuerySet[ScanEvent]:
    """The latest scans of one QR code (pending ones included: they show as 'pending')."""
    return ScanEvent.objects.filter(organization=organization, qr_code=qr_code).order_by("-scanned_at", "-id")[:limit]


def qr_code_usage(*, organization: Organization) -> LimitUsage:
    """Active QR codes against the plan's max_qr_codes (limit None = unlimited): the QR part of
    tenants.selectors.organization_usage, so the list, the form and the dashboard agree."""
    return organization_usage(organization=organization).qr_codes


QR_CODE_SORTS: dict[str, tuple] = {
    "newest": (F("created_at").desc(), "pk"),
    "oldest": (F("created_at").asc(), "pk"),
    "name": (Lower("name").asc(), F("created_at").desc(), "pk"),
    "scans": (F("total_scans").desc(), F("created_at").desc(), "pk"),
    "last_scan": (F("last_scanned_at").desc(nulls_last=True), F("created_at").desc(), "pk"),
}
NO_CAMPAIGN = "none"


def qr_code_browse(
    *, organization: Organization, query: str = "", campaign: str = "", status: str = "", sort: str = "newest",
) -> QuerySet[QRCode]:
    """The QR list page: the organization's codes whose name, location, short code or
    destination contains `query` (case-insensitive), in campaign `campaign` (an id, or
    NO_CAMPAIGN), with `status`, ordered by one of QR_CODE_SORTS. Campaign rows come along
    (one query for the page). ValidationFailed for an unknown status or sort, or a campaign
    that is not an id; a foreign campaign id matches nothing (its codes are not ours)."""
    qs = QRCode.objects.filter(organization=organization).select_related("campaign")
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(location__icontains=query) | Q(short_code__icontains=query)
                       | Q(qr_url__icontains=query))
    if campaign == NO_CAMPAIGN:
        qs = qs.filter(campaign__isnull=True)
    elif campaign:
        pk = as_uuid(campaign)
        if pk is None:
            raise ValidationFailed({"campaign": "Not a valid id."})
        qs = qs.filter(campaign_id=pk)
    if status:
        if status not in QRCode.Status.values:
            raise ValidationFailed({"status": f"Use one of {', '.join(QRCode.Status.values)}."})
        qs = qs.filter(status=status)
    if sort not in QR_CODE_SORTS:
        raise ValidationFailed({"sort": f"Use one of {', '.join(QR_CODE_SORTS)}."})
    return qs.order_by(*QR_CODE_SORTS[sort])
