"""The plan table: everything a plan decides -- price, limits, the dashboard it shows -- in one
declaration with keyword fields. Everything else reads it: the limits the services enforce
(through the organization's columns, set by tenants.services.organization_apply_plan), the
model's defaults and choices (callables below, so the migration names them instead of copying
values), the sign-up choices, the OI console's plan actions and reports, and the dashboard
tiers (analytics.tiers). Adding a plan is one entry in PLANS.

tenants sits below analytics, so breakdown dimensions and intervals are named here as strings;
tenants/tests/test_plans.py checks them against analytics."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SMALL_BUSINESS = "small_business"
MEDIUM_BUSINESS = "medium_business"
ENTERPRISE = "enterprise"


@dataclass(frozen=True, kw_only=True)
class DashboardTier:
    """What a plan's dashboard shows; analytics.tiers refuses the rest."""

    label: str  # "Essentials": the dashboard's own name, shown next to the plan's
    history_days: int | None  # how far back a date range may start; None = all history
    breakdowns: frozenset[str]  # analytics.models.Dimension values
    intervals: frozenset[str]  # analytics.selectors.INTERVALS
    campaign_filter: bool  # filter by campaign and compare campaigns side by side
    locations: bool  # map of countries and cities, top cities
    export: bool  # CSV of scan events and aggregates
    upgrade_to: str | None  # the plan with the next dashboard (and more room); None = the top
    upgrade_adds: str = ""  # what that upgrade adds to the dashboard, in the page's words


@dataclass(frozen=True, kw_only=True)
class Plan:
    key: str
    label: str
    monthly_price: Decimal
    max_contributors: int | None  # active and invited users; None = unlimited
    max_qr_codes: int | None  # active QR codes; None = unlimited
    storage_limit_gb: int
    dashboard: DashboardTier

    @property
    def upgrade_to(self) -> str | None:
        return self.dashboard.upgrade_to

    @property
    def is_paid(self) -> bool:
        return self.monthly_price > 0

    @property
    def summary(self) -> str:
        """"Free: 3 users, 5 QR codes, 250 GB" (the sign-up form's choice labels)."""
        price = f"${self.monthly_price:,.0f}/month" if self.is_paid else "Free"
        users = "unlimited" if self.max_contributors is None else f"{self.max_contributors:,}"
        codes = "unlimited" if self.max_qr_codes is None else f"{self.max_qr_codes:,}"
        return f"{price}: {users} users, {codes} QR codes, {self.storage_limit_gb:,} GB"


_DAY_WEEK = frozenset({"day", "week"})
_DAY_WEEK_MONTH = frozenset({"day", "week", "month"})
_CORE_BREAKDOWNS = frozenset({"country", "device_type", "os", "browser"})
_PAID_BREAKDOWNS = _CORE_BREAKDOWNS | {"city", "referrer"}

PLANS: dict[str, Plan] = {
    plan.key: plan
    for plan in (
        Plan(
            key=SMALL_BUSINESS,
            label="Small business",
            monthly_price=Decimal("0.00"),
            max_contributors=3,
            max_qr_codes=5,
            storage_limit_gb=250,
            dashboard=DashboardTier(
                label="Essentials",
                history_days=90,
                breakdowns=_CORE_BREAKDOWNS,
                intervals=_DAY_WEEK,
                campaign_filter=False,
                locations=False,
                export=False,
                upgrade_to=MEDIUM_BUSINESS,
                upgrade_adds="the location map, cities, referrers, campaign comparison, CSV export and a year of history",
            ),
        ),
        Plan(
            key=MEDIUM_BUSINESS,
            label="Medium business",
            monthly_price=Decimal("29.00"),
            max_contributors=10,
            max_qr_codes=100,
            storage_limit_gb=500,
            dashboard=DashboardTier(
                label="Business",
                history_days=365,
                breakdowns=_PAID_BREAKDOWNS,
                intervals=_DAY_WEEK_MONTH,
                campaign_filter=True,
                locations=True,
                export=True,
                upgrade_to=ENTERPRISE,
                upgrade_adds="hour-of-day patterns and unlimited history",
            ),
        ),
        Plan(
            key=ENTERPRISE,
            label="Enterprise",
            monthly_price=Decimal("99.00"),
            max_contributors=None,
            max_qr_codes=None,
            storage_limit_gb=2000,
            dashboard=DashboardTier(
                label="Enterprise",
                history_days=None,
                breakdowns=_PAID_BREAKDOWNS | {"hour"},
                intervals=_DAY_WEEK_MONTH,
                campaign_filter=True,
                locations=True,
                export=True,
                upgrade_to=None,
            ),
        ),
    )
}
DEFAULT_PLAN = SMALL_BUSINESS  # a new organization's plan, and the tier of an unknown plan_type

# Derived, never written twice.
PAID_PLANS = tuple(p.key for p in PLANS.values() if p.is_paid)


def plan_for(key: str) -> Plan:
    return PLANS[key]


def plan_labels(keys: list[str] | tuple[str, ...]) -> str:
    """"Medium business and Enterprise": plan names for a message."""
    labels = [PLANS[k].label for k in keys]
    return "".join(labels) if len(labels) < 2 else f"{', '.join(labels[:-1])} and {labels[-1]}"


# The model's choices and defaults: callables, so they read the table when used (a plan added
# or the default changed needs no migration) and the migration names them, not their values.

def plan_choices() -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in PLANS.values()]


def plan_signup_choices() -> list[tuple[str, str]]:
    """The sign-up form's plan options: "Small business (Free: 3 users, 5 QR codes, 250 GB)"."""
    return [(p.key, f"{p.label} ({p.summary})") for p in PLANS.values()]


def default_plan() -> Plan:
    return PLANS[DEFAULT_PLAN]


def default_plan_type() -> str:
    return default_plan().key


def default_max_contributors() -> int | None:
    return default_plan().max_contributors


def default_max_qr_codes() -> int | None:
    return default_plan().max_qr_codes


def default_storage_limit_gb() -> int:
    return default_plan().storage_limit_gb


def default_monthly_price() -> Decimal:
    return default_plan().monthly_price
