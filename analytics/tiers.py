"""The seed's "three dashboard versions": what each plan's dashboard shows. The tiers are the
`dashboard` field of the plan table (tenants.plans); this module is where they are enforced:
the selectors and services call these checks (which refuse what a plan lacks); templates only
hide what the selectors would refuse anyway."""

from __future__ import annotations

from core.errors import DomainError
from tenants.models import Organization
from tenants.plans import DEFAULT_PLAN, PLANS, DashboardTier, plan_labels

__all__ = ["DashboardTier", "PlanUpgradeRequired", "require_breakdown", "require_campaign_filter",
           "require_export", "tier_for"]


class PlanUpgradeRequired(DomainError):
    status_code = 403
    code = "plan_upgrade_required"


def tier_for(organization: Organization) -> DashboardTier:
    """The organization's plan's dashboard (the default plan's for an unknown plan_type)."""
    plan = PLANS.get(organization.plan_type) or PLANS[DEFAULT_PLAN]
    return plan.dashboard


def require_breakdown(organization: Organization, by: str) -> None:
    if by not in tier_for(organization).breakdowns:
        raise PlanUpgradeRequired(f"The breakdown by {by} is not part of your plan's dashboard; upgrade to see it.")


def require_export(organization: Organization) -> None:
    if not tier_for(organization).export:
        with_export = [key for key, plan in PLANS.items() if plan.dashboard.export]
        raise PlanUpgradeRequired(f"CSV export is part of the {plan_labels(with_export)} plans.")


def require_campaign_filter(organization: Organization) -> None:
    if not tier_for(organization).campaign_filter:
        raise PlanUpgradeRequired("Campaign filters and comparisons are part of the paid plans.")

