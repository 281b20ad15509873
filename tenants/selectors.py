"""Reads for organizations and their people."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.enums import Classification
from tenants.models import CONTRIBUTOR_STATUSES, GB, ActivityLog, Organization, User

NEAR_LIMIT = 0.8  # from this share of a limit on, meters warn and the dashboard suggests an upgrade


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


@dataclass(frozen=True)
class LimitUsage:
    """How much of one plan limit an organization uses. `limit` None = unlimited; a limit of 0
    is full from the start (nothing more may be added)."""

    used: int
    limit: int | None

    @property
    def ratio(self) -> float:
        if self.limit is None:
            return 0.0
        return self.used / self.limit if self.limit else 1.0

    @property
    def percent(self) -> int:
        """0..100, for a meter's width."""
        return min(100, round(100 * self.ratio))

    @property
    def near_limit(self) -> bool:
        return self.limit is not None and self.ratio >= NEAR_LIMIT

    @property
    def at_limit(self) -> bool:
        """No room for one more (what the services refuse, counted the same way)."""
        return self.limit is not None and self.used >= self.limit


@dataclass(frozen=True)
class OrganizationUsage:
    contributors: LimitUsage  # active and invited users / max_contributors
    qr_codes: LimitUsage  # active QR codes / max_qr_codes
    storage_bytes: LimitUsage  # bytes stored / storage_limit_gb in bytes
    total_uploads: int


def organization_usage(*, organization: Organization) -> OrganizationUsage:
    """The organization's use of each plan limit, as the limit checks count it: contributor
    seats are active and invited users (counted); active QR codes and stored bytes are the
    organization's counters, which the QR and upload services move under the organization's
    row lock (and `scan_counters_recompute` / `uploads_reconcile` rebuild). One query, fresh
    from the database (not the possibly stale `organization` instance). Any caller that acts
    for `organization`; reads that organization only."""
    seats = (
        User.objects.filter(organization=OuterRef("pk"), status__in=CONTRIBUTOR_STATUSES)
        .order_by().values("organization").annotate(n=Count("pk")).values("n")[:1]
    )
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(contributors=Coalesce(Subquery(seats, output_field=IntegerField()), Value(0)))
        .values("contributors", "max_contributors", "total_qr_codes", "max_qr_codes",
                "storage_used_bytes", "storage_limit_gb", "total_uploads")
        .get()
    )
    return OrganizationUsage(
        contributors=LimitUsage(row["contributors"], row["max_contributors"]),
        qr_codes=LimitUsage(row["total_qr_codes"], row["max_qr_codes"]),
        storage_bytes=LimitUsage(row["storage_used_bytes"], row["storage_limit_gb"] * GB),
        total_uploads=row["total_uploads"],
    )


def team_usage(*, organization: Organization) -> dict:
    """Contributor seats: active and invited users against the plan's max_contributors (the
    team page and GET /api/team)."""
    seats = organization_usage(organization=organization).contributors
    return {"contributors_used": seats.used, "max_contributors": seats.limit}


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
        .exclude(classification=Classification.BOT)
        .select_related("qr_code")
        .order_by("-scanned_at", "-id")[:limit]
    )
