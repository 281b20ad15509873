"""The three pages that take a file (uploads, CSV import, a studio logo) keep CSRF after the
size limit moved into uploads.upload_handlers.upload_size_limited: a POST without the token is
refused, and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from studio.models import BulkImport
from studio.tests.conftest import logo_png_bytes
from uploads.models import UploadedFile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/uploads", "/qrcodes/import", "/qrcodes/{qr}/studio/logo"])
def test_a_post_without_the_csrf_token_is_refused(studio_editor, studio_qr, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(studio_editor)
    body = {"file": SimpleUploadedFile("a.csv", b"name,destination\nA,https://a.example/\n", content_type="text/csv"),
            "logo_file": SimpleUploadedFile("logo.png", logo_png_bytes(), content_type="image/png")}
    r = client.post(path.format(qr=studio_qr.pk), body)
    assert r.status_code == 403
    assert not UploadedFile.all_orgs.exists() and not BulkImport.all_orgs.exists()
