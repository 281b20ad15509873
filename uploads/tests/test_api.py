import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Campaign
from conftest import api_client_for
from core.scoping import bind_organization
from tenants.models import ActivityLog, Organization
from uploads import services
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes, pdf_file, png_bytes

pytestmark = pytest.mark.django_db


def _upload(client, content=None, name="menu.pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content if content is not None else pdf_bytes()), **fields}
    return client.post("/api/uploads", data, format="multipart")


def test_upload_returns_seed_shape_and_counts(api_a, org_a):
    campaign = Campaign.all_orgs.create(organization=org_a, name="Valentine's Day Special")
    r = _upload(api_a, file_name="Lunch menu.pdf", campaign_id=str(campaign.pk))
    assert r.status_code == 201, r.content
    body = r.json()
    up = UploadedFile.all_orgs.get()
    assert body["id"] == str(up.pk)
    assert (body["file_name"], body["file_type"], body["file_size_bytes"], body["campaign_id"]) == (
        "Lunch menu.pdf", "pdf", len(pdf_bytes()), str(campaign.pk))
    assert body["storage_path"] == f"organizations/{org_a.pk}/uploads/{up.pk}.pdf"
    assert body["download_url"] == f"/api/uploads/{up.pk}/download"
    org_a.refresh_from_db()
    assert (org_a.total_uploads, org_a.storage_used_bytes) == (1, len(pdf_bytes()))


def test_upload_of_mismatched_type_is_400_and_stores_nothing(api_a, local_storage):
    r = _upload(api_a, content=png_bytes(), name="menu.pdf")
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_file_type"
    assert "PNG" in r.json()["detail"]
    assert UploadedFile.all_orgs.count() == 0 and not any(local_storage.rglob("*.*"))


def test_upload_without_file_is_400(api_a):
    r = api_a.post("/api/uploads", {"file_name": "x.pdf"}, format="multipart")
    assert r.status_code == 400 and r.json()["detail"] == {"file": "Choose a file to upload."}
    assert api_a.post("/api/uploads", {"file": "x"}, format="json").status_code == 415


def test_over_quota_is_403_storage_limit_exceeded(api_a, org_a, local_storage):
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=org_a.storage_limit_bytes - 10)
    r = _upload(api_a)
    assert r.status_code == 403
    assert r.json() == {"error": "storage_limit_exceeded", "detail": "Storage limit exceeded"}
    assert not any(local_storage.rglob("*.*"))


def test_file_over_the_maximum_is_stopped_while_streaming(api_a, settings, local_storage):
    settings.UPLOAD_MAX_BYTES = 20_000
    r = _upload(api_a, content=pdf_bytes(25_000))  # within the multipart allowance: parsed, then cut
    assert r.status_code == 413 and r.json()["error"] == "file_too_large"
    assert UploadedFile.all_orgs.count() == 0 and not any(local_storage.rglob("*.*"))
    assert _upload(api_a, content=pdf_bytes(20_000)).status_code == 201


class CountingStream(io.RawIOBase):
    """A request body that counts what the server reads from it."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.size - self.read_bytes)
        b[:n] = b"x" * n
        self.read_bytes += n
        return n


def test_declared_oversize_body_is_refused_without_reading_it(api_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    body = CountingStream(10 * 1024**3)  # "10 GB"
    r = api_a.generic(
        "POST", "/api/uploads", b"", content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
    )
    assert r.status_code == 413 and r.json()["error"] == "file_too_large"
    assert body.read_bytes == 0


def test_large_upload_spills_to_disk_not_memory(api_a, monkeypatch):
    """3 MB > FILE_UPLOAD_MAX_MEMORY_SIZE: Django's temporary-file handler takes it."""
    seen = {}
    real = services.upload_create

    def spy(**kwargs):
        seen["kind"] = type(kwargs["file"]).__name__
        return real(**kwargs)

    monkeypatch.setattr(services, "upload_create", spy)
    r = _upload(api_a, content=pdf_bytes(3 * 1024 * 1024))
    assert r.status_code == 201
    assert seen["kind"] == "TemporaryUploadedFile"


def test_list_detail_download_delete(api_a, org_a, django_capture_on_commit_callbacks):
    up_id = _upload(api_a).json()["id"]
    _upload(api_a, content=png_bytes(), name="logo.png")
    r = api_a.get("/api/uploads")
    assert r.status_code == 200 and r.json()["count"] == 2
    assert [u["file_name"] for u in r.json()["results"]] == ["logo.png", "menu.pdf"]
    assert api_a.get(f"/api/uploads/{up_id}").json()["file_name"] == "menu.pdf"
    d = api_a.get(f"/api/uploads/{up_id}/download")
    assert d.status_code == 200
    assert b"".join(d.streaming_content) == pdf_bytes()
    assert d["Content-Disposition"] == 'attachment; filename="menu.pdf"'
    assert d["Content-Type"] == "application/pdf"
    path = UploadedFile.all_orgs.get(pk=up_id).storage_path
    with django_capture_on_commit_callbacks(execute=True):
        assert api_a.delete(f"/api/uploads/{up_id}").status_code == 204
    assert not default_storage.exists(path)
    assert api_a.get(f"/api/uploads/{up_id}").status_code == 404
    org_a.refresh_from_db()
    assert org_a.total_uploads == 1 and org_a.storage_used_bytes == len(png_bytes())
    assert list(ActivityLog.all_orgs.filter(organization=org_a).values_list("action", flat=True).order_by("id")) == [
        "upload_file", "upload_file", "delete_file"]


def test_usage_endpoint(api_a, org_a, settings):
    _upload(api_a)
    body = api_a.get("/api/uploads/usage").json()
    assert body["used_bytes"] == len(pdf_bytes()) and body["total_uploads"] == 1
    assert body["limit_bytes"] == org_a.storage_limit_bytes and body["max_file_bytes"] == settings.UPLOAD_MAX_BYTES


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/uploads/{id}"),
        ("delete", "/api/uploads/{id}"),
        ("get", "/api/uploads/{id}/download"),
    ],
)
def test_other_organizations_upload_is_404_like_a_missing_one(api_a, org_b, admin_b, method, path):
    with bind_organization(org_b):
        theirs = services.upload_create(organization=org_b, actor=admin_b, file=pdf_file())
    for upload_id in (theirs.pk, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        r = getattr(api_a, method)(path.format(id=upload_id))
        assert r.status_code == 404, (path, upload_id)
        assert r.json()["error"] == "not_found"
    assert UploadedFile.all_orgs.filter(pk=theirs.pk).exists()


def test_list_shows_only_own_uploads(api_a, org_b, admin_b):
    with bind_organization(org_b):
        services.upload_create(organization=org_b, actor=admin_b, file=pdf_file("theirs.pdf"))
    _upload(api_a, name="mine.pdf")
    assert [u["file_name"] for u in api_a.get("/api/uploads").json()["results"]] == ["mine.pdf"]
    assert api_client_for(admin_b).get("/api/uploads").json()["count"] == 1


def test_session_upload_needs_csrf(admin_a, password):
    """The page's script uses the session cookie: without the CSRF token it is refused, with
    the token (X-CSRFToken header) it is stored."""
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    assert c.login(email=admin_a.email, password=password)
    r = c.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert UploadedFile.all_orgs.count() == 0
    token = c.get("/uploads").context["csrf_token"]
    r = c.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())}, HTTP_X_CSRFTOKEN=str(token))
    assert r.status_code == 201, r.content


def test_download_answers_the_file_type_and_the_schema_allows_any(api_a):
    """Found by the API fuzz test: the download was documented as JSON only."""
    from tests.conftest import api_schema_document

    up = _upload(api_a).json()
    r = api_a.get(f"/api/uploads/{up['id']}/download")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    responses = api_schema_document()["paths"]["/api/uploads/{upload_id}/download"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["*/*"] and "302" in responses


@pytest.mark.django_db
def test_list_with_a_malformed_campaign_id_is_400(api_a):
    r = api_a.get("/api/uploads", {"campaign_id": "garbage"})
    assert r.status_code == 400 and r.json()["error"] == "validation_error"
    assert "campaign_id" in r.json()["detail"]
