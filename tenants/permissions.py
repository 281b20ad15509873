"""API permissions. Role rules live in tenants.roles; these classes only ask it."""


from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenants.roles import can_write

if TYPE_CHECKING:
    from rest_framework.request import Request


class IsTenantMember(BasePermission):
    """An active user of an active organization (bound by the middleware)."""

    message = "A user of an active organization is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and getattr(request._request, "organization", None) is not None
        )


class TenantRolePermission(IsTenantMember):
    """Reads for every member; writes only for roles allowed by tenants.roles."""

    message = "Your role does not allow this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        return can_write(request.user)


class IsOIStaff(BasePermission):
    message = "OI staff access required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
