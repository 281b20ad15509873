"""The plan table: the one place plan limits and prices live."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Plan:
    key: str
    label: str
    max_contributors: int | None  # None = unlimited
    max_qr_codes: int | None  # None = unlimited
    storage_limit_gb: int
    monthly_price: Decimal


SMALL_BUSINESS = "small_business"
MEDIUM_BUSINESS = "medium_business"
ENTERPRISE = "enterprise"

PLANS: dict[str, Plan] = {
    SMALL_BUSINESS: Plan(SMALL_BUSINESS, "Small business", 3, 5, 250, Decimal("0.00")),
    MEDIUM_BUSINESS: Plan(MEDIUM_BUSINESS, "Medium business", 10, 100, 500, Decimal("29.00")),
    ENTERPRISE: Plan(ENTERPRISE, "Enterprise", None, None, 2000, Decimal("99.00")),
}
PLAN_CHOICES = [(p.key, p.label) for p in PLANS.values()]
PAID_PLANS = (MEDIUM_BUSINESS, ENTERPRISE)


def plan_for(key: str) -> Plan:
    return PLANS[key]
