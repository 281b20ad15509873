"""Cross-tenant reads for the OI console's reports (seed section 7) and the staff API (section 8).

Only OI staff reach these (the admin site and IsOIStaff guard the doors). Every tenant-owned
table is read through `objects.unscoped()`, the explicit cross-tenant door. Each report is one
query: per-organization figures are correlated subqueries over indexed (organization_id, ...)
columns, never a Python loop over customers and never one big join whose row count multiplies
(the seed's five LEFT JOINs count users x QR codes x campaigns x ... rows per customer).

Sources (see docs/oi_console.md): organizations and their counters, users, qr_codes, campaigns,
uploaded_files and activity_log directly (small, indexed by organization); scans only through
the analytics rollup (countries reached) and the console's own daily cells (oi_admin.cells),
never a scan of raw events per page view. Reads never write: stale cells are rebuilt by a
worker, asked for after the request (scan_cells).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf, Round
from django.utils import timezone
from redis.exceptions import RedisError

from analytics.models import Dimension, Grain, OrgScanRollup
from campaigns.models import Campaign
from core.enums import Classification
from oi_admin.cells import opted_out_key, stale_days
from oi_admin.models import Daypart, ScanCell, ScanCellDay
from oi_admin.tasks import scan_cells_rebuild_request
from qrcodes.models import QRCode, ScanEvent
from qrcodes.scanning import scan_spool_client, scan_spool_dead_key, scan_spool_sizes
from tenants.models import ActivityLog, Organization, User
from tenants.plans import PAID_PLANS, SMALL_BUSINESS
from uploads.models import UploadedFile

GB = 1024**3
UPGRADE_LIMIT_SHARE = Decimal("0.6")  # seed: 60% of a plan limit
UPGRADE_ACTIVITY_30D = 50  # seed: "> 50 activities in 30 days"
CHURN_MIN_DAYS = 7
CHURN_MEDIUM_DAYS = 14
CHURN_HIGH_DAYS = 30
BEST_MIN_SCANS = 1000
BEST_MIN_CAMPAIGNS = 3
BEST_LIMIT = 20
GEO_LIMIT = 100
GLOBAL_SCANS_LIMIT = 1000
COORDINATE_DECIMALS = 2  # ~1 km: every coordinate a staff page, export or the staff API shows
DEAD_LETTERS_SHOWN = 50


def coordinate(value: float | None) -> float | None:
    """A latitude or longitude as staff see it: rounded to COORDINATE_DECIMALS (about 1 km), so
    no console page or export pins a scanner to a street."""
    return None if value is None else round(float(value), COORDINATE_DECIMALS)


@dataclass(frozen=True)
class Window:
    """A report's date window: whole UTC days, start and end included."""

    start: dt.date
    end: dt.date

    @classmethod
    def last_days(cls, days: int, *, today: dt.date | None = None) -> Window:
        today = today or timezone.now().date()
        return cls(start=today - dt.timedelta(days=days - 1), end=today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _per_org(queryset: QuerySet, aggregate: Any, output_field: Any = None) -> Subquery:
    """One figure per organization as a correlated subquery (uses the organization index)."""
    inner = (
        queryset.filter(organization=OuterRef("pk"))
        .order_by()
        .values("organization")
        .annotate(v=aggregate)
        .values("v")[:1]
    )
    return Subquery(inner, output_field=output_field)


def _count(queryset: QuerySet) -> Coalesce:
    # COUNT(*) rather than COUNT(id): PostgreSQL can answer it from the organization index alone.
    return Coalesce(_per_org(queryset, Count("*")), 0, output_field=IntegerField())


def _active_users() -> QuerySet:
    return User.objects.filter(status=User.Status.ACTIVE, organization__isnull=False)


def _active_qr_codes() -> QuerySet:
    return QRCode.objects.unscoped().filter(status=QRCode.Status.ACTIVE)


def _last_activity() -> Subquery:
    return _per_org(ActivityLog.objects.unscoped(), Max("created_at"), DateTimeField())


def customers_overview() -> QuerySet[Organization]:
    """Seed section 7, "All customers overview": every organization, newest first, with its
    active users, active QR codes, storage used (sum of its uploads), campaigns and last activity.
    A queryset, so a page of it costs the subqueries for that page only."""
    storage = Coalesce(
        _per_org(UploadedFile.objects.unscoped(), Sum("file_size_bytes"), BigIntegerField()),
        0,
        output_field=BigIntegerField(),
    )
    return (
        Organization.objects.annotate(
            total_users=_count(_active_users()),
            active_qr_codes=_count(_active_qr_codes()),
            storage_used_sum=storage,
            storage_used_gb=ExpressionWrapper(
                Cast(F("storage_used_sum"), FloatField()) / float(GB), output_field=FloatField()
            ),
            total_campaigns=_count(Campaign.objects.unscoped()),
            last_activity_at=_last_activity(),
        )
        .order_by("-created_at", "pk")
    )


def customers_for_api() -> QuerySet[Organization]:
    """Seed section 8, GET /api/admin/customers: o.* with user_count (every user, any status),
    qr_count (the organization's ACTIVE QR codes, counted from its rows: the number its plan
    limit is about, of which Organization.total_qr_codes is the workers' copy) and storage_used
    (bytes of all its uploads, summed from the rows; 0 without uploads, never null), newest
    first. The API serves total_qr_codes and storage_used_bytes from these same two figures, so
    a record always agrees with itself (docs/oi_console.md)."""
    storage = Coalesce(
        _per_org(UploadedFile.objects.unscoped(), Sum("file_size_bytes"), BigIntegerField()),
        0,
        output_field=BigIntegerField(),
    )
    return Organization.objects.annotate(
        user_count=_count(User.objects.filter(organization__isnull=False)),
        qr_count=_count(_active_qr_codes()),
        storage_used=storage,
    ).order_by("-created_at", "pk")


def revenue_by_plan() -> list[dict[str, Any]]:
    """Seed "Revenue Analytics": active customers per plan, MRR, average price, their scans and
    uploads (organization counters), highest MRR first."""
    return list(
        Organization.objects.filter(status=Organization.Status.ACTIVE)
        .values("plan_type")
        .annotate(
            customer_count=Count("pk"),
            total_mrr=Sum("monthly_price"),
            avg_price=Avg("monthly_price"),
            total_scans_all_customers=Sum("total_qr_scans"),
            total_uploads_all_customers=Sum("total_uploads"),
        )
        .order_by("-total_mrr", "plan_type")
    )


def revenue_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """"Total MRR / Total customers / Total QR scans" of the plan rows (no second query)."""
    return {
        "total_mrr": sum((r["total_mrr"] or Decimal(0) for r in rows), Decimal(0)),
        "total_customers": sum(r["customer_count"] for r in rows),
        "total_qr_scans": sum(r["total_scans_all_customers"] or 0 for r in rows),
    }


def _percent(count_field: str, limit_field: str) -> Round:
    """count / limit as a percentage with one decimal; NULL when the plan has no limit."""
    return Round(
        Cast(F(count_field), DecimalField(max_digits=12, decimal_places=2))
        * 100
        / NullIf(F(limit_field), 0),
        1,
    )


def upgrade_candidates(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Seed "Identify Upgrade Opportunities": active small_business customers using >= 60% of
    their user or QR-code limit, or with more than 50 activities in the last 30 days. Highest
    scans first, then fullest team."""
    now = now or timezone.now()
    recent = ActivityLog.objects.unscoped().filter(created_at__gte=now - dt.timedelta(days=30))
    share = float(UPGRADE_LIMIT_SHARE) * 100
    qs = (
        Organization.objects.filter(plan_type=SMALL_BUSINESS, status=Organization.Status.ACTIVE)
        .annotate(
            current_users=_count(_active_users()),
            current_qr_codes=_count(_active_qr_codes()),
            activities_last_30_days=_count(recent),
        )
        .annotate(
            user_limit_percent=_percent("current_users", "max_contributors"),
            qr_limit_percent=_percent("current_qr_codes", "max_qr_codes"),
        )
        .filter(
            Q(user_limit_percent__gte=share)
            | Q(qr_limit_percent__gte=share)
            | Q(activities_last_30_days__gt=UPGRADE_ACTIVITY_30D)
        )
        .order_by(F("total_qr_scans").desc(), F("user_limit_percent").desc(nulls_last=True), "company_name")
    )
    return list(
        qs.values(
            "id", "company_name", "company_email", "plan_type", "created_at",
            "current_users", "max_contributors", "user_limit_percent",
            "current_qr_codes", "max_qr_codes", "qr_limit_percent",
            "total_qr_scans", "activities_last_30_days",
        )
    )


def churn_risk(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Seed "Churn Risk Analysis": active paying customers (medium_business, enterprise) with no
    activity for 7+ days, longest silence first. A customer that never had any activity counts
    as inactive since it signed up. Bands: HIGH 30+ days, MEDIUM 14-29, LOW 7-13 (the seed
    calls that band "ACTIVE", which contradicts its own 7-day filter)."""
    now = now or timezone.now()
    qs = (
        Organization.objects.filter(plan_type__in=PAID_PLANS, status=Organization.Status.ACTIVE)
        .annotate(last_activity=_last_activity())
        .annotate(inactive_since=Coalesce(F("last_activity"), F("created_at")))
        .filter(inactive_since__lt=now - dt.timedelta(days=CHURN_MIN_DAYS))
        .annotate(
            churn_risk=Case(
                When(inactive_since__lt=now - dt.timedelta(days=CHURN_HIGH_DAYS), then=Value("HIGH")),
                When(inactive_since__lt=now - dt.timedelta(days=CHURN_MEDIUM_DAYS), then=Value("MEDIUM")),
                default=Value("LOW"),
            ),
            total_activities=_count(ActivityLog.objects.unscoped()),
        )
        .order_by("inactive_since", "company_name")
    )
    rows = list(
        qs.values(
            "id", "company_name", "company_email", "plan_type", "monthly_price", "created_at",
            "last_activity", "inactive_since", "total_activities", "total_qr_scans", "churn_risk",
        )
    )
    for row in rows:
        row["days_inactive"] = (now - row["inactive_since"]).days
    return rows


def best_performing(*, limit: int = BEST_LIMIT) -> list[dict[str, Any]]:
    """Seed "Best Performing Customers": active customers with more than 1,000 scans and at
    least 3 campaigns; team size, active QR codes, scans per QR code, activities and countries
    reached (distinct countries in the analytics rollup, month rows: one per country-month).
    Most scans first, then most activities."""
    countries = _per_org(
        OrgScanRollup.objects.unscoped().filter(grain=Grain.MONTH, dimension=Dimension.COUNTRY, scans__gt=0)
        .exclude(value=""),
        Count("value", distinct=True),
        IntegerField(),
    )
    qs = (
        Organization.objects.filter(status=Organization.Status.ACTIVE, total_qr_scans__gt=BEST_MIN_SCANS)
        .annotate(campaigns=_count(Campaign.objects.unscoped()))
        .filter(campaigns__gte=BEST_MIN_CAMPAIGNS)
        .annotate(
            team_size=_count(_active_users()),
            qr_codes=_count(_active_qr_codes()),
            total_activities=_count(ActivityLog.objects.unscoped()),
            countries_reached=Coalesce(countries, 0),
        )
        .annotate(
            avg_scans_per_qr=Case(
                When(qr_codes__gt=0, then=Round(
                    Cast(F("total_qr_scans"), DecimalField(max_digits=18, decimal_places=2))
                    / Greatest(F("qr_codes"), 1), 1)),
                default=Value(Decimal("0.0")),
                output_field=DecimalField(max_digits=18, decimal_places=1),
            )
        )
        .order_by("-total_qr_scans", "-total_activities", "company_name")
    )
    return list(
        qs.values(
            "id", "company_name", "plan_type", "created_at", "team_size", "qr_codes",
            "total_qr_scans", "campaigns", "avg_scans_per_qr", "total_activities", "countries_reached",
        )[:limit]
    )


def scan_cells(window: Window, *, shareable: bool = False) -> QuerySet[ScanCell]:
    """The window's daily scan cells (every daypart) as they are. Reads only: days that are
    missing or stale (oi_admin.cells) are queued for a worker to build
    (oi_admin.tasks.scan_cells_rebuild_request) and show on a later view.

    shareable: only days built with the current set of opted-out organizations, so the data
    export never carries the shared counts of an organization that opted out since."""
    key = opted_out_key()
    scan_cells_rebuild_request(stale_days(start=window.start, end=window.end, key=key))
    cells = ScanCell.objects.filter(day__gte=window.start, day__lte=window.end)
    if shareable:
        built = ScanCellDay.objects.filter(day__gte=window.start, day__lte=window.end, opted_out_key=key)
        cells = cells.filter(day__in=built.values("day"))
    return cells


def scan_cells_pending(window: Window) -> list[dt.date]:
    """The window's days whose cells are missing or stale (being rebuilt, see scan_cells)."""
    return stale_days(start=window.start, end=window.end)


def _cells(window: Window) -> QuerySet[ScanCell]:
    return scan_cells(window).filter(daypart=Daypart.WHOLE_DAY)


def _weighted(field: str) -> ExpressionWrapper:
    """Scan-weighted mean of a per-cell coordinate."""
    located = Q(**{f"{field}__isnull": False})
    return ExpressionWrapper(
        Sum(F(field) * F("scans"), filter=located) / NullIf(Sum("scans", filter=located), 0),
        output_field=FloatField(),
    )


def geo_cities(window: Window, *, limit: int = GEO_LIMIT) -> list[dict[str, Any]]:
    """Seed "Geographic Heat Map": non-bot scans per (country, state, city) in the window, with
    unique (human, non-duplicate) scans, the mobile / desktop / tablet split and the mean
    coordinates (rounded, see `coordinate`); most scans first. City "" is the scans GeoIP placed
    in no city."""
    rows = list(
        _cells(window)
        .values("country_code", "country", "state", "city")
        .annotate(
            scan_count=Sum("scans"),
            unique_scans=Sum("unique_scans"),
            mobile_scans=Coalesce(Sum("scans", filter=Q(device_type="mobile")), 0),
            desktop_scans=Coalesce(Sum("scans", filter=Q(device_type="desktop")), 0),
            tablet_scans=Coalesce(Sum("scans", filter=Q(device_type="tablet")), 0),
            avg_latitude=_weighted("latitude"),
            avg_longitude=_weighted("longitude"),
        )
        .order_by("-scan_count", "country_code", "state", "city")[:limit]
    )
    for row in rows:
        row["avg_latitude"] = coordinate(row["avg_latitude"])
        row["avg_longitude"] = coordinate(row["avg_longitude"])
    return rows


def geo_countries(window: Window) -> list[dict[str, Any]]:
    """Non-bot scans per country in the window (for the choropleth), most scans first."""
    return list(
        _cells(window)
        .values("country_code", "country")
        .annotate(scan_count=Sum("scans"))
        .order_by("-scan_count", "country_code")
    )


def scans_global(window: Window, *, limit: int = GLOBAL_SCANS_LIMIT) -> list[dict[str, Any]]:
    """Seed section 8, GET /api/admin/scans/global: scans per (country, city) in the window with
    the mean coordinates, most scans first, at most 1,000 rows."""
    return [
        {
            "country": r["country"],
            "country_code": r["country_code"],
            "city": r["city"],
            "scan_count": r["scan_count"],
            "lat": r["avg_latitude"],
            "lng": r["avg_longitude"],
        }
        for r in geo_cities(window, limit=limit)
    ]


# --- the console home (OIAdminSite.index) ---------------------------------------------------

def customer_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Organizations by status, all of them, and those that signed up this calendar month (UTC)."""
    now = now or timezone.now()
    month_start = now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    row = Organization.objects.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status=Organization.Status.ACTIVE)),
        suspended=Count("pk", filter=Q(status=Organization.Status.SUSPENDED)),
        cancelled=Count("pk", filter=Q(status=Organization.Status.CANCELLED)),
        new_this_month=Count("pk", filter=Q(created_at__gte=month_start)),
    )
    return {k: v or 0 for k, v in row.items()}


def mrr_list_price() -> Decimal:
    """Monthly recurring revenue at list price: the sum of the active organizations'
    monthly_price (no payment provider yet, so nothing says what was actually paid)."""
    total = Organization.objects.filter(status=Organization.Status.ACTIVE).aggregate(v=Sum("monthly_price"))["v"]
    return total or Decimal("0.00")


def scans_since(start: dt.datetime) -> int:
    """Scans captured since `start` (every organization), bots left out; scans not yet
    classified by a worker count, so the figure is current. Walks the (organization,
    scanned_at) index once per organization rather than scanning the whole table."""
    orgs = list(Organization.objects.values_list("pk", flat=True))
    return (
        ScanEvent.objects.unscoped()
        .filter(organization_id__in=orgs, scanned_at__gte=start)
        .exclude(classification=Classification.BOT)
        .count()
    ) if orgs else 0


def scan_totals(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Scans today and this week, in UTC: today from 00:00 UTC, the week from Monday 00:00 UTC."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - dt.timedelta(days=today.weekday())
    return {"today": scans_since(today), "week": scans_since(week), "today_start": today, "week_start": week}


def scan_spool_state() -> dict[str, int] | None:
    """Scans waiting in the Redis spool (captured while the database was down, not yet
    inserted or counted) and in its dead-letter list; None while Redis is unavailable."""
    try:
        return scan_spool_sizes()
    except (RedisError, OSError):
        return None


def scan_dead_letters(*, limit: int = DEAD_LETTERS_SHOWN) -> list[str] | None:
    """The first `limit` dead-lettered spool items, raw (as the drain found them), shortened for
    display; None while Redis is unavailable."""
    try:
        items = scan_spool_client().lrange(scan_spool_dead_key(), 0, limit - 1)
    except (RedisError, OSError):
        return None
    return [(i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i))[:500] for i in items]


def plan_change_requests_pending() -> int | None:
    """Pending plan-change requests, or None when this deployment has no such model yet."""
    try:
        model = apps.get_model("tenants", "PlanChangeRequest")
    except LookupError:
        return None
    return model._default_manager.filter(status="pending").count()


@dataclass(frozen=True)
class ConsoleOverview:
    customers: dict[str, int]
    mrr: Decimal
    scans: dict[str, Any]
    spool: dict[str, int] | None
    plan_requests_pending: int | None


def console_overview(*, now: dt.datetime | None = None) -> ConsoleOverview:
    """Every figure of the console home. Cross-tenant, for OI staff only (the admin site)."""
    now = now or timezone.now()
    return ConsoleOverview(
        customers=customer_counts(now=now), mrr=mrr_list_price(), scans=scan_totals(now=now),
        spool=scan_spool_state(), plan_requests_pending=plan_change_requests_pending(),
    )
