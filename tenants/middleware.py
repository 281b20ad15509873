"""Resolves the request's one principal (tenants.authentication) and binds that principal's
organization for the whole response, templates included; unbinds it afterwards even when
the view raises. A request whose credentials are refused (two users, a bad bearer token next
to a session, a malformed header) is answered 401 here, before any view runs."""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from core.scoping import bind_organization
from tenants.authentication import ANONYMOUS, CredentialsConflict, MalformedAuthorization, resolve_principal
from tenants.models import Organization, User

# Public paths that never act for a tenant: skip the session/JWT lookup entirely.
_UNBOUND_PREFIXES = ("/s/", "/c/", "/l/", "/static/", "/healthz")
# Errors refused on every path; any other token error is DRF's to answer (401) on /api/,
# and on an HTML page a bad token alone just means "not logged in".
_REFUSED_EVERYWHERE = (CredentialsConflict, MalformedAuthorization)


def organization_of(user: User | None) -> Organization | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    org = user.organization
    if org is None or not org.is_active:
        return None
    return org


def _refuse(request: HttpRequest, err: Exception) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="api"'}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": err.default_code, "detail": str(err.detail)}, status=401, headers=headers)
    body = render_to_string("401.html", {"detail": str(err.detail)})
    return HttpResponse(body, status=401, headers=headers)


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_UNBOUND_PREFIXES):
            request.principal = ANONYMOUS
            request.organization = None
            return self.get_response(request)
        principal = resolve_principal(request)
        if isinstance(principal.error, _REFUSED_EVERYWHERE):
            return _refuse(request, principal.error)
        request.principal = principal
        # The HTML views act as the same user DRF does: one principal, one organization.
        request.user = principal.user if principal.user is not None else AnonymousUser()
        org = organization_of(principal.user)
        request.organization = org
        # Pages render every datetime in the organization's zone (tenants.timezones).
        with bind_organization(org), timezone.override(org.tzinfo if org is not None else None):
            return self.get_response(request)
