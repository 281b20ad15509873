"""Download names agree with the sniffed content (issue 11): a PDF/HTML polyglot named
`report.html.` was stored and offered as `report.html.` (Windows drops the trailing dot and
opens the download as HTML). Names lose trailing dots and spaces, an explicitly different
extension is refused as before, a missing one becomes the content's, and every download answer
names the file with an extension that agrees with the stored type."""

from __future__ import annotations

import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.scoping import bind_organization
from qrcodes.models import QRCode
from uploads import services
from uploads.delivery import download_name, signed_url
from uploads.models import UploadedFile
from uploads.tests.samples import html_bytes, pdf_bytes, pdf_file, png_bytes

pytestmark = pytest.mark.django_db


def polyglot_bytes() -> bytes:
    """Starts as a PDF (what `filetype` sniffs) and carries an HTML document after it."""
    return pdf_bytes() + html_bytes()


def _upload(client, name, content=None, **fields):
    data = {"file": SimpleUploadedFile(name, content if content is not None else polyglot_bytes()), **fields}
    return client.post("/api/uploads", data, format="multipart")


def _attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    return disposition.split('filename="', 1)[1].rstrip('"')


@pytest.mark.parametrize("name", ["report.html.", "report.html. ", "report.html . .", "report.htm\u200b."])
def test_polyglot_named_html_with_a_trailing_dot_is_refused_like_html(api_a, local_storage, name):
    r = _upload(api_a, name)
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "unsupported_file_type" and "named .htm" in r.json()["detail"]
    assert UploadedFile.all_orgs.count() == 0 and not any(local_storage.rglob("*.*"))


@pytest.mark.parametrize("field", ["file_name", "file"])
def test_trailing_dot_in_the_name_field_is_refused_too(api_a, field):
    r = _upload(api_a, "report.pdf", file_name="report.html.") if field == "file_name" else _upload(api_a, "report.html.")
    assert r.status_code == 400 and r.json()["error"] == "unsupported_file_type"


@pytest.mark.parametrize("name, stored", [
    ("report", "report.pdf"),          # no extension: the content's
    ("report.pdf.", "report.pdf"),     # trailing dot
    ("report.pdf . ", "report.pdf"),   # trailing dots and spaces
    ("Lunch menu.PDF", "Lunch menu.PDF"),  # an agreeing extension is kept as typed
    (".pdf", ".pdf"),
])
def test_stored_name_carries_the_sniffed_extension_and_the_download_says_so(api_a, name, stored):
    r = _upload(api_a, name)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["file_name"] == stored and body["file_type"] == "pdf"
    d = api_a.get(f"/api/uploads/{body['id']}/download")
    assert d.status_code == 200
    assert _attachment_name(d) == stored
    assert d["Content-Type"] == "application/pdf" and d["X-Content-Type-Options"] == "nosniff"


def test_png_without_extension_gets_png(api_a):
    r = _upload(api_a, "logo", content=png_bytes())
    assert r.status_code == 201 and r.json()["file_name"] == "logo.png"


def test_no_script_form_name_gets_the_extension(client, admin_a, password):
    client.login(email=admin_a.email, password=password)
    r = client.post("/uploads", {"file": SimpleUploadedFile("x.pdf", pdf_bytes()), "file_name": "Menu."})
    assert r.status_code == 302
    assert UploadedFile.all_orgs.get().file_name == "Menu.pdf"


@pytest.fixture
def legacy_polyglot(org_a, admin_a):
    """A row stored before this fix, under the name the attacker chose."""
    with bind_organization(org_a):
        up = services.upload_create(organization=org_a, actor=admin_a, file=pdf_file("report.pdf"))
    UploadedFile.all_orgs.filter(pk=up.pk).update(file_name="report.html.")
    up.refresh_from_db()
    return up


def test_download_name_of_an_old_row_ends_with_the_stored_type(legacy_polyglot):
    assert download_name(legacy_polyglot) == "report.html.pdf"


def test_every_download_answer_names_an_old_polyglot_as_pdf(api_a, client, admin_a, password, org_a, legacy_polyglot):
    pk = legacy_polyglot.pk
    api = api_a.get(f"/api/uploads/{pk}/download")
    assert _attachment_name(api) == "report.html.pdf"
    assert api["Content-Type"] == "application/pdf" and api["X-Content-Type-Options"] == "nosniff"
    inline = api_a.get(f"/api/uploads/{pk}/download?inline=1")
    assert inline["Content-Disposition"] == 'inline; filename="report.html.pdf"'
    client.login(email=admin_a.email, password=password)
    page = client.get(f"/uploads/{pk}/download")
    assert _attachment_name(page) == "report.html.pdf" and page["X-Content-Type-Options"] == "nosniff"
    QRCode.all_orgs.create(organization=org_a, name="Report", short_code="report1", linked_content=legacy_polyglot)
    client.logout()
    public = client.get("/c/report1/download")
    assert _attachment_name(public) == "report.html.pdf" and public["Content-Type"] == "application/pdf"


def test_signed_url_names_an_old_polyglot_as_pdf(s3, org_a, admin_a):
    with bind_organization(org_a):
        up = services.upload_create(organization=org_a, actor=admin_a, file=pdf_file("report.pdf"))
    UploadedFile.all_orgs.filter(pk=up.pk).update(file_name="report.html.")
    up.refresh_from_db()
    with urllib.request.urlopen(signed_url(up, inline=False), timeout=5) as resp:
        assert resp.headers["Content-Disposition"] == 'attachment; filename="report.html.pdf"'
        assert resp.headers["Content-Type"] == "application/pdf"


def test_a_long_name_keeps_its_new_extension_within_the_column(api_a):
    r = _upload(api_a, "a" * 300)
    assert r.status_code == 201, r.content
    name = r.json()["file_name"]
    assert len(name) <= 255 and name.endswith("a.pdf")
