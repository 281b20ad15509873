"""Reads for campaigns: lists, per-campaign stats, and the scans of a campaign's QR codes.

Scans in a date range come from the analytics rollups (per QR code and UTC day, kept by the
scan workers, read through campaigns.hooks), never from raw scan events per page view. They count what QRCode.total_scans
counts: non-bot scans once a worker has counted them. A campaign's scans are those of the QR
codes assigned to it now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from campaigns import hooks
from campaigns.models import Campaign
from core.dates import date_clamp
from core.errors import NotFound
from core.ids import as_uuid
from qrcodes.models import QRCode
from tenants.models import Organization
from uploads.models import UploadedFile

# The detail page charts at most this many days (the most recent ones of a long campaign).
MAX_CHART_DAYS = 92


def campaign_list(*, organization: Organization, status: str | None = None) -> QuerySet[Campaign]:
    """The organization's campaigns, newest first."""
    qs = Campaign.objects.filter(organization=organization).select_related("created_by_user")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def campaign_get(*, organization: Organization, campaign_id: Any) -> Campaign:
    """One campaign of the organization; NotFound for a missing, foreign or malformed id."""
    pk = as_uuid(campaign_id)
    campaign = (
        Campaign.objects.filter(organization=organization, pk=pk).select_related("created_by_user").first()
        if pk
        else None
    )
    if campaign is None:
        raise NotFound("Campaign not found.")
    return campaign


def _daily_scans(organization: Organization) -> QuerySet:
    """Per QR code and UTC day: non-bot counted scans (`scans`), from analytics (campaigns.hooks)."""
    return hooks.daily_scans(organization)


def _in_campaign_dates() -> Q:
    """Rollup days inside their QR code's campaign dates (open ends are unbounded)."""
    start = F("qr_code__campaign__start_date")
    end = F("qr_code__campaign__end_date")
    return (Q(qr_code__campaign__start_date__isnull=True) | Q(period__gte=start)) & (
        Q(qr_code__campaign__end_date__isnull=True) | Q(period__lte=end)
    )


def campaign_stats(*, organization: Organization) -> list[dict[str, Any]]:
    """Per campaign: QR codes, scans in total and in its date range, uploads. Four grouped
    queries for the whole organization, whatever the number of campaigns."""
    campaigns = list(campaign_list(organization=organization))
    qr_rows = (
        QRCode.objects.filter(organization=organization, campaign__isnull=False)
        .values("campaign_id")
        .annotate(qr_codes=Count("id"), total_scans=Sum("total_scans"))
    )
    qr_by_campaign = {r["campaign_id"]: r for r in qr_rows}
    in_range = (
        _daily_scans(organization)
        .filter(qr_code__campaign__isnull=False)
        .filter(_in_campaign_dates())
        .order_by()
        .values("qr_code__campaign_id")
        .annotate(n=Sum("scans"))
    )
    range_by_campaign = {r["qr_code__campaign_id"]: r["n"] for r in in_range}
    upload_rows = (
        UploadedFile.objects.filter(organization=organization, campaign__isnull=False)
        .values("campaign_id")
        .annotate(n=Count("id"), size=Sum("file_size_bytes"))
    )
    uploads_by_campaign = {r["campaign_id"]: r for r in upload_rows}
    stats = []
    for c in campaigns:
        qr = qr_by_campaign.get(c.pk, {})
        up = uploads_by_campaign.get(c.pk, {})
        stats.append(
            {
                "id": str(c.pk),
                "name": c.name,
                "status": c.status,
                "start_date": c.start_date,
                "end_date": c.end_date,
                "qr_codes": qr.get("qr_codes", 0),
                "total_scans": qr.get("total_scans") or 0,
                "scans_in_range": range_by_campaign.get(c.pk, 0),
                "uploads": up.get("n", 0),
                "upload_bytes": up.get("size") or 0,
            }
        )
    return stats


def campaign_chart_range(campaign: Campaign, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days the detail page charts: the campaign's dates, open ends filled with its
    creation day and today, capped to the last MAX_CHART_DAYS days. A date stored before the
    app bounded them (core.dates) is clamped, so the chart's days never overflow."""
    today = today or timezone.localdate()
    start = date_clamp(campaign.start_date or timezone.localdate(campaign.created_at))
    end = date_clamp(campaign.end_date) if campaign.end_date else max(today, start)
    if (end - start).days + 1 > MAX_CHART_DAYS:
        start = end - dt.timedelta(days=MAX_CHART_DAYS - 1)
    return start, end


@dataclass
class CampaignScans:
    start: dt.date
    end: dt.date
    qr_codes: list[dict[str, Any]]
    days: list[dict[str, Any]]
    total_in_range: int
    max_per_day: int
    chart_width: int


def campaign_scans(*, organization: Organization, campaign: Campaign) -> CampaignScans:
    """The campaign's QR codes with their scans inside the campaign's dates, and scans per day."""
    start, end = campaign_chart_range(campaign)
    qrs = list(QRCode.objects.filter(organization=organization, campaign=campaign).order_by("-total_scans", "name"))
    days_qs = _daily_scans(organization).filter(qr_code__campaign=campaign, period__gte=start, period__lte=end)
    per_qr = {r["qr_code_id"]: r["n"] for r in days_qs.order_by().values("qr_code_id").annotate(n=Sum("scans"))}
    per_day = {r["period"]: r["n"] for r in days_qs.order_by().values("period").annotate(n=Sum("scans"))}
    peak = max(per_day.values(), default=0)
    days = []
    day = start
    while day <= end:
        n = per_day.get(day, 0)
        # SVG bar geometry for the page: 10 units per day, bars up to 96 units high.
        height = round(96 * n / peak) if peak else 0
        days.append({"date": day, "scans": n, "x": len(days) * 10 + 1, "y": 100 - height, "height": height})
        day += dt.timedelta(days=1)
    qr_rows = [
        {
            "id": str(q.pk),
            "name": q.name,
            "location": q.location,
            "status": q.status,
            "short_url": f"{settings.SITE_URL}/s/{q.short_code}",
            "total_scans": q.total_scans,
            "scans_in_range": per_qr.get(q.pk, 0),
        }
        for q in qrs
    ]
    return CampaignScans(
        start=start,
        end=end,
        qr_codes=qr_rows,
        days=days,
        total_in_range=sum(per_qr.values()),
        max_per_day=peak,
        chart_width=len(days) * 10,
    )


def campaign_share_url(*, organization: Organization, campaign: Campaign) -> str | None:
    """The public link the share buttons share: the short URL of the campaign's first active
    QR code (the oldest), so a share counts like a scan. None when it has no active QR code."""
    qr = (
        QRCode.objects.filter(organization=organization, campaign=campaign, status=QRCode.Status.ACTIVE)
        .order_by("created_at")
        .first()
    )
    return f"{settings.SITE_URL}/s/{qr.short_code}" if qr else None
