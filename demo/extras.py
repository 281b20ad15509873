"""The demo's share-link clicks and its one pending plan change, so each of those screens shows
something true on the day `make run` starts.

- Every live campaign of a demo customer has share-link clicks (social posts, messages) from
  its start (or its first day in the data) until now, at a few a day in the customer's waking
  hours; a later run adds clicks for the days after the latest one's, so nothing doubles.
- Pizza Palace (4 of 5 codes on the free plan) has asked for Medium business: the console's
  home shows one pending request for staff to approve or reject."""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Max

from campaigns.models import Campaign, CampaignShareClick
from campaigns.services import campaign_share_clicks_record
from tenants.models import Organization, PlanChangeRequest, User
from tenants.plans import MEDIUM_BUSINESS, SMALL_BUSINESS
from tenants.services import plan_change_request

SHARE_REFERRERS = ("https://www.facebook.com/", "https://www.instagram.com/", "https://t.co/",
                   "https://www.linkedin.com/", "")
MAX_SHARE_DAYS = 60


def share_clicks_seed(*, organization: Organization, now: dt.datetime) -> int:
    """Clicks of the share links of the organization's live campaigns (active, or ended inside
    the last MAX_SHARE_DAYS), up to now; returns how many were added."""
    zone = organization.tzinfo
    today = now.astimezone(zone).date()
    added = 0
    for campaign in Campaign.objects.filter(organization=organization).exclude(status=Campaign.Status.DRAFT):
        if campaign.start_date is None or campaign.start_date > today:
            continue
        last = CampaignShareClick.objects.filter(campaign=campaign).aggregate(m=Max("clicked_at"))["m"]
        first_day = max(campaign.start_date, today - dt.timedelta(days=MAX_SHARE_DAYS),
                        last.astimezone(zone).date() if last else dt.date.min)
        end_day = min(campaign.end_date or today, today)
        times: list[dt.datetime] = []
        day = first_day
        while day <= end_day:
            # the same clicks for a (campaign, day) on every run: a run adds only those that
            # happened since the latest one stored, so nothing doubles
            day_rng = random.Random(f"{campaign.pk}|{day}")
            for _ in range(day_rng.choice((0, 1, 1, 2, 3, 5))):
                at = dt.datetime.combine(day, dt.time(day_rng.randrange(8, 23), day_rng.randrange(60)), zone)
                if at <= now and (last is None or at > last):
                    times.append(at)
            day += dt.timedelta(days=1)
        for referrer in SHARE_REFERRERS:  # one call per channel so the clicks carry a referrer
            batch = [t for i, t in enumerate(sorted(times)) if SHARE_REFERRERS[i % len(SHARE_REFERRERS)] == referrer]
            if batch:
                added += campaign_share_clicks_record(organization=organization, campaign=campaign,
                                                      clicked_at=batch, referrer_url=referrer)
    return added


def plan_request_seed(*, organization: Organization) -> PlanChangeRequest | None:
    """A pending upgrade of a free customer near its limits, filed by its Admin (once: a request
    staff have decided stays decided)."""
    if organization.plan_type != SMALL_BUSINESS or PlanChangeRequest.objects.filter(organization=organization).exists():
        return None
    admin = User.objects.filter(organization=organization, role=User.Role.ADMIN).order_by("created_at").first()
    if admin is None:
        return None
    return plan_change_request(organization=organization, actor=admin, to_plan=MEDIUM_BUSINESS,
                               note="We are opening a second location and need more codes.")
