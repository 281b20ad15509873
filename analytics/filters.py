"""The dashboard filters (date range, campaign, QR code), parsed once from a query string for
both the API and the page. Bad values, dates outside core.dates' bound included,
raise ValidationFailed (400); another organization's
campaign or QR code raises NotFound (404), exactly like a missing one."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from analytics.periods import today_utc
from analytics.tiers import PlanUpgradeRequired, require_campaign_filter, tier_for
from campaigns.models import Campaign
from core.dates import DATE_OUT_OF_RANGE, MIN_DATE, date_in_range
from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from tenants.models import Organization

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3660


@dataclass(frozen=True)
class DashboardFilters:
    date_from: dt.date
    date_to: dt.date
    campaign_id: uuid.UUID | None = None
    qr_code_id: uuid.UUID | None = None
    campaign_name: str = ""
    qr_code_name: str = ""

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def as_params(self) -> dict[str, str]:
        """The query string that reproduces these filters (links, exports)."""
        params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.campaign_id:
            params["campaign_id"] = str(self.campaign_id)
        if self.qr_code_id:
            params["qr_code_id"] = str(self.qr_code_id)
        return params


def earliest_allowed(organization: Organization, today: dt.date | None = None) -> dt.date | None:
    days = tier_for(organization).history_days
    return None if days is None else (today or today_utc()) - dt.timedelta(days=days - 1)


def _parse_date(params: Mapping[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Use a date like 2026-01-31."
        return None
    if not date_in_range(day):
        errors[name] = DATE_OUT_OF_RANGE
        return None
    return day


def filters_from_params(*, organization: Organization, params: Mapping[str, str]) -> DashboardFilters:
    """Validate the filters for this organization. Defaults: the last 30 days, no campaign or
    QR code. Ranges earlier than the plan's history raise PlanUpgradeRequired (403)."""
    errors: dict[str, str] = {}
    today = today_utc()
    date_to = _parse_date(params, "to", errors) or today
    date_from = _parse_date(params, "from", errors) or max(date_to - dt.timedelta(days=DEFAULT_DAYS - 1), MIN_DATE)
    if not errors and date_from > date_to:
        errors["from"] = "The start date must not be after the end date."
    if not errors and (date_to - date_from).days >= MAX_RANGE_DAYS:
        errors["from"] = f"A range may span at most {MAX_RANGE_DAYS} days."
    campaign_raw = (params.get("campaign_id") or "").strip()
    qr_raw = (params.get("qr_code_id") or "").strip()
    if errors:
        raise ValidationFailed(errors)
    earliest = earliest_allowed(organization, today)
    if earliest is not None and date_from < earliest:
        raise PlanUpgradeRequired(
            f"Your plan's dashboard covers the last {tier_for(organization).history_days} days "
            f"(from {earliest.isoformat()}); upgrade for a longer history."
        )
    campaign = qr = None
    if campaign_raw:
        require_campaign_filter(organization)
        cid = as_uuid(campaign_raw)
        campaign = Campaign.objects.filter(organization=organization, pk=cid).first() if cid else None
        if campaign is None:
            raise NotFound("No such campaign.")
    if qr_raw:
        qid = as_uuid(qr_raw)
        qr = QRCode.objects.filter(organization=organization, pk=qid).first() if qid else None
        if qr is None:
            raise NotFound("No such QR code.")
    return DashboardFilters(
        date_from=date_from,
        date_to=date_to,
        campaign_id=campaign.pk if campaign else None,
        qr_code_id=qr.pk if qr else None,
        campaign_name=campaign.name if campaign else "",
        qr_code_name=qr.name if qr else "",
    )


__all__ = ["DashboardFilters", "PlanUpgradeRequired", "filters_from_params", "earliest_allowed"]
