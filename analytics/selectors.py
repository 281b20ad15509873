"""Reads behind the dashboard and the analytics API. Each selector takes the organization
explicitly and also goes through the scoped managers.

Charts read the rollup tables (analytics.models): a date range is the set of calendar blocks
that cover it exactly (analytics.periods: ~15 blocks for a year), so each chart is one
index-only statement `bucket = ANY(...)` that sums, sorts and limits in PostgreSQL. A breakdown
under a QR-code or campaign filter is one index-only scan over those codes' CountedScan rows.
Raw scan events are never read here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from analytics import breakdown_sql
from analytics.filters import DashboardFilters
from analytics.models import (
    BREAKDOWN_DIMENSIONS,
    LABELLED_DIMENSIONS,
    Dimension,
    Grain,
    OrgScanRollup,
    QRScanRollup,
)
from analytics.periods import add_months, bucket, range_buckets
from analytics.tiers import PlanUpgradeRequired, require_breakdown, require_campaign_filter, tier_for
from campaigns.models import Campaign
from qrcodes.models import QRCode
from tenants.models import GB, Organization, User
from tenants.plans import PLANS
from tenants.selectors import organization_usage

INTERVALS = ("day", "week", "month")


# --- the seed's section 6 stats and plan usage ---------------------------------------------

def _count(qs: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(qs.order_by().values("organization").annotate(n=Count("pk")).values("n")[:1],
                 output_field=IntegerField()),
        Value(0),
    )


def organization_stats(*, organization: Organization) -> dict[str, Any]:
    """Seed section 6, query 1: active users, active QR codes, campaigns, uploads, storage used
    (GB) and total scans. QR codes, uploads, storage and scans come from the organization's
    counters, which the QR, upload and scan services keep exact (and `scan_counters_recompute`
    rebuilds); users and campaigns are counted, in the same round trip."""
    org_ref = OuterRef("pk")
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            n_users=_count(User.objects.filter(organization=org_ref, status=User.Status.ACTIVE)),
            n_campaigns=_count(Campaign.objects.filter(organization=org_ref)),
        )
        .values("n_users", "n_campaigns", "total_qr_codes", "total_uploads", "storage_used_bytes", "total_qr_scans")
        .get()
    )
    return {
        "total_users": row["n_users"],
        "total_qr_codes": row["total_qr_codes"],
        "total_campaigns": row["n_campaigns"],
        "total_uploads": row["total_uploads"],
        "storage_used_gb": round(row["storage_used_bytes"] / GB, 2),
        "storage_used_bytes": row["storage_used_bytes"],
        "total_qr_scans": row["total_qr_scans"],
    }


def plan_usage(*, organization: Organization) -> dict[str, Any]:
    """Meters for the plan's limits (contributor seats, active QR codes, storage) from
    tenants.selectors.organization_usage, and the plan to suggest when one is near its limit."""
    usage = organization_usage(organization=organization)
    storage = usage.storage_bytes
    meters = []
    for key, label, limit_usage, used, limit, unit in (
        ("users", "Contributor seats", usage.contributors, usage.contributors.used, usage.contributors.limit, ""),
        ("qr_codes", "Active QR codes", usage.qr_codes, usage.qr_codes.used, usage.qr_codes.limit, ""),
        ("storage", "Storage", storage, round(storage.used / GB, 2), storage.limit // GB, " GB"),
    ):
        meters.append({
            "key": key, "label": label, "used": used, "limit": limit, "unit": unit,
            "percent": limit_usage.percent, "near_limit": limit_usage.near_limit, "at_limit": limit_usage.at_limit,
        })
    upgrade_to = tier_for(organization).upgrade_to
    near = [m["label"] for m in meters if m["near_limit"]]
    return {"meters": meters, "near_limit": near, "upgrade_to": upgrade_to if near else None,
            "upgrade_label": PLANS[upgrade_to].label if near and upgrade_to else None}


def qr_performance(*, organization: Organization, limit: int = 20) -> list[dict[str, Any]]:
    """Seed section 6, query 3: active QR codes by all-time scans (the workers' counters)."""
    rows = (
        QRCode.objects.filter(organization=organization, status=QRCode.Status.ACTIVE)
        .order_by("-total_scans", "name")
        .values("id", "name", "location", "total_scans", "last_scanned_at", "created_at", "campaign__name")
    )[:limit]
    return [{**r, "campaign": r.pop("campaign__name") or ""} for r in rows]


# --- rollup reads ------------------------------------------------------------------------

def _qr_ids(organization: Organization, f: DashboardFilters) -> list[uuid.UUID] | None:
    """The QR codes a QR-code or campaign filter narrows to (None: no such filter)."""
    if f.qr_code_id:
        return [f.qr_code_id]
    if f.campaign_id:
        return list(QRCode.objects.filter(organization=organization, campaign_id=f.campaign_id)
                    .values_list("pk", flat=True))
    return None


def _sums(qs: QuerySet) -> dict[str, int]:
    row = qs.aggregate(scans=Sum("scans"), unique_scans=Sum("unique_scans"), bot_scans=Sum("bot_scans"))
    return {k: v or 0 for k, v in row.items()}


def scans_totals(*, organization: Organization, filters: DashboardFilters) -> dict[str, int]:
    """Non-bot scans, unique (human, non-duplicate) scans and bot scans in the filtered range:
    one index-only sum over the range's blocks (analytics.periods)."""
    buckets = range_buckets(filters.date_from, filters.date_to)
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is None:
        return _sums(OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.TOTAL,
                                                  bucket__in=buckets))
    return _sums(QRScanRollup.objects.filter(organization=organization, qr_code_id__in=qr_ids, bucket__in=buckets))


def _bucket(day: dt.date, interval: str) -> dt.date:
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def scans_series(*, organization: Organization, filters: DashboardFilters, interval: str = "day") -> list[dict]:
    """Scans over time, one point per day / ISO week (Monday) / month, zero-filled; partial
    weeks and months at the edges count only the days inside the range."""
    if interval not in tier_for(organization).intervals:
        raise PlanUpgradeRequired(f"The {interval} interval is not part of your plan's dashboard.")
    days = (bucket(Grain.DAY, filters.date_from), bucket(Grain.DAY, filters.date_to))  # contiguous
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is None:
        qs = OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.TOTAL, bucket__range=days)
    else:
        qs = QRScanRollup.objects.filter(organization=organization, qr_code_id__in=qr_ids, bucket__range=days)
    rows = qs.order_by().values("period").annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))
    points: dict[dt.date, list[int]] = {}
    day = _bucket(filters.date_from, interval)
    while day <= filters.date_to:
        points[day] = [0, 0, 0]
        day = add_months(day, 1) if interval == "month" else day + dt.timedelta(days=7 if interval == "week" else 1)
    for r in rows:
        p = points[_bucket(r["period"], interval)]
        p[0] += r["s"]
        p[1] += r["u"]
        p[2] += r["b"]
    return [{"period": k, "scans": v[0], "unique_scans": v[1], "bot_scans": v[2]} for k, v in points.items()]


def breakdown(*, organization: Organization, filters: DashboardFilters, by: str,
              limit: int | None = None) -> list[dict[str, Any]]:
    """Non-bot scans by country, city, device_type, os, browser, referrer or hour, most first,
    at most `limit` values (hour: every hour that had scans, in clock order, never cut). Raises
    PlanUpgradeRequired when the plan lacks that breakdown."""
    return breakdowns(organization=organization, filters=filters, limits={by: limit})[by]


def breakdowns(*, organization: Organization, filters: DashboardFilters,
               limits: dict[str, int | None]) -> dict[str, list[dict[str, Any]]]:
    """Several breakdowns from one statement, each as breakdown(by=dim, limit=limits[dim]).

    Unfiltered: one index-only scan of the range's blocks that sums, ranks per dimension, cuts
    and joins the labels and coordinates of country and city values in PostgreSQL. Under a
    QR-code or campaign filter: one index-only scan of those codes' CountedScan rows with a
    GROUPING SET per dimension."""
    for dim in limits:
        require_breakdown(organization, dim)  # also: every dim is a known column name below
    cut = {dim: None if dim == Dimension.HOUR else n for dim, n in limits.items()}
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is None:
        per_dim, total = breakdown_sql.block_breakdowns(organization, filters, cut)
    else:
        per_dim, total = breakdown_sql.counted_breakdowns(organization, filters, qr_ids, cut)
    return {dim: breakdown_sql.items(dim, rows, total) for dim, rows in per_dim.items()}


def _qr_block_sums(organization: Organization, filters: DashboardFilters) -> QuerySet:
    """Per QR code: non-bot, unique and bot scans in the range (one index-only aggregate)."""
    qs = QRScanRollup.objects.filter(organization=organization,
                                     bucket__in=range_buckets(filters.date_from, filters.date_to))
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is not None:
        qs = qs.filter(qr_code_id__in=qr_ids)
    return qs.order_by().values("qr_code_id").annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))


def top_qr_codes(*, organization: Organization, filters: DashboardFilters, limit: int = 10) -> list[dict[str, Any]]:
    """The QR codes with the most non-bot scans in the filtered range (then unique, bots): one
    index-only statement over the range's per-QR blocks, sorted and cut in PostgreSQL."""
    top = list(
        _qr_block_sums(organization, filters).filter(Q(s__gt=0) | Q(b__gt=0))
        .order_by("-s", "-u", "-b", "-qr_code_id")[:limit]
        .values_list("s", "u", "b", "qr_code_id")
    )
    names = {
        q["id"]: q for q in QRCode.objects.filter(organization=organization, pk__in=[t[3] for t in top])
        .values("id", "name", "location", "status")
    }
    return [
        {"id": k, "name": names.get(k, {}).get("name", "(deleted)"), "location": names.get(k, {}).get("location", ""),
         "status": names.get(k, {}).get("status", ""), "scans": s, "unique_scans": u, "bot_scans": b}
        for s, u, b, k in top
    ]


CAMPAIGN_FIELDS = ("id", "name", "status", "start_date", "end_date", "qr_codes", "scans", "unique_scans")


def campaign_comparison(*, organization: Organization, filters: DashboardFilters,
                        limit: int | None = None) -> list[dict[str, Any]]:
    """Scans per campaign in the range (a campaign = the QR codes assigned to it now), most
    first, campaigns that had none listed at zero; `limit` cuts the list. Paid plans only.

    One statement over three scoped querysets: the campaigns, their QR-code counts, and the
    range's per-QR blocks summed straight into campaigns (joined to the codes' campaign by an
    index-only scan); sorted and cut in PostgreSQL."""
    require_campaign_filter(organization)
    campaigns = Campaign.objects.filter(organization=organization)
    if filters.campaign_id:
        campaigns = campaigns.filter(pk=filters.campaign_id)
    blocks = QRScanRollup.objects.filter(organization=organization,
                                         bucket__in=range_buckets(filters.date_from, filters.date_to),
                                         qr_code__organization=organization, qr_code__campaign__isnull=False)
    if filters.qr_code_id:  # (the campaign filter is applied to the campaigns)
        blocks = blocks.filter(qr_code_id=filters.qr_code_id)
    parts = [
        campaigns.order_by().values("id", "name", "status", "start_date", "end_date").query.sql_with_params(),
        QRCode.objects.filter(organization=organization, campaign__isnull=False).order_by()
        .values("campaign_id").annotate(n=Count("pk")).query.sql_with_params(),
        blocks.order_by().values(cid=F("qr_code__campaign_id")).annotate(s=Sum("scans"), u=Sum("unique_scans"))
        .query.sql_with_params(),
    ]
    sql = ("SELECT c.id, c.name, c.status, c.start_date, c.end_date, COALESCE(n.n, 0), "  # noqa: S608 - ORM-built
           "COALESCE(t.s, 0)::int8, COALESCE(t.u, 0)::int8 FROM ({}) c LEFT JOIN ({}) n ON n.campaign_id = c.id "
           "LEFT JOIN ({}) t ON t.cid = c.id "
           'ORDER BY 7 DESC, c.name COLLATE "C", c.id').format(*(sql for sql, _ in parts))
    params = [p for _, part_params in parts for p in part_params]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [dict(zip(CAMPAIGN_FIELDS, row, strict=True)) for row in cur.fetchall()]


# --- the dashboard page: everything one view needs --------------------------------------

PICKER_INLINE_MAX = 100  # more QR codes or campaigns than this: a search box, not a <select>
CHOICE_KINDS = ("qr_code", "campaign")


def filter_choices(*, organization: Organization, kind: str, search: str = "", limit: int) -> list[dict[str, Any]]:
    """QR codes or campaigns (paid plans) for the dashboard's filter form, by name: at most
    `limit`, those whose name contains `search` (case-insensitive)."""
    if kind == "campaign":
        require_campaign_filter(organization)
        qs: QuerySet = Campaign.objects.filter(organization=organization)
    else:
        qs = QRCode.objects.filter(organization=organization)
    if search:
        qs = qs.filter(name__icontains=search)
    return list(qs.order_by("name", "pk").values("id", "name")[:limit])


def dashboard_data(*, organization: Organization, filters: DashboardFilters, interval: str = "day") -> dict[str, Any]:
    """The dashboard's charts and tables for this plan (what a plan lacks is left out here,
    not only in the template)."""
    tier = tier_for(organization)
    data: dict[str, Any] = {
        "tier": tier,
        "interval": interval,
        "totals": scans_totals(organization=organization, filters=filters),
        "series": scans_series(organization=organization, filters=filters, interval=interval),
        "top_qr_codes": top_qr_codes(organization=organization, filters=filters, limit=10),
        "breakdowns": _page_breakdowns(organization, filters, tier.breakdowns),
        "campaigns": (campaign_comparison(organization=organization, filters=filters, limit=15)
                      if tier.campaign_filter else None),
    }
    return data


LOCATION_LIMIT, SMALL_LIMIT = 200, 12  # the page's table + map, and its bar charts


def _page_breakdowns(organization: Organization, filters: DashboardFilters,
                     allowed: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    limits = {d: LOCATION_LIMIT if d in LABELLED_DIMENSIONS else SMALL_LIMIT for d in BREAKDOWN_DIMENSIONS if d in allowed}
    return breakdowns(organization=organization, filters=filters, limits=limits)
