"""Reads for organizations and their people."""

from django.apps import apps
from django.db.models import QuerySet

from tenants.models import ActivityLog, Organization, User


def user_list(*, organization: Organization) -> QuerySet[User]:
    """The organization's users (User.objects is not tenant-scoped: auth needs email lookups)."""
    return User.objects.filter(organization=organization).order_by("created_at")


def activity_recent(*, organization: Organization, limit: int = 10) -> list[dict]:
    """The seed's recent-activity shape: action, entity_type, created_at, user_name, metadata."""
    rows = (
        ActivityLog.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-created_at")[:limit]
    )
    return [
        {
            "action": a.action,
            "entity_type": a.entity_type,
            "entity_id": a.entity_id,
            "created_at": a.created_at,
            "user_name": a.user.full_name if a.user else "",
            "metadata": a.metadata,
        }
        for a in rows
    ]


def activity_list(*, organization: Organization, action: str | None = None) -> QuerySet[ActivityLog]:
    """The organization's activity feed, newest first (paginate it)."""
    qs = ActivityLog.objects.filter(organization=organization).select_related("user")
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-created_at", "-id")


def activity_actions(*, organization: Organization) -> list[str]:
    """The distinct actions in the organization's feed (for the page's filter)."""
    return sorted(
        ActivityLog.objects.filter(organization=organization).order_by().values_list("action", flat=True).distinct()
    )


def team_usage(*, organization: Organization) -> dict:
    """Contributor seats: active and invited users against the plan's max_contributors."""
    used = User.objects.filter(
        organization=organization, status__in=(User.Status.ACTIVE, User.Status.INVITED)
    ).count()
    return {"contributors_used": used, "max_contributors": organization.max_contributors}


_ACTION_PHRASES = {
    "register": "signed up the organization",
    "login": "logged in",
    "create_campaign": "created campaign",
    "update_campaign": "updated campaign",
    "delete_campaign": "deleted campaign",
    "campaign_social_share": "shared campaign",
    "campaign_link_copy": "copied the link of campaign",
    "upload_file": "uploaded",
    "delete_file": "deleted file",
    "file_share": "shared file",
    "file_download": "downloaded",
    "create_qr_code": "created QR code",
    "update_qr_code": "updated QR code",
    "delete_qr_code": "deleted QR code",
    "qr_code_download": "downloaded QR code",
    "qr_code_share": "shared QR code",
    "invite_user": "invited",
    "change_user_role": "changed the role of",
    "deactivate_user": "deactivated",
    "reactivate_user": "reactivated",
    "join_team": "joined the team",
}
_NAME_KEYS = ("campaign_name", "file_name", "qr_code_name", "name", "email")


def activity_describe(row: ActivityLog) -> str:
    """One line for the feed: "created campaign Valentine's Day Special (facebook)"."""
    phrase = _ACTION_PHRASES.get(row.action, row.action.replace("_", " "))
    meta = row.metadata if isinstance(row.metadata, dict) else {}
    name = next((str(meta[k]) for k in _NAME_KEYS if meta.get(k)), "")
    extra = meta.get("platform") or meta.get("role") or meta.get("format") or ""
    return " ".join(p for p in (phrase, name, f"({extra})" if extra else "") if p)


def scan_latest(*, organization: Organization, limit: int = 10) -> list:
    """The organization's latest non-bot scans (any QR code), for the activity page: scans are
    events of the scan pipeline, not activity rows, so the page shows them beside the feed."""
    scan_event = apps.get_model("qrcodes", "ScanEvent")
    return list(
        scan_event.objects.filter(organization=organization)
        .exclude(classification="bot")
        .select_related("qr_code")
        .order_by("-scanned_at", "-id")[:limit]
    )
