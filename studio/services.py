"""Writes of the studio: a code's design, and its frozen print files (artwork versions).

Print files: each is rendered from the code's design, checked (studio.checks, a real decoder
included) and refused with NotPrintReady when a check fails. The file is stored once in the
default storage with the design and the checks, under the next version number of the code
(the code's row is locked while numbering); asking again for a byte-identical file returns the
version that already holds it, so a reprint next year is the same file even after the design
or the kit changed."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from core.errors import ValidationFailed
from qrcodes.models import QRCode
from qrcodes.selectors import qr_code_get, short_url
from studio import selectors
from studio.checks import CheckReport, design_check
from studio.design import Design, design_parse
from studio.errors import NotPrintReady
from studio.models import ArtworkVersion, BrandKit, QRDesign
from studio.output import OutputOptions, artwork_render, print_width_mm
from studio.render import Layout, artwork_layout, logo_png_prepare, png_image
from tenants.models import Organization, User
from tenants.roles import require_member, require_writer
from tenants.services import activity_record
from uploads.services import upload_create


def design_validate(*, organization: Organization, data: Any, base: Design) -> Design:
    """design_parse plus the organization's side: the logo must be one of its images."""
    design = design_parse(data, base=base) if not isinstance(data, Design) else data
    if design.logo:
        selectors.logo_upload(organization=organization, upload_id=design.logo)
    return design


@transaction.atomic
def qr_design_save(*, organization: Organization, actor: User, qr_code_id: Any, design: Design,
                   brand_kit: BrandKit | None = None) -> Design:
    """Set a code's design (Admins and Editors). `design` comes from design_validate."""
    require_writer(actor, organization)
    qr = qr_code_get(organization=organization, qr_code_id=qr_code_id)
    design = design_validate(organization=organization, data=design, base=design)
    QRDesign.objects.update_or_create(
        organization=organization, qr_code=qr,
        defaults={"design": design.as_dict(), "brand_kit": brand_kit, "updated_by": actor},
    )
    activity_record(organization=organization, user=actor, action="design_qr_code", entity_type="qr_code",
                    entity_id=qr.pk, metadata={"name": qr.name, **({"kit": brand_kit.name} if brand_kit else {})})
    return design


def qr_design_default_apply(qr: QRCode) -> None:
    """qrcodes.hooks.qr_code_created: a new code starts from the organization's default kit."""
    kit = BrandKit.objects.filter(organization_id=qr.organization_id, is_default=True).first()
    if kit is not None:
        QRDesign.objects.create(organization_id=qr.organization_id, qr_code=qr, design=kit.design, brand_kit=kit)


def artwork_check(*, organization: Organization, qr: QRCode, design: Design,
                  output: OutputOptions | None = None) -> CheckReport:
    """The print checks of `design` for this code at `output`'s size (screen size without)."""
    logo = selectors.logo_png_for(organization=organization, design=design)
    layout = artwork_layout(short_url(qr), design)
    if output is None:
        return design_check(design, layout, data=short_url(qr), logo_png=logo)
    return design_check(design, layout, data=short_url(qr), logo_png=logo, width_mm=print_width_mm(layout, output),
                        dpi=output.dpi, distance_m=output.distance_m)


def artwork_file(*, layout: Layout, output: OutputOptions, logo_png: bytes | None,
                 data: str) -> tuple[bytes | None, CheckReport]:
    """Check the artwork at `output` and, when it is print-ready, render the file (else None).
    A PNG is rasterised once: the decoder reads the very pixels that go into the file."""
    design = layout.design
    raster = png_image(layout, width=output.pixels, logo_png=logo_png) if output.format == "png" else None
    report = design_check(design, layout, data=data, logo_png=logo_png, width_mm=print_width_mm(layout, output),
                          dpi=output.dpi, distance_m=output.distance_m, raster=raster)
    if not report.print_ready:
        return None, report
    if raster is not None:
        out = io.BytesIO()
        raster.save(out, format="PNG", dpi=(output.dpi, output.dpi))
        return out.getvalue(), report
    return artwork_render(layout, output, logo_png=logo_png), report


def artwork_build(*, organization: Organization, qr: QRCode, design: Design,
                  output: OutputOptions) -> tuple[bytes, CheckReport]:
    """Render and check a print file without storing it. NotPrintReady names every failing check."""
    logo = selectors.logo_png_for(organization=organization, design=design)
    data = short_url(qr)
    body, report = artwork_file(layout=artwork_layout(data, design), output=output, logo_png=logo, data=data)
    if body is None:
        raise NotPrintReady({c.code: c.detail for c in report.failures})
    return body, report


def artwork_create(*, organization: Organization, actor: User, qr_code_id: Any, output: OutputOptions,
                   design: Design | None = None) -> ArtworkVersion:
    """A print file of the code's current design (or `design`, e.g. a brand kit's, which a
    Viewer may print without changing the code), stored as its next numbered version. Any
    member may download print files. NotPrintReady when a check fails: nothing is stored."""
    require_member(actor, organization)
    qr = qr_code_get(organization=organization, qr_code_id=qr_code_id)
    if design is None:
        design = selectors.design_for(organization=organization, qr=qr)
    else:
        design = design_validate(organization=organization, data=design, base=design)
    body, report = artwork_build(organization=organization, qr=qr, design=design, output=output)
    return artwork_store(organization=organization, actor=actor, qr=qr, design=design, output=output, body=body,
                         report=report)


def artwork_store(*, organization: Organization, actor: User, qr: QRCode, design: Design, output: OutputOptions,
                  body: bytes, report: CheckReport) -> ArtworkVersion:
    """Store a checked print file as the code's next version (or return the version that
    already holds these exact bytes). Callers pass what artwork_build / artwork_file made."""
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        QRCode.objects.select_for_update().filter(organization=organization, pk=qr.pk).first()
        same = ArtworkVersion.objects.filter(organization=organization, qr_code=qr, sha256=digest).first()
        if same is not None:
            return same
        number = (ArtworkVersion.objects.filter(organization=organization, qr_code=qr)
                  .aggregate(n=Max("number"))["n"] or 0) + 1
        path = f"artwork/{organization.pk}/{qr.pk}/v{number}-{digest[:12]}.{output.format}"
        stored = default_storage.save(path, ContentFile(body))
        try:
            version = ArtworkVersion.objects.create(
                organization=organization, qr_code=qr, number=number, design=design.as_dict(),
                output=output.as_dict(), checks=report.as_dict(), storage_path=stored,
                content_type=output.content_type, byte_size=len(body), sha256=digest, created_by=actor,
            )
        except Exception:
            default_storage.delete(stored)
            raise
        activity_record(organization=organization, user=actor, action="create_artwork", entity_type="qr_code",
                        entity_id=qr.pk, metadata={"name": qr.name, "format": output.format, "version": number})
    return version


def qr_design_logo_upload(*, organization: Organization, actor: User, qr_code_id: Any, file: Any,
                          ip_address: str | None = None) -> Design:
    """A new logo for the code (Admins and Editors): the image is stored as one of the
    organization's uploads (its storage quota and file checks apply) and set as the logo of the
    code's saved design, all or nothing. ValidationFailed when it is not an image Pillow reads."""
    require_writer(actor, organization)
    qr = qr_code_get(organization=organization, qr_code_id=qr_code_id)
    if file is None:
        raise ValidationFailed({"logo_file": "Choose an image file."})
    if getattr(file, "size", 0) > selectors.MAX_LOGO_BYTES:
        raise ValidationFailed({"logo_file": "Use an image under 10 MB as a logo."})
    try:
        logo_png_prepare(file.read())
    except ValidationFailed as err:
        raise ValidationFailed({"logo_file": err.detail["logo"]}) from err
    file.seek(0)
    with transaction.atomic():
        upload = upload_create(organization=organization, actor=actor, file=file, ip_address=ip_address)
        design = selectors.design_for(organization=organization, qr=qr).with_changes(logo=str(upload.pk))
        return qr_design_save(organization=organization, actor=actor, qr_code_id=qr.pk, design=design)
