"""API permissions. Role rules live in tenants.roles; these classes only ask it."""


from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenants.roles import WRITERS, WriteAccess

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
    """Reads for every member; writes for the roles the view's `write_access` allows
    (tenants.roles: WRITERS unless the view declares MEMBERS or ADMINS), refused with the
    words the service would use."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        access: WriteAccess = getattr(view, "write_access", WRITERS)
        if access.allows(request.user):
            return True
        self.message = access.refusal  # this instance serves this one request
        return False


class IsOIStaff(BasePermission):
    message = "OI staff access required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
