"""Every API view says who may call it by its base (tenants.api_base), and cannot say otherwise.

- each DRF view in the URL conf derives from exactly one base, the one its route's class in
  the isolation matrix names (public, auth, staff, tenant);
- a view that sets what its base fixes (permissions, authenticators, querysets) fails when it
  is defined, unless it uses the named escape hatch;
- `self.organization` is the principal's organization or an error, never None;
- a tenant view's `write_access` decides which roles write, with the service's words.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tenants.api_base import (
    API_BASES,
    PrincipalAPIView,
    PublicAPIView,
    StaffAPIView,
    StaffListAPIView,
    TenantAPIView,
)
from tenants.permissions import TenantRolePermission
from tenants.roles import ADMINS, MEMBERS, WRITERS
from tests.test_isolation_matrix import AUTH, PUBLIC, ROUTES, STAFF, TENANT, url_patterns

BASE_FOR_ACCESS = {PUBLIC: PublicAPIView, AUTH: PrincipalAPIView, STAFF: StaffAPIView, TENANT: TenantAPIView}


def _api_views() -> list[tuple[str, type[APIView]]]:
    found = []
    for route, pattern in url_patterns():
        cls = getattr(pattern.callback, "cls", None)
        if isinstance(cls, type) and issubclass(cls, APIView):
            found.append((route, cls))
    return found


def test_every_api_view_derives_from_exactly_one_base():
    views = _api_views()
    assert len(views) > 25
    for route, cls in views:
        bases = [base for base in API_BASES if issubclass(cls, base)]
        assert len(bases) == 1, f"/{route} ({cls.__qualname__}) derives from {bases}: pick one of tenants.api_base"
        access = ROUTES[route].access
        assert bases[0] is BASE_FOR_ACCESS[access], (
            f"/{route} is classified {access} in tests/test_isolation_matrix.py but derives from {bases[0].__name__}")


def test_the_bases_fix_who_may_call():
    for route, cls in _api_views():
        view = cls()
        permissions = view.get_permissions()
        if issubclass(cls, PublicAPIView):
            assert view.get_authenticators() == [] and all(isinstance(p, AllowAny) for p in permissions), route
        elif issubclass(cls, TenantAPIView):
            assert [type(p) for p in permissions] == [TenantRolePermission], route
        else:
            assert view.get_authenticators() and not any(isinstance(p, AllowAny) for p in permissions), route


@pytest.mark.parametrize("name", ["permission_classes", "authentication_classes", "queryset"])
@pytest.mark.parametrize("base", [PublicAPIView, PrincipalAPIView, TenantAPIView, StaffAPIView, StaffListAPIView])
def test_a_view_may_not_set_what_its_base_fixes(base, name):
    with pytest.raises(TypeError, match=name):
        type("Loose", (base,), {name: []})


@pytest.mark.parametrize("name", ["get_permissions", "get_authenticators", "get_queryset"])
def test_a_view_may_not_override_the_methods_its_base_fixes(name):
    with pytest.raises(TypeError, match=name):
        type("Loose", (TenantAPIView,), {name: lambda self: []})


def test_a_mixin_before_the_base_cannot_slip_permissions_in():
    class AllowEveryone:
        permission_classes = [AllowAny]

    with pytest.raises(TypeError, match="AllowEveryone sets permission_classes"):
        type("Sneaky", (AllowEveryone, TenantAPIView), {})


def test_the_escape_hatches_are_named():
    class Everyone(TenantAPIView):
        def dangerously_get_permissions(self) -> list[BasePermission]:
            return [AllowAny()]

    class EveryRow(StaffListAPIView):
        def dangerously_get_queryset(self) -> Any:
            return ["every", "organization"]

    assert [type(p) for p in Everyone().get_permissions()] == [AllowAny]
    assert EveryRow().get_queryset() == ["every", "organization"]


# --- self.organization and write_access ------------------------------------------------------

def _request(method: str, user: Any, organization: Any) -> Request:
    django_request = getattr(APIRequestFactory(), method)("/api/anything")
    django_request.organization = organization
    request = Request(django_request)
    request.user = user
    return request


def _view(request: Request, **attrs: Any) -> TenantAPIView:
    view = type("Probe", (TenantAPIView,), attrs)()
    view.request = request
    return view


def test_organization_is_the_principals(org_a, admin_a):
    assert _view(_request("get", admin_a, org_a)).organization == org_a


def test_organization_without_one_is_an_error_not_none(db, admin_a):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        _ = _view(_request("get", AnonymousUser(), None)).organization
    with pytest.raises(PermissionDenied):
        _ = _view(_request("get", admin_a, None)).organization  # e.g. a suspended organization


@pytest.mark.parametrize(("access", "writers"), [(MEMBERS, {"Admin", "Editor", "Viewer"}),
                                                 (WRITERS, {"Admin", "Editor"}), (ADMINS, {"Admin"})])
def test_write_access_decides_who_writes_and_every_member_reads(org_a, admin_a, editor_a, viewer_a, access, writers):
    permission = TenantRolePermission()
    for user in (admin_a, editor_a, viewer_a):
        view = _view(_request("get", user, org_a), write_access=access)
        assert permission.has_permission(view.request, view)
        view = _view(_request("post", user, org_a), write_access=access)
        allowed = TenantRolePermission()
        assert allowed.has_permission(view.request, view) == (user.role in writers), (access, user.role)
        if user.role not in writers:
            assert allowed.message == access.refusal


def test_team_views_write_for_admins_and_tracking_for_every_member():
    from tenants import api

    assert api.TeamView.write_access is ADMINS and api.TeamMemberView.write_access is ADMINS
    assert api.ActivityTrackView.write_access is MEMBERS
