"""Writes for organizations, users and the activity log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from redis.exceptions import RedisError

from core.errors import AuthenticationFailed, Conflict, LimitExceeded, NotFound, ValidationFailed
from core.geoip import geoip_lookup
from core.ids import as_uuid
from core.scoping import bind_organization
from core.throttles import ServiceUnavailable
from tenants.emails import InvalidEmail, normalize_email
from tenants.lockout import LockedOut, lockout_message, lockout_seconds
from tenants.models import CONTRIBUTOR_STATUSES, ActivityLog, Organization, User
from tenants.plans import PLANS, plan_for
from tenants.roles import require_admin, require_member

logger = logging.getLogger(__name__)


def activity_record(
    *,
    organization: Organization,
    user: User | None,
    action: str,
    entity_type: str = "",
    entity_id: Any = "",
    metadata: dict | None = None,
    ip_address: str | None = None,
    location: str = "",
) -> ActivityLog:
    """Append one row to the organization's activity feed."""
    return ActivityLog.all_orgs.create(
        organization=organization,
        user=user,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id or ""),
        metadata=metadata or {},
        ip_address=ip_address,
        location=location,
    )


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


def _validate_registration(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field in ("company_name", "company_email", "full_name", "email", "password", "plan_type"):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            errors[field] = "This field is required."
    for field in ("company_email", "email"):  # normalised in place (tenants.emails)
        if field not in errors:
            try:
                data[field] = normalize_email(data[field])
            except InvalidEmail as e:
                errors[field] = e.detail
    if "plan_type" not in errors and data["plan_type"] not in PLANS:
        errors["plan_type"] = f"Unknown plan_type; use one of {', '.join(PLANS)}."
    for field, limit in (("company_name", 255), ("full_name", 255), ("phone", 40), ("billing_address", 500)):
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[field] = "Must be a string."
        elif len(value) > limit:
            errors[field] = f"At most {limit} characters."
    if "email" not in errors and User.objects.filter(email__iexact=data["email"]).exists():
        errors["email"] = "A user with this email already exists."
    if "password" not in errors:
        try:
            validate_password(data["password"], User(email=data.get("email") or "", full_name=data.get("full_name") or ""))
        except DjangoValidationError as e:
            errors["password"] = " ".join(e.messages)
    return errors


@transaction.atomic
def organization_register(*, data: dict[str, Any], ip_address: str | None = None) -> User:
    """Create an organization on a plan and its first Admin user, in one transaction.
    Raises ValidationFailed (field -> message) and writes nothing on bad input. Both emails
    are stored normalised (tenants.emails.normalize_email)."""
    data = dict(data)  # the validation normalises the emails in this copy
    errors = _validate_registration(data)
    if errors:
        raise ValidationFailed(errors)
    org = Organization(
        company_name=data["company_name"].strip(),
        company_email=data["company_email"],
        phone=(data.get("phone") or "").strip(),
        billing_address=(data.get("billing_address") or "").strip(),
    )
    organization_apply_plan(organization=org, plan_type=data["plan_type"])
    org.save()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"].strip(),
                organization=org,
                role=User.Role.ADMIN,
            )
    except IntegrityError as e:  # a concurrent registration took the email
        raise Conflict({"email": "A user with this email already exists."}) from e
    # The new organization's rows are written for it, whoever sent the request (a logged-in
    # person may sign up another company): bound explicitly, as TenantOwnedModel requires.
    with bind_organization(org):
        activity_record(
            organization=org, user=user, action="register", entity_type="organization",
            entity_id=org.pk, ip_address=ip_address, metadata={"plan_type": org.plan_type},
        )
    return user


def auth_check_credentials(*, request: HttpRequest, email: str, password: str) -> User:
    """The user for these credentials, if they may log in now. One message for every failure
    about the credentials themselves, so the API does not reveal which emails exist.
    `request` is the Django HttpRequest (not DRF's): the lockout (core.throttles)
    counts failures on it per (account, address) pair, per account and per client address, and
    refuses a locked pair or address, or an account inside its slowdown, without checking the
    password (LockedOut, 429, with how long to wait). With the lockout store (Redis) down:
    ServiceUnavailable (503)."""
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ValidationFailed({"email": "Email and password are required."})
    try:
        user = authenticate(request, username=email.strip(), password=password)
    except RedisError as e:
        logger.error("login refused: the lockout store is unavailable (%s)", e)
        raise ServiceUnavailable("Logging in is briefly unavailable; try again in a minute.") from e
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(lockout_message(request), retry_after=lockout_seconds(request))
    if user is None:
        candidate = User.objects.for_email(email).select_related("organization").first()
        if candidate is not None and candidate.check_password(password) and not candidate.is_active:
            raise AuthenticationFailed("This account is not active.", code="account_inactive")
        raise AuthenticationFailed("Invalid email or password.", code="invalid_credentials")
    if user.organization is not None and not user.organization.is_active:
        raise AuthenticationFailed("This organization is suspended.", code="organization_suspended")
    return user


@transaction.atomic
def user_login_record(*, user: User, ip_address: str | None) -> User:
    """Count a successful login: last_login_at/ip/location, login_count, activity row."""
    geo = geoip_lookup(ip_address)
    location = geo.label if geo else ""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        last_login_at=now, last_login=now, login_count=F("login_count") + 1,
        last_login_ip=ip_address, last_login_location=location,
    )
    user.refresh_from_db(fields=["last_login_at", "last_login", "login_count", "last_login_ip", "last_login_location"])
    if user.organization_id:
        with bind_organization(user.organization):  # the user who logged in, not the request's principal
            activity_record(
                organization=user.organization, user=user, action="login", entity_type="user",
                entity_id=user.pk, ip_address=ip_address, location=location,
            )
    return user


# --- Activity tracking from the dashboard (POST /api/activity/track) -------------------------

# action -> entity types it may name. Only these can be written from the outside; every other
# activity row is written by the service that did the work.
TRACKABLE_ACTIONS: dict[str, frozenset[str]] = {
    "campaign_social_share": frozenset({"campaign"}),
    "campaign_link_copy": frozenset({"campaign"}),
    "qr_code_download": frozenset({"qr_code"}),
    "qr_code_share": frozenset({"qr_code"}),
    "file_share": frozenset({"file"}),
    "file_download": frozenset({"file"}),
}
SHARE_PLATFORMS = frozenset({"facebook", "x", "twitter", "linkedin", "whatsapp", "copy_link", "email"})
# entity_type -> "app_label.Model" of the tenant-owned row it names.
TRACKABLE_ENTITIES = {"campaign": "campaigns.Campaign", "qr_code": "qrcodes.QRCode", "file": "uploads.UploadedFile"}
METADATA_MAX_KEYS = 10
METADATA_MAX_BYTES = 1024
METADATA_MAX_STRING = 200


def _validate_track_metadata(action: str, metadata: Any) -> dict[str, Any]:
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValidationFailed({"metadata": "Must be a JSON object."})
    if len(metadata) > METADATA_MAX_KEYS:
        raise ValidationFailed({"metadata": f"At most {METADATA_MAX_KEYS} keys."})
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > 64:
            raise ValidationFailed({"metadata": "Keys must be strings of 1 to 64 characters."})
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValidationFailed({"metadata": f"{key}: values must be strings, numbers, booleans or null."})
        if isinstance(value, str) and len(value) > METADATA_MAX_STRING:
            raise ValidationFailed({"metadata": f"{key}: at most {METADATA_MAX_STRING} characters."})
    if len(json.dumps(metadata)) > METADATA_MAX_BYTES:
        raise ValidationFailed({"metadata": f"At most {METADATA_MAX_BYTES} bytes of JSON."})
    if action == "campaign_social_share" and metadata.get("platform") not in SHARE_PLATFORMS:
        raise ValidationFailed({"metadata": f"platform must be one of {', '.join(sorted(SHARE_PLATFORMS))}."})
    return metadata


@transaction.atomic
def activity_track(
    *,
    organization: Organization,
    actor: User,
    action: Any,
    entity_type: Any,
    entity_id: Any,
    metadata: Any = None,
    ip_address: str | None = None,
) -> ActivityLog:
    """Record a client-side event (a share click, a QR download) for any member, Viewers
    included: it logs what they did, it changes no content. Only allow-listed actions with
    an entity of the caller's organization; ValidationFailed (400) otherwise, NotFound (404)
    for an entity id that is missing or another organization's."""
    require_member(actor, organization)
    if not isinstance(action, str) or action not in TRACKABLE_ACTIONS:
        raise ValidationFailed({"action": f"Use one of {', '.join(sorted(TRACKABLE_ACTIONS))}."})
    if not isinstance(entity_type, str) or entity_type not in TRACKABLE_ACTIONS[action]:
        raise ValidationFailed({"entity_type": f"{action} takes {', '.join(sorted(TRACKABLE_ACTIONS[action]))}."})
    cleaned = _validate_track_metadata(action, metadata)
    pk = as_uuid(entity_id)
    if pk is None:
        raise ValidationFailed({"entity_id": "Must be the id (UUID) of the entity."})
    model = apps.get_model(TRACKABLE_ENTITIES[entity_type])
    if not model.objects.filter(organization=organization, pk=pk).exists():
        raise NotFound(f"No {entity_type.replace('_', ' ')} with this id.")
    return activity_record(
        organization=organization, user=actor, action=action, entity_type=entity_type, entity_id=pk,
        metadata=cleaned, ip_address=ip_address,
    )


# --- Team: invitations, roles, deactivation -------------------------------------------------

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


def _contributors(organization: Organization) -> int:
    return User.objects.filter(organization=organization, status__in=CONTRIBUTOR_STATUSES).count()


def _check_contributor_room(org: Organization) -> None:
    if org.max_contributors is not None and _contributors(org) >= org.max_contributors:
        raise LimitExceeded(
            f"Your plan allows {org.max_contributors} contributors (active and invited users). "
            "Deactivate someone or upgrade your plan to add more."
        )


def _team_user_for_update(organization: Organization, user_id: Any) -> User:
    pk = as_uuid(user_id)
    user = User.objects.select_for_update().filter(organization=organization, pk=pk).first() if pk else None
    if user is None:
        raise NotFound("User not found.")
    return user


def invite_link(user: User) -> str:
    """The set-password link of an invitation (Django's password-reset token machinery: it
    stops working once a password is set, and after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse('team-invite-accept', args=[uid, token])}"


def _send_invitation(user: User, inviter: User) -> None:
    """Runs after the commit: a mail server failure is logged (the Admin can re-send by
    cancelling and reactivating the invitation), never turned into a failed request."""
    org = user.organization
    try:
        _mail_invitation(user, inviter, org)
    except Exception:  # noqa: BLE001 - logged; the invitation row stays valid
        logger.exception("could not send the invitation email to %s", user.email)


def _mail_invitation(user: User, inviter: User, org: Organization) -> None:
    send_mail(
        subject=f"{inviter.full_name or inviter.email} invited you to {org.company_name} on Outbound Impact",
        message=(
            f"Hello {user.full_name or user.email},\n\n"
            f"{inviter.full_name or inviter.email} invited you to join {org.company_name} on Outbound Impact "
            f"as {user.role}.\n\nChoose your password here:\n{invite_link(user)}\n\n"
            "The link works once and expires in a few days.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def team_invite(
    *, organization: Organization, actor: User, email: Any, full_name: Any = "", role: Any = User.Role.VIEWER
) -> User:
    """Invite a user by email (Admins only), up to the plan's max_contributors, counting
    active and invited users under a lock of the organization row so two concurrent invites
    cannot both take the last seat. The invitation email goes out after the commit."""
    require_admin(actor, organization)
    errors: dict[str, str] = {}
    try:
        email = normalize_email(email)
    except InvalidEmail as e:
        errors["email"] = e.detail
    if not isinstance(full_name, str) or len(full_name) > 255:
        errors["full_name"] = "At most 255 characters."
    if role not in User.Role.values:
        errors["role"] = f"Use one of {', '.join(User.Role.values)}."
    if errors:
        raise ValidationFailed(errors)
    org = organization_lock(organization)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed({"email": "A user with this email already exists."})
    _check_contributor_room(org)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=None, full_name=full_name.strip(), organization=org, role=role,
                status=User.Status.INVITED,
            )
    except IntegrityError as e:  # the same email invited or registered concurrently
        raise Conflict({"email": "A user with this email already exists."}) from e
    activity_record(
        organization=org, user=actor, action="invite_user", entity_type="user", entity_id=user.pk,
        metadata={"email": user.email, "role": user.role},
    )
    transaction.on_commit(lambda: _send_invitation(user, actor))
    return user


@transaction.atomic
def team_update(
    *, organization: Organization, actor: User, user_id: Any, role: Any = None, status: Any = None
) -> User:
    """Change a team member's role and/or status (Admins only). status is "active" or
    "deactivated"; reactivating takes a contributor seat again (a cancelled invitation comes
    back as an invitation and is emailed again). The organization always keeps
    at least one active Admin (checked under the organization row lock, so two Admins
    demoting each other at once cannot both succeed)."""
    require_admin(actor, organization)
    errors: dict[str, str] = {}
    if role is not None and role not in User.Role.values:
        errors["role"] = f"Use one of {', '.join(User.Role.values)}."
    if status is not None and status not in (User.Status.ACTIVE, User.Status.DEACTIVATED):
        errors["status"] = "Use active or deactivated."
    if role is None and status is None:
        errors["role"] = "Send role and/or status."
    if errors:
        raise ValidationFailed(errors)
    org = organization_lock(organization)
    user = _team_user_for_update(org, user_id)
    new_role = role or user.role
    new_status = status or user.status
    if status == User.Status.ACTIVE and user.status == User.Status.INVITED:
        raise ValidationFailed({"status": "An invited user becomes active by accepting the invitation."})
    reinvite = new_status == User.Status.ACTIVE and user.status != new_status and not user.has_usable_password()
    if reinvite:  # a cancelled invitation comes back as an invitation, with a fresh email
        new_status = User.Status.INVITED
    was_active_admin = user.role == User.Role.ADMIN and user.status == User.Status.ACTIVE
    stays_active_admin = new_role == User.Role.ADMIN and new_status == User.Status.ACTIVE
    if was_active_admin and not stays_active_admin:
        admins = User.objects.filter(organization=org, role=User.Role.ADMIN, status=User.Status.ACTIVE).count()
        if admins <= 1:
            raise Conflict("The organization needs at least one active Admin.", code="last_admin")
    if user.status not in CONTRIBUTOR_STATUSES and new_status in CONTRIBUTOR_STATUSES:
        _check_contributor_room(org)
    changes: dict[str, list[str]] = {}
    if new_role != user.role:
        changes["role"] = [user.role, new_role]
    if new_status != user.status:
        changes["status"] = [user.status, new_status]
    if changes:
        user.role, user.status = new_role, new_status
        user.save(update_fields=["role", "status"])
        action = {
            User.Status.DEACTIVATED: "deactivate_user", User.Status.ACTIVE: "reactivate_user",
            User.Status.INVITED: "invite_user",
        }.get(new_status if "status" in changes else "", "change_user_role")
        activity_record(
            organization=org, user=actor, action=action, entity_type="user", entity_id=user.pk,
            metadata={"email": user.email, **{k: v[1] for k, v in changes.items()}},
        )
        if reinvite:
            transaction.on_commit(lambda: _send_invitation(user, actor))
    return user


@transaction.atomic
def team_accept_invite(*, user: User, password: str, ip_address: str | None = None) -> User:
    """An invited user chose a password: they become active (the link then stops working)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.status != User.Status.INVITED:
        raise ValidationFailed("This invitation was already used or cancelled.", code="invitation_invalid")
    try:
        validate_password(password, user)
    except DjangoValidationError as e:
        raise ValidationFailed({"new_password1": " ".join(e.messages)}) from e
    user.set_password(password)
    user.status = User.Status.ACTIVE
    user.save(update_fields=["password", "status"])
    with bind_organization(user.organization):  # the invitee's organization: the link is the credential
        activity_record(
            organization=user.organization, user=user, action="join_team", entity_type="user", entity_id=user.pk,
            ip_address=ip_address, metadata={"role": user.role},
        )
    return user
