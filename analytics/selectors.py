"""Reads behind the dashboard and the analytics API. Every chart reads the rollup tables
(analytics.models), never raw scan events; each selector takes the organization explicitly and
also goes through the scoped managers.

A date range is read as up to three segments: day rows for the ragged start, month rows for
the whole months inside, day rows for the ragged end (see _segments). Each segment is one
indexed query; their small results are merged here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pycountry
from django.db.models import Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from analytics.filters import DashboardFilters
from analytics.models import Dimension, Grain, OrgScanRollup, QRScanRollup
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

def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _segments(date_from: dt.date, date_to: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(grain, first period, last period) covering [date_from, date_to] exactly."""
    full_start = date_from if date_from.day == 1 else _add_months(date_from, 1)
    after = date_to + dt.timedelta(days=1)
    full_end = after if after.day == 1 else date_to.replace(day=1)  # first day after the full months
    if full_start >= full_end:
        return [(Grain.DAY, date_from, date_to)]
    segments = []
    if date_from < full_start:
        segments.append((Grain.DAY, date_from, full_start - dt.timedelta(days=1)))
    segments.append((Grain.MONTH, full_start, _add_months(full_end, -1)))
    if full_end <= date_to:
        segments.append((Grain.DAY, full_end, date_to))
    return segments


def _filtered(organization: Organization, f: DashboardFilters, *, per_qr: bool = False) -> QuerySet:
    """The rollup rows that the filters allow: the per-organization table when nothing narrows
    by QR code (a few hundred rows a year), the per-QR table otherwise."""
    if not (per_qr or f.qr_code_id or f.campaign_id):
        return OrgScanRollup.objects.filter(organization=organization)
    qs = QRScanRollup.objects.filter(organization=organization)
    if f.qr_code_id:
        qs = qs.filter(qr_code_id=f.qr_code_id)
    if f.campaign_id:
        qs = qs.filter(qr_code_id__in=QRCode.objects.filter(organization=organization, campaign_id=f.campaign_id)
                       .values("pk"))
    return qs


def _segment_rows(qs: QuerySet, f: DashboardFilters, dimension: str, group: Iterable[str],
                  extra: Iterable[str] = ()) -> Iterable[dict[str, Any]]:
    for grain, start, end in _segments(f.date_from, f.date_to):
        yield from (
            qs.filter(dimension=dimension, grain=grain, period__gte=start, period__lte=end)
            .order_by().values(*group)
            .annotate(scans_=Sum("scans"), unique_=Sum("unique_scans"), bots_=Sum("bot_scans"),
                      **{f"{e}_": Max(e) for e in extra})
        )


def scans_totals(*, organization: Organization, filters: DashboardFilters) -> dict[str, int]:
    """Non-bot scans, unique (human, non-duplicate) scans and bot scans in the filtered range."""
    totals = {"scans": 0, "unique_scans": 0, "bot_scans": 0}
    for row in _segment_rows(_filtered(organization, filters), filters, Dimension.TOTAL, ["dimension"]):
        totals["scans"] += row["scans_"] or 0
        totals["unique_scans"] += row["unique_"] or 0
        totals["bot_scans"] += row["bots_"] or 0
    return totals


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
    rows = (
        _filtered(organization, filters)
        .filter(dimension=Dimension.TOTAL, grain=Grain.DAY, period__gte=filters.date_from, period__lte=filters.date_to)
        .order_by().values("period")
        .annotate(s=Sum("scans"), u=Sum("unique_scans"), b=Sum("bot_scans"))
    )
    points: dict[dt.date, list[int]] = {}
    day = _bucket(filters.date_from, interval)
    while day <= filters.date_to:
        points[day] = [0, 0, 0]
        day = _add_months(day, 1) if interval == "month" else day + dt.timedelta(days=7 if interval == "week" else 1)
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

    Two steps: sums per value by index-only scans (the keys cover the counters), then labels
    and coordinates for the values returned only, from the month rows of the range."""
    require_breakdown(organization, by)
    qs = _filtered(organization, filters)
    sums: dict[str, list[int]] = {}
    for grain, start, end in _segments(filters.date_from, filters.date_to):
        for value, s, u in (
            qs.filter(dimension=by, grain=grain, period__gte=start, period__lte=end)
            .order_by().values("value").annotate(s=Sum("scans"), u=Sum("unique_scans")).values_list("value", "s", "u")
        ):
            acc = sums.get(value)
            if acc is None:
                sums[value] = [s, u]
            else:
                acc[0] += s
                acc[1] += u
    total = sum(v[0] for v in sums.values()) or 1
    if by == Dimension.HOUR:
        ordered = sorted((k for k, v in sums.items() if v[0] > 0))
    else:
        ordered = sorted((k for k, v in sums.items() if v[0] > 0), key=lambda k: (-sums[k][0], k))
    ordered = ordered[:limit] if limit else ordered
    labels: dict[str, tuple] = {}
    if by in (Dimension.COUNTRY, Dimension.CITY) and ordered:
        labels = {
            row[0]: row[1:] for row in qs.filter(
                dimension=by, grain=Grain.MONTH, period__gte=filters.date_from.replace(day=1),
                period__lte=filters.date_to, value__in=ordered,
            ).order_by().values("value").annotate(l=Max("label"), la=Max("latitude"), lo=Max("longitude"))
            .values_list("value", "l", "la", "lo")
        }
    items = []
    for value in ordered:
        s, u = sums[value]
        label, lat, lng = labels.get(value, ("", None, None))
        item: dict[str, Any] = {"value": value, "label": _display(by, value, label or ""), "scans": s,
                                "unique_scans": u, "share": round(s / total, 4)}
        if by == Dimension.COUNTRY:
            item["iso_numeric"] = _country(value)[1]
        elif by == Dimension.CITY:
            item["latitude"], item["longitude"] = lat, lng
        items.append(item)
    return items


def _per_qr_totals(organization: Organization, filters: DashboardFilters) -> dict[uuid.UUID, list[int]]:
    totals: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    qs = _filtered(organization, filters, per_qr=True)
    for row in _segment_rows(qs, filters, Dimension.TOTAL, ["qr_code_id"]):
        t = totals[row["qr_code_id"]]
        t[0] += row["scans_"] or 0
        t[1] += row["unique_"] or 0
        t[2] += row["bots_"] or 0
    return totals


def top_qr_codes(*, organization: Organization, filters: DashboardFilters, limit: int = 10,
                 per_qr: dict | None = None) -> list[dict[str, Any]]:
    """The QR codes with the most non-bot scans in the filtered range."""
    per_qr = per_qr if per_qr is not None else _per_qr_totals(organization, filters)
    top = sorted(((v[0], v[1], v[2], k) for k, v in per_qr.items() if v[0] or v[2]), reverse=True)[:limit]
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
                        per_qr: dict | None = None) -> list[dict[str, Any]]:
    """Scans per campaign in the range (a campaign = the QR codes assigned to it now), with
    campaigns that had none listed at zero. Paid plans only."""
    require_campaign_filter(organization)
    per_qr = per_qr if per_qr is not None else _per_qr_totals(organization, filters)
    campaigns = {
        c["id"]: {**c, "qr_codes": 0, "scans": 0, "unique_scans": 0}
        for c in Campaign.objects.filter(organization=organization).values("id", "name", "status",
                                                                            "start_date", "end_date")
    }
    for qr_id, campaign_id in QRCode.objects.filter(organization=organization, campaign__isnull=False) \
            .values_list("id", "campaign_id"):
        c = campaigns.get(campaign_id)
        if c is None:
            continue
        c["qr_codes"] += 1
        t = per_qr.get(qr_id)
        if t:
            c["scans"] += t[0]
            c["unique_scans"] += t[1]
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
    per_qr = _per_qr_totals(organization, filters)
    data: dict[str, Any] = {
        "tier": tier,
        "interval": interval,
        "totals": scans_totals(organization=organization, filters=filters),
        "series": scans_series(organization=organization, filters=filters, interval=interval),
        "top_qr_codes": top_qr_codes(organization=organization, filters=filters, limit=10, per_qr=per_qr),
        "breakdowns": {
            dim: breakdown(organization=organization, filters=filters, by=dim,
                           limit=200 if dim in (Dimension.COUNTRY, Dimension.CITY) else 12)
            for dim in BREAKDOWN_ORDER if dim in tier.breakdowns
        },
        "campaigns": (campaign_comparison(organization=organization, filters=filters, per_qr=per_qr)[:15]
                      if tier.campaign_filter else None),
    }
    return data


BREAKDOWN_ORDER = ["country", "city", "device_type", "os", "browser", "referrer", "hour"]
