"""Login: checking credentials (behind the lockout) and recording a successful login."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import RedisError

from core.errors import AuthenticationFailed, ValidationFailed
from core.geoip import geoip_lookup
from core.scoping import bind_organization
from core.throttles import ServiceUnavailable
from tenants.lockout import LockedOut, lockout_message, lockout_seconds
from tenants.models import User
from tenants.services.activity import activity_record

logger = logging.getLogger(__name__)



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
    """Count a successful login: last_login_at/ip/location, login_count, activity row.

    Every login path reaches this once, through django.contrib.auth's user_logged_in signal
    (tenants.signals: the customer login, the admin login, sign-up, invite acceptance, the
    token login); no view calls it directly."""
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
