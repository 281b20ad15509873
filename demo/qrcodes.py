"""Demo QR codes (`manage.py seed_demo`). Created through qrcodes.services (plan limits,
activity log) and matched by name, so a second run creates nothing; then dated back to when the
business printed them (the code, and its activity row), before any of its scans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaigns.models import Campaign
from demo.scans import CodeLife
from qrcodes.models import QRCode
from qrcodes.services import qr_code_create
from tenants.models import ActivityLog, Organization, User

RETIRE_AFTER_END = dt.timedelta(days=3)  # a campaign's posters come down a few days after it ends


@dataclass(frozen=True)
class CodeSpec:
    name: str
    location: str
    url: str
    created_days_ago: int
    weight: float = 1.0  # how often it is scanned relative to the others


def codes_seed(*, organization: Organization, writer: User | None, specs: list[CodeSpec],
               now: dt.datetime) -> list[QRCode]:
    """Create the missing codes (within the plan's limit) dated `created_days_ago`; returns the
    organization's demo codes that exist."""
    existing = {q.name: q for q in QRCode.objects.filter(organization=organization, name__in=[s.name for s in specs])}
    for spec in specs:
        if spec.name in existing or writer is None:
            continue
        organization.refresh_from_db()
        if organization.max_qr_codes is not None and organization.total_qr_codes >= organization.max_qr_codes:
            break
        qr = qr_code_create(organization=organization, actor=writer,
                            data={"name": spec.name, "location": spec.location, "qr_url": spec.url})
        created = now - dt.timedelta(days=spec.created_days_ago, hours=3)
        QRCode.objects.filter(pk=qr.pk).update(created_at=created, updated_at=created)
        ActivityLog.objects.filter(organization=organization, entity_id=str(qr.pk)).update(created_at=created)
        qr.created_at = created
        existing[spec.name] = qr
    return [existing[s.name] for s in specs if s.name in existing]


def codes_attach(*, organization: Organization, campaigns: dict[str, Campaign], holds: dict[str, tuple[str, ...]]) -> None:
    """Put each campaign's codes in it (campaign name -> code names); a queryset update, so a
    rerun that changes nothing writes nothing."""
    for name, code_names in holds.items():
        campaign = campaigns.get(name)
        if campaign is not None:
            QRCode.objects.filter(organization=organization, name__in=code_names).exclude(
                campaign=campaign).update(campaign=campaign)


def code_lives(codes: list[QRCode], weights: dict[str, float], *, today: dt.date) -> list[CodeLife]:
    """When each code could be scanned: from its creation; a code of a campaign that ended is
    taken down a few days after the end; a code of a scheduled campaign goes up on its start."""
    campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in=[q.campaign_id for q in codes if q.campaign_id])}
    lives = []
    for q in codes:
        live_from, live_until = q.created_at, None
        campaign = campaigns.get(q.campaign_id)
        if campaign is not None and campaign.status == Campaign.Status.ENDED and campaign.end_date:
            live_until = dt.datetime.combine(campaign.end_date, dt.time(), tzinfo=dt.UTC) + RETIRE_AFTER_END
        elif campaign is not None and campaign.status == Campaign.Status.DRAFT and campaign.start_date:
            live_from = max(live_from, dt.datetime.combine(campaign.start_date, dt.time(), tzinfo=dt.UTC))
        if q.status == QRCode.Status.ACTIVE:
            lives.append(CodeLife(q.pk, weights.get(q.name, 1.0), live_from, live_until))
    return lives
