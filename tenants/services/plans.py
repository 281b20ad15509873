"""Plan changes and the Plan page's organization settings.

- An Admin requests another plan (`plan_change_request`) or cancels the open request
  (`plan_change_cancel`); OI staff approve (`plan_change_approve`) or reject
  (`plan_change_reject`) it in the console. At most one request is open per organization.
- Sign-up (`organization_sign_up`) starts every organization on the free plan: a paid plan
  chosen there becomes a pending request, never a free grant.
- A downgrade whose limits the organization does not fit is refused, saying what must go
  first (tenants.selectors.plan_change_blockers), when requested and again when approved.

There is no payment provider yet. `plan_change_approve` is the seam: a provider would charge
or confirm the new price there, before the plan is applied (docs/plans.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.ids import as_uuid
from core.scoping import bind_organization
from tenants import timezones
from tenants.models import Organization, PlanChangeRequest, User
from tenants.plans import DEFAULT_PLAN, PLANS
from tenants.roles import WriteAccess, can_manage_team, require_member
from tenants.selectors import plan_change_blockers
from tenants.services.activity import activity_record
from tenants.services.organizations import organization_apply_plan, organization_lock
from tenants.services.registration import organization_register

# Who changes the plan and the organization's settings, and what others are told.
PLAN_ADMINS = WriteAccess(can_manage_team, "Only an organization Admin can change the plan or settings.",
                          "Only Admins can change the plan: ask an Admin of {org}.")
PLAN_FIELDS = ["plan_type", "max_contributors", "max_qr_codes", "storage_limit_gb", "monthly_price"]
# The console permission that decides plan-change requests (the staff "admin" group has it,
# "analyst" does not: oi_admin.staff_roles).
DECIDE_PERMISSION = "tenants.change_planchangerequest"


def _require_plan_admin(actor: User, organization: Organization) -> None:
    require_member(actor, organization)
    if not PLAN_ADMINS.allows(actor):
        raise PermissionDenied(PLAN_ADMINS.refusal)


def _require_decider(actor: User) -> None:
    if not (actor.is_active and actor.is_staff and actor.has_perm(DECIDE_PERMISSION)):
        raise PermissionDenied("Only OI staff allowed to change customers can decide plan changes.")


def _label(key: str) -> str:
    return PLANS[key].label if key in PLANS else key


@transaction.atomic
def plan_change_request(*, organization: Organization, actor: User, to_plan: Any, note: str = "") -> PlanChangeRequest:
    """File a request to move `organization` to `to_plan`, for OI staff to decide. Admins only
    (PermissionDenied otherwise); ValidationFailed for an unknown or the current plan, or a
    downgrade the organization does not fit yet (the message says what must go first);
    Conflict while another request is pending."""
    _require_plan_admin(actor, organization)
    if not isinstance(to_plan, str) or to_plan not in PLANS:
        raise ValidationFailed({"to_plan": f"Unknown plan; use one of {', '.join(PLANS)}."})
    org = organization_lock(organization)  # one request at a time, decided against fresh limits
    if to_plan == org.plan_type:
        raise ValidationFailed({"to_plan": f"You are already on {_label(to_plan)}."})
    pending = PlanChangeRequest.objects.filter(organization=org, status=PlanChangeRequest.Status.PENDING).first()
    if pending is not None:
        raise Conflict({"to_plan": f"A request for {pending.to_label} is already pending; cancel it first."})
    blockers = plan_change_blockers(organization=org, to_plan=to_plan)
    if blockers:
        raise ValidationFailed({"to_plan": blockers.message}, code="plan_change_blocked")
    try:
        with transaction.atomic():
            req = PlanChangeRequest.objects.create(
                organization=org, requested_by=actor, from_plan=org.plan_type, to_plan=to_plan,
                note=(note or "")[:500],
            )
    except IntegrityError as e:  # plan_request_one_pending: a concurrent request won
        raise Conflict({"to_plan": "Another plan change request is already pending."}) from e
    activity_record(
        organization=org, user=actor, action="request_plan_change", entity_type="plan_change_request",
        entity_id=req.pk, metadata={"name": req.to_label, "from_plan": req.from_plan, "to_plan": req.to_plan},
    )
    return req


def _pending_for_update(*, request_id: Any, organization: Organization | None = None) -> PlanChangeRequest:
    pk = as_uuid(request_id)
    if pk is None:
        raise NotFound("No plan change request with this id.")
    qs = PlanChangeRequest.all_orgs.select_for_update()
    if organization is not None:
        qs = qs.filter(organization=organization)
    req = qs.filter(pk=pk).first()
    if req is None:
        raise NotFound("No plan change request with this id.")
    if not req.is_pending:
        raise Conflict(f"This request was already {req.status}.")
    return req


@transaction.atomic
def plan_change_cancel(*, organization: Organization, actor: User, request_id: Any) -> PlanChangeRequest:
    """Withdraw the organization's pending request. Admins only; NotFound for another
    organization's or a missing id; Conflict once it is decided."""
    _require_plan_admin(actor, organization)
    req = _pending_for_update(request_id=request_id, organization=organization)
    req.status = PlanChangeRequest.Status.CANCELLED
    req.decided_at = dj_timezone.now()
    req.save(update_fields=["status", "decided_at"])
    activity_record(
        organization=organization, user=actor, action="cancel_plan_change", entity_type="plan_change_request",
        entity_id=req.pk, metadata={"name": req.to_label, "to_plan": req.to_plan},
    )
    return req


@transaction.atomic
def plan_change_approve(*, actor: User, request_id: Any, note: str = "") -> PlanChangeRequest:
    """OI staff (DECIDE_PERMISSION) approve a pending request: the organization moves to the
    plan, its limits and price follow the plan table. A downgrade is checked again against the
    organization as it is now and refused (ValidationFailed) while it still does not fit.
    Reads and writes the request's organization only, bound for the duration."""
    _require_decider(actor)
    req = _pending_for_update(request_id=request_id)
    org = organization_lock(req.organization)
    with bind_organization(org):
        if req.to_plan not in PLANS:
            raise ValidationFailed({"to_plan": f"{req.to_plan!r} is no longer a plan; reject this request."})
        blockers = plan_change_blockers(organization=org, to_plan=req.to_plan)
        if blockers:
            raise ValidationFailed(f"{org.company_name}: {blockers.message}", code="plan_change_blocked")
        # PAYMENT SEAM. No payment provider yet: staff approval is the confirmation. With one,
        # this is where the new price (PLANS[req.to_plan].monthly_price) is charged or the
        # subscription confirmed, before the plan is applied; a refusal there leaves the
        # request pending and raises, so nothing below is written.
        organization_apply_plan(organization=org, plan_type=req.to_plan)
        org.save(update_fields=PLAN_FIELDS)
        req.status = PlanChangeRequest.Status.APPROVED
        req.decided_at = dj_timezone.now()
        req.decided_by = actor
        if note:
            req.note = note[:500]
        req.save(update_fields=["status", "decided_at", "decided_by", "note"])
        activity_record(
            organization=org, user=None, action="approve_plan_change", entity_type="plan_change_request",
            entity_id=req.pk, metadata={"name": req.to_label, "from_plan": req.from_plan, "to_plan": req.to_plan,
                                        "staff": actor.email},
        )
    req.organization = org
    return req


@transaction.atomic
def plan_change_reject(*, actor: User, request_id: Any, note: str = "") -> PlanChangeRequest:
    """OI staff (DECIDE_PERMISSION) decline a pending request; the plan stays as it is."""
    _require_decider(actor)
    req = _pending_for_update(request_id=request_id)
    req.status = PlanChangeRequest.Status.REJECTED
    req.decided_at = dj_timezone.now()
    req.decided_by = actor
    if note:
        req.note = note[:500]
    req.save(update_fields=["status", "decided_at", "decided_by", "note"])
    with bind_organization(req.organization):
        activity_record(
            organization=req.organization, user=None, action="reject_plan_change", entity_type="plan_change_request",
            entity_id=req.pk, metadata={"name": req.to_label, "to_plan": req.to_plan, "staff": actor.email},
        )
    return req


# --- Sign-up on the free plan ------------------------------------------------------------------


@dataclass(frozen=True)
class SignUp:
    user: User
    plan_request: PlanChangeRequest | None  # the paid plan chosen, pending OI's confirmation


TIMEZONE_ERROR = "Unknown time zone; use an IANA name such as America/Chicago."


@transaction.atomic
def organization_sign_up(*, data: dict[str, Any], ip_address: str | None = None) -> SignUp:
    """Sign-up as both doors (the /register form and POST /api/auth/register) do it: the
    organization and its first Admin (tenants.services.organization_register) on the free
    plan whatever plan was chosen; a paid choice is filed as a pending plan-change request.
    `timezone` (IANA name) is optional and UTC when absent or blank; any other invalid value
    is a ValidationFailed with the other field errors. Writes nothing on bad input."""
    data = dict(data)
    errors: dict[str, str] = {}
    zone = data.pop("timezone", None)
    if zone is None or (isinstance(zone, str) and not zone.strip()):
        zone = timezones.DEFAULT
    elif not timezones.is_valid(zone):
        errors["timezone"] = TIMEZONE_ERROR
    chosen = data.get("plan_type")
    paid = isinstance(chosen, str) and chosen in PLANS and PLANS[chosen].is_paid
    if paid:
        data["plan_type"] = DEFAULT_PLAN
    try:
        user = organization_register(data=data, ip_address=ip_address)
    except ValidationFailed as e:
        if errors and isinstance(e.detail, dict):
            raise ValidationFailed({**e.detail, **errors}) from e
        raise
    if errors:  # raised here, the registration above is rolled back with this transaction
        raise ValidationFailed(errors)
    org = user.organization
    org.timezone = zone
    org.save(update_fields=["timezone"])
    plan_request = None
    if paid:
        # Bound to the new organization, whoever sent the request (a logged-in person may sign
        # up another company), as TenantOwnedModel and require_member ask.
        with bind_organization(org):
            plan_request = plan_change_request(organization=org, actor=user, to_plan=chosen, note="Chosen at sign-up.")
    return SignUp(user=user, plan_request=plan_request)


def sign_up_message(sign_up: SignUp) -> str:
    """What the page after sign-up says about the plan."""
    req = sign_up.plan_request
    if req is None:
        return f"You are on {_label(sign_up.user.organization.plan_type)}."
    return (f"{req.to_label} is requested; OI will confirm it and you are on {req.from_label} until then. "
            f"See it on your Plan page.")


# --- Organization settings (the Plan page) -------------------------------------------------------


@transaction.atomic
def organization_timezone_set(*, organization: Organization, actor: User, timezone: Any) -> Organization:
    """Set the organization's time zone (an IANA name, tenants.timezones). Admins only;
    ValidationFailed for a name the tz database does not know."""
    _require_plan_admin(actor, organization)
    if not timezones.is_valid(timezone):
        raise ValidationFailed({"timezone": TIMEZONE_ERROR})
    org = organization_lock(organization)
    if org.timezone != timezone:
        previous = org.timezone
        org.timezone = timezone
        org.save(update_fields=["timezone"])
        activity_record(
            organization=org, user=actor, action="change_timezone", entity_type="organization", entity_id=org.pk,
            metadata={"name": timezone, "previous": previous},
        )
    organization.timezone = org.timezone
    return org
