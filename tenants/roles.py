"""Who may do what inside an organization. Services call these; views never re-implement them.

Every check also asks that the actor belongs to the organization the service acts on, and
that this is the organization bound for the request or task: defence in depth behind the
one-principal middleware (tenants.authentication), so a service never acts for a user of
one organization on another's data, whatever a caller passes."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import PermissionDenied
from core.scoping import current_organization
from tenants.models import Organization, User

logger = logging.getLogger(__name__)


def can_write(user: User) -> bool:
    """Admins and Editors create, change and delete content; Viewers only read."""
    return user.role in (User.Role.ADMIN, User.Role.EDITOR)


def can_manage_team(user: User) -> bool:
    """Only Admins invite people, change roles and deactivate members."""
    return user.role == User.Role.ADMIN


@dataclass(frozen=True)
class WriteAccess:
    """Which members may write (POST, PATCH, DELETE) somewhere, and what a refused one is told.
    Services refuse with `refusal` (require_writer, require_admin); an API view declares its
    level (tenants.api_base.TenantAPIView.write_access) and its permission refuses with the
    same words before the view runs."""

    allows: Callable[[User], bool]
    refusal: str
    who_can: str = ""  # the one line a page shows where it does not offer the control ({org})

    def not_offered(self, user: User, organization: Organization) -> str:
        """"" when `user` may; else the line saying who can, for a page that hides the control
        (the service still refuses with `refusal` if the request is sent anyway)."""
        if self.allows(user):
            return ""
        return self.who_can.format(org=organization.company_name)


MEMBERS = WriteAccess(lambda user: True, "")  # e.g. activity tracking: it logs, it changes no content
WRITERS = WriteAccess(can_write, "Viewers cannot create, change or delete.",
                      "Viewers can look, not change: ask an Admin or Editor of {org}.")
ADMINS = WriteAccess(can_manage_team, "Only an organization Admin can manage the team.",
                     "Only an Admin manages the team: ask an Admin of {org}.")


def require_member(user: User, organization: Organization) -> None:
    """`user` acts for `organization`: a member of it, and it is the bound one (if any)."""
    bound = current_organization()
    if user.organization_id != organization.pk or (bound is not None and bound.pk != organization.pk):
        logger.error("refused: user %s acting on organization %s (bound: %s)", user.pk, organization.pk,
                     bound.pk if bound else None)
        raise PermissionDenied("You are not a member of this organization.", code="wrong_organization")


def _require(access: WriteAccess, user: User, organization: Organization) -> None:
    require_member(user, organization)
    if not access.allows(user):
        raise PermissionDenied(access.refusal)


def require_writer(user: User, organization: Organization) -> None:
    _require(WRITERS, user, organization)


def require_admin(user: User, organization: Organization) -> None:
    _require(ADMINS, user, organization)
