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
from functools import lru_cache
from typing import Any

import pycountry
from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from analytics.filters import DashboardFilters
from analytics.models import (
    LABELLED_DIMENSIONS,
    CountedScan,
    Dimension,
    DimensionLabel,
    Grain,
    OrgScanRollup,
    QRScanRollup,
)
from analytics.periods import add_months, bucket, range_buckets
from analytics.tiers import PlanUpgradeRequired, require_breakdown, require_campaign_filter, tier_for
from campaigns.models import Campaign
from qrcodes.models import QRCode
from tenants.models import GB, Organization, User

INTERVALS = ("day", "week", "month")
NEAR_LIMIT = 0.8


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


def plan_usage(*, organization: Organization, stats: dict[str, Any]) -> dict[str, Any]:
    """Meters for the plan's limits (users, QR codes, storage) and whether to suggest an upgrade."""
    meters = []
    for key, label, used, limit, unit in (
        ("users", "Team members", stats["total_users"], organization.max_contributors, ""),
        ("qr_codes", "Active QR codes", stats["total_qr_codes"], organization.max_qr_codes, ""),
        ("storage", "Storage", stats["storage_used_gb"], organization.storage_limit_gb, " GB"),
    ):
        ratio = (used / limit) if limit else 0.0
        meters.append({
            "key": key, "label": label, "used": used, "limit": limit, "unit": unit,
            "percent": min(100, round(ratio * 100)) if limit else 0,
            "near_limit": bool(limit) and ratio >= NEAR_LIMIT,
            "at_limit": bool(limit) and ratio >= 1,
        })
    tier = tier_for(organization)
    near = [m["label"] for m in meters if m["near_limit"]]
    return {"meters": meters, "near_limit": near, "upgrade_to": tier.upgrade_to if near else None}


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


@lru_cache(maxsize=512)
def _country(code: str) -> tuple[str, str]:
    c = pycountry.countries.get(alpha_2=code) if code else None
    return (c.name, c.numeric) if c else ("", "")


def _display(dimension: str, value: str, label: str) -> str:
    if dimension == Dimension.HOUR:
        return f"{value}:00 UTC"
    if not value:
        return "Direct / unknown" if dimension == Dimension.REFERRER else "Unknown"
    if dimension == Dimension.COUNTRY:
        return label or _country(value)[0] or value
    if dimension == Dimension.DEVICE_TYPE:
        return value.capitalize()
    return label or value


def breakdown(*, organization: Organization, filters: DashboardFilters, by: str,
              limit: int | None = None) -> list[dict[str, Any]]:
    """Non-bot scans by country, city, device_type, os, browser, referrer or hour, most first
    (hour: in clock order). Raises PlanUpgradeRequired when the plan lacks that breakdown.

    Unfiltered: one index-only statement over the range's blocks that sums, sorts and cuts to
    `limit` in PostgreSQL; then labels and coordinates for the values returned only (country
    and city)."""
    require_breakdown(organization, by)
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is None:
        # The "total" row rides along (sorted first) so the shares need no second statement.
        total_first = Case(When(dimension=Dimension.TOTAL, then=Value(0)), default=Value(1))
        qs = (
            OrgScanRollup.objects.filter(organization=organization, dimension__in=[by, Dimension.TOTAL],
                                         bucket__in=range_buckets(filters.date_from, filters.date_to))
            .order_by().values("dimension", "value").annotate(s=Sum("scans"), u=Sum("unique_scans"))
        )
        qs = qs.order_by(total_first, "value") if by == Dimension.HOUR else qs.order_by(total_first, "-s", "value")
        got = list((qs[:limit + 1] if limit else qs).values_list("dimension", "value", "s", "u"))
        total = sum(r[2] for r in got if r[0] == Dimension.TOTAL)
        rows = [r[1:] for r in got if r[0] != Dimension.TOTAL and r[2] > 0]
    else:
        # Under a QR-code/campaign filter: one index-only scan over those codes' counted scans.
        qs = (
            CountedScan.objects.filter(organization=organization, qr_code_id__in=qr_ids,
                                       day__range=(filters.date_from, filters.date_to))
            .order_by().values(by).annotate(s=Count("*"), u=Count("is_unique", filter=Q(is_unique=True)))
        )
        qs = qs.order_by(by) if by == Dimension.HOUR else qs.order_by("-s", by)
        rows = list((qs[:limit] if limit else qs).values_list(by, "s", "u")) if qr_ids else []
        total = scans_totals(organization=organization, filters=filters)["scans"] if (
            limit and len(rows) == limit) else sum(r[1] for r in rows)
    return _items(organization, by, rows, total)


def _items(organization: Organization, by: str, rows: list[tuple[str, int, int]], total: int) -> list[dict[str, Any]]:
    """Shape (value, scans, unique) rows; labels and coordinates for country and city values."""
    total = total or 1
    labels: dict[str, tuple] = {}
    if by in LABELLED_DIMENSIONS and rows:
        labels = {
            r[0]: r[1:] for r in DimensionLabel.objects.filter(
                organization=organization, dimension=by, value__in=[r[0] for r in rows])
            .values_list("value", "label", "latitude", "longitude")
        }
    items_out = []
    for value, s, u in rows:
        label, lat, lng = labels.get(value, ("", None, None))
        item: dict[str, Any] = {"value": value, "label": _display(by, value, label or ""), "scans": s,
                                "unique_scans": u, "share": round(s / total, 4)}
        if by == Dimension.COUNTRY:
            item["iso_numeric"] = _country(value)[1]
        elif by == Dimension.CITY:
            item["latitude"], item["longitude"] = lat, lng
        items_out.append(item)
    return items_out


def small_breakdowns(*, organization: Organization, filters: DashboardFilters, dims: list[str],
                     limit: int | dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Several breakdowns at once, each exactly as breakdown(by=dim, limit=limit[dim]) would give
    it, from one statement: without a QR-code/campaign filter one scan of the range's blocks
    (meant for the low-cardinality dimensions: every value comes back), with one a single scan
    of the filter's CountedScan rows with a GROUPING SET per dimension."""
    for dim in dims:
        require_breakdown(organization, dim)  # also: every dim is a known column name below
    if not dims:
        return {}
    per_dim: dict[str, list[tuple[str, int, int]]] = {dim: [] for dim in dims}
    total = 0
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is None:
        for dim, value, s, u in (
            OrgScanRollup.objects.filter(organization=organization, dimension__in=[*dims, Dimension.TOTAL],
                                         bucket__in=range_buckets(filters.date_from, filters.date_to))
            .order_by().values("dimension", "value").annotate(s=Sum("scans"), u=Sum("unique_scans"))
            .values_list("dimension", "value", "s", "u")
        ):
            if dim == Dimension.TOTAL:
                total = s
            elif s > 0:
                per_dim[dim].append((value, s, u))
    elif qr_ids:
        # One index-only scan of the filter's CountedScan rows, one GROUPING SET per dimension
        # (the ORM builds the scoped inner query; the grouping sets wrap it).
        inner, params = (CountedScan.objects.filter(organization=organization, qr_code_id__in=qr_ids,
                                                    day__range=(filters.date_from, filters.date_to))
                         .order_by().values(*dims, "is_unique").query.sql_with_params())
        cols = ", ".join(f'"{d}"' for d in dims)
        sql = (f"SELECT {cols}, {', '.join(f'GROUPING({chr(34)}{d}{chr(34)})' for d in dims)}, count(*), "  # noqa: S608
               f"count(*) FILTER (WHERE is_unique) FROM ({inner}) AS t "
               f"GROUP BY GROUPING SETS ({', '.join(f'({chr(34)}{d}{chr(34)})' for d in dims)})")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            for row in cur.fetchall():
                values, grouped, (s, u) = row[:len(dims)], row[len(dims):2 * len(dims)], row[-2:]
                dim_index = grouped.index(0)  # the one dimension this row is grouped by
                per_dim[dims[dim_index]].append((values[dim_index], s, u))
                if dim_index == 0:
                    total += s
    out = {}
    for dim, rows in per_dim.items():
        rows.sort(key=(lambda r: r[0]) if dim == Dimension.HOUR else (lambda r: (-r[1], r[0])))
        out[dim] = _items(organization, dim, rows[:limit if isinstance(limit, int) else limit[dim]], total)
    return out


def _qr_block_sums(organization: Organization, filters: DashboardFilters) -> QuerySet:
    qs = QRScanRollup.objects.filter(organization=organization,
                                     bucket__in=range_buckets(filters.date_from, filters.date_to))
    qr_ids = _qr_ids(organization, filters)
    if qr_ids is not None:
        qs = qs.filter(qr_code_id__in=qr_ids)
    return qs.order_by()


def _per_qr(organization: Organization, filters: DashboardFilters) -> list[tuple[uuid.UUID, int, int, int]]:
    """(qr_code_id, scans, unique, bots) of every QR code with scans in the range: one
    index-only statement; the page computes it once for the top list and the campaigns."""
    return list(_qr_block_sums(organization, filters).values("qr_code_id")
                .annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))
                .values_list("qr_code_id", "s", "u", "b"))


def top_qr_codes(*, organization: Organization, filters: DashboardFilters, limit: int = 10,
                 per_qr: list[tuple[uuid.UUID, int, int, int]] | None = None) -> list[dict[str, Any]]:
    """The QR codes with the most non-bot scans in the filtered range (then unique, bots): one
    index-only statement over the range's per-QR blocks, sorted and cut in PostgreSQL (or the
    page's `per_qr` sums, sorted here)."""
    if per_qr is None:
        top = list(
            _qr_block_sums(organization, filters).values("qr_code_id")
            .annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))
            .filter(Q(s__gt=0) | Q(b__gt=0))
            .order_by("-s", "-u", "-b", "-qr_code_id")[:limit]
            .values_list("s", "u", "b", "qr_code_id")
        )
    else:
        top = sorted(((s, u, b, k) for k, s, u, b in per_qr if s or b), reverse=True)[:limit]
    names = {
        q["id"]: q for q in QRCode.objects.filter(organization=organization, pk__in=[t[3] for t in top])
        .values("id", "name", "location", "status")
    }
    return [
        {"id": k, "name": names.get(k, {}).get("name", "(deleted)"), "location": names.get(k, {}).get("location", ""),
         "status": names.get(k, {}).get("status", ""), "scans": s, "unique_scans": u, "bot_scans": b}
        for s, u, b, k in top
    ]


def campaign_comparison(*, organization: Organization, filters: DashboardFilters,
                        per_qr: list[tuple[uuid.UUID, int, int, int]] | None = None) -> list[dict[str, Any]]:
    """Scans per campaign in the range (a campaign = the QR codes assigned to it now), with
    campaigns that had none listed at zero. Paid plans only."""
    require_campaign_filter(organization)
    campaigns = {
        c["id"]: {**c, "qr_codes": 0, "scans": 0, "unique_scans": 0}
        for c in Campaign.objects.filter(organization=organization).values("id", "name", "status",
                                                                            "start_date", "end_date")
    }
    qr_campaign = dict(QRCode.objects.filter(organization=organization, campaign__isnull=False)
                       .values_list("pk", "campaign_id"))
    for campaign_id in qr_campaign.values():
        if campaign_id in campaigns:
            campaigns[campaign_id]["qr_codes"] += 1
    # Per-QR sums in one index-only statement (no join per rollup row), mapped to campaigns here.
    for qr_id, s, u, _b in (per_qr if per_qr is not None else _per_qr(organization, filters)):
        c = campaigns.get(qr_campaign.get(qr_id))
        if c is not None:
            c["scans"] += s
            c["unique_scans"] += u
    if filters.campaign_id:
        return [campaigns[filters.campaign_id]] if filters.campaign_id in campaigns else []
    return sorted(campaigns.values(), key=lambda c: (-c["scans"], c["name"]))


# --- the dashboard page: everything one view needs --------------------------------------

def filter_choices(*, organization: Organization) -> dict[str, list[dict[str, Any]]]:
    """Campaigns (paid plans) and QR codes for the filter form, by name."""
    choices: dict[str, list[dict[str, Any]]] = {
        "qr_codes": list(QRCode.objects.filter(organization=organization).order_by("name").values("id", "name")),
        "campaigns": [],
    }
    if tier_for(organization).campaign_filter:
        choices["campaigns"] = list(Campaign.objects.filter(organization=organization).order_by("name")
                                    .values("id", "name"))
    return choices


def dashboard_data(*, organization: Organization, filters: DashboardFilters, interval: str = "day") -> dict[str, Any]:
    """The dashboard's charts and tables for this plan (what a plan lacks is left out here,
    not only in the template)."""
    tier = tier_for(organization)
    per_qr = _per_qr(organization, filters)
    data: dict[str, Any] = {
        "tier": tier,
        "interval": interval,
        "totals": scans_totals(organization=organization, filters=filters),
        "series": scans_series(organization=organization, filters=filters, interval=interval),
        "top_qr_codes": top_qr_codes(organization=organization, filters=filters, limit=10, per_qr=per_qr),
        "breakdowns": _page_breakdowns(organization, filters, tier.breakdowns),
        "campaigns": (campaign_comparison(organization=organization, filters=filters, per_qr=per_qr)[:15]
                      if tier.campaign_filter else None),
    }
    return data


BREAKDOWN_ORDER = ["country", "city", "device_type", "os", "browser", "referrer", "hour"]
LOCATION_LIMIT, SMALL_LIMIT = 200, 12  # the page's table + map, and its bar charts


def _page_breakdowns(organization: Organization, filters: DashboardFilters,
                     allowed: frozenset[str]) -> dict[str, list[dict[str, Any]]]:
    dims = [d for d in BREAKDOWN_ORDER if d in allowed]
    if filters.qr_code_id or filters.campaign_id:  # every breakdown from one scan of the filter's scans
        limits = {d: LOCATION_LIMIT if d in LABELLED_DIMENSIONS else SMALL_LIMIT for d in dims}
        return small_breakdowns(organization=organization, filters=filters, limit=limits, dims=dims)
    small = small_breakdowns(organization=organization, filters=filters, limit=SMALL_LIMIT,
                             dims=[d for d in dims if d not in LABELLED_DIMENSIONS])
    return {d: small[d] if d in small else breakdown(organization=organization, filters=filters, by=d,
                                                     limit=LOCATION_LIMIT) for d in dims}
