"""One authenticated principal per request, chosen here and nowhere else.

A request may carry two credentials the product knows: a session cookie (the HTML pages)
and `Authorization: Bearer <JWT>` (the API). `resolve_principal` reads both once:

- the bearer scheme is recognised however it is spelled (any case, any whitespace), exactly
  as the token is then verified, so no spelling can slip past one reader and not the other;
- a bearer token that does not verify is an error, never "fall back to the session";
- two credentials that name different users are refused (401), whatever the path;
- the principal's organization is the one bound for the request (OrganizationMiddleware).

`OrganizationMiddleware` calls it once per request and stores the result on the request;
DRF's `PrincipalAuthentication` and the HTML views (`request.user`) read that result, so the
acting user and the bound organization always come from the same code. Other schemes (Basic
from a proxy in front of a staging site) are not credentials of this product and are ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import Token

from tenants.models import RevokedTokenFamily, User

BEARER = "bearer"
GENERATION_CLAIM = "gen"
FAMILY_CLAIM = "fam"


class CredentialsConflict(exceptions.AuthenticationFailed):
    default_detail = "This request carries credentials of two different users; send one."
    default_code = "conflicting_credentials"


class MalformedAuthorization(exceptions.AuthenticationFailed):
    default_detail = "The Authorization header must be 'Bearer <token>'."
    default_code = "invalid_authorization_header"


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user and the credential that proved it (None: anonymous)."""

    user: User | None = None
    via: str | None = None  # "token" | "session"
    token: Token | None = None
    error: exceptions.AuthenticationFailed | None = None


ANONYMOUS = Principal()


def bearer_token(request: HttpRequest) -> str | None:
    """The raw bearer token, None when the request carries no bearer credential.
    Raises MalformedAuthorization for a bearer scheme without exactly one token."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    parts = header.split()
    if not parts or parts[0].lower() != BEARER:
        return None
    if len(parts) != 2:
        raise MalformedAuthorization()
    return parts[1]


def family_of(token: Token) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(token.payload.get(FAMILY_CLAIM)))
    except ValueError:
        return None


class TokenAuthentication(JWTAuthentication):
    """simplejwt's checks (signature, expiry, token type) plus ours: the token's generation is
    the user's current one and its family was not revoked. One query for the user and both."""

    def get_user(self, validated_token: Token) -> User:
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
            generation = int(validated_token[GENERATION_CLAIM])
        except (KeyError, TypeError, ValueError) as e:
            raise InvalidToken("Token contained no recognizable user identification") from e
        family = family_of(validated_token)
        if family is None:
            raise InvalidToken("Token contained no recognizable user identification")
        revoked = RevokedTokenFamily.objects.filter(family=family, user=OuterRef("pk"))
        user = (
            User.objects.select_related("organization")
            .annotate(family_revoked=Exists(revoked))
            .filter(**{jwt_settings.USER_ID_FIELD: user_id})
            .first()
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("User not found or inactive.", code="user_not_found")
        if user.auth_generation != generation or user.family_revoked:
            raise InvalidToken("This token was revoked: log in again.")
        return user


_tokens = TokenAuthentication()


def verify_access_token(raw: str) -> tuple[User, Token]:
    """The user an access token proves, or AuthenticationFailed/InvalidToken."""
    validated = _tokens.get_validated_token(raw.encode())
    return _tokens.get_user(validated), validated


def resolve_principal(request: HttpRequest) -> Principal:
    """The request's one principal (see the module docstring). Never raises: a refused
    request gets a Principal with `error` set, which the middleware answers with 401."""
    try:
        raw = bearer_token(request)
    except exceptions.AuthenticationFailed as err:
        return Principal(error=err)
    session_user = getattr(request, "user", None)
    if session_user is not None and not session_user.is_authenticated:
        session_user = None
    if raw is None:
        return Principal(user=session_user, via="session") if session_user is not None else ANONYMOUS
    try:
        user, token = verify_access_token(raw)
    except (exceptions.AuthenticationFailed, TokenError) as err:
        if session_user is not None:  # a failed token next to a session: two stories, refuse both
            return Principal(error=CredentialsConflict(
                "This request carries a session and a bearer token that is not valid; send one credential."))
        return Principal(error=err if isinstance(err, exceptions.AuthenticationFailed) else InvalidToken(str(err)))
    if session_user is not None and session_user.pk != user.pk:
        return Principal(error=CredentialsConflict())
    return Principal(user=user, via="token", token=token)


class PrincipalAuthentication(SessionAuthentication):
    """DRF's authentication: the principal the middleware resolved. A session principal must
    also pass CSRF (as DRF's SessionAuthentication); a token principal needs no CSRF."""

    def authenticate(self, request: Request) -> tuple[User, Any] | None:
        principal: Principal = getattr(request._request, "principal", ANONYMOUS)
        if principal.error is not None:
            raise principal.error
        if principal.user is None:
            return None
        if principal.via == "session":
            self.enforce_csrf(request)
        return principal.user, principal.token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
