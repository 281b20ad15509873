"""Sign-up: a new organization on a plan and its first Admin, in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from core.errors import Conflict, ValidationFailed
from core.scoping import bind_organization
from tenants.emails import InvalidEmail, normalize_email
from tenants.models import Organization, User
from tenants.plans import PLANS
from tenants.services.activity import activity_record
from tenants.services.organizations import organization_apply_plan


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
    """Create an organization on a plan and its first Admin user, in one transaction. It grants
    `plan_type` as given: the sign-up doors call tenants.services.organization_sign_up, which
    starts a paid choice on the free plan with a pending request; call this only for a plan
    already confirmed (tests, imports).
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
