"""Who may do what inside an organization. Services call these; views never re-implement them."""

from tenants.errors import PermissionDenied
from tenants.models import User


def can_write(user: User) -> bool:
    """Admins and Editors create, change and delete content; Viewers only read."""
    return user.role in (User.Role.ADMIN, User.Role.EDITOR)


def require_writer(user: User) -> None:
    if not can_write(user):
        raise PermissionDenied("Viewers cannot create, change or delete.")


def require_admin(user: User) -> None:
    if user.role != User.Role.ADMIN:
        raise PermissionDenied("Only an organization Admin can manage the team.")
