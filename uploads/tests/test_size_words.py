"""Sizes on the upload pages and in their messages read as people read them (issue 13):
"4.2 MB", never "0.0 GB", a float like 4.38e-06, or a count of bytes in the millions."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.humanize import size_words
from tenants.models import Organization
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_a(client, admin_a, password):
    assert client.login(email=admin_a.email, password=password)
    return client


@pytest.mark.parametrize(("n", "words"), [
    (0, "0 bytes"), (1, "1 byte"), (4700, "4.6 KB"), (4_404_019, "4.2 MB"),
    (209_715_200, "200.0 MB"), (250 * 1024**3, "250.0 GB"),
])
def test_size_words(n, words):
    assert size_words(n) == words


def test_uploads_page_shows_human_sizes(web_a, org_a):
    UploadedFile.all_orgs.create(organization=org_a, file_name="menu.pdf", file_type="pdf", file_size_bytes=4_404_019,
                                 storage_path="organizations/x/uploads/menu.pdf")
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=4700, total_uploads=1)
    html = web_a.get("/uploads").content.decode().replace("\xa0", " ")
    assert "4.2 MB</td>" in html
    used = re.search(r'id="storage-used">([^<]*)</strong> of ([^\n·]*)', html)
    assert used.group(1) == "4.6 KB" and used.group(2).strip() == "250.0 GB"
    assert not re.search(r"(?<![\d.])0\.0 GB", html) and "e-0" not in html and "4404019" not in html
    assert "at most 200.0 MB" in html


def test_too_large_message_is_in_words(web_a, settings):
    settings.UPLOAD_MAX_BYTES = 1536
    r = web_a.post("/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes() + b" " * 4096)})
    assert r.status_code == 413
    html = r.content.decode()
    assert "Files can be at most 1.5 KB." in html and "1536 bytes" not in html


def test_api_too_large_detail_is_in_words(api_a, settings):
    settings.UPLOAD_MAX_BYTES = 1536
    r = api_a.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", pdf_bytes() + b" " * 4096)}, format="multipart")
    assert r.status_code == 413
    assert "at most 1.5 KB" in str(r.json()["detail"]) and "1536" not in str(r.json()["detail"])
