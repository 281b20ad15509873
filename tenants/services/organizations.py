"""An organization's plan and the one way to lock organization rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.errors import ValidationFailed
from tenants.models import Organization
from tenants.plans import PLANS, plan_for


def organization_apply_plan(*, organization: Organization, plan_type: str) -> Organization:
    """Set plan_type and the limits and price that follow it from the plan table."""
    if plan_type not in PLANS:
        raise ValidationFailed({"plan_type": f"Unknown plan_type {plan_type!r}; use one of {sorted(PLANS)}."})
    plan = plan_for(plan_type)
    organization.plan_type = plan.key
    organization.max_contributors = plan.max_contributors
    organization.max_qr_codes = plan.max_qr_codes
    organization.storage_limit_gb = plan.storage_limit_gb
    organization.monthly_price = plan.monthly_price
    return organization


def organization_lock(organization: Organization) -> Organization:
    """The organization's row, locked for this transaction (limits and counters are checked
    under it). With `organizations_lock`, the one way to lock organization rows."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def organizations_lock(organization_ids: Iterable[Any]) -> list[Any]:
    """Lock several organizations' rows for this transaction in id order, the lock order the
    scan workers and the services share (organizations by id, then QR codes by id), so they
    never wait on each other in a cycle. FOR NO KEY UPDATE: counters and plan fields change,
    keys never, so inserts that reference these rows (scan events) do not wait. Returns the
    ids that exist, sorted."""
    ids = sorted(set(organization_ids))
    if not ids:
        return []
    return list(
        Organization.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
