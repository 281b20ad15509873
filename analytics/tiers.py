"""The seed's "three dashboard versions": what each plan's dashboard shows. One table, read by
the selectors and services (which refuse what a plan lacks); templates only hide what the
selectors would refuse anyway."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.errors import DomainError
from tenants.models import Organization
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, SMALL_BUSINESS


class PlanUpgradeRequired(DomainError):
    status_code = 403
    code = "plan_upgrade_required"


@dataclass(frozen=True)
class DashboardTier:
    label: str
    history_days: int | None  # how far back the date range may start; None = all history
    breakdowns: frozenset[str]
    intervals: frozenset[str]
    campaign_filter: bool  # filter by campaign and compare campaigns side by side
    locations: bool  # map of countries and cities, top cities
    export: bool  # CSV of scan events and aggregates
    upgrade_to: str | None


_CORE = frozenset({"country", "device_type", "os", "browser"})
_PAID = _CORE | {"city", "referrer"}

TIERS: dict[str, DashboardTier] = {
    SMALL_BUSINESS: DashboardTier(
        "Essentials", 90, _CORE, frozenset({"day", "week"}), False, False, False, MEDIUM_BUSINESS
    ),
    MEDIUM_BUSINESS: DashboardTier(
        "Business", 365, _PAID, frozenset({"day", "week", "month"}), True, True, True, ENTERPRISE
    ),
    ENTERPRISE: DashboardTier(
        "Enterprise", None, _PAID | {"hour"}, frozenset({"day", "week", "month"}), True, True, True, None
    ),
}


def tier_for(organization: Organization) -> DashboardTier:
    return TIERS.get(organization.plan_type, TIERS[SMALL_BUSINESS])


def require_breakdown(organization: Organization, by: str) -> None:
    if by not in tier_for(organization).breakdowns:
        raise PlanUpgradeRequired(f"The breakdown by {by} is not part of your plan's dashboard; upgrade to see it.")


def require_export(organization: Organization) -> None:
    if not tier_for(organization).export:
        raise PlanUpgradeRequired("CSV export is part of the Medium business and Enterprise plans.")


def require_campaign_filter(organization: Organization) -> None:
    if not tier_for(organization).campaign_filter:
        raise PlanUpgradeRequired("Campaign filters and comparisons are part of the paid plans.")

