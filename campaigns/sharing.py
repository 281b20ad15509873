"""The share-link hot path (`/l/<share_code>`): find where a campaign's share link sends people
and record the click with one INSERT, then redirect. A share click is a channel of the campaign,
never a scan: it writes no qr_scan_events row and moves no QR code counter or rollup.

Same shape as qrcodes.scanning: a process-local cached lookup (the `scan_lookup` LocMem cache,
SCAN_LOOKUP_CACHE_SECONDS), one INSERT, a 302. Bots follow the scans' user-agent rules
(qrcodes.enrichment.device_info, cached per distinct user agent; HEAD is a bot): they are
stored flagged and never counted. When the database refuses the INSERT because it is down,
the click goes to a Redis list next to the scan spool and `share_click_spool_drain` inserts
it later (beat task `campaigns.share_click_spool_drain`); if Redis is down too the visitor is
still redirected and the click is logged as lost."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, DataError, IntegrityError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from campaigns.models import Campaign, CampaignShareClick
from core.client_ip import client_ip
from qrcodes.enrichment import device_info, ip_hash
from qrcodes.models import QRCode
from qrcodes.scanning import CONTENT_PAGE_PREFIX, MAX_REFERRER, MAX_USER_AGENT, scan_spool_client, storable_text
from tenants.models import Organization
from tenants.timezones import zone

logger = logging.getLogger(__name__)

LIVE_STATUSES = (Campaign.Status.DRAFT, Campaign.Status.ACTIVE)
_MISSING = "missing"


@dataclass(frozen=True)
class ShareTarget:
    campaign_id: uuid.UUID
    organization_id: uuid.UUID
    destination: str  # absolute URL or the content page path; "" when there is none
    status: str
    end_date: dt.date | None
    organization_active: bool
    timezone: str  # the organization's IANA zone: the end date is a day there
    company_name: str

    def live(self, now: dt.datetime | None = None) -> bool:
        """Draft and active campaigns of an active organization with somewhere to send people,
        until the end of their end date in the organization's zone."""
        if self.status not in LIVE_STATUSES or not self.organization_active or not self.destination:
            return False
        if self.end_date is not None:
            today = (now or timezone.now()).astimezone(zone(self.timezone)).date()
            if today > self.end_date:
                return False
        return True


def _cache():
    return caches["scan_lookup"]


def _key(share_code: str) -> str:
    return f"l:{share_code}"


def share_destination(campaign: Campaign) -> str:
    """Where the share link sends people: the campaign's share_url, else the destination of its
    first (oldest) active QR code, as a scan of that code would go; "" when there is none."""
    if campaign.share_url:
        return campaign.share_url
    # Cross-tenant on purpose when called from the public path: the campaign names the tenant.
    qr = (
        QRCode.objects.unscoped()
        .filter(organization_id=campaign.organization_id, campaign_id=campaign.pk, status=QRCode.Status.ACTIVE)
        .filter(Q(linked_content__isnull=False) | ~Q(qr_url=""))
        .order_by("created_at")
        .values("short_code", "qr_url", "linked_content_id")
        .first()
    )
    if qr is None:
        return ""
    return f"{CONTENT_PAGE_PREFIX}{qr['short_code']}" if qr["linked_content_id"] else qr["qr_url"]


def share_target_for_code(share_code: str) -> ShareTarget | None:
    """The target of `/l/<share_code>`, or None for an unknown code (cached both ways)."""
    if not share_code or len(share_code) > 16 or not share_code.isalnum():
        return None
    hit = _cache().get(_key(share_code))
    if hit is None:
        # Cross-tenant on purpose: a public link carries no tenant; the code identifies it.
        campaign = Campaign.objects.unscoped().select_related("organization").filter(share_code=share_code).first()
        if campaign is None:
            hit = _MISSING
        else:
            org = campaign.organization
            hit = ShareTarget(campaign.pk, org.pk, share_destination(campaign), campaign.status, campaign.end_date,
                              org.status == Organization.Status.ACTIVE, org.timezone, org.company_name)
        _cache().set(_key(share_code), hit)
    return None if hit == _MISSING else hit


def share_target_forget(share_code: str) -> None:
    """Drop this process's cached lookup of a share code (services call it on every change
    of the campaign or of its QR codes); other processes follow within the cache's timeout."""
    _cache().delete(_key(share_code))


def share_click_spool_key() -> str:
    return f"{settings.SCAN_SPOOL_KEY}:share"


def _spool(click: CampaignShareClick) -> bool:
    row = {
        "organization_id": str(click.organization_id), "campaign_id": str(click.campaign_id),
        "clicked_at": click.clicked_at.isoformat(), "is_bot": click.is_bot, "ip_hash": click.ip_hash,
        "user_agent": click.user_agent, "referrer_url": click.referrer_url,
    }
    try:
        scan_spool_client().rpush(share_click_spool_key(), json.dumps(row))
    except (redis.RedisError, OSError):
        logger.exception("share click of campaign %s LOST: database and spool both unavailable", click.campaign_id)
        return False
    return True


def share_click_capture(*, target: ShareTarget, request: HttpRequest) -> CampaignShareClick | None:
    """Store one share click (one INSERT; the instance is returned). Bots are stored flagged.
    Database down: spooled to Redis for share_click_spool_drain. None when the click was not
    recorded (the link is not live, the row was refused, or it was lost and logged)."""
    if not target.live():
        return None
    user_agent = storable_text(request.headers.get("User-Agent", ""), MAX_USER_AGENT)
    click = CampaignShareClick(
        organization_id=target.organization_id,
        campaign_id=target.campaign_id,
        clicked_at=timezone.now(),
        is_bot=request.method == "HEAD" or device_info(user_agent).is_bot,
        ip_hash=ip_hash(client_ip(request)),
        user_agent=user_agent,
        referrer_url=storable_text(request.headers.get("Referer", ""), MAX_REFERRER),
    )
    try:
        # bulk_create: one INSERT, no scoping check (the public path has no tenant bound).
        CampaignShareClick.all_orgs.bulk_create([click])
    except (DataError, IntegrityError) as err:  # the row's fault (campaign deleted since the lookup)
        logger.error("share click of campaign %s refused (%s)", target.campaign_id, err.__class__.__name__)
        return None
    except DatabaseError as err:
        logger.warning("share click of campaign %s not stored (%s); spooling it", target.campaign_id,
                       err.__class__.__name__)
        return click if _spool(click) else None
    return click


def share_click_spool_drain(*, batch: int = 500) -> int:
    """Insert spooled share clicks (all tenants: this is a sweep). Returns how many were
    inserted; a row whose campaign is gone is dropped and logged."""
    client = scan_spool_client()
    key = share_click_spool_key()
    inserted = 0
    while True:
        items = client.lpop(key, batch) or []
        if not items:
            return inserted
        rows = []
        for raw in items:
            try:
                data = json.loads(raw)
                rows.append(CampaignShareClick(
                    organization_id=data["organization_id"], campaign_id=data["campaign_id"],
                    clicked_at=dt.datetime.fromisoformat(data["clicked_at"]), is_bot=bool(data["is_bot"]),
                    ip_hash=data["ip_hash"], user_agent=data["user_agent"], referrer_url=data["referrer_url"],
                ))
            except (ValueError, KeyError, TypeError):
                logger.error("share click spool item dropped: unreadable %r", raw[:200])
        live = set(Campaign.objects.unscoped().filter(pk__in={r.campaign_id for r in rows}).values_list("pk", flat=True))
        keep = [r for r in rows if uuid.UUID(str(r.campaign_id)) in live]
        if len(keep) < len(rows):
            logger.warning("%d spooled share clicks dropped: their campaigns were deleted", len(rows) - len(keep))
        CampaignShareClick.all_orgs.bulk_create(keep)
        inserted += len(keep)
