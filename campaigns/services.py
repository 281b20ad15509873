"""Writes for campaigns. The API and the HTML pages both call these; every rule lives here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from campaigns.models import Campaign
from core.dates import DATE_OUT_OF_RANGE, date_in_range
from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from tenants.models import Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record

EDITABLE_FIELDS = ("name", "description", "start_date", "end_date", "status")
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
    activity_record(
        organization=organization, user=actor, action="delete_campaign", entity_type="campaign",
        entity_id=pk, metadata={"campaign_name": name},
    )
