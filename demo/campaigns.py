"""Demo campaigns (`manage.py seed_demo`): dates relative to the day the seed runs, so the
story holds whenever `make run` starts: an active (or paused) campaign spans today, an ended
one ended in the past and says so, a scheduled one (draft) starts in the future. Each holds
1-4 of its organization's QR codes.

Idempotent: campaigns are matched by name; every run moves their dates and status to today's
(a queryset update, not the service, so restarting the demo writes no activity rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaigns.models import Campaign
from campaigns.services import campaign_create
from tenants.models import ActivityLog, Organization, User


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    description: str
    starts_in: int  # days from today; negative: it started that many days ago
    lasts: int  # days from start to end (0: a one-day event)
    codes: tuple[str, ...]  # names of the organization's QR codes it holds (1-4)
    paused: bool = False  # when it spans today: paused rather than active
    prepared: int = 10  # created this many days before it starts (never in the future)


def campaign_dates(spec: CampaignSpec, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """(start, end, status) on `today`: the status follows from the dates."""
    start = today + dt.timedelta(days=spec.starts_in)
    end = start + dt.timedelta(days=spec.lasts)
    if end < today:
        status = Campaign.Status.ENDED
    elif start > today:
        status = Campaign.Status.DRAFT  # scheduled: prepared, not live yet
    else:
        status = Campaign.Status.PAUSED if spec.paused else Campaign.Status.ACTIVE
    return start, end, status


def campaign_created_at(spec: CampaignSpec, *, today: dt.date, now: dt.datetime) -> dt.datetime:
    start = today + dt.timedelta(days=spec.starts_in)
    created = dt.datetime.combine(start - dt.timedelta(days=spec.prepared), dt.time(15), tzinfo=dt.UTC)
    return min(created, now - dt.timedelta(hours=2))


def campaigns_seed(*, organization: Organization, actor: User | None, specs: list[CampaignSpec], today: dt.date,
                   now: dt.datetime) -> dict[str, Campaign]:
    """Create the missing campaigns (through the service, so the activity feed has them,
    dated when they were prepared) and move every one to today's dates. Returns name -> row."""
    by_name = {c.name: c for c in Campaign.objects.filter(organization=organization, name__in=[s.name for s in specs])}
    for spec in specs:
        start, end, status = campaign_dates(spec, today)
        campaign = by_name.get(spec.name)
        if campaign is None:
            if actor is None:
                continue
            campaign = campaign_create(organization=organization, actor=actor, data={
                "name": spec.name, "description": spec.description, "start_date": start, "end_date": end,
                "status": status})
            created = campaign_created_at(spec, today=today, now=now)
            Campaign.objects.filter(pk=campaign.pk).update(created_at=created, updated_at=created)
            ActivityLog.objects.filter(organization=organization, entity_id=str(campaign.pk)).update(created_at=created)
            by_name[spec.name] = campaign
        elif (campaign.start_date, campaign.end_date, campaign.status) != (start, end, status):
            Campaign.objects.filter(pk=campaign.pk).update(start_date=start, end_date=end, status=status)
    return by_name


def campaigns_align(*, organization: Organization, specs: list[CampaignSpec], today: dt.date) -> int:
    """Move the organization's demo campaigns to `today`'s dates and status; returns how many
    changed. (campaigns_seed does this too; the tests call it with other days.)"""
    changed = 0
    for spec in specs:
        start, end, status = campaign_dates(spec, today)
        changed += Campaign.objects.filter(organization=organization, name=spec.name).exclude(
            start_date=start, end_date=end, status=status).update(start_date=start, end_date=end, status=status)
    return changed
