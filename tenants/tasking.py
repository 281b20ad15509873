"""Celery tasks that act for one organization. Tasks take ids (never model instances); the
base class looks the organization up and binds it for the task body."""

from typing import Any

from celery import Task

from tenants.models import Organization
from tenants.scoping import bind_organization


class TenantTask(Task):
    """Call with organization_id=... as a keyword; the body runs with it bound."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        org_id = kwargs.get("organization_id")
        if org_id is None:
            raise TypeError(f"{self.name} needs organization_id=... to bind its tenant")
        organization = Organization.objects.get(pk=org_id)
        with bind_organization(organization):
            return super().__call__(*args, **kwargs)
