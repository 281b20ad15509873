"""Reads for uploads, including the one public (cross-tenant) read: a QR code's linked file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from tenants.models import Organization
from tenants.selectors import organization_usage
from uploads.models import UploadedFile


def upload_list(*, organization: Organization, campaign_id: Any = None) -> QuerySet[UploadedFile]:
    """The organization's uploads, newest first; optionally one campaign's."""
    qs = UploadedFile.objects.filter(organization=organization).select_related("campaign", "uploaded_by_user")
    if campaign_id not in (None, ""):
        parsed = as_uuid(campaign_id)
        if parsed is None:
            raise ValidationFailed({"campaign_id": "Must be a UUID."})
        qs = qs.filter(campaign_id=parsed)
    return qs.order_by("-created_at")


def upload_get(*, organization: Organization, upload_id: Any) -> UploadedFile:
    """One upload of the organization; NotFound for a missing, foreign or malformed id."""
    pk = as_uuid(upload_id)
    upload = (
        UploadedFile.objects.filter(organization=organization, pk=pk).select_related("campaign").first() if pk else None
    )
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def storage_usage(*, organization: Organization) -> dict[str, Any]:
    """Storage used against the plan's limit: the storage part of
    tenants.selectors.organization_usage (the organization's exact counters)."""
    usage = organization_usage(organization=organization)
    storage = usage.storage_bytes
    return {
        "used_bytes": storage.used,
        "limit_bytes": storage.limit,
        "total_uploads": usage.total_uploads,
        "percent": round(100 * storage.ratio, 2),  # not capped: a downgraded plan can be over
    }


class ContentGone(Exception):
    """The QR code exists but is paused/archived, or its organization is not active.
    `company_name`: the business, which the scanner's page still names."""

    def __init__(self, message: str, *, company_name: str = "") -> None:
        super().__init__(message)
        self.company_name = company_name


@dataclass(frozen=True)
class PublicContent:
    qr_code: QRCode
    upload: UploadedFile


def public_content(*, short_code: str) -> PublicContent:
    """The file a QR code points at, for the public /c/<short_code> page.

    Cross-tenant on purpose: the visitor is anonymous, and the unguessable short code is what
    identifies the QR code (and with it the tenant). Raises NotFound (unknown code, or no
    linked file) and ContentGone (paused/archived QR, inactive organization)."""
    qr = (
        QRCode.objects.unscoped()  # public page: the short code identifies the tenant
        .select_related("organization", "linked_content")
        .filter(short_code=short_code)
        .first()
    )
    if qr is None:
        raise NotFound("Unknown code.")
    if qr.status != QRCode.Status.ACTIVE or not qr.organization.is_active:
        raise ContentGone("This content is no longer available.", company_name=qr.organization.company_name)
    upload = qr.linked_content
    if upload is None or upload.organization_id != qr.organization_id:
        raise NotFound("This code has no file.")
    return PublicContent(qr_code=qr, upload=upload)
