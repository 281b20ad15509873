"""Reads of the studio: a code's design, its logo, its artwork versions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from core.errors import NotFound, ValidationFailed
from qrcodes.models import QRCode
from studio.design import DEFAULT, Design, design_load
from studio.models import ArtworkVersion, BrandKit, QRDesign
from studio.render import logo_png_prepare
from tenants.models import Organization
from uploads.selectors import upload_get

LOGO_TYPES = frozenset({"png", "jpg", "jpeg", "gif", "webp"})
MAX_LOGO_BYTES = 10 * 1024 * 1024


def design_for(*, organization: Organization, qr: QRCode) -> Design:
    """The code's current design, or the plain default when it has none."""
    row = QRDesign.objects.filter(organization=organization, qr_code=qr).only("design").first()
    return design_load(row.design) if row else DEFAULT


def designs_for(*, organization: Organization, qr_ids: list[Any]) -> dict[Any, Design]:
    """Designs of many codes in one query (bulk output); codes without one get the default."""
    rows = QRDesign.objects.filter(organization=organization, qr_code_id__in=qr_ids).values_list("qr_code_id", "design")
    found = {pk: design_load(d) for pk, d in rows}
    return {pk: found.get(pk, DEFAULT) for pk in qr_ids}


def logo_upload(*, organization: Organization, upload_id: Any):
    """The organization's upload to use as a logo: NotFound when it is not theirs,
    ValidationFailed when it is not an image."""
    try:
        upload = upload_get(organization=organization, upload_id=upload_id)
    except NotFound as e:
        raise ValidationFailed({"logo": "Choose one of your uploaded images."}) from e
    if upload.file_type.lower() not in LOGO_TYPES:
        raise ValidationFailed({"logo": f"“{upload.file_name}” is not an image; use a PNG, JPEG, GIF or WebP."})
    if upload.file_size_bytes > MAX_LOGO_BYTES:
        raise ValidationFailed({"logo": "Use an image under 10 MB as a logo."})
    return upload


@lru_cache(maxsize=64)
def _logo_png(storage_path: str) -> bytes:
    with default_storage.open(storage_path, "rb") as fh:
        return logo_png_prepare(fh.read(MAX_LOGO_BYTES + 1))


def logo_png_for(*, organization: Organization, design: Design) -> bytes | None:
    """The design's logo as the PNG the artwork embeds (None without a logo). An upload that
    was deleted since is refused with a plain reason."""
    if not design.logo:
        return None
    upload = logo_upload(organization=organization, upload_id=design.logo)
    return _logo_png(upload.storage_path)


def artwork_versions(*, organization: Organization, qr: QRCode) -> QuerySet[ArtworkVersion]:
    return (ArtworkVersion.objects.filter(organization=organization, qr_code=qr)
            .select_related("created_by").order_by("-number"))


def artwork_version_get(*, organization: Organization, qr: QRCode, number: Any) -> ArtworkVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 0
    version = ArtworkVersion.objects.filter(organization=organization, qr_code=qr, number=number).first() \
        if 0 < number < 2**31 else None
    if version is None:
        raise NotFound("Artwork version not found.")
    return version


def artwork_version_bytes(version: ArtworkVersion) -> bytes:
    with default_storage.open(version.storage_path, "rb") as fh:
        return fh.read()


def brand_kit_list(*, organization: Organization) -> QuerySet[BrandKit]:
    return BrandKit.objects.filter(organization=organization).order_by("-is_default", "name")


def brand_kit_default(*, organization: Organization) -> BrandKit | None:
    return BrandKit.objects.filter(organization=organization, is_default=True).first()
