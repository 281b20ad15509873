"""Brand kits: an organization's named designs that its team applies to codes in one click.

Admins and Editors create, edit, delete and apply kits; every member reads them (a Viewer may
print a code in a kit's design without changing the code: studio.services.artwork_create).
At most one kit is the default, which new codes start from (studio.services.
qr_design_default_apply). Kit writes of one organization take its row lock first, so two
people naming two kits alike, or making two kits the default, at the same moment get a plain
error, not an IntegrityError."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from studio import selectors
from studio.design import DEFAULT, Design, design_load
from studio.models import BrandKit, QRDesign
from studio.services import design_validate
from tenants.models import Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record
from uploads.models import UploadedFile

NAME_MAX = 80
MAX_APPLY = 500  # QR codes per apply request (campaigns.services.MAX_ATTACH alike)
FIELDS = ("name", "is_default", "design")
NAME_TAKEN = "Your organization already has a brand kit with this name."
LOGO_GONE = "The logo of this kit was deleted from your uploads; it is shown without a logo."


# ---- reads ----------------------------------------------------------------------------------

def brand_kit_get(*, organization: Organization, kit_id: Any) -> BrandKit:
    """One of the organization's kits; NotFound for a malformed, missing or foreign id."""
    pk = as_uuid(kit_id)
    kit = BrandKit.objects.filter(organization=organization, pk=pk).first() if pk else None
    if kit is None:
        raise NotFound("Brand kit not found.")
    return kit


@dataclass(frozen=True)
class KitDesign:
    """A kit's design as it can be shown: `design` without the logo when its upload is gone
    (`logo_missing`), the stored one otherwise."""

    design: Design
    logo_missing: bool


def brand_kit_design(*, organization: Organization, kit: BrandKit) -> KitDesign:
    """The kit's design, checked against the organization's uploads (one query with a logo)."""
    design = design_load(kit.design)
    if not design.logo:
        return KitDesign(design, False)
    try:
        selectors.logo_upload(organization=organization, upload_id=design.logo)
    except (ValidationFailed, NotFound):
        return KitDesign(design.with_changes(logo=None), True)
    return KitDesign(design, False)


def logo_choices(*, organization: Organization) -> QuerySet[UploadedFile]:
    """The organization's uploads a kit may use as its logo (images), newest first."""
    return (UploadedFile.objects.filter(organization=organization, file_type__in=sorted(selectors.LOGO_TYPES),
                                        file_size_bytes__lte=selectors.MAX_LOGO_BYTES)
            .order_by("-created_at"))


# ---- validation -----------------------------------------------------------------------------

def _name_clean(value: Any, errors: dict[str, str]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors["name"] = "Give the kit a name."
        return ""
    name = " ".join(value.split())
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        errors["name"] = "Use letters, digits, spaces and punctuation only."
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    return name


def _clean(organization: Organization, data: Any, *, current: BrandKit | None) -> dict[str, Any]:
    """The sent fields (all on create), validated: name, is_default (a boolean; an HTML form's
    checkbox is made one by the view), design (a Design, or a mapping of design fields that
    changes only what it names). Raises ValidationFailed with every bad field named."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("Send a JSON object.", code="invalid_body")
    errors: dict[str, str] = {key: "Unknown field." for key in sorted(set(data) - set(FIELDS))}
    cleaned: dict[str, Any] = {}
    if "name" in data or current is None:
        cleaned["name"] = _name_clean(data.get("name"), errors)
    if "is_default" in data:
        if not isinstance(data["is_default"], bool):
            errors["is_default"] = "Must be true or false."
        else:
            cleaned["is_default"] = data["is_default"]
    if "design" in data or current is None:
        base = design_load(current.design) if current else DEFAULT
        raw = data.get("design")
        try:
            design = DEFAULT if raw is None and current is None else \
                design_validate(organization=organization, data=raw, base=base)
        except ValidationFailed as err:
            if isinstance(err.detail, dict):
                errors.update({k: str(v) for k, v in err.detail.items()})
            else:
                errors["design"] = str(err.detail)
        else:
            cleaned["design"] = design.as_dict()
    if "name" not in errors and "name" in cleaned:
        taken = BrandKit.objects.filter(organization=organization, name__iexact=cleaned["name"])
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            errors["name"] = NAME_TAKEN
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _lock_organization(organization: Organization) -> None:
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk", flat=True).first()


def _save(kit: BrandKit, *, organization: Organization, default: bool | None) -> None:
    """Write the kit; when it becomes the default, the old default stops being one first (the
    one-default constraint is checked per statement)."""
    if default:
        BrandKit.objects.filter(organization=organization, is_default=True).exclude(pk=kit.pk) \
            .update(is_default=False)
    if default is not None:
        kit.is_default = default
    try:
        with transaction.atomic():  # a savepoint: the constraint's error becomes a form error
            kit.save()
    except IntegrityError as err:
        raise ValidationFailed({"name": NAME_TAKEN}) from err


# ---- writes ---------------------------------------------------------------------------------

@transaction.atomic
def brand_kit_create(*, organization: Organization, actor: User, data: Mapping[str, Any]) -> BrandKit:
    """A new kit (Admins and Editors): `data` holds name, design and optionally is_default."""
    require_writer(actor, organization)
    _lock_organization(organization)
    cleaned = _clean(organization, data, current=None)
    kit = BrandKit(organization=organization, name=cleaned["name"], design=cleaned["design"], created_by=actor)
    _save(kit, organization=organization, default=cleaned.get("is_default", False))
    activity_record(organization=organization, user=actor, action="create_brand_kit", entity_type="brand_kit",
                    entity_id=kit.pk, metadata={"name": kit.name})
    return kit


@transaction.atomic
def brand_kit_update(*, organization: Organization, actor: User, kit_id: Any, data: Mapping[str, Any]) -> BrandKit:
    """Change the sent fields of a kit (Admins and Editors). Codes the kit was applied to keep
    their design until it is applied again; frozen artwork never changes."""
    require_writer(actor, organization)
    _lock_organization(organization)
    kit = brand_kit_get(organization=organization, kit_id=kit_id)
    cleaned = _clean(organization, data, current=kit)
    if "name" in cleaned:
        kit.name = cleaned["name"]
    if "design" in cleaned:
        kit.design = cleaned["design"]
    _save(kit, organization=organization, default=cleaned.get("is_default"))
    activity_record(organization=organization, user=actor, action="update_brand_kit", entity_type="brand_kit",
                    entity_id=kit.pk, metadata={"name": kit.name})
    return kit


@transaction.atomic
def brand_kit_delete(*, organization: Organization, actor: User, kit_id: Any) -> None:
    """Delete a kit (Admins and Editors). Codes keep the design it gave them."""
    require_writer(actor, organization)
    _lock_organization(organization)
    kit = brand_kit_get(organization=organization, kit_id=kit_id)
    name, pk = kit.name, kit.pk
    kit.delete()
    activity_record(organization=organization, user=actor, action="delete_brand_kit", entity_type="brand_kit",
                    entity_id=pk, metadata={"name": name})


def _qr_ids(values: Any) -> list[uuid.UUID]:
    """Distinct ids of the codes to apply to. A malformed id is a code that is not there (404)."""
    if not isinstance(values, (list, tuple)):
        raise ValidationFailed({"qr_code_ids": "Send a list of QR code ids."})
    if not values:
        raise ValidationFailed({"qr_code_ids": "Choose at least one QR code."})
    if len(values) > MAX_APPLY:
        raise ValidationFailed({"qr_code_ids": f"At most {MAX_APPLY} QR codes at once."})
    ids: list[uuid.UUID] = []
    for value in values:
        pk = as_uuid(value) if isinstance(value, (str, uuid.UUID)) else None
        if pk is None:
            raise NotFound("QR code not found.")
        if pk not in ids:
            ids.append(pk)
    return ids


@transaction.atomic
def brand_kit_apply(*, organization: Organization, actor: User, kit_id: Any, qr_code_ids: Any) -> list[QRCode]:
    """Give each code the kit's design (Admins and Editors), all in one transaction: a code
    that is not the organization's (missing or another's) refuses the whole request with
    NotFound, as a missing one, and nothing changes. A kit whose logo was deleted is refused
    until it is edited. One activity row names the kit and how many codes. Returns the codes
    (id order)."""
    require_writer(actor, organization)
    kit = brand_kit_get(organization=organization, kit_id=kit_id)
    ids = _qr_ids(qr_code_ids)
    if brand_kit_design(organization=organization, kit=kit).logo_missing:
        raise ValidationFailed({"logo": "The logo of this kit was deleted from your uploads: edit the kit "
                                        "and choose another logo (or none) before applying it."})
    design = design_validate(organization=organization, data=design_load(kit.design), base=DEFAULT).as_dict()
    codes = list(QRCode.objects.select_for_update().filter(organization=organization, pk__in=ids).order_by("pk"))
    if len(codes) != len(ids):
        raise NotFound("QR code not found.")
    now = timezone.now()  # bulk_update does not touch auto_now fields
    existing = {row.qr_code_id: row for row in QRDesign.objects.select_for_update()
                .filter(organization=organization, qr_code_id__in=ids)}
    for row in existing.values():
        row.design, row.brand_kit, row.updated_by, row.updated_at = design, kit, actor, now
    QRDesign.objects.bulk_update(list(existing.values()), ["design", "brand_kit", "updated_by", "updated_at"])
    QRDesign.objects.bulk_create([
        QRDesign(organization=organization, qr_code=qr, design=design, brand_kit=kit, updated_by=actor)
        for qr in codes if qr.pk not in existing
    ])
    activity_record(organization=organization, user=actor, action="apply_brand_kit", entity_type="brand_kit",
                    entity_id=kit.pk, metadata={"name": kit.name, "count": len(codes)})
    return codes
