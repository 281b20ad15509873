"""Binds the request's organization (session user or JWT) for the whole response,
templates included, and unbinds it afterwards even when the view raises."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from tenants.models import Organization, User
from tenants.scoping import bind_organization

# Public paths that never act for a tenant: skip the session/JWT lookup entirely.
_UNBOUND_PREFIXES = ("/s/", "/c/", "/static/", "/healthz")


def _organization_for(user: User | None) -> Organization | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    org = user.organization
    if org is None or not org.is_active:
        return None
    return org


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.jwt = JWTAuthentication()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_UNBOUND_PREFIXES):
            request.organization = None
            return self.get_response(request)
        user = self._user(request)
        org = _organization_for(user)
        request.organization = org
        with bind_organization(org):
            return self.get_response(request)

    def _user(self, request: HttpRequest) -> User | None:
        if request.headers.get("Authorization", "").startswith("Bearer "):
            try:
                result = self.jwt.authenticate(request)
            except (InvalidToken, TokenError, AuthenticationFailed):
                return None  # DRF answers 401 with the reason
            return result[0] if result else None
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None
