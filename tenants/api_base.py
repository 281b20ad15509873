"""The bases every API view derives from: each one says who may call the view, and a view
cannot say otherwise (STYLE "API views: one base that owns the tenant"; PostHog's
TeamAndOrgViewSetMixin in posthog/api/routing.py).

- `TenantAPIView`: a member of an active organization, as the request's one principal
  (tenants.authentication). Views read `self.organization`; reads are for every member,
  writes for the roles the view's `write_access` names (tenants.roles: WRITERS by default,
  ADMINS for the team, MEMBERS where a write changes no content). The services check the role
  again (tenants.roles.require_*), with the same words.
- `StaffAPIView`: OI staff (`/api/admin/...`), optionally narrowed by the staff role
  (`staff_permission_classes`); `StaffListAPIView` is its generic list variant.
- `PrincipalAPIView`: any signed-in principal, with or without an organization: only logout,
  which staff users and members of a suspended organization must still be able to call.
- `PublicAPIView`: no login and no credentials read (sign-up, login, token refresh, scans,
  the schema); throttles are the view's own.

A subclass may not set `permission_classes`, `authentication_classes`, `get_permissions`,
`get_authenticators`, `queryset` or `get_queryset` (TypeError at import). The escape hatches
are named so they can be grepped: `dangerously_get_permissions()` replaces the base's
permissions, `dangerously_get_queryset()` is what a generic variant lists (for staff views:
every organization's rows, by design).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.views import APIView

from tenants.authentication import PrincipalAuthentication
from tenants.models import Organization
from tenants.permissions import IsOIStaff, IsTenantMember, TenantRolePermission
from tenants.roles import WRITERS, WriteAccess

# What a base fixes and a view may not set again.
FIXED = frozenset({"permission_classes", "authentication_classes", "get_permissions", "get_authenticators",
                   "queryset", "get_queryset"})
_BASES: list[type] = []


class _AccessFixed(APIView):
    """Refuses, when a view class is defined, any class between it and its base that sets
    what the base fixes (a mixin listed before the base included)."""

    def __init_subclass__(cls, base: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if base:
            _BASES.append(cls)
            return
        for klass in cls.__mro__:
            if klass in _BASES:
                break
            overridden = sorted(FIXED & set(vars(klass)))
            if overridden:
                raise TypeError(
                    f"{cls.__module__}.{cls.__qualname__}: {klass.__qualname__} sets {', '.join(overridden)}, "
                    "which its base in tenants.api_base fixes. Choose the base that says who may call the "
                    "view, or name the exception: dangerously_get_permissions() / dangerously_get_queryset()."
                )

    def dangerously_get_permissions(self) -> list[BasePermission] | None:
        """Escape hatch: permissions instead of the base's. None (the default) keeps the base's."""
        return None

    def get_permissions(self) -> list[BasePermission]:
        replaced = self.dangerously_get_permissions()
        return super().get_permissions() if replaced is None else replaced


class PublicAPIView(_AccessFixed, base=True):
    """Anyone: no login, and no credential is read (a stale token next to a login form does
    not get in the way). Set `throttle_classes` / `throttle_scope` on the view."""

    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = [AllowAny]


class PrincipalAPIView(_AccessFixed, base=True):
    """Any signed-in principal, organization or not (logout)."""

    authentication_classes: ClassVar[list] = [PrincipalAuthentication]
    permission_classes: ClassVar[list] = [IsAuthenticated]


class TenantAPIView(_AccessFixed, base=True):
    """A member of an active organization: `self.organization` is the principal's, bound for
    the request by tenants.middleware.OrganizationMiddleware."""

    authentication_classes: ClassVar[list] = [PrincipalAuthentication]
    permission_classes: ClassVar[list] = [TenantRolePermission]
    write_access: ClassVar[WriteAccess] = WRITERS

    @property
    def organization(self) -> Organization:
        request = self.request
        organization = getattr(request._request, "organization", None)
        if organization is None:  # the permission refuses first; this is the second lock
            if not (request.user and request.user.is_authenticated):
                raise NotAuthenticated()
            raise PermissionDenied(IsTenantMember.message)
        return organization


class StaffAPIView(_AccessFixed, base=True):
    """OI staff. `staff_permission_classes` narrows it to a staff role (never widens it)."""

    authentication_classes: ClassVar[list] = [PrincipalAuthentication]
    permission_classes: ClassVar[list] = [IsOIStaff]
    staff_permission_classes: ClassVar[list] = []

    def get_permissions(self) -> list[BasePermission]:
        return [*super().get_permissions(), *(permission() for permission in self.staff_permission_classes)]


class StaffListAPIView(StaffAPIView, ListAPIView, base=True):
    """A paginated staff list; the view names its rows in `dangerously_get_queryset()`, since
    they are every organization's."""

    def dangerously_get_queryset(self) -> Any:
        raise NotImplementedError(f"{type(self).__qualname__} must define dangerously_get_queryset()")

    def get_queryset(self) -> Any:
        return self.dangerously_get_queryset()


API_BASES: tuple[type[APIView], ...] = (PublicAPIView, PrincipalAPIView, TenantAPIView, StaffAPIView)
