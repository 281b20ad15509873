"""JWTs carry organization_id, role and plan_type as claims (the seed's token payload), plus
two of ours (tenants.authentication): `gen`, the user's credential generation, and `fam`, the
refresh-token family (one login and every rotation of it).

Refresh rotates: the presented refresh token is blacklisted and a new one issued in the same
family. A rotated (blacklisted) token presented again means two parties hold the family, so
the whole family is revoked: the thief's and the user's tokens alike (refresh-token reuse
detection, OAuth 2.0 Security BCP section 4.14)."""

from __future__ import annotations

import uuid

from django.db import transaction
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from tenants.authentication import FAMILY_CLAIM, GENERATION_CLAIM, family_of
from tenants.models import RevokedTokenFamily, User


def tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    org = user.organization
    refresh["organization_id"] = str(org.pk) if org else None
    refresh["role"] = user.role
    refresh["plan_type"] = org.plan_type if org else None
    refresh["is_staff"] = user.is_staff
    refresh[GENERATION_CLAIM] = user.auth_generation
    refresh[FAMILY_CLAIM] = str(uuid.uuid4())
    return {"token": str(refresh.access_token), "refresh": str(refresh)}


def user_payload(user: User) -> dict:
    org = user.organization
    return {
        "id": str(user.pk),
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "organization_id": str(org.pk) if org else None,
        "plan_type": org.plan_type if org else None,
    }


def auth_response(user: User) -> dict:
    return {**tokens_for(user), "user": user_payload(user)}


def token_family_revoke(*, user_id: object, family: uuid.UUID, reason: str) -> None:
    """Void every token of the family (refresh and access). Idempotent."""
    RevokedTokenFamily.objects.get_or_create(family=family, defaults={"user_id": user_id, "reason": reason})


def _verified_refresh_payload(raw: str) -> dict:
    """Signature, expiry and type checked; the blacklist is not (reuse detection needs it)."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except (TokenError, TokenBackendError) as e:
        raise InvalidToken(str(e)) from e
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh":
        raise InvalidToken("Token has wrong type")
    return payload


def _owner(payload: dict) -> User:
    user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: payload.get(jwt_settings.USER_ID_CLAIM)}).first()
    if user is None or not user.is_active:
        raise exceptions.AuthenticationFailed("No active account found for the given token.", code="no_active_account")
    return user


def refresh_rotate(raw: str) -> dict[str, str]:
    """A new access token and a new refresh token of the same family, or InvalidToken. The
    presented token's row is locked, so two refreshes with one token cannot both rotate; a
    reused token's family is revoked (committed) before the refusal is raised."""
    payload = _verified_refresh_payload(raw)
    family = family_of(RefreshToken(raw, verify=False))  # the signature was verified above
    with transaction.atomic():
        outstanding = (OutstandingToken.objects.select_for_update(of=("self",)).order_by()
                       .filter(jti=payload.get(jwt_settings.JTI_CLAIM)).first())
        if outstanding is None or family is None:
            raise InvalidToken("Token is invalid or expired")
        user = _owner(payload)
        reused = BlacklistedToken.objects.filter(token=outstanding).exists()
        if reused:
            token_family_revoke(user_id=user.pk, family=family, reason="refresh_reused")
        else:
            if (payload.get(GENERATION_CLAIM) != user.auth_generation
                    or RevokedTokenFamily.objects.filter(family=family).exists()):
                raise InvalidToken("This token was revoked: log in again.")
            refresh = RefreshToken(raw)
            data = {"access": str(refresh.access_token)}
            refresh.blacklist()
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
            return data
    raise RefreshReused()


def logout_revoke(*, user: User, raw: str) -> None:
    """Log one login out: its refresh token is blacklisted and its family revoked, so its
    access tokens stop too. Only the caller's own token: another user's is refused."""
    payload = _verified_refresh_payload(raw)
    if str(payload.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidToken("This refresh token is not yours.")
    token = RefreshToken(raw, verify=False)
    family = family_of(token)
    with transaction.atomic():
        token.blacklist()
        if family is not None:
            token_family_revoke(user_id=user.pk, family=family, reason="logout")


class RefreshReused(InvalidToken):
    default_detail = "This refresh token was already used; every token of this login is now revoked."
