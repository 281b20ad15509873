"""A new logo from the studio (POST /qrcodes/<id>/studio/logo): stored as an upload (quota and
file checks apply) and set as the code's logo at once; not an image, a Viewer, another
organization's code: refused, nothing stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.scoping import bind_organization
from studio.models import QRDesign
from studio.selectors import design_for
from studio.tests.conftest import logo_png_bytes
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(user, qr, body: bytes, name: str = "logo.png", content_type: str = "image/png", client=None):
    return (client or _client(user)).post(f"/qrcodes/{qr.pk}/studio/logo",
                                          {"logo_file": SimpleUploadedFile(name, body, content_type=content_type)},
                                          follow=client is not None)


def test_an_editor_uploads_a_logo_and_it_becomes_the_codes_logo(studio_org, studio_editor, studio_qr):
    client = _client(studio_editor)
    r = _post(studio_editor, studio_qr, logo_png_bytes(), client=client)
    assert r.redirect_chain == [(f"/qrcodes/{studio_qr.pk}/studio", 302)]
    with bind_organization(studio_org):
        upload = UploadedFile.objects.get(organization=studio_org, file_name="logo.png")
        design = design_for(organization=studio_org, qr=studio_qr)
    assert design.logo == str(upload.pk) and design.effective_ecc == "H"
    page = r.content.decode()
    assert "Logo uploaded and set" in page and 'data-testid="studio-logo-form"' in page
    svg = _client(studio_editor).get(f"/qrcodes/{studio_qr.pk}/studio/preview.svg").content.decode()
    assert "data:image/png;base64," in svg


@pytest.mark.parametrize("body, name, content_type", [
    (pdf_bytes(), "menu.pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png", "image/png"),
    (b"", "empty.png", "image/png"),
])
def test_what_is_not_an_image_is_refused_and_nothing_is_stored(studio_org, studio_editor, studio_qr, body, name,
                                                               content_type):
    r = _post(studio_editor, studio_qr, body, name, content_type, client=_client(studio_editor))
    assert r.status_code == 200 and len(r.redirect_chain) == 1
    page = r.content.decode()
    assert "not an image" in page or "Choose an image" in page
    assert not UploadedFile.all_orgs.filter(organization=studio_org).exists()
    assert not QRDesign.all_orgs.filter(qr_code=studio_qr).exists()


def test_a_viewer_gets_403_and_another_organizations_code_404(studio_org, studio_viewer, studio_admin, studio_qr,
                                                              other_org_qr):
    assert _post(studio_viewer, studio_qr, logo_png_bytes()).status_code == 403
    assert _post(studio_admin, other_org_qr, logo_png_bytes()).status_code == 404
    assert not UploadedFile.all_orgs.filter(file_name="logo.png").exists()


def test_no_file_is_a_message_not_a_500(studio_editor, studio_qr):
    r = _client(studio_editor).post(f"/qrcodes/{studio_qr.pk}/studio/logo", {}, follow=True)
    assert r.status_code == 200 and "Choose an image file" in r.content.decode()
