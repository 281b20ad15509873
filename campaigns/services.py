"""Writes for campaigns. The API and the HTML pages both call these; every rule lives here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from campaigns.models import Campaign, CampaignShareClick
from campaigns.sharing import share_target_forget
from core.dates import DATE_OUT_OF_RANGE, date_in_range
from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from qrcodes.services import qr_url_validate
from tenants.models import Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record

EDITABLE_FIELDS = ("name", "description", "start_date", "end_date", "status", "share_url")
MAX_ATTACH = 500  # QR codes per attach/remove request
NAME_MAX = 255
DESCRIPTION_MAX = 5000


def _parse_date(value: Any, field: str, errors: dict[str, str]) -> dt.date | None:
    if value is None or value == "":
        return None
    day = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if day is None:
        errors[field] = "Enter a date as YYYY-MM-DD."
    elif not date_in_range(day):  # the campaign page's date arithmetic must never overflow
        errors[field] = DATE_OUT_OF_RANGE
        day = None
    return day


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        return str(next(iter(detail.values()), "Invalid value."))
    return str(detail)


def _clean(data: dict[str, Any], *, current: Campaign | None) -> dict[str, Any]:
    """Validate the given fields (all of them on create, the sent ones on update).
    Raises ValidationFailed (field -> message); returns python values."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", code="invalid_body")
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        errors.update({key: "Unknown field." for key in unknown})
    cleaned: dict[str, Any] = {}
    if "name" in data or current is None:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "This field is required."
        elif len(name.strip()) > NAME_MAX:
            errors["name"] = f"At most {NAME_MAX} characters."
        else:
            cleaned["name"] = name.strip()
    if "description" in data:
        description = data.get("description")
        if description is None:
            description = ""
        if not isinstance(description, str):
            errors["description"] = "Must be a string."
        elif len(description) > DESCRIPTION_MAX:
            errors["description"] = f"At most {DESCRIPTION_MAX} characters."
        else:
            cleaned["description"] = description.strip()
    for field in ("start_date", "end_date"):
        if field in data:
            cleaned[field] = _parse_date(data[field], field, errors)
    if "status" in data or current is None:
        status = data.get("status") or Campaign.Status.DRAFT
        if status not in Campaign.Status.values:
            errors["status"] = f"Use one of {', '.join(Campaign.Status.values)}."
        else:
            cleaned["status"] = status
    if "share_url" in data:
        share_url = data.get("share_url")
        if share_url is None or (isinstance(share_url, str) and not share_url.strip()):
            cleaned["share_url"] = ""
        else:
            try:
                cleaned["share_url"] = qr_url_validate(share_url)
            except ValidationFailed as err:
                errors["share_url"] = _first_message(err.detail)
    start = cleaned.get("start_date", current.start_date if current else None)
    end = cleaned.get("end_date", current.end_date if current else None)
    if "start_date" not in errors and "end_date" not in errors and start and end and end < start:
        errors["end_date"] = "The end date cannot be before the start date."
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def campaign_get_for_update(*, organization: Organization, campaign_id: Any) -> Campaign:
    """The organization's campaign, locked; NotFound for a missing, foreign or malformed id."""
    pk = as_uuid(campaign_id)
    campaign = (
        Campaign.objects.select_for_update().filter(organization=organization, pk=pk).first() if pk else None
    )
    if campaign is None:
        raise NotFound("Campaign not found.")
    return campaign


@transaction.atomic
def campaign_create(*, organization: Organization, actor: User, data: dict[str, Any]) -> Campaign:
    """Create a campaign (Admins and Editors). Raises PermissionDenied / ValidationFailed."""
    require_writer(actor, organization)
    cleaned = _clean(data, current=None)
    campaign = Campaign.objects.create(organization=organization, created_by_user=actor, **cleaned)
    activity_record(
        organization=organization, user=actor, action="create_campaign", entity_type="campaign",
        entity_id=campaign.pk, metadata={"campaign_name": campaign.name},
    )
    return campaign


@transaction.atomic
def campaign_update(*, organization: Organization, actor: User, campaign_id: Any, data: dict[str, Any]) -> Campaign:
    """Change the sent fields of a campaign (Admins and Editors)."""
    require_writer(actor, organization)
    campaign = campaign_get_for_update(organization=organization, campaign_id=campaign_id)
    cleaned = _clean(data, current=campaign)
    changed = sorted(k for k, v in cleaned.items() if getattr(campaign, k) != v)
    for key, value in cleaned.items():
        setattr(campaign, key, value)
    campaign.save()
    share_target_forget(campaign.share_code)
    if changed:
        activity_record(
            organization=organization, user=actor, action="update_campaign", entity_type="campaign",
            entity_id=campaign.pk, metadata={"campaign_name": campaign.name, "changed": changed},
        )
    return campaign


@transaction.atomic
def campaign_delete(*, organization: Organization, actor: User, campaign_id: Any) -> None:
    """Delete a campaign (Admins and Editors). Its QR codes and uploads stay, unlinked."""
    require_writer(actor, organization)
    campaign = campaign_get_for_update(organization=organization, campaign_id=campaign_id)
    name, pk = campaign.name, campaign.pk
    campaign.delete()
    share_target_forget(campaign.share_code)
    activity_record(
        organization=organization, user=actor, action="delete_campaign", entity_type="campaign",
        entity_id=pk, metadata={"campaign_name": name},
    )


def _qr_ids(values: Any, field: str) -> list:
    """The distinct UUIDs of a list of QR code ids; ValidationFailed for anything else."""
    if not isinstance(values, (list, tuple)):
        raise ValidationFailed({field: "Send a list of QR code ids."})
    if len(values) > MAX_ATTACH:
        raise ValidationFailed({field: f"At most {MAX_ATTACH} QR codes at once."})
    ids = []
    for value in values:
        pk = as_uuid(value)
        if pk is None:
            raise ValidationFailed({field: f"Not a QR code id: {str(value)[:64]}."})
        if pk not in ids:
            ids.append(pk)
    return ids


def _owned_codes(organization: Organization, ids: list, field: str) -> list[QRCode]:
    """The organization's QR codes with these ids, locked (id order: the order the QR services
    lock in). Any id that is not one of its codes (missing or another organization's) refuses
    the whole request, naming no foreign object."""
    codes = list(QRCode.objects.select_for_update().filter(organization=organization, pk__in=ids).order_by("pk"))
    if len(codes) != len(ids):
        found = {c.pk for c in codes}
        unknown = [str(pk) for pk in ids if pk not in found]
        raise ValidationFailed({field: f"No such QR code in your organization: {', '.join(unknown[:5])}."})
    return codes


@transaction.atomic
def campaign_attach_qr_codes(*, organization: Organization, actor: User, campaign_id: Any, qr_ids: Any) -> list[QRCode]:
    """Put several of the organization's QR codes in a campaign at once (Admins and Editors).
    All or nothing: an id that is not one of the organization's codes refuses the request and
    writes nothing. Codes already in the campaign are left as they are (idempotent); a code in
    another campaign moves to this one. One activity row names the codes that moved.
    Returns the codes that changed."""
    require_writer(actor, organization)
    campaign = campaign_get_for_update(organization=organization, campaign_id=campaign_id)
    ids = _qr_ids(qr_ids, "qr_code_ids")
    if not ids:
        raise ValidationFailed({"qr_code_ids": "Choose at least one QR code."})
    codes = _owned_codes(organization, ids, "qr_code_ids")
    moved = [c for c in codes if c.campaign_id != campaign.pk]
    return _codes_move(organization, actor, campaign, moved, into=True)


@transaction.atomic
def campaign_detach_qr_codes(*, organization: Organization, actor: User, campaign_id: Any, qr_ids: Any) -> list[QRCode]:
    """Take QR codes out of a campaign (Admins and Editors); they stay, with no campaign. All or
    nothing like campaign_attach_qr_codes; a code of the organization not in this campaign is
    left as it is. Returns the codes that changed."""
    require_writer(actor, organization)
    campaign = campaign_get_for_update(organization=organization, campaign_id=campaign_id)
    ids = _qr_ids(qr_ids, "remove")
    if not ids:
        raise ValidationFailed({"remove": "Choose at least one QR code."})
    codes = _owned_codes(organization, ids, "remove")
    removed = [c for c in codes if c.campaign_id == campaign.pk]
    return _codes_move(organization, actor, campaign, removed, into=False)


def _codes_move(organization: Organization, actor: User, campaign: Campaign, codes: list[QRCode], *,
                into: bool) -> list[QRCode]:
    """Put `codes` in the campaign (into) or take them out, with one activity row; the share
    link's cached target is forgotten (its destination may be the first code's)."""
    if codes:
        QRCode.objects.filter(organization=organization, pk__in=[c.pk for c in codes]).update(
            campaign=campaign if into else None)
        activity_record(
            organization=organization, user=actor, entity_type="campaign", entity_id=campaign.pk,
            action="campaign_add_qr_codes" if into else "campaign_remove_qr_codes",
            metadata={"campaign_name": campaign.name, "count": len(codes), "qr_code_ids": [str(c.pk) for c in codes]},
        )
        share_target_forget(campaign.share_code)
    return codes


def campaign_share_clicks_record(*, organization: Organization, campaign: Campaign,
                                 clicked_at: list[dt.datetime], is_bot: bool = False,
                                 user_agent: str = "", referrer_url: str = "") -> int:
    """Add share clicks of a campaign in bulk (demo data, imports): one row per time in
    `clicked_at` (aware datetimes), in one INSERT per 5000. Touches no QR code. Not for the
    request path (that is campaigns.sharing.share_click_capture). Returns the rows added."""
    if campaign.organization_id != organization.pk:
        raise NotFound("Campaign not found.")
    rows = [CampaignShareClick(organization_id=organization.pk, campaign_id=campaign.pk, clicked_at=at,
                               is_bot=is_bot, user_agent=user_agent, referrer_url=referrer_url)
            for at in clicked_at]
    CampaignShareClick.all_orgs.bulk_create(rows, batch_size=5000)
    return len(rows)


@transaction.atomic
def campaign_change_qr_codes(*, organization: Organization, actor: User, campaign_id: Any,
                             add: Any = None, remove: Any = None) -> dict[str, list[QRCode]]:
    """Attach `add` and take out `remove` (lists of QR code ids) in one transaction: both or
    neither. At least one of them must name a code. Returns {"added": [...], "removed": [...]}."""
    require_writer(actor, organization)
    campaign_get_for_update(organization=organization, campaign_id=campaign_id)  # 404 before the body
    add = [] if add is None else add
    remove = [] if remove is None else remove
    if not add and not remove:
        raise ValidationFailed({"qr_code_ids": "Choose at least one QR code."})
    added = campaign_attach_qr_codes(organization=organization, actor=actor, campaign_id=campaign_id,
                                     qr_ids=add) if add else []
    removed = campaign_detach_qr_codes(organization=organization, actor=actor, campaign_id=campaign_id,
                                       qr_ids=remove) if remove else []
    return {"added": added, "removed": removed}
