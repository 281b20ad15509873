"""The team: invitations, roles, deactivation, and accepting an invitation."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.errors import Conflict, LimitExceeded, NotFound, ValidationFailed
from core.ids import as_uuid
from core.scoping import bind_organization
from tenants.emails import InvalidEmail, normalize_email
from tenants.models import CONTRIBUTOR_STATUSES, Organization, User
from tenants.roles import require_admin
from tenants.services.activity import activity_record
from tenants.services.organizations import organization_lock

logger = logging.getLogger(__name__)



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
