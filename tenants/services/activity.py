"""The activity log: rows written by the services, and client events from the dashboard (POST /api/activity/track)."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db import transaction

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from tenants.models import ActivityLog, Organization, User
from tenants.roles import require_member


def activity_record(
    *,
    organization: Organization,
    user: User | None,
    action: str,
    entity_type: str = "",
    entity_id: Any = "",
    metadata: dict | None = None,
    ip_address: str | None = None,
    location: str = "",
) -> ActivityLog:
    """Append one row to the organization's activity feed."""
    return ActivityLog.all_orgs.create(
        organization=organization,
        user=user,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id or ""),
        metadata=metadata or {},
        ip_address=ip_address,
        location=location,
    )


# action -> entity types it may name. Only these can be written from the outside; every other
# activity row is written by the service that did the work.
TRACKABLE_ACTIONS: dict[str, frozenset[str]] = {
    "campaign_social_share": frozenset({"campaign"}),
    "campaign_link_copy": frozenset({"campaign"}),
    "qr_code_download": frozenset({"qr_code"}),
    "qr_code_share": frozenset({"qr_code"}),
    "file_share": frozenset({"file"}),
    "file_download": frozenset({"file"}),
}


SHARE_PLATFORMS = frozenset({"facebook", "x", "twitter", "linkedin", "whatsapp", "copy_link", "email"})


# entity_type -> "app_label.Model" of the tenant-owned row it names.
TRACKABLE_ENTITIES = {"campaign": "campaigns.Campaign", "qr_code": "qrcodes.QRCode", "file": "uploads.UploadedFile"}


METADATA_MAX_KEYS = 10


METADATA_MAX_BYTES = 1024


METADATA_MAX_STRING = 200


def _validate_track_metadata(action: str, metadata: Any) -> dict[str, Any]:
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValidationFailed({"metadata": "Must be a JSON object."})
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValidationFailed({"metadata": f"At most {METADATA_MAX_KEYS} keys."})
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise ValidationFailed({"metadata": "Keys must be strings of 1 to 64 characters."})
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValidationFailed({"metadata": f"{key}: values must be strings, numbers, booleans or null."})
        if isinstance(value, str) and len(value) > METADATA_MAX_STRING:
            raise ValidationFailed({"metadata": f"{key}: at most {METADATA_MAX_STRING} characters."})
    if len(json.dumps(metadata)) > METADATA_MAX_BYTES:
        raise ValidationFailed({"metadata": f"At most {METADATA_MAX_BYTES} bytes of JSON."})
    if action == "campaign_social_share" and metadata.get("platform") not in SHARE_PLATFORMS:
        raise ValidationFailed({"metadata": f"platform must be one of {', '.join(sorted(SHARE_PLATFORMS))}."})
    return metadata


@transaction.atomic
def activity_track(
    *,
    organization: Organization,
    actor: User,
    action: Any,
    entity_type: Any,
    entity_id: Any,
    metadata: Any = None,
    ip_address: str | None = None,
) -> ActivityLog:
    """Record a client-side event (a share click, a QR download) for any member, Viewers
    included: it logs what they did, it changes no content. Only allow-listed actions with
    an entity of the caller's organization; ValidationFailed (400) otherwise, NotFound (404)
    for an entity id that is missing or another organization's."""
    require_member(actor, organization)
    if not isinstance(action, str) or action not in TRACKABLE_ACTIONS:
        raise ValidationFailed({"action": f"Use one of {', '.join(sorted(TRACKABLE_ACTIONS))}."})
    if not isinstance(entity_type, str) or entity_type not in TRACKABLE_ACTIONS[action]:
        raise ValidationFailed({"entity_type": f"{action} takes {', '.join(sorted(TRACKABLE_ACTIONS[action]))}."})
    cleaned = _validate_track_metadata(action, metadata)
    pk = as_uuid(entity_id)
    if pk is None:
        raise ValidationFailed({"entity_id": "Must be the id (UUID) of the entity."})
    model = apps.get_model(TRACKABLE_ENTITIES[entity_type])
    if not model.objects.filter(organization=organization, pk=pk).exists():
        raise NotFound(f"No {entity_type.replace('_', ' ')} with this id.")
    return activity_record(
        organization=organization, user=actor, action=action, entity_type=entity_type, entity_id=pk,
        metadata=cleaned, ip_address=ip_address,
    )
