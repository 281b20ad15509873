"""Reads for campaigns: lists, per-campaign stats, and the scans of a campaign's QR codes.

Scans in a date range come from the analytics rollups (per QR code and UTC day, kept by the
scan workers, read through campaigns.hooks). They count what QRCode.total_scans counts: non-bot
scans once a worker has counted them. A campaign's scans are those of the QR codes assigned to
it now. The campaign page's days are the organization's days (Organization.timezone): for a
zone that is not UTC over the range, the rollups' UTC days cannot be split, so that one chart
groups the counted events of the campaign's codes by local day (_scans_by_day_and_code).

Share-link clicks (CampaignShareClick) are reported apart from scans everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import hooks
from campaigns.models import Campaign, CampaignShareClick
from core.dates import date_clamp
from core.enums import Classification
from core.errors import NotFound
from core.ids import as_uuid
from qrcodes.models import QRCode, ScanEvent
from tenants.models import Organization
from uploads.models import UploadedFile

# The detail page charts at most this many days (the most recent ones of a long campaign).
MAX_CHART_DAYS = 92
DEFAULT_CHART_DAYS = 30  # an undated campaign charts its last 30 days
ATTACHABLE_LIMIT = 500  # codes listed in the page's attach form
SHARE_PREFIX = "/l/"  # the public share links (campaigns.urls)


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
    """Per campaign: QR codes, scans in total and in its date range, uploads, share-link clicks
    (apart from scans). Five grouped
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
    click_rows = (
        CampaignShareClick.objects.filter(organization=organization, is_bot=False)
        .values("campaign_id").annotate(n=Count("id"))
    )
    clicks_by_campaign = {r["campaign_id"]: r["n"] for r in click_rows}
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
                # share-link visits: a channel of the campaign, never counted in its scans
                "share_clicks": clicks_by_campaign.get(c.pk, 0),
            }
        )
    return stats


def campaign_chart_range(campaign: Campaign, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days the detail page charts, in the organization's zone: start_date..min(end_date,
    today), an open start filled with 29 days before that end (the last 30 days when undated),
    capped to the last MAX_CHART_DAYS days. A date stored before the app bounded them
    (core.dates) is clamped. A campaign that starts after today answers (start, start - 1 day):
    an empty range."""
    today = today or timezone.now().astimezone(campaign.organization.tzinfo).date()
    end = min(date_clamp(campaign.end_date), today) if campaign.end_date else today
    if campaign.start_date:
        start = date_clamp(campaign.start_date)
        if start > end:
            return start, start - dt.timedelta(days=1)
    else:
        start = end - dt.timedelta(days=DEFAULT_CHART_DAYS - 1)
    if (end - start).days + 1 > MAX_CHART_DAYS:
        start = end - dt.timedelta(days=MAX_CHART_DAYS - 1)
    return start, end


def _local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def _utc_days_are_local_days(tz: dt.tzinfo, start: dt.date, end: dt.date) -> bool:
    """True when every day of the range starts at UTC midnight in `tz` (UTC itself, or a zone
    at offset 0 then): the UTC day rollups are then exactly the organization's days."""
    day = start
    while day <= end + dt.timedelta(days=1):
        if _local_midnight(day, tz).utcoffset() != dt.timedelta(0):
            return False
        day += dt.timedelta(days=1)
    return True


def _scans_by_day_and_code(organization: Organization, qr_ids: list, start: dt.date, end: dt.date,
                           tz: dt.tzinfo) -> dict[tuple[Any, dt.date], int]:
    """Counted non-bot scans of these QR codes per (QR code, day in `tz`) between start and end.

    The analytics day rollups (campaigns.hooks) are UTC days: they answer when the zone is UTC
    over the range. For any other zone, a UTC day straddles two local days, so the counted
    events themselves are grouped by local day (index scan_org_qr_time: organization, QR code,
    time; at most MAX_CHART_DAYS of one campaign's codes). Both count what total_scans counts."""
    if not qr_ids or end < start:
        return {}
    if _utc_days_are_local_days(tz, start, end):
        rows = (_daily_scans(organization).filter(qr_code_id__in=qr_ids, period__gte=start, period__lte=end)
                .order_by().values("qr_code_id", "period").annotate(n=Sum("scans")))
        return {(r["qr_code_id"], r["period"]): r["n"] for r in rows}
    rows = (
        ScanEvent.objects.filter(
            organization=organization, qr_code_id__in=qr_ids, classification__in=list(Classification.COUNTED),
            scanned_at__gte=_local_midnight(start, tz), scanned_at__lt=_local_midnight(end + dt.timedelta(days=1), tz),
        )
        .annotate(day=TruncDate("scanned_at", tzinfo=tz))
        .order_by().values("qr_code_id", "day").annotate(n=Count("id"))
    )
    return {(r["qr_code_id"], r["day"]): r["n"] for r in rows}


def _share_clicks_by_day(organization: Organization, campaign: Campaign, start: dt.date, end: dt.date,
                         tz: dt.tzinfo) -> dict[dt.date, int]:
    if end < start:
        return {}
    rows = (
        CampaignShareClick.objects.filter(
            organization=organization, campaign=campaign, is_bot=False,
            clicked_at__gte=_local_midnight(start, tz), clicked_at__lt=_local_midnight(end + dt.timedelta(days=1), tz),
        )
        .annotate(day=TruncDate("clicked_at", tzinfo=tz))
        .order_by().values("day").annotate(n=Count("id"))
    )
    return {r["day"]: r["n"] for r in rows}


def campaign_share_clicks(*, organization: Organization, campaign: Campaign) -> int:
    """All-time share-link clicks of the campaign (bots not counted)."""
    return CampaignShareClick.objects.filter(organization=organization, campaign=campaign, is_bot=False).count()


def campaign_share_link(campaign: Campaign) -> str:
    """The campaign's public share link (its own short code; never a QR code's /s/ link)."""
    return f"{settings.SITE_URL}{SHARE_PREFIX}{campaign.share_code}"


@dataclass
class CampaignScans:
    """What the campaign page charts, in the organization's zone (`timezone`)."""

    start: dt.date
    end: dt.date
    timezone: str
    qr_codes: list[dict[str, Any]]
    days: list[dict[str, Any]]
    total_in_range: int
    share_clicks_in_range: int
    share_clicks_total: int
    empty_reason: str

    @property
    def max_per_day(self) -> int:
        return max((d["scans"] for d in self.days), default=0)

    def chart_data(self) -> dict[str, Any]:
        """The chart's series for the page's json_script (campaign-chart.js)."""
        return {
            "labels": [d["date"].isoformat() for d in self.days],
            "scans": [d["scans"] for d in self.days],
            "share_clicks": [d["share_clicks"] for d in self.days],
            "timezone": self.timezone,
        }


def campaign_scans(*, organization: Organization, campaign: Campaign, today: dt.date | None = None) -> CampaignScans:
    """The campaign's QR codes with their scans in the chart range, scans and share-link clicks
    per day of the organization's zone, and why there is nothing to draw (empty_reason, "" when
    there is something). Share clicks are a separate series: they are never scans of a code."""
    tz = organization.tzinfo
    start, end = campaign_chart_range(campaign, today=today or timezone.now().astimezone(tz).date())
    qrs = list(QRCode.objects.filter(organization=organization, campaign=campaign).order_by("-total_scans", "name"))
    cells = _scans_by_day_and_code(organization, [q.pk for q in qrs], start, end, tz)
    per_qr: dict[Any, int] = {}
    per_day: dict[dt.date, int] = {}
    for (qr_id, day), n in cells.items():
        per_qr[qr_id] = per_qr.get(qr_id, 0) + n
        per_day[day] = per_day.get(day, 0) + n
    clicks = _share_clicks_by_day(organization, campaign, start, end, tz)
    days = []
    day = start
    while day <= end:
        days.append({"date": day, "scans": per_day.get(day, 0), "share_clicks": clicks.get(day, 0)})
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
    total, clicks_in_range = sum(per_qr.values()), sum(clicks.values())
    if end < start:
        reason = f"No chart yet: the campaign starts on {start.isoformat()}."
    elif not qrs and not clicks_in_range:
        reason = "No chart yet: this campaign has no QR codes and its share link has no clicks in these dates."
    elif not total and not clicks_in_range:
        reason = (f"No chart yet: no counted scans or share-link clicks between {start.isoformat()} and "
                  f"{end.isoformat()} (new scans appear once the workers have counted them).")
    else:
        reason = ""
    return CampaignScans(
        start=start, end=end, timezone=organization.timezone, qr_codes=qr_rows, days=days,
        total_in_range=total, share_clicks_in_range=clicks_in_range,
        share_clicks_total=campaign_share_clicks(organization=organization, campaign=campaign),
        empty_reason=reason,
    )


def campaign_attachable_qr_codes(*, organization: Organization, campaign: Campaign,
                                 limit: int = ATTACHABLE_LIMIT) -> list[QRCode]:
    """The organization's QR codes not in this campaign (for the attach form), by name; at most
    `limit` (the page says when there are more)."""
    return list(
        QRCode.objects.filter(organization=organization)
        .exclude(campaign=campaign)
        .select_related("campaign")
        .order_by("name", "pk")[:limit]
    )


def campaign_totals(*, organization: Organization, campaign: Campaign) -> dict[str, int]:
    """The campaign's all-time numbers for the API detail: scans of its QR codes (what
    total_scans counts) and share-link clicks, reported apart."""
    scans = QRCode.objects.filter(organization=organization, campaign=campaign).aggregate(n=Sum("total_scans"))["n"]
    return {"qr_codes": QRCode.objects.filter(organization=organization, campaign=campaign).count(),
            "scans": scans or 0,
            "share_clicks": campaign_share_clicks(organization=organization, campaign=campaign)}


def campaign_qr_code_ids(*, organization: Organization, campaign: Campaign) -> list[str]:
    """The ids of the campaign's QR codes, oldest first."""
    return [str(pk) for pk in QRCode.objects.filter(organization=organization, campaign=campaign)
            .order_by("created_at", "pk").values_list("pk", flat=True)]
