"""Check uploads against storage and the organization counters; fix what drifted.

- Organization.total_uploads / storage_used_bytes are recomputed from the uploaded_files rows
  (they only drift if rows were changed around the services, e.g. by hand in SQL).
- Stored objects under organizations/<id>/uploads/ without a row are orphans: left behind
  only when a process died between writing an object and committing its row, or when a
  delete's storage call failed after the commit. Listed always; deleted with --delete-orphans
  once older than --min-age-minutes (so an upload in flight is never touched).
- Rows whose object is missing are reported (never deleted: someone must decide)."""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from tenants.models import Organization
from tenants.services import organization_lock
from uploads.models import UploadedFile


class Command(BaseCommand):
    help = "Recompute upload counters from rows and find orphan objects / rows without objects."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--delete-orphans", action="store_true")
        parser.add_argument("--min-age-minutes", type=int, default=60)

    def handle(self, *args, **options) -> None:
        cutoff = timezone.now() - dt.timedelta(minutes=options["min_age_minutes"])
        for org in Organization.objects.order_by("company_name"):
            self._counters(org)
            self._objects(org, delete=options["delete_orphans"], cutoff=cutoff)

    @transaction.atomic
    def _counters(self, org: Organization) -> None:
        org = organization_lock(org)
        # Every tenant's rows, one organization at a time: a maintenance command, no tenant bound.
        agg = UploadedFile.objects.unscoped().filter(organization=org).aggregate(n=Count("id"), size=Sum("file_size_bytes"))
        n, size = agg["n"], agg["size"] or 0
        if (org.total_uploads, org.storage_used_bytes) != (n, size):
            self.stdout.write(f"{org.company_name}: counters {org.total_uploads}/{org.storage_used_bytes} -> {n}/{size}")
            Organization.objects.filter(pk=org.pk).update(total_uploads=n, storage_used_bytes=size)

    def _objects(self, org: Organization, *, delete: bool, cutoff: dt.datetime) -> None:
        prefix = f"organizations/{org.pk}/uploads"
        try:
            _, names = default_storage.listdir(prefix)
        except FileNotFoundError:
            names = []
        stored = {f"{prefix}/{name}" for name in names}
        rows = set(UploadedFile.objects.unscoped().filter(organization=org).values_list("storage_path", flat=True))
        for path in sorted(rows - stored):
            self.stdout.write(f"{org.company_name}: row without object {path}")
        for path in sorted(stored - rows):
            old = default_storage.get_modified_time(path) < cutoff
            if delete and old:
                default_storage.delete(path)
                self.stdout.write(f"{org.company_name}: deleted orphan {path}")
            else:
                self.stdout.write(f"{org.company_name}: orphan {path}{'' if old else ' (recent, kept)'}")
