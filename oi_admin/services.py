"""Staff writes on customers, called by the admin actions (and by nothing that a tenant reaches).

Plan limits come from the plan table through tenants.services.organization_apply_plan; the
organization counters are never written here."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from core.errors import PermissionDenied
from tenants.models import Organization, User
from tenants.services import organization_apply_plan, organizations_lock


def _require_staff(actor: User) -> None:
    if not (actor.is_active and actor.is_staff and actor.has_perm("tenants.change_organization")):
        raise PermissionDenied("Only OI staff allowed to change customers can do this.")


@transaction.atomic
def organizations_set_status(*, organizations: QuerySet[Organization], actor: User, status: str) -> int:
    """Suspend (status "suspended") or reactivate ("active") customers; returns how many
    changed. A suspended customer's users are signed out of the tenant pages and API (the
    organization middleware binds only active organizations)."""
    _require_staff(actor)
    if status not in (Organization.Status.ACTIVE, Organization.Status.SUSPENDED):
        raise ValueError(f"unsupported status {status!r}")
    return organizations.exclude(status=status).update(status=status)


@transaction.atomic
def organizations_change_plan(*, organizations: QuerySet[Organization], actor: User, plan_type: str) -> int:
    """Move customers to `plan_type`; user/QR/storage limits and price follow the plan table."""
    _require_staff(actor)
    changed = 0
    # Rows locked in id order (tenants.services.organizations_lock), as the scan workers lock them.
    locked = organizations_lock(organizations.exclude(plan_type=plan_type).values_list("pk", flat=True))
    for org in Organization.objects.filter(pk__in=locked).exclude(plan_type=plan_type).order_by("pk"):
        organization_apply_plan(organization=org, plan_type=plan_type)
        org.save(update_fields=["plan_type", "max_contributors", "max_qr_codes", "storage_limit_gb", "monthly_price"])
        changed += 1
    return changed
