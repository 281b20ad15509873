"""Writes for QR codes. The API and the HTML pages both call these: plan limits, role checks
and destination validation are written here once.

Organization.total_qr_codes counts ACTIVE QR codes -- the number the plan limit is about and
the seed's dashboard shows -- so pausing, archiving, re-activating and deleting move it too.
Every write that changes that number locks the organization row first (then the QR row), the
same order the scan workers use, and recounts instead of trusting the counter."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.db.models.functions import TruncDate

from core.errors import LimitExceeded, NotFound, ValidationFailed
from core.ids import as_uuid
from core.scoping import related_model
from qrcodes import hooks
from qrcodes.models import QRCode, ScanEvent
from qrcodes.scanning import scan_target_forget
from tenants.models import Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record, organization_lock

SHORT_CODE_ALPHABET = string.ascii_letters + string.digits
SHORT_CODE_LENGTH = 10  # 62^10 ~ 8e17: unguessable, and short enough for a small QR symbol
MAX_URL_LENGTH = 2048
ENTITY = "qr_code"

_url_validator = URLValidator(schemes=["http", "https"])


def short_code_generate() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def qr_url_validate(value: Any) -> str:
    """An absolute http(s) URL with a host, at most 2048 characters; "" stays "" (no URL).
    Rejects javascript:, data:, relative and scheme-less URLs, and credentials in the URL."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({"qr_url": "Must be a string."})
    url = value.strip()
    if not url:
        return ""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationFailed({"qr_url": f"At most {MAX_URL_LENGTH} characters."})
    try:
        _url_validator(url)
    except DjangoValidationError as e:
        raise ValidationFailed({"qr_url": "Enter a full http:// or https:// URL with a host."}) from e
    if "@" in url.split("/", 3)[2]:
        raise ValidationFailed({"qr_url": "URLs with a user name or password are not allowed."})
    return url


def _text(data: dict, field: str, *, required: bool, limit: int = 255) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed({field: "Must be a string."})
    value = value.strip()
    if required and not value:
        raise ValidationFailed({field: "This field is required."})
    if len(value) > limit:
        raise ValidationFailed({field: f"At most {limit} characters."})
    return value


def _owned(model, organization: Organization, value: Any, field: str):
    """The organization's row for an id from input, None for null; the same 400 for a
    malformed, missing or another organization's id, so nothing leaks."""
    if value in (None, ""):
        return None
    pk = as_uuid(value)
    obj = model.objects.filter(organization=organization, pk=pk).first() if pk else None
    if obj is None:
        raise ValidationFailed({field: "Not found in your organization."})
    return obj


def _active_count(organization: Organization) -> int:
    return QRCode.objects.filter(organization=organization, status=QRCode.Status.ACTIVE).count()




def _check_limit(org: Organization, *, active_now: int) -> None:
    if org.max_qr_codes is not None and active_now >= org.max_qr_codes:
        raise LimitExceeded(
            f"Your plan allows {org.max_qr_codes} active QR codes and you have {active_now}. "
            "Pause or archive one, or upgrade your plan."
        )


def _sync_total(org: Organization) -> None:
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=_active_count(org))


def qr_code_lock(organization: Organization, qr_code_id: Any) -> QRCode:
    """The organization's code, its row locked for this transaction; NotFound otherwise."""
    pk = as_uuid(qr_code_id)
    qr = QRCode.objects.filter(organization=organization, pk=pk).select_for_update().first() if pk else None
    if qr is None:
        raise NotFound("QR code not found.")
    return qr


def _destination(organization: Organization, data: dict, *, current: QRCode | None = None) -> dict:
    """Validated qr_url / linked_content / campaign from input; a QR code needs a URL or content."""
    out: dict = {}
    if current is None or "qr_url" in data:
        out["qr_url"] = qr_url_validate(data.get("qr_url"))
    if current is None or "linked_content_id" in data:
        uploads = related_model(QRCode, "linked_content")  # uploads is a layer above
        out["linked_content"] = _owned(uploads, organization, data.get("linked_content_id"), "linked_content_id")
    if current is None or "campaign_id" in data:
        campaigns = related_model(QRCode, "campaign")  # campaigns is a layer above
        out["campaign"] = _owned(campaigns, organization, data.get("campaign_id"), "campaign_id")
    qr_url = out.get("qr_url", current.qr_url if current else "")
    content = out["linked_content"] if "linked_content" in out else (current.linked_content if current else None)
    if not qr_url and content is None:
        raise ValidationFailed({"qr_url": "Give a destination URL or link an uploaded file."})
    return out


@transaction.atomic
def qr_code_create(*, organization: Organization, actor: User, data: dict) -> QRCode:
    """Create an active QR code for `organization` (Admins and Editors). Fields: name (required),
    location, qr_url and/or linked_content_id, campaign_id. Refuses the (max_qr_codes+1)-th
    active code with LimitExceeded, also under concurrency: the organization row is locked
    before counting."""
    require_writer(actor, organization)
    name = _text(data, "name", required=True)
    location = _text(data, "location", required=False)
    dest = _destination(organization, data)
    org = organization_lock(organization)
    active = _active_count(org)
    _check_limit(org, active_now=active)
    for _ in range(5):
        try:
            with transaction.atomic():
                qr = QRCode.objects.create(
                    organization=org, created_by_user=actor, name=name, location=location,
                    short_code=short_code_generate(), **dest,
                )
            break
        except IntegrityError:  # a short-code collision: astronomically rare, just draw again
            continue
    else:
        raise RuntimeError("could not draw a unique short code")
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=active + 1)
    hooks.run(hooks.qr_code_created, qr)  # studio: the default brand kit's design
    activity_record(
        organization=org, user=actor, action="create_qr_code", entity_type=ENTITY, entity_id=qr.pk,
        metadata={"name": qr.name, "qr_url": qr.qr_url},
    )
    return qr


_STATUS_ACTIONS = {
    QRCode.Status.ACTIVE: "activate_qr_code",
    QRCode.Status.PAUSED: "pause_qr_code",
    QRCode.Status.ARCHIVED: "archive_qr_code",
}


def _set_status(org: Organization, qr: QRCode, status: str) -> bool:
    """Apply a status change under the organization lock; True if it changed."""
    if status not in QRCode.Status.values:
        raise ValidationFailed({"status": f"Use one of {', '.join(QRCode.Status.values)}."})
    if status == qr.status:
        return False
    if status == QRCode.Status.ACTIVE:
        _check_limit(org, active_now=_active_count(org))
    qr.status = status
    return True


@transaction.atomic
def qr_code_update(*, organization: Organization, actor: User, qr_code_id: Any, data: dict) -> QRCode:
    """Change name, location, destination, campaign and/or status of one of the organization's
    QR codes (Admins and Editors). Re-activating counts against the plan limit."""
    require_writer(actor, organization)
    changes: dict = {}
    if "name" in data:
        changes["name"] = _text(data, "name", required=True)
    if "location" in data:
        changes["location"] = _text(data, "location", required=False)
    org = organization_lock(organization)
    qr = qr_code_lock(org, qr_code_id)
    changes.update(_destination(org, data, current=qr) if {"qr_url", "linked_content_id", "campaign_id"} & set(data) else {})
    changed = [f for f, v in changes.items() if getattr(qr, f) != v]
    if "qr_url" in changed:  # a destination version, recorded before the URL changes (imports this module)
        from qrcodes.destinations import destination_version_record
        destination_version_record(actor=actor, qr=qr, qr_url=changes["qr_url"])
    for field in changed:
        setattr(qr, field, changes[field])
    if "status" in data and _set_status(org, qr, data["status"]):
        changed.append("status")
    if changed:
        qr.save()
        _sync_total(org)
        scan_target_forget(qr)
        action = _STATUS_ACTIONS[qr.status] if changed == ["status"] else "update_qr_code"
        activity_record(
            organization=org, user=actor, action=action, entity_type=ENTITY, entity_id=qr.pk,
            metadata={"name": qr.name, "changed": changed},
        )
    return qr


def qr_code_set_status(*, organization: Organization, actor: User, qr_code_id: Any, status: str) -> QRCode:
    """Pause, archive or re-activate (the dashboard's buttons); see qr_code_update."""
    return qr_code_update(organization=organization, actor=actor, qr_code_id=qr_code_id, data={"status": status})


def qr_code_delete(*, organization: Organization, actor: User, qr_code_id: Any) -> None:
    """Delete a QR code and its scan events (Admins and Editors); its counted scans leave the
    organization's total and, in the same transaction, every analytics rollup (the
    qrcodes.hooks.qr_codes_deleting hook), which then equals a rebuild from the remaining
    scans. Archive instead to keep the history. Retried on a deadlock with a
    scan worker that claimed one of its newest events in the same instant."""
    require_writer(actor, organization)
    for attempt in range(3):
        try:
            with transaction.atomic():
                _delete(organization, actor, qr_code_id)
            return
        except OperationalError:
            if attempt == 2:
                raise


def _delete(organization: Organization, actor: User, qr_code_id: Any) -> None:
    pk = as_uuid(qr_code_id)
    if pk is None or not QRCode.objects.filter(organization=organization, pk=pk).exists():
        raise NotFound("QR code not found.")
    # The days its scans fall on, for the platform-wide daily cells (qrcodes.hooks).
    days = list(ScanEvent.objects.filter(organization=organization, qr_code_id=pk)
                .annotate(day=TruncDate("scanned_at", tzinfo=dt.UTC)).order_by().values_list("day", flat=True).distinct())
    # Events first (the workers' lock order): waits for a batch that holds some of them.
    ScanEvent.objects.filter(organization=organization, qr_code_id=pk).delete()
    org = organization_lock(organization)
    qr = qr_code_lock(org, pk)
    ScanEvent.objects.filter(organization=org, qr_code_id=pk).delete()  # scans since the first pass
    Organization.objects.filter(pk=org.pk).update(total_qr_scans=F("total_qr_scans") - qr.total_scans)
    # Analytics takes the code's scans out of its rollups, under these locks (qrcodes.hooks).
    hooks.run(hooks.qr_codes_deleting, org.pk, [pk])
    hooks.run(hooks.scan_days_forgotten, days)
    scan_target_forget(qr)
    name = qr.name
    qr.delete()
    _sync_total(org)
    activity_record(
        organization=org, user=actor, action="delete_qr_code", entity_type=ENTITY, entity_id=pk,
        metadata={"name": name},
    )


@transaction.atomic
def qr_codes_create_many(*, organization: Organization, actor: User, rows: list[dict]) -> list[QRCode]:
    """Create one active QR code per row, all or none (Admins and Editors; the CSV import).
    Each row has the fields of qr_code_create and is validated by the same rules; a refusal
    names the row (0-based) as `rows.<i>.<field>`. The organization row is locked once and
    the active codes recounted under it, so two imports at once never pass the plan limit
    together: LimitExceeded when the rows do not all fit. One activity row for the batch."""
    require_writer(actor, organization)
    campaigns = related_model(QRCode, "campaign")  # campaigns is a layer above
    owned: dict[Any, Any] = {}
    prepared: list[dict] = []
    for i, data in enumerate(rows):
        try:
            fields = {"name": _text(data, "name", required=True), "location": _text(data, "location", required=False)}
            # Most rows share a few campaigns: each id is resolved once, by the same rule.
            campaign_id = data.get("campaign_id")
            key = str(campaign_id) if campaign_id not in (None, "") else None
            if key not in owned:
                owned[key] = _owned(campaigns, organization, campaign_id, "campaign_id")
            fields.update(_destination(organization, {**data, "campaign_id": None}))
            fields["campaign"] = owned[key]
        except ValidationFailed as err:
            detail = err.detail if isinstance(err.detail, dict) else {"row": err.detail}
            raise ValidationFailed({f"rows.{i}.{field}": msg for field, msg in detail.items()}) from err
        prepared.append(fields)
    if not prepared:
        return []
    org = organization_lock(organization)
    active = _active_count(org)
    if org.max_qr_codes is not None and active + len(prepared) > org.max_qr_codes:
        raise LimitExceeded(
            f"Your plan allows {org.max_qr_codes} active QR codes; you have {active}, this import adds "
            f"{len(prepared)}. Nothing was created: pause or archive codes, upgrade your plan, or import fewer rows."
        )
    for _ in range(5):
        codes = [QRCode(organization=org, created_by_user=actor, short_code=short_code_generate(), **fields)
                 for fields in prepared]
        try:
            with transaction.atomic():
                QRCode.objects.bulk_create(codes)
            break
        except IntegrityError:  # a short-code collision: astronomically rare, draw them all again
            continue
    else:
        raise RuntimeError("could not draw unique short codes")
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=active + len(codes))
    for qr in codes:
        hooks.run(hooks.qr_code_created, qr)  # studio: the default brand kit's design
    activity_record(organization=org, user=actor, action="import_qr_codes", entity_type=ENTITY, entity_id="",
                    metadata={"count": len(codes)})
    return codes
