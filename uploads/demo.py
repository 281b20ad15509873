"""Demo content for `manage.py seed_demo` (the uploads part). Idempotent: called on every run."""

from __future__ import annotations

from tenants.models import Organization, User


def seed_demo_content(*, organization: Organization, users: list[User]) -> None:
    """Create this app's demo rows for one demo organization, unless they exist."""
    return None
