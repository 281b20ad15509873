"""The dashboard filters (date range, campaign, QR code), parsed once from a query string for
both the API and the page. Bad values, dates outside core.dates' bound included,
raise ValidationFailed (400); another organization's
campaign or QR code raises NotFound (404), exactly like a missing one.

Dates are days in the organization's time zone (`Organization.timezone`): "today", the default
range and the presets (`range=7d`, ...) follow its clock, and the selectors count each local day
from midnight to midnight there (analytics.zoned)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from analytics.periods import add_months, today_in
from analytics.periods import today_utc as today_utc  # re-exported: pages outside the analytics still import it
from analytics.tiers import PlanUpgradeRequired, require_campaign_filter, tier_for
from campaigns.models import Campaign
from core.dates import DATE_OUT_OF_RANGE, MIN_DATE, date_in_range
from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from tenants import timezones
from tenants.models import Organization
from tenants.plans import PLANS

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3660

# `range=` presets, in the order the page shows them.
PRESETS: tuple[tuple[str, str], ...] = (
    ("today", "Today"), ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days"),
    ("this_month", "This month"), ("last_month", "Last month"), ("this_year", "This year"),
)
PRESET_LABELS = dict(PRESETS)
DEFAULT_PRESET = "30d"


@dataclass(frozen=True)
class DashboardFilters:
    date_from: dt.date
    date_to: dt.date
    campaign_id: uuid.UUID | None = None
    qr_code_id: uuid.UUID | None = None
    campaign_name: str = ""
    qr_code_name: str = ""
    # The organization's IANA zone: the days above are its days. Part of the cache key.
    timezone: str = timezones.DEFAULT
    preset: str = ""  # the `range=` preset these dates came from ("" = explicit dates)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def tzinfo(self) -> dt.tzinfo:
        return timezones.zone(self.timezone)

    @property
    def is_utc(self) -> bool:
        return self.timezone == timezones.DEFAULT

    def today(self) -> dt.date:
        return today_in(self.tzinfo)

    def previous(self) -> DashboardFilters:
        """The equal-length period just before this one (same campaign, QR code and zone)."""
        date_to = self.date_from - dt.timedelta(days=1)
        return replace(self, date_from=date_to - dt.timedelta(days=self.days - 1), date_to=date_to, preset="")

    def utc_dates(self) -> tuple[dt.date, dt.date]:
        """The UTC days that stand for this range where only whole UTC days are stored (the
        breakdowns other than hour of day, top QR codes, campaigns, bot scans): each UTC day
        counts for the local day that holds its noon. Identity for UTC and for every offset
        strictly between -12 and +12 hours; one day earlier for +12 to +14 (e.g. Auckland in
        summer). analytics.zoned says which numbers are exact."""
        if self.is_utc:
            return self.date_from, self.date_to
        tz = self.tzinfo

        def local_noon(day: dt.date) -> dt.date:
            return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).astimezone(tz).date()

        first = next(d for d in (self.date_from - dt.timedelta(days=1), self.date_from) if local_noon(d) >= self.date_from)
        last = next(d for d in (self.date_to, self.date_to - dt.timedelta(days=1)) if local_noon(d) <= self.date_to)
        return first, last

    def as_params(self) -> dict[str, str]:
        """The query string that reproduces these filters (links, exports). A preset stays a
        preset, so a bookmarked "last 30 days" keeps moving with the calendar."""
        if self.preset:
            params = {"range": self.preset}
        else:
            params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.campaign_id:
            params["campaign_id"] = str(self.campaign_id)
        if self.qr_code_id:
            params["qr_code_id"] = str(self.qr_code_id)
        return params


def organization_today(organization: Organization) -> dt.date:
    """Today in the organization's time zone."""
    return today_in(organization.tzinfo)


def earliest_allowed(organization: Organization, today: dt.date | None = None) -> dt.date | None:
    days = tier_for(organization).history_days
    return None if days is None else (today or organization_today(organization)) - dt.timedelta(days=days - 1)


def preset_range(key: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """(from, to) of a `range=` preset on the given (organization's) day."""
    if key == "today":
        return today, today
    if key in ("7d", "30d", "90d"):
        return today - dt.timedelta(days=int(key[:-1]) - 1), today
    if key == "this_month":
        return today.replace(day=1), today
    if key == "last_month":
        first = add_months(today, -1)
        return first, today.replace(day=1) - dt.timedelta(days=1)
    if key == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(key)


def plan_with_history(days: int) -> str | None:
    """Label of the first plan (in the plan table's order) whose dashboard reaches `days` back."""
    for plan in PLANS.values():
        if plan.dashboard.history_days is None or plan.dashboard.history_days >= days:
            return plan.label
    return None


def preset_links(organization: Organization, filters: DashboardFilters) -> list[dict[str, Any]]:
    """The page's preset buttons: each preset's dates today (in the organization's zone),
    whether it is the range shown, and, when it starts before the plan's history, `disabled`
    with the plan that allows it (presets are refused, never silently clamped)."""
    today = organization_today(organization)
    earliest = earliest_allowed(organization, today)
    out = []
    for key, label in PRESETS:
        date_from, date_to = preset_range(key, today)
        link: dict[str, Any] = {
            "key": key, "label": label, "from": date_from, "to": date_to,
            "active": filters.preset == key or (not filters.preset and (filters.date_from, filters.date_to)
                                                == (date_from, date_to)),
            "disabled": earliest is not None and date_from < earliest,
            "title": f"{date_from:%b} {date_from.day} – {date_to:%b} {date_to.day}, {date_to.year}",
        }
        if link["disabled"]:
            plan = plan_with_history((today - date_from).days + 1)
            link["title"] = (f"Goes back further than your plan's {tier_for(organization).history_days} days"
                             + (f": part of the {plan} plan" if plan else ""))
        out.append(link)
    return out


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
    """Validate the filters for this organization. Defaults: the last 30 days in the
    organization's zone, no campaign or QR code. `range=<preset>` (PRESETS) sets both dates and
    wins over `from`/`to`. Ranges earlier than the plan's history raise PlanUpgradeRequired (403)."""
    errors: dict[str, str] = {}
    today = organization_today(organization)
    preset = (params.get("range") or "").strip()
    if preset and preset not in PRESET_LABELS:
        errors["range"] = f"Use one of: {', '.join(PRESET_LABELS)}."
        preset = ""
    if preset:
        date_from, date_to = preset_range(preset, today)
    else:
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
        timezone=organization.tzinfo.key,
        preset=preset,
    )


__all__ = ["DashboardFilters", "PlanUpgradeRequired", "filters_from_params", "earliest_allowed",
           "organization_today", "preset_links", "preset_range", "PRESETS"]
