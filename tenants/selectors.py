"""Reads for organizations and their people."""

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
