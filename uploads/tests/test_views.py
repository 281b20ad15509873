import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.scoping import bind_organization
from qrcodes.models import QRCode
from tenants.models import ActivityLog, Organization
from uploads import services
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes, pdf_file, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_a(client, admin_a, password):
    assert client.login(email=admin_a.email, password=password)
    return client


def _upload_for(org, user, **kw):
    with bind_organization(org):
        return services.upload_create(organization=org, actor=user, **kw)


def test_upload_page_lists_files_usage_and_progress_form(web_a, org_a, admin_a):
    _upload_for(org_a, admin_a, file=pdf_file())
    r = web_a.get("/uploads")
    html = r.content.decode()
    assert r.status_code == 200
    assert "menu.pdf" in html and 'id="upload-progress"' in html and "uploads/upload.js" in html
    assert 'data-api="/api/uploads"' in html


def test_viewer_sees_no_upload_form_or_delete(client, viewer_a, admin_a, org_a, password):
    _upload_for(org_a, admin_a, file=pdf_file())
    client.login(email=viewer_a.email, password=password)
    html = client.get("/uploads").content.decode()
    assert "menu.pdf" in html and 'id="upload-form"' not in html and "Delete</button>" not in html


def test_no_script_form_post_uploads_and_redirects(web_a, org_a):
    r = web_a.post("/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes()), "file_name": "Menu"}, follow=True)
    assert r.status_code == 200 and "Uploaded Menu.pdf." in r.content.decode()
    assert UploadedFile.all_orgs.get().file_name == "Menu.pdf"  # the content's extension (issue 11)


def test_no_script_form_post_errors_are_shown(web_a, settings):
    r = web_a.post("/uploads", {"file": SimpleUploadedFile("menu.pdf", png_bytes())})
    assert r.status_code == 400 and "content is PNG" in r.content.decode()
    settings.UPLOAD_MAX_BYTES = 100
    r = web_a.post("/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes())})
    assert r.status_code == 413 and "at most 100 bytes" in r.content.decode()
    assert UploadedFile.all_orgs.count() == 0


def test_download_and_delete_pages(web_a, org_a, admin_a):
    up = _upload_for(org_a, admin_a, file=pdf_file())
    d = web_a.get(f"/uploads/{up.pk}/download")
    assert d.status_code == 200 and b"".join(d.streaming_content) == pdf_bytes()
    r = web_a.post(f"/uploads/{up.pk}/delete", follow=True)
    assert "File deleted." in r.content.decode()
    assert not UploadedFile.all_orgs.filter(pk=up.pk).exists()
    assert Organization.objects.get(pk=org_a.pk).total_uploads == 0


def test_other_organizations_upload_pages_are_404(web_a, org_b, admin_b):
    theirs = _upload_for(org_b, admin_b, file=pdf_file())
    for ident in (theirs.pk, "not-a-uuid"):
        assert web_a.get(f"/uploads/{ident}/download").status_code == 404
        assert web_a.post(f"/uploads/{ident}/delete").status_code == 404
    assert UploadedFile.all_orgs.filter(pk=theirs.pk).exists()


# --- the public content page a QR code can point at ------------------------------------------

@pytest.fixture
def menu_qr(org_a, admin_a):
    up = _upload_for(org_a, admin_a, file=pdf_file())
    return QRCode.all_orgs.create(organization=org_a, name="Front Door Menu", short_code="menu123", linked_content=up)


def test_public_content_page_previews_pdf_and_offers_download(client, menu_qr, org_a):
    r = client.get("/c/menu123")
    html = r.content.decode()
    assert r.status_code == 200 and "menu.pdf" in html and org_a.company_name in html
    assert '<iframe class="preview pdf" src="/c/menu123/file"' in html
    # Phones get a link to their own PDF viewer instead of the frame (app.css; tests/e2e/test_phones.py).
    assert 'href="/c/menu123/file" data-testid="content-open">Open the PDF</a>' in html
    inline = client.get("/c/menu123/file")
    assert inline.status_code == 200 and inline["Content-Disposition"].startswith("inline")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    dl = client.get("/c/menu123/download")
    assert dl["Content-Disposition"] == 'attachment; filename="menu.pdf"'
    assert b"".join(dl.streaming_content) == pdf_bytes()


def test_public_content_page_shows_images_inline(client, org_a, admin_a):
    up = _upload_for(org_a, admin_a, file=SimpleUploadedFile("logo.png", png_bytes()))
    QRCode.all_orgs.create(organization=org_a, name="Logo", short_code="logo1", linked_content=up)
    assert '<img class="preview" src="/c/logo1/file"' in client.get("/c/logo1").content.decode()


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_paused_or_archived_qr_content_is_410(client, menu_qr, status):
    QRCode.all_orgs.filter(pk=menu_qr.pk).update(status=status)
    for path in ("/c/menu123", "/c/menu123/file", "/c/menu123/download"):
        r = client.get(path)
        assert r.status_code == 410 and "no longer available" in r.content.decode()


def test_suspended_organization_content_is_410(client, menu_qr, org_a):
    Organization.objects.filter(pk=org_a.pk).update(status="suspended")
    assert client.get("/c/menu123").status_code == 410


def test_unknown_code_qr_without_file_or_missing_object_is_404(client, menu_qr, org_a):
    assert client.get("/c/nope").status_code == 404
    QRCode.all_orgs.create(organization=org_a, name="URL only", short_code="urlonly", qr_url="https://example.com")
    assert client.get("/c/urlonly").status_code == 404
    from django.core.files.storage import default_storage

    default_storage.delete(menu_qr.linked_content.storage_path)
    r = client.get("/c/menu123")
    assert r.status_code == 404 and "no longer available" in r.content.decode()
    assert client.get("/c/menu123/download").status_code == 404


def test_public_page_works_for_a_visitor_logged_into_another_org(client, menu_qr, admin_b, password):
    client.login(email=admin_b.email, password=password)
    assert client.get("/c/menu123").status_code == 200
    assert ActivityLog.all_orgs.filter(organization=admin_b.organization, action="upload_file").count() == 0
