"""The CSV import over HTTP: the API (POST /api/qrcodes/import as multipart or text/csv, GET
/api/qrcodes/import/<id>) and the pages (/qrcodes/import, the status page, its progress JSON,
the sample file). Bad input answers 4xx with a clear message; another organization's import
answers like a missing one; Viewers are refused."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import api_client_for
from core.scoping import bind_organization
from qrcodes.models import QRCode
from qrcodes.tests.conftest import make_qr
from studio import bulk_import as imports
from studio.models import BulkImport
from studio.tasks import bulk_import_run_task
from studio.tests.test_bulk_import import csv_bytes
from tenants.tests.factories import PASSWORD


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.email, password=PASSWORD)
    return c


def upload(data: bytes, name: str = "codes.csv") -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def codes(org) -> int:
    return QRCode.all_orgs.filter(organization=org).count()


# --- API --------------------------------------------------------------------------------------

def test_api_multipart_creates_the_codes(api_a, org_a):
    r = api_a.post("/api/qrcodes/import", upload(csv_bytes(4)), format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["created_count"], body["total_rows"], body["file_name"]) == ("done", 4, 4, "codes.csv")
    assert codes(org_a) == 4
    again = api_a.get(f"/api/qrcodes/import/{body['id']}")
    assert again.status_code == 200 and again.json()["created_count"] == 4


def test_api_text_csv_body(api_a, org_a):
    r = api_a.post("/api/qrcodes/import?file_name=menus.csv", csv_bytes(2, bom=True), content_type="text/csv")
    assert r.status_code == 201, r.content
    assert r.json()["file_name"] == "menus.csv" and codes(org_a) == 2


def test_api_bad_rows_answer_400_with_every_row_and_create_nothing(api_a, org_a):
    r = api_a.post("/api/qrcodes/import", csv_bytes(3, bad={0: "A,ftp://x.example/,,", 2: "C,https://c.example/,,Nope"}),
                   content_type="text/csv")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid_csv"
    assert [(e["row"], e["column"]) for e in body["detail"]] == [(2, "destination"), (4, "campaign")]
    assert body["import"]["status"] == "failed" and codes(org_a) == 0


def test_api_plan_limit_answers_403_and_creates_nothing(api_a, org_a, admin_a):
    make_qr(org_a, admin_a, name="one")
    r = api_a.post("/api/qrcodes/import", csv_bytes(5), content_type="text/csv")
    assert r.status_code == 403
    assert r.json()["error"] == "plan_limit_exceeded"
    assert "you have 1, this import adds 5" in r.json()["detail"][0]["message"]
    assert codes(org_a) == 1


@pytest.mark.parametrize(("send", "status", "words"), [
    (lambda c: c.post("/api/qrcodes/import", {}, format="multipart"), 400, "multipart field"),
    (lambda c: c.post("/api/qrcodes/import", b"name,destination\nA\x00,https://a.example/\n",
                      content_type="text/csv"), 400, "NUL"),
    (lambda c: c.post("/api/qrcodes/import", "name,destination\nCaf\xe9,https://a.example/\n".encode("latin-1"),
                      content_type="text/csv"), 400, "not UTF-8"),
    (lambda c: c.post("/api/qrcodes/import", b"", content_type="text/csv"), 400, "empty"),
    (lambda c: c.post("/api/qrcodes/import", upload(b"x" * (imports.MAX_FILE_BYTES + 10)), format="multipart"),
     413, "at most"),
    (lambda c: c.post("/api/qrcodes/import", b"x" * (imports.MAX_FILE_BYTES + 10), content_type="text/csv"),
     413, "at most"),
    (lambda c: c.post("/api/qrcodes/import", {"file": "name,destination"}, format="json"), 415, ""),
])
def test_api_bad_bodies_are_refused_clearly(api_a, org_a, send, status, words):
    r = send(api_a)
    assert r.status_code == status, r.content
    assert set(r.json()) >= {"error", "detail"} and words in str(r.json()["detail"])
    assert codes(org_a) == 0 and not BulkImport.all_orgs.filter(organization=org_a).exists()


def test_api_header_with_extra_column_is_refused(api_a, org_a):
    r = api_a.post("/api/qrcodes/import", b"name,destination,colour\nA,https://a.example/,red\n",
                   content_type="text/csv")
    assert r.status_code == 400
    assert r.json()["detail"] == [{"row": 1, "column": "colour", "message":
                                   "Column C “colour” is not one of name, destination, location, campaign: "
                                   "remove the column or rename it."}]


def test_api_viewer_is_refused(org_a, viewer_a):
    r = api_client_for(viewer_a).post("/api/qrcodes/import", csv_bytes(1), content_type="text/csv")
    assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    assert codes(org_a) == 0


def test_api_another_organizations_import_is_404_like_a_missing_one(api_a, org_b, admin_b):
    with bind_organization(org_b):
        theirs = imports.bulk_import_start(organization=org_b, actor=admin_b, file_name="b.csv", data=csv_bytes(1))
    for import_id in (theirs.pk, uuid.uuid4(), "not-a-uuid", "%E2%80%AE"):
        r = api_a.get(f"/api/qrcodes/import/{import_id}")
        assert r.status_code == 404 and r.json()["error"] == "not_found", import_id


def test_api_large_file_is_queued_with_202(org_b, admin_b, django_capture_on_commit_callbacks):
    api = api_client_for(admin_b)  # medium plan: 100 codes, so 220 rows fail when run
    with mock.patch.object(bulk_import_run_task, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/qrcodes/import", csv_bytes(220), content_type="text/csv")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert r["Location"] == f"/api/qrcodes/import/{r.json()['id']}"
    delay.assert_called_once()
    assert bulk_import_run_task(*delay.call_args.args) == "failed"
    polled = api.get(r["Location"]).json()
    assert polled["status"] == "failed" and "allows 100 active QR codes" in polled["errors"][0]["message"]


def test_api_schema_documents_the_import():
    from tests.conftest import api_schema_document

    paths = api_schema_document()["paths"]
    post = paths["/api/qrcodes/import"]["post"]
    assert post["tags"] == ["qrcodes"]
    assert {"multipart/form-data", "text/csv"} <= set(post["requestBody"]["content"])
    assert {"201", "202", "413"} <= set(post["responses"])
    assert paths["/api/qrcodes/import/{import_id}"]["get"]["tags"] == ["qrcodes"]


# --- pages ------------------------------------------------------------------------------------

def test_import_page_and_the_list_button_are_for_writers(admin_a, viewer_a):
    assert 'data-testid="import-qr"' in login(admin_a).get("/qrcodes").content.decode()
    page = login(admin_a).get("/qrcodes/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    assert 'data-testid="import-qr"' not in login(viewer_a).get("/qrcodes").content.decode()
    assert login(viewer_a).get("/qrcodes/import").status_code == 403
    assert login(viewer_a).post("/qrcodes/import", upload(csv_bytes(1))).status_code == 403


def test_upload_through_the_page_shows_the_result(admin_a, org_a):
    c = login(admin_a)
    r = c.post("/qrcodes/import", upload(csv_bytes(3)))
    imported = BulkImport.all_orgs.get(organization=org_a)
    assert r.status_code == 302 and r["Location"] == f"/qrcodes/import/{imported.pk}"
    html = c.get(r["Location"]).content.decode()
    assert "3 codes created" in html and codes(org_a) == 3


def test_bad_rows_through_the_page_are_listed_and_nothing_is_created(admin_a, org_a):
    c = login(admin_a)
    r = c.post("/qrcodes/import", upload(csv_bytes(4, bad={1: "B,nope,,", 3: ",https://d.example/,,"})), follow=True)
    html = r.content.decode()
    assert "Nothing was created" in html and html.count('data-testid="import-error"') == 2
    assert "Enter a full http:// or https:// URL" in html and "A name is required." in html
    assert codes(org_a) == 0


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"name,destination\nA\x00,https://a.example/\n", 400, "NUL"),
    ("name\nCaf\xe9\n".encode("latin-1"), 400, "not UTF-8"),
    (b"x" * (imports.MAX_FILE_BYTES + 1), 413, "larger than 1.0 MB"),
])
def test_bad_files_through_the_page_are_form_errors(admin_a, org_a, data, status, words):
    r = login(admin_a).post("/qrcodes/import", upload(data))
    assert r.status_code == status and words in r.content.decode()
    assert not BulkImport.all_orgs.filter(organization=org_a).exists()


def test_no_file_is_a_form_error(admin_a):
    r = login(admin_a).post("/qrcodes/import", {})
    assert r.status_code == 400 and "This field is required." in r.content.decode()


def test_progress_json_and_status_page_of_a_queued_import(org_b, admin_b, admin_a):
    c = login(admin_b)
    with mock.patch.object(bulk_import_run_task, "delay"):
        r = c.post("/qrcodes/import", upload(csv_bytes(220)))
    page = c.get(r["Location"]).content.decode()
    assert "data-progress-url" in page and 'http-equiv="refresh"' in page
    imported = BulkImport.all_orgs.get(organization=org_b)
    BulkImport.all_orgs.filter(pk=imported.pk).update(status="running", processed_rows=75)
    progress = c.get(f"/qrcodes/import/{imported.pk}/progress")
    assert progress.json() == {"status": "running", "total_rows": 220, "processed_rows": 75, "created_count": 0,
                               "errors": []}
    assert progress["Cache-Control"] == "no-store"
    # another organization's Admin: the same 404 as a missing import
    other = login(admin_a)
    for url in (f"/qrcodes/import/{imported.pk}", f"/qrcodes/import/{imported.pk}/progress",
                f"/qrcodes/import/{uuid.uuid4()}", f"/qrcodes/import/{uuid.uuid4()}/progress"):
        assert other.get(url).status_code == 404, url


def test_the_sample_file_imports_as_it_is(admin_a, org_a):
    c = login(admin_a)
    sample = c.get("/qrcodes/import/sample.csv")
    assert sample["Content-Type"].startswith("text/csv") and "attachment" in sample["Content-Disposition"]
    r = c.post("/qrcodes/import", upload(sample.content), follow=True)
    assert "3 codes created" in r.content.decode() and codes(org_a) == 3
