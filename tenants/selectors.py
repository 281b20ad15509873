"""Reads for organizations and their people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from core.enums import Classification
from tenants import plans
from tenants.activity_text import activity_sentence, activity_where
from tenants.models import CONTRIBUTOR_STATUSES, GB, ActivityLog, Organization, PlanChangeRequest, User

NEAR_LIMIT = 0.8  # from this share of a limit on, meters warn and the dashboard suggests an upgrade


def user_list(*, organization: Organization) -> QuerySet[User]:
    """The organization's users (User.objects is not tenant-scoped: auth needs email lookups)."""
    return User.objects.filter(organization=organization).order_by("created_at")


def activity_recent(*, organization: Organization, limit: int = 10) -> list[dict]:
    """The seed's recent-activity shape (action, entity_type, created_at, user_name, metadata),
    plus `sentence` ("John Smith created the QR code “Front window”") and `where` ("City,
    Country" or "—"), built from the rows alone (tenants.activity_text): one query."""
    rows = (
        ActivityLog.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        {
            "action": a.action,
            "entity_type": a.entity_type,
            "entity_id": a.entity_id,
            "created_at": a.created_at,
            "user_name": a.user.full_name if a.user else "",
            "metadata": a.metadata,
            "sentence": activity_sentence(action=a.action, user=a.user, metadata=a.metadata),
            "where": activity_where(location=a.location, ip_address=a.ip_address),
        }
        for a in rows
    ]


def activity_rows(rows: Iterable[ActivityLog]) -> list[ActivityLog]:
    """The activity page's rows (selected with their user) given `sentence` and `where`
    attributes, as activity_recent's dicts carry them; no query per row."""
    out = []
    for a in rows:
        a.sentence = activity_sentence(action=a.action, user=a.user, metadata=a.metadata)
        a.where = activity_where(location=a.location, ip_address=a.ip_address)
        out.append(a)
    return out


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


# --- Plans: what a plan change needs first, and the requests -------------------------------

BLOCKER_LIST_MAX = 20  # candidates named in a blocker; the rest are counted


@dataclass(frozen=True)
class PlanBlockers:
    """What must go before `to_plan`'s limits hold: the excess over each limit and, for QR codes
    and users, the candidates to remove (as many as the excess, at most BLOCKER_LIST_MAX named).
    Empty (falsy) when the organization already fits the plan."""

    to_plan: str
    qr_codes_over: int = 0
    qr_code_candidates: tuple = ()  # qrcodes.QRCode rows, least scanned first
    users_over: int = 0
    user_candidates: tuple = ()  # User rows: invitations first, then the least recently logged in
    bytes_over: int = 0

    def __bool__(self) -> bool:
        return bool(self.qr_codes_over or self.users_over or self.bytes_over)

    @property
    def lines(self) -> list[str]:
        """One sentence per limit, in the page's words."""
        from django.template.defaultfilters import filesizeformat

        out = []
        if self.qr_codes_over:
            names = ", ".join(f"{c.name} ({c.total_scans} scans)" for c in self.qr_code_candidates)
            more = self.qr_codes_over - len(self.qr_code_candidates)
            out.append(
                f"Pause, archive or delete {self.qr_codes_over} active QR code{'s' if self.qr_codes_over != 1 else ''}"
                f" (least scanned: {names}{f' and {more} more' if more > 0 else ''})."
            )
        if self.users_over:
            names = ", ".join(u.email for u in self.user_candidates)
            more = self.users_over - len(self.user_candidates)
            out.append(
                f"Deactivate {self.users_over} user{'s' if self.users_over != 1 else ''} or cancel their invitations"
                f" (for example {names}{f' and {more} more' if more > 0 else ''})."
            )
        if self.bytes_over:
            out.append(f"Delete {filesizeformat(self.bytes_over)} of uploads.".replace("\xa0", " "))
        return out

    @property
    def message(self) -> str:
        label = plans.PLANS[self.to_plan].label if self.to_plan in plans.PLANS else self.to_plan
        return f"To move to {label}, first: " + " ".join(self.lines)


def plan_change_blockers(*, organization: Organization, to_plan: str) -> PlanBlockers:
    """What `organization` must remove before the limits of `to_plan` hold (nothing for a plan
    at least as large). Counted as the limit checks count: active QR codes, active and invited
    users, stored bytes. Reads `organization` only, through the bound organization's managers
    (bind it first outside a request, as the console's approval does)."""
    plan = plans.PLANS[to_plan]
    usage = organization_usage(organization=organization)
    qr_over = users_over = bytes_over = 0
    qr_candidates: tuple = ()
    user_candidates: tuple = ()
    if plan.max_qr_codes is not None:
        qr_code = apps.get_model("qrcodes", "QRCode")  # tenants sits below qrcodes: by name
        active = qr_code.objects.filter(organization=organization, status="active")
        qr_over = max(0, active.count() - plan.max_qr_codes)
        if qr_over:
            qr_candidates = tuple(
                active.order_by("total_scans", "last_scanned_at", "created_at", "pk")[: min(qr_over, BLOCKER_LIST_MAX)]
            )
    if plan.max_contributors is not None:
        users_over = max(0, usage.contributors.used - plan.max_contributors)
        if users_over:
            seats = user_list(organization=organization).filter(status__in=CONTRIBUTOR_STATUSES)
            user_candidates = tuple(
                seats.order_by(
                    Case(When(status=User.Status.INVITED, then=Value(0)), default=Value(1)),
                    Case(When(role=User.Role.ADMIN, then=Value(1)), default=Value(0)),
                    F("last_login_at").asc(nulls_first=True), "created_at",
                )[: min(users_over, BLOCKER_LIST_MAX)]
            )
    bytes_over = max(0, usage.storage_bytes.used - plan.storage_limit_gb * GB)
    return PlanBlockers(
        to_plan=to_plan, qr_codes_over=qr_over, qr_code_candidates=qr_candidates,
        users_over=users_over, user_candidates=user_candidates, bytes_over=bytes_over,
    )


def plan_change_pending(*, organization: Organization) -> PlanChangeRequest | None:
    """The organization's open plan-change request, if any (at most one: a constraint)."""
    return (
        PlanChangeRequest.objects.filter(organization=organization, status=PlanChangeRequest.Status.PENDING)
        .select_related("requested_by").first()
    )


def plan_change_list(*, organization: Organization, limit: int = 50) -> list[PlanChangeRequest]:
    """The organization's plan-change requests, newest first (the Plan page's history)."""
    return list(
        PlanChangeRequest.objects.filter(organization=organization)
        .select_related("requested_by", "decided_by").order_by("-created_at", "-id")[:limit]
    )
