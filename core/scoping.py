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
from collections.abc import Iterator
from typing import Any

from django.db import models

# An organization is any model instance with a pk here: core imports no app (.importlinter).
Organization = models.Model

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


@contextlib.contextmanager
def bind_organization(organization: Organization | None) -> Iterator[Organization | None]:
    """Bind `organization` for the block; always restored, even after an exception.
    Binding None is allowed and means "no tenant" (queries then raise), never "all tenants"."""
    token = _current_organization.set(organization)
    try:
        yield organization
    finally:
        _current_organization.reset(token)


class TenantManager(models.Manager):
    """Scoped to the bound organization. `unscoped()` is the explicit cross-tenant door."""

    def get_queryset(self) -> models.QuerySet:
        org = _current_organization.get()
        if org is None:
            model = self.model.__name__
            raise OrganizationNotBound(
                f"{model}.objects was queried with no organization bound. Bind one with "
                f"core.scoping.bind_organization(org) (the middleware does this for requests), "
                f"or use {model}.objects.unscoped() for a deliberate cross-tenant read."
            )
        return super().get_queryset().filter(organization_id=org.pk)

    def unscoped(self) -> models.QuerySet:
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


def related_model(model: type[models.Model], field: str) -> type[models.Model]:
    """The model `model.field` (a ForeignKey) points at. An app refers to an app above it only
    through its own relations, declared by name ("campaigns.Campaign"), never by import: imports
    run one way (.importlinter)."""
    return model._meta.get_field(field).related_model
