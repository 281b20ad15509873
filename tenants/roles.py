"""Who may do what inside an organization. Services call these; views never re-implement them.

Every check also asks that the actor belongs to the organization the service acts on, and
that this is the organization bound for the request or task: defence in depth behind the
one-principal middleware (tenants.authentication), so a service never acts for a user of
one organization on another's data, whatever a caller passes."""

import logging

from tenants.errors import PermissionDenied
from tenants.models import Organization, User
from tenants.scoping import current_organization

logger = logging.getLogger(__name__)


def can_write(user: User) -> bool:
    """Admins and Editors create, change and delete content; Viewers only read."""
    return user.role in (User.Role.ADMIN, User.Role.EDITOR)


def require_member(user: User, organization: Organization) -> None:
    """`user` acts for `organization`: a member of it, and it is the bound one (if any)."""
    bound = current_organization()
    if user.organization_id != organization.pk or (bound is not None and bound.pk != organization.pk):
        logger.error("refused: user %s acting on organization %s (bound: %s)", user.pk, organization.pk,
                     bound.pk if bound else None)
        raise PermissionDenied("You are not a member of this organization.", code="wrong_organization")


def require_writer(user: User, organization: Organization) -> None:
    require_member(user, organization)
    if not can_write(user):
        raise PermissionDenied("Viewers cannot create, change or delete.")


def require_admin(user: User, organization: Organization) -> None:
    require_member(user, organization)
    if user.role != User.Role.ADMIN:
        raise PermissionDenied("Only an organization Admin can manage the team.")
