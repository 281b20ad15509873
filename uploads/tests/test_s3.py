"""Uploads against a real S3 HTTP endpoint: moto's server mode on a loopback port (see
conftest.s3). Nothing in boto3 is mocked; the signed URLs are fetched over HTTP."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.scoping import bind_organization
from tenants.models import Organization
from uploads import services
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes, pdf_file, png_bytes

pytestmark = pytest.mark.django_db


def _keys(s3) -> list[str]:
    return [o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])]


def test_upload_puts_a_private_object_at_the_storage_path(s3, api_a, org_a):
    r = api_a.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())}, format="multipart")
    assert r.status_code == 201, r.content
    path = r.json()["storage_path"]
    assert _keys(s3) == [path] and path.startswith(f"organizations/{org_a.pk}/uploads/")
    assert s3.client.get_object(Bucket=s3.bucket, Key=path)["Body"].read() == pdf_bytes()
    # Private: the plain object URL, unsigned, is refused by the endpoint.
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{s3.endpoint}/{s3.bucket}/{path}", timeout=5)
    assert denied.value.code == 403


def test_download_redirects_to_a_short_lived_signed_url_that_serves_the_file(s3, api_a, settings):
    up_id = api_a.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())},
                       format="multipart").json()["id"]
    r = api_a.get(f"/api/uploads/{up_id}/download")
    assert r.status_code == 302 and r["Cache-Control"] == "private, no-store"
    url = r["Location"]
    query = parse_qs(urlparse(url).query)
    assert url.startswith(s3.endpoint) and "X-Amz-Signature" in query
    assert int(query["X-Amz-Expires"][0]) == settings.UPLOAD_SIGNED_URL_SECONDS
    with urllib.request.urlopen(url, timeout=5) as resp:
        assert resp.read() == pdf_bytes()
        assert resp.headers["Content-Type"] == "application/pdf"
        assert resp.headers["Content-Disposition"] == 'attachment; filename="menu.pdf"'



def test_refused_uploads_leave_no_object(s3, api_a, org_a):
    assert api_a.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", png_bytes())},
                      format="multipart").status_code == 400
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=org_a.storage_limit_bytes)
    assert api_a.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())},
                      format="multipart").status_code == 403
    assert _keys(s3) == [] and UploadedFile.all_orgs.count() == 0


def test_failure_after_put_deletes_the_object(s3, bound_a, admin_a, monkeypatch):
    monkeypatch.setattr(services, "activity_record", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    assert _keys(s3) == [] and UploadedFile.all_orgs.count() == 0


def test_delete_removes_the_object(s3, bound_a, admin_a, django_capture_on_commit_callbacks):
    up = services.upload_create(organization=bound_a, actor=admin_a, file=pdf_file())
    assert _keys(s3) == [up.storage_path]
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_delete(organization=bound_a, actor=admin_a, upload_id=up.pk)
    assert _keys(s3) == []


def test_public_content_page_serves_signed_urls(s3, client, org_a, admin_a):
    from qrcodes.models import QRCode

    with bind_organization(org_a):
        up = services.upload_create(organization=org_a, actor=admin_a, file=pdf_file())
    QRCode.all_orgs.create(organization=org_a, name="Menu", short_code="s3menu", linked_content=up)
    page = client.get("/c/s3menu")
    assert page.status_code == 200 and b"menu.pdf" in page.content
    inline = client.get("/c/s3menu/file")
    assert inline.status_code == 302
    with urllib.request.urlopen(inline["Location"], timeout=5) as resp:
        assert resp.read() == pdf_bytes()
        assert resp.headers["Content-Disposition"].startswith("inline")
    s3.client.delete_object(Bucket=s3.bucket, Key=up.storage_path)
    assert client.get("/c/s3menu").status_code == 404  # the object is gone: friendly 404
