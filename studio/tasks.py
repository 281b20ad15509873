"""Celery tasks of the studio. Each takes the organization's id and its objects' ids (never
model instances) and binds that organization for the body, like a request: the services'
scoped queries and role checks then work as they do for the page."""

from __future__ import annotations

import logging

from celery import shared_task

from core.ids import as_uuid
from core.scoping import bind_organization
from studio.bulk_import import bulk_import_run
from tenants.models import Organization

logger = logging.getLogger(__name__)


@shared_task(name="studio.bulk_import_run", ignore_result=True)
def bulk_import_run_task(organization_id: str, import_id: str) -> str | None:
    """Validate and create a queued CSV import's codes (studio.bulk_import.bulk_import_run);
    returns its final status. Safe to retry: a finished import is left as it is."""
    pk = as_uuid(organization_id)
    organization = Organization.objects.filter(pk=pk).first() if pk else None
    if organization is None:  # deleted since the upload: its imports went with it
        logger.info("bulk import %s skipped: organization %s is gone", import_id, organization_id)
        return None
    with bind_organization(organization):
        return bulk_import_run(organization=organization, import_id=import_id).status
