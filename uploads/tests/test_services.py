import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from campaigns.models import Campaign
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from tenants.models import GB, ActivityLog, Organization
from tenants.tests.factories import OrganizationFactory, UserFactory
from uploads import services
from uploads.errors import FileTooLarge, StorageLimitExceeded, UnsupportedFileType
from uploads.models import UploadedFile
from uploads.tests.samples import docx_bytes, exe_bytes, html_bytes, pdf_bytes, pdf_file, png_bytes

pytestmark = pytest.mark.django_db


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_stores_object_row_counters_and_activity(bound_a, admin_a, local_storage):
    campaign = Campaign.objects.create(organization=bound_a, name="Valentine's Day Special")
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file(), campaign_id=str(campaign.pk))
    assert (up.file_name, up.file_type, up.mime_type, up.campaign_id) == ("menu.pdf", "pdf", "application/pdf", campaign.pk)
    assert up.storage_path == f"organizations/{bound_a.pk}/uploads/{up.pk}.pdf"
    assert up.file_size_bytes == len(pdf_bytes())
    with default_storage.open(up.storage_path) as fh:
        assert fh.read() == pdf_bytes()
    org = Organization.objects.get(pk=bound_a.pk)
    assert (org.total_uploads, org.storage_used_bytes) == (1, up.file_size_bytes)
    row = ActivityLog.objects.get(action="upload_file")
    assert (row.user, row.entity_type, row.entity_id) == (admin_a, "file", str(up.pk))
    assert row.metadata["file_name"] == "menu.pdf"


def test_file_name_field_overrides_and_is_sanitised(bound_a, admin_a):
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file("x.pdf"),
                                file_name="..\\..\\etc/Lunch\x00 menu.pdf")
    assert up.file_name == "Lunch menu.pdf"
    assert up.storage_path.startswith(f"organizations/{bound_a.pk}/uploads/")


@pytest.mark.parametrize(
    "name, content, ext",
    [("photo.png", png_bytes(), "png"), ("brief.docx", docx_bytes(), "docx"), ("no-extension", pdf_bytes(), "pdf")],
)
def test_allowed_kinds_are_detected_from_content(bound_a, admin_a, name, content, ext):
    up = services.upload_create(organization=bound_a, actor=admin_a, file=ContentFile(content, name=name))
    assert up.file_type == ext and up.storage_path.endswith(f".{ext}")


@pytest.mark.parametrize(
    "name, content",
    [
        ("menu.pdf", png_bytes()),  # a PNG pretending to be a PDF
        ("photo.png", pdf_bytes()),  # a PDF named .png
        ("page.html", html_bytes()),  # not allowed at all
        ("menu.pdf", html_bytes()),  # HTML named .pdf
        ("setup.pdf", exe_bytes()),  # an executable named .pdf
        ("notes.txt", b"just some text"),
    ],
)
def test_disallowed_or_mismatched_content_is_refused_and_nothing_stored(bound_a, admin_a, local_storage, name, content):
    with pytest.raises(UnsupportedFileType):
        services.upload_create(organization=bound_a, actor=admin_a, file=ContentFile(content, name=name))
    assert UploadedFile.objects.count() == 0 and _stored_files(local_storage) == []
    assert Organization.objects.get(pk=bound_a.pk).total_uploads == 0


def test_empty_and_missing_files_are_refused(bound_a, admin_a):
    with pytest.raises(ValidationFailed):
        services.upload_create(organization=bound_a, actor=admin_a, file=None)
    with pytest.raises(ValidationFailed):
        services.upload_create(organization=bound_a, actor=admin_a, file=ContentFile(b"", name="a.pdf"))


def test_per_file_maximum(bound_a, admin_a, settings, local_storage):
    settings.UPLOAD_MAX_BYTES = 5000
    with pytest.raises(FileTooLarge):
        services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file(size=5001))
    assert _stored_files(local_storage) == []
    assert services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file(size=5000)).file_size_bytes == 5000


def test_storage_quota_refuses_before_storing(bound_a, admin_a, local_storage):
    size = len(pdf_bytes())
    Organization.objects.filter(pk=bound_a.pk).update(storage_used_bytes=bound_a.storage_limit_bytes - size + 1)
    with pytest.raises(StorageLimitExceeded) as exc:
        services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    assert exc.value.detail == "Storage limit exceeded" and exc.value.status_code == 403
    assert _stored_files(local_storage) == [] and UploadedFile.objects.count() == 0
    Organization.objects.filter(pk=bound_a.pk).update(storage_used_bytes=bound_a.storage_limit_bytes - size)
    services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())  # exactly fills the quota
    assert Organization.objects.get(pk=bound_a.pk).storage_used_bytes == bound_a.storage_limit_bytes


def test_foreign_or_bad_campaign_is_refused(bound_a, admin_a, org_b, local_storage):
    with bind_organization(org_b):
        foreign = Campaign.all_orgs.create(organization=org_b, name="B's")
    for bad in (str(foreign.pk), "not-a-uuid"):
        with pytest.raises(ValidationFailed) as exc:
            services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file(), campaign_id=bad)
        assert "campaign_id" in exc.value.detail
    assert _stored_files(local_storage) == []


def test_viewer_cannot_upload_or_delete(bound_a, admin_a, viewer_a, local_storage):
    with pytest.raises(PermissionDenied):
        services.upload_create(organization=bound_a, actor=viewer_a, file=pdf_file())
    assert _stored_files(local_storage) == []
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    with pytest.raises(PermissionDenied):
        services.upload_delete(organization=bound_a, actor=viewer_a, upload_id=up.pk)
    assert UploadedFile.objects.filter(pk=up.pk).exists()


def test_database_failure_after_storing_removes_the_object(bound_a, admin_a, local_storage, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("activity table unavailable")

    monkeypatch.setattr(services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    assert _stored_files(local_storage) == [] and UploadedFile.objects.count() == 0
    org = Organization.objects.get(pk=bound_a.pk)
    assert (org.total_uploads, org.storage_used_bytes) == (0, 0)


def test_delete_frees_quota_removes_object_and_logs(bound_a, admin_a, editor_a, local_storage,
                                                    django_capture_on_commit_callbacks):
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    keep = services.upload_create(organization=bound_a, actor=admin_a, file=ContentFile(png_bytes(), name="a.png"))
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_delete(organization=bound_a, actor=editor_a, upload_id=up.pk)
    assert not default_storage.exists(up.storage_path) and default_storage.exists(keep.storage_path)
    org = Organization.objects.get(pk=bound_a.pk)
    assert (org.total_uploads, org.storage_used_bytes) == (1, keep.file_size_bytes)
    row = ActivityLog.objects.get(action="delete_file")
    assert (row.user, row.entity_id, row.metadata["file_name"]) == (editor_a, str(up.pk), "menu.pdf")


def test_delete_of_foreign_or_malformed_id_is_not_found(bound_a, admin_a, org_b, admin_b):
    from core.scoping import bind_organization

    with bind_organization(org_b):
        theirs = services.upload_create(organization=org_b, actor=admin_b, file=pdf_file())
    for bad in (theirs.pk, "nope"):
        with pytest.raises(NotFound):
            services.upload_delete(organization=bound_a, actor=admin_a, upload_id=bad)
    assert UploadedFile.all_orgs.filter(pk=theirs.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_uploads_never_exceed_the_quota(local_storage):
    """Room for one file only; two uploads race past the early check (both see the room) and
    meet at the lock: exactly one is stored, the other is refused with nothing left behind."""
    org = OrganizationFactory(storage_limit_gb=1)
    admin = UserFactory(organization=org, role="Admin")
    size = len(pdf_bytes(4000))
    Organization.objects.filter(pk=org.pk).update(storage_used_bytes=GB - size - 100)
    barrier = threading.Barrier(2)
    results: list[object] = []
    real_check = services.storage_check
    calls = {"n": 0}
    lock = threading.Lock()

    def synchronised_check(**kwargs):
        with lock:
            calls["n"] += 1
            first = calls["n"] <= 2
        if first:  # both threads pass the early, unlocked check before either takes the lock
            real_check(**kwargs)
            barrier.wait(timeout=10)
            return None
        return real_check(**kwargs)

    def worker(name: str) -> None:
        try:
            from core.scoping import bind_organization

            with bind_organization(org):
                results.append(services.upload_create(
                    organization=org, actor=admin, file=ContentFile(pdf_bytes(4000), name=name)))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            results.append(e)
        finally:
            connection.close()

    original = services.storage_check
    services.storage_check = synchronised_check
    try:
        threads = [threading.Thread(target=worker, args=(f"{i}.pdf",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        services.storage_check = original
    assert sorted(type(r).__name__ for r in results) == ["StorageLimitExceeded", "UploadedFile"]
    org.refresh_from_db()
    assert org.storage_used_bytes == GB - 100 and org.total_uploads == 1
    assert UploadedFile.all_orgs.filter(organization=org).count() == 1
    assert len(_stored_files(local_storage)) == 1
