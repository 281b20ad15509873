"""A person uploads a PDF on /uploads in headless Chromium: the progress bar fills to 100%
and the file appears in the list, stored and counted."""

import re

import pytest

from tenants.models import ActivityLog, Organization
from tests.e2e.browser import in_chromium
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_upload_pdf_with_progress_bar(live_server, admin_a, password, tmp_path, local_storage):
    pdf = tmp_path / "spring-menu.pdf"
    pdf.write_bytes(pdf_bytes(4 * 1024 * 1024))  # big enough for several progress events
    seen = {}

    def steps(page) -> None:
        page.goto(f"{live_server.url}/login")
        page.fill("#id_email", admin_a.email)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/dashboard$"))

        page.goto(f"{live_server.url}/uploads")
        assert "No files yet." in page.content()
        page.set_input_files("#id_file", str(pdf))
        page.click("#upload-button")

        page.wait_for_function("() => document.getElementById('upload-progress').value === 100")
        seen["percent"] = page.get_by_test_id("upload-percent").inner_text()
        page.get_by_test_id("upload-status").filter(has_text="Uploaded spring-menu.pdf").wait_for()
        row = page.locator("#upload-rows tr", has_text="spring-menu.pdf")
        seen["rows"], seen["row_text"] = row.count(), row.inner_text()

        page.reload()  # now the list comes from the server
        seen["href"] = page.get_by_role("link", name="spring-menu.pdf").get_attribute("href")

    in_chromium(steps, "test_upload_pdf_with_progress_bar")

    assert seen["percent"] == "100%"
    assert seen["rows"] == 1 and "pdf" in seen["row_text"]
    upload = UploadedFile.all_orgs.get()
    assert seen["href"] == f"/uploads/{upload.pk}/download"
    assert upload.file_size_bytes == pdf.stat().st_size
    assert (local_storage / upload.storage_path).read_bytes() == pdf.read_bytes()
    assert Organization.objects.get(pk=admin_a.organization_id).total_uploads == 1
    assert ActivityLog.all_orgs.filter(action="upload_file", metadata__file_name="spring-menu.pdf").exists()
