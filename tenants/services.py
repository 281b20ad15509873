"""Writes for organizations, users and the activity log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from outbound_impact.geoip import geoip_lookup
from tenants.errors import AuthenticationFailed, Conflict, ValidationFailed
from tenants.models import ActivityLog, Organization, User
from tenants.plans import PLANS, plan_for


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
    for field in ("company_email", "email"):
        if field not in errors:
            try:
                validate_email(data[field].strip())
            except DjangoValidationError:
                errors[field] = "Enter a valid email address."
    if "plan_type" not in errors and data["plan_type"] not in PLANS:
        errors["plan_type"] = f"Unknown plan_type; use one of {', '.join(PLANS)}."
    for field, limit in (("company_name", 255), ("full_name", 255), ("phone", 40), ("billing_address", 500)):
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[field] = "Must be a string."
        elif len(value) > limit:
            errors[field] = f"At most {limit} characters."
    if "email" not in errors and User.objects.filter(email__iexact=data["email"].strip()).exists():
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
    Raises ValidationFailed (field -> message) and writes nothing on bad input."""
    errors = _validate_registration(data)
    if errors:
        raise ValidationFailed(errors)
    org = Organization(
        company_name=data["company_name"].strip(),
        company_email=data["company_email"].strip().lower(),
        phone=(data.get("phone") or "").strip(),
        billing_address=(data.get("billing_address") or "").strip(),
    )
    organization_apply_plan(organization=org, plan_type=data["plan_type"])
    org.save()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=data["email"].strip(),
                password=data["password"],
                full_name=data["full_name"].strip(),
                organization=org,
                role=User.Role.ADMIN,
            )
    except IntegrityError as e:  # a concurrent registration took the email
        raise Conflict({"email": "A user with this email already exists."}) from e
    activity_record(
        organization=org, user=user, action="register", entity_type="organization",
        entity_id=org.pk, ip_address=ip_address, metadata={"plan_type": org.plan_type},
    )
    return user


def auth_check_credentials(*, email: str, password: str) -> User:
    """The user for these credentials, if they may log in now. One message for every failure
    about the credentials themselves, so the API does not reveal which emails exist."""
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ValidationFailed({"email": "Email and password are required."})
    user = authenticate(username=email.strip(), password=password)
    if user is None:
        candidate = User.objects.filter(email__iexact=email.strip()).select_related("organization").first()
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
        activity_record(
            organization=user.organization, user=user, action="login", entity_type="user",
            entity_id=user.pk, ip_address=ip_address, location=location,
        )
    return user
