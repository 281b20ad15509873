"""Reads behind the dashboard and the analytics API. Each selector takes the organization
explicitly and also goes through the scoped managers.

Charts read the rollup tables (analytics.models): a date range is the set of calendar blocks
that cover it exactly (analytics.periods: ~15 blocks for a year), so each chart is one
index-only statement `bucket = ANY(...)` that sums, sorts and limits in PostgreSQL. A breakdown
under a QR-code or campaign filter is one index-only scan over those codes' CountedScan rows.
Raw scan events are never read here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat

from analytics import breakdown_sql, zoned
from analytics.filters import DashboardFilters, earliest_allowed
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
from core.dates import MIN_DATE
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
    for key, label, limit_usage, used, limit, unit, used_words, limit_words in (
        ("users", "Contributor seats", usage.contributors, usage.contributors.used, usage.contributors.limit, "",
         _count_words(usage.contributors.used), _count_words(usage.contributors.limit)),
        ("qr_codes", "Active QR codes", usage.qr_codes, usage.qr_codes.used, usage.qr_codes.limit, "",
         _count_words(usage.qr_codes.used), _count_words(usage.qr_codes.limit)),
        # numeric used/limit stay in GB (callers compare them); the words say "4.2 MB", never "0.0 GB"
        ("storage", "Storage", storage, round(storage.used / GB, 2), storage.limit // GB, " GB",
         storage_words(storage.used), f"{storage.limit // GB:,} GB"),
    ):
        meters.append({
            "key": key, "label": label, "used": used, "limit": limit, "unit": unit,
            "used_words": used_words, "limit_words": limit_words if limit is not None else None,
            "percent": limit_usage.percent, "near_limit": limit_usage.near_limit, "at_limit": limit_usage.at_limit,
        })
    upgrade_to = tier_for(organization).upgrade_to
    near = [m["label"] for m in meters if m["near_limit"]]
    return {"meters": meters, "near_limit": near, "upgrade_to": upgrade_to if near else None,
            "upgrade_label": PLANS[upgrade_to].label if near and upgrade_to else None,
            # the dashboard's two sentences: "at your limit" (no room for one more) and "close to it"
            "at_limit_meters": [m for m in meters if m["at_limit"]],
            "close_meters": [m for m in meters if m["near_limit"] and not m["at_limit"]]}


def _count_words(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def storage_words(n_bytes: int) -> str:
    """Stored bytes in the unit a person reads: "0 bytes", "4.2 MB", "1.5 GB" (1,024-based)."""
    return filesizeformat(n_bytes).replace("\xa0", " ")


def first_steps(*, organization: Organization) -> dict[str, Any]:
    """The new account's path (create a QR code, print it, scan it) and how far the organization
    got: `show` until it has a QR code and a counted scan. Counted scans are the organization's
    counter or, where a test or import filled the rollups directly, any rollup row."""
    first_qr = (QRCode.objects.filter(organization=organization).order_by("created_at", "pk")
                .values("id", "name").first())
    has_scans = bool(
        organization.total_qr_scans > 0  # the request's own row, read at the start of the request
        or OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.TOTAL).exists()
    )
    has_codes = first_qr is not None
    return {"show": not (has_codes and has_scans), "has_codes": has_codes, "has_scans": has_scans,
            "first_qr": first_qr}


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
    one index-only sum over the range's blocks (analytics.periods). For an organization outside
    UTC, the days are its own (analytics.zoned: hourly cells)."""
    qr_ids = _qr_ids(organization, filters)
    if not filters.is_utc:
        days = zoned.local_day_counts(organization, filters, qr_ids).values()
        return {k: sum(d[i] for d in days) for i, k in enumerate(("scans", "unique_scans", "bot_scans"))}
    buckets = range_buckets(filters.date_from, filters.date_to)
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


def _bucket_after(start: dt.date, interval: str) -> dt.date:
    return add_months(start, 1) if interval == "month" else start + dt.timedelta(days=7 if interval == "week" else 1)


def _point(start: dt.date, counts: list[int], interval: str, filters: DashboardFilters,
           today: dt.date) -> dict[str, Any]:
    """One series point. `partial`: the range cuts the bucket (a first/last week or month only
    partly inside it) or the bucket is not over yet (today's day, week or month); its values
    are the counted days' own, never scaled. first_day/last_day: the days it covers."""
    end = _bucket_after(start, interval) - dt.timedelta(days=1)
    first, last = max(start, filters.date_from), min(end, filters.date_to)
    in_progress = end >= today
    return {"period": start, "scans": counts[0], "unique_scans": counts[1], "bot_scans": counts[2],
            "partial": first > start or last < end or in_progress, "in_progress": in_progress,
            "first_day": first, "last_day": min(last, today) if first <= today else last}


def scans_series(*, organization: Organization, filters: DashboardFilters, interval: str = "day") -> list[dict]:
    """Scans over time, one point per day / ISO week (Monday) / month of the organization's
    zone, zero-filled. Weeks and months the range cuts at either end, and the unfinished
    current one, count only their days inside the range and are marked `partial`."""
    if interval not in tier_for(organization).intervals:
        raise PlanUpgradeRequired(f"The {interval} interval is not part of your plan's dashboard.")
    qr_ids = _qr_ids(organization, filters)
    if filters.is_utc:
        days = (bucket(Grain.DAY, filters.date_from), bucket(Grain.DAY, filters.date_to))  # contiguous
        if qr_ids is None:
            qs = OrgScanRollup.objects.filter(organization=organization, dimension=Dimension.TOTAL, bucket__range=days)
        else:
            qs = QRScanRollup.objects.filter(organization=organization, qr_code_id__in=qr_ids, bucket__range=days)
        rows = qs.order_by().values("period").annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))
        per_day = {r["period"]: (r["s"], r["u"], r["b"]) for r in rows}
    else:
        per_day = zoned.local_day_counts(organization, filters, qr_ids)
    points: dict[dt.date, list[int]] = {}
    day = _bucket(filters.date_from, interval)
    while day <= filters.date_to:
        points[day] = [0, 0, 0]
        day = _bucket_after(day, interval)
    for d, counts in per_day.items():
        p = points[_bucket(d, interval)]
        for i in range(3):
            p[i] += counts[i]
    today = filters.today()
    return [_point(k, v, interval, filters, today) for k, v in points.items()]


def series_totals(series: list[dict[str, Any]]) -> dict[str, int]:
    """The totals of a zero-filled series of a range (scans_series): equal to scans_totals of
    the same filters, without reading them again (analytics/tests/test_partial_buckets.py)."""
    return {k: sum(p[k] for p in series) for k in ("scans", "unique_scans", "bot_scans")}


def _change(now: int, before: int) -> dict[str, Any]:
    if now == before:
        return {"percent": 0.0 if before else None, "label": "no change", "direction": "same"}
    if before == 0:
        return {"percent": None, "label": "new", "direction": "up"}
    pct = (now - before) / before * 100
    return {"percent": round(pct, 1), "label": f"{pct:+.0f}%" if abs(pct) >= 1 else f"{pct:+.1f}%",
            "direction": "up" if now > before else "down"}


def scans_previous(*, organization: Organization, filters: DashboardFilters,
                   totals: dict[str, int] | None = None) -> dict[str, Any]:
    """The range's totals against the equal-length period just before it (same filters and
    zone): {"from", "to", "available", "scans", "unique_scans", "bot_scans", "change": {key:
    {"percent", "label", "direction"}}}. A previous period that starts before the plan's
    history (or core.dates' bound) is `available: False` with a `reason`, never a number."""
    prev = filters.previous()
    out: dict[str, Any] = {"from": prev.date_from, "to": prev.date_to}
    earliest = earliest_allowed(organization, filters.today())
    if prev.date_from < MIN_DATE or (earliest is not None and prev.date_from < earliest):
        return {**out, "available": False, "reason": "not available on your plan",
                "scans": None, "unique_scans": None, "bot_scans": None, "change": None}
    before = scans_totals(organization=organization, filters=prev)
    now = totals if totals is not None else scans_totals(organization=organization, filters=filters)
    return {**out, "available": True, **before, "change": {k: _change(now[k], before[k]) for k in before}}


def _utc_range(filters: DashboardFilters) -> DashboardFilters:
    """The filters over the UTC days standing for the range (DashboardFilters.utc_dates) for the
    reads that only have whole UTC days; the same filters for a UTC organization."""
    date_from, date_to = filters.utc_dates()
    return dataclasses.replace(filters, date_from=date_from, date_to=date_to)


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
    GROUPING SET per dimension. Outside UTC, the hour of day is read from hourly cells in the
    organization's zone (analytics.zoned) and the other dimensions over DashboardFilters.utc_dates."""
    for dim in limits:
        require_breakdown(organization, dim)  # also: every dim is a known column name below
    cut = {dim: None if dim == Dimension.HOUR else n for dim, n in limits.items()}
    qr_ids = _qr_ids(organization, filters)
    utc = _utc_range(filters)
    local_hour = not filters.is_utc and Dimension.HOUR in cut
    if local_hour:  # the organization's hours, from hourly cells (analytics.zoned)
        cut = {d: n for d, n in cut.items() if d != Dimension.HOUR}
    per_dim: dict[str, list] = {}
    total = 0
    if cut and qr_ids is None:
        per_dim, total = breakdown_sql.block_breakdowns(organization, utc, cut)
    elif cut:
        per_dim, total = breakdown_sql.counted_breakdowns(organization, utc, qr_ids, cut)
    out = {dim: breakdown_sql.items(dim, rows, total) for dim, rows in per_dim.items()}
    if local_hour:
        rows, hour_total = zoned.local_hours(organization, filters, qr_ids)
        out[Dimension.HOUR] = breakdown_sql.items(Dimension.HOUR, rows, hour_total, zone=filters.timezone)
    return {dim: out[dim] for dim in limits}


def _qr_block_sums(organization: Organization, filters: DashboardFilters) -> QuerySet:
    """Per QR code: non-bot, unique and bot scans in the range (one index-only aggregate)."""
    qs = QRScanRollup.objects.filter(organization=organization, bucket__in=range_buckets(*filters.utc_dates()))
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
    blocks = QRScanRollup.objects.filter(organization=organization, bucket__in=range_buckets(*filters.utc_dates()),
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
    series = scans_series(organization=organization, filters=filters, interval=interval)
    totals = series_totals(series)  # the series covers exactly the range's days: one read fewer
    data: dict[str, Any] = {
        "tier": tier,
        "interval": interval,
        "timezone": filters.timezone,
        "totals": totals,
        "previous": scans_previous(organization=organization, filters=filters, totals=totals),
        "series": series,
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
