"""Tenant scoping: the current organization lives in one ContextVar.

Fail closed, escape loudly:
- `Model.objects` on a tenant-owned model filters by the bound organization; with nothing
  bound it raises `OrganizationNotBound` instead of returning every tenant's rows.
- The one door across tenants is `Model.objects.unscoped()` (grep for it). Django internals
  (admin, reverse relations, cascades) use the plain `all_orgs` manager, set as
  `Meta.default_manager_name`.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from tenants.models import Organization

_current_organization: contextvars.ContextVar[Organization | None] = contextvars.ContextVar(
    "current_organization", default=None
)


class OrganizationNotBound(RuntimeError):
    """A tenant-owned model was queried with no organization bound."""


class CrossTenantWrite(RuntimeError):
    """A row of one organization was about to be written while another is bound: a bug in
    the caller, refused before it reaches the database."""


def current_organization() -> Organization | None:
    return _current_organization.get()


def require_organization() -> Organization:
    org = _current_organization.get()
    if org is None:
        raise OrganizationNotBound("No organization is bound to this request or task.")
    return org


@contextlib.contextmanager
def bind_organization(organization: Organization | None) -> Iterator[Organization | None]:
    """Bind `organization` for the block; always restored, even after an exception.
    Binding None is allowed and means "no tenant" (queries then raise), never "all tenants"."""
    token = _current_organization.set(organization)
    try:
        yield organization
    finally:
        _current_organization.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Scoped to the bound organization. `unscoped()` is the explicit cross-tenant door."""

    def get_queryset(self) -> TenantQuerySet:
        org = _current_organization.get()
        if org is None:
            model = self.model.__name__
            raise OrganizationNotBound(
                f"{model}.objects was queried with no organization bound. Bind one with "
                f"tenants.scoping.bind_organization(org) (the middleware and TenantTask do this), "
                f"or use {model}.objects.unscoped() for a deliberate cross-tenant read."
            )
        return super().get_queryset().filter(organization_id=org.pk)

    def unscoped(self) -> TenantQuerySet:
        """Every tenant's rows. Only for staff reports, public scan lookups, tasks and
        migrations; each use outside oi_admin/tasks says why in a comment."""
        return super().get_queryset()


class TenantOwnedModel(models.Model):
    """Base for every row that belongs to one organization."""

    organization = models.ForeignKey(
        "tenants.Organization", on_delete=models.CASCADE, db_index=True
    )

    objects = TenantManager()
    all_orgs = models.Manager()  # noqa: DJ012 - managers belong with the scoping docs above

    class Meta:
        abstract = True
        default_manager_name = "all_orgs"
        base_manager_name = "all_orgs"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Invariants, not business logic: a row written while a tenant is bound belongs to it,
        # and never to another one (defence in depth behind the one-principal middleware).
        org = _current_organization.get()
        if org is not None:
            if self.organization_id is None:
                self.organization_id = org.pk
            elif self.organization_id != org.pk:
                raise CrossTenantWrite(
                    f"{type(self).__name__} of organization {self.organization_id} written while "
                    f"organization {org.pk} is bound."
                )
        super().save(*args, **kwargs)


def as_uuid(value: Any) -> uuid.UUID | None:
    """Parse an id from a URL or payload; None when it is not a UUID (answer 404/400, not 500)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
