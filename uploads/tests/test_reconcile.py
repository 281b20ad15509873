import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from tenants.models import Organization
from uploads import services
from uploads.tests.samples import pdf_file

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("uploads_reconcile", *args, stdout=out)
    return out.getvalue()


def test_reconcile_fixes_counters_and_removes_old_orphans(bound_a, admin_a, local_storage):
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    Organization.objects.filter(pk=bound_a.pk).update(total_uploads=7, storage_used_bytes=1)
    orphan = default_storage.save(f"organizations/{bound_a.pk}/uploads/orphan.pdf", ContentFile(b"%PDF-1.4"))
    recent = default_storage.save(f"organizations/{bound_a.pk}/uploads/inflight.pdf", ContentFile(b"%PDF-1.4"))
    an_hour_ago = time.time() - 2 * 3600
    os.utime(local_storage / orphan, (an_hour_ago, an_hour_ago))

    report = _run("--delete-orphans")
    assert f"counters 7/1 -> 1/{up.file_size_bytes}" in report
    assert f"deleted orphan {orphan}" in report and f"orphan {recent} (recent, kept)" in report
    assert not default_storage.exists(orphan) and default_storage.exists(recent)
    assert default_storage.exists(up.storage_path)
    org = Organization.objects.get(pk=bound_a.pk)
    assert (org.total_uploads, org.storage_used_bytes) == (1, up.file_size_bytes)

    default_storage.delete(up.storage_path)
    assert f"row without object {up.storage_path}" in _run()
