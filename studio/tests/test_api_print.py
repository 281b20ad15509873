"""Print files of many codes through the API (`POST /api/qrcodes/artwork/zip|sheet`) and the
print page (`/qrcodes/print`): any member downloads; bad input is a 400 naming the field,
another organization's id is the same 404 as a missing one, a code that is not print-ready is
a 422 naming it; the page lists only the organization's codes (a campaign's with ?campaign=)."""

from __future__ import annotations

import io
import uuid
import zipfile

import pypdfium2 as pdfium
import pytest
from django.test import Client

from campaigns.models import Campaign
from conftest import api_client_for
from core.scoping import bind_organization
from studio.design import Design
from studio.models import ArtworkVersion, QRDesign
from studio.tests.conftest import qr_create

pytestmark = pytest.mark.django_db
ZIP, SHEET = "/api/qrcodes/artwork/zip", "/api/qrcodes/artwork/sheet"


@pytest.fixture
def codes(studio_org, studio_admin):
    return [qr_create(studio_org, studio_admin, name=f"Table {i}", qr_url=f"https://p.example/{i}") for i in (1, 2, 3)]


def _ids(codes) -> list[str]:
    return [str(q.pk) for q in codes]


def _pages(body: bytes) -> int:
    return len(pdfium.PdfDocument(body))


@pytest.mark.parametrize("role", ["studio_admin", "studio_editor", "studio_viewer"])
def test_every_member_downloads_the_zip_and_the_sheet(request, codes, role):
    api = api_client_for(request.getfixturevalue(role))
    r = api.post(ZIP, {"qr_code_ids": _ids(codes), "format": "png", "mm": 40}, format="json")
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/zip"
    assert r["Content-Disposition"].startswith('attachment; filename="studio-pizza-qr-codes.zip"')
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert [n.rsplit("-", 2)[1] for n in names] == [q.short_code for q in codes]
    r = api.post(SHEET, {"qr_code_ids": _ids(codes), "per_page": 2, "paper": "letter"}, format="json")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert _pages(r.content) == 2


def test_foreign_and_missing_ids_answer_the_same_404(codes, studio_admin, other_org_qr):
    api = api_client_for(studio_admin)
    answers = []
    for url in (ZIP, SHEET):
        for bad in (str(other_org_qr.pk), str(uuid.uuid4()), "nope"):
            r = api.post(url, {"qr_code_ids": [*_ids(codes), bad]}, format="json")
            assert r.status_code == 404
            answers.append(r.json())
    assert all(a == {"error": "not_found", "detail": "One or more QR codes were not found."} for a in answers)
    assert str(other_org_qr.pk) not in str(answers) and "Hotel" not in str(answers)
    assert not ArtworkVersion.all_orgs.exists()


@pytest.mark.parametrize("url,body,field", [
    (ZIP, {"format": "gif"}, "format"),
    (ZIP, {"mm": "abc"}, "mm"),
    (ZIP, {"mm": 1e300}, "mm"),
    (ZIP, {"dpi": 10**30}, "dpi"),
    (ZIP, {"format": "pdf", "size": 300}, "size"),
    (ZIP, {"qr_code_ids": "all"}, "qr_code_ids"),
    (ZIP, {"qr_code_ids": [1, 2]}, "qr_code_ids"),
    (ZIP, {"qr_code_ids": []}, "qr_code_ids"),
    (ZIP, {"qr_code_ids": [str(uuid.uuid4())] * 501}, "qr_code_ids"),
    (SHEET, {"paper": "a3"}, "paper"),
    (SHEET, {"per_page": 7}, "per_page"),
    (SHEET, {"per_page": "6; drop"}, "per_page"),
    (SHEET, {"per_page": 10**40}, "per_page"),
    (SHEET, {"name_under": {"x": 1}}, "name_under"),
    (SHEET, {"qr_code_ids": None}, "qr_code_ids"),
])
def test_bad_input_is_a_400_naming_the_field(codes, studio_admin, url, body, field):
    r = api_client_for(studio_admin).post(url, {"qr_code_ids": _ids(codes), **body}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "validation_error" and field in r.json()["detail"]


@pytest.mark.parametrize("url,body", [(ZIP, {"mm": "5\x00"}), (SHEET, {"paper": "a4\x00"}),
                                      (SHEET, {"qr_code_ids": ["\x00"]})])
def test_nul_bytes_are_a_400(codes, studio_admin, url, body):
    r = api_client_for(studio_admin).post(url, {"qr_code_ids": _ids(codes), **body}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "parse_error"  # core.parsers refuses NUL


@pytest.mark.parametrize("url", [ZIP, SHEET])
def test_a_body_that_is_not_an_object_is_a_400_and_no_login_is_a_401(codes, studio_admin, url):
    r = api_client_for(studio_admin).post(url, [_ids(codes)], format="json")
    assert r.status_code == 400 and r.json()["error"] == "invalid_body"
    assert Client().post(url, {"qr_code_ids": _ids(codes)}, content_type="application/json").status_code == 401


def test_not_print_ready_is_a_422_naming_the_code(studio_org, codes, studio_viewer):
    QRDesign.all_orgs.create(organization=studio_org, qr_code=codes[1], design=Design(fg="#777777", bg="#999999").as_dict())
    api = api_client_for(studio_viewer)
    for url in (ZIP, SHEET):
        r = api.post(url, {"qr_code_ids": _ids(codes)}, format="json")
        assert r.status_code == 422
        body = r.json()
        assert body["error"] == "not_print_ready"
        assert list(body["detail"]) == [f"Table 2 ({codes[1].short_code})"]
        assert "4.5:1" in body["detail"][f"Table 2 ({codes[1].short_code})"]
    assert not ArtworkVersion.all_orgs.exists()


def test_the_schema_documents_both_downloads(client):
    doc = client.get("/api/schema/?format=json").json()
    for url, kind in ((ZIP, "application/zip"), (SHEET, "application/pdf")):
        op = doc["paths"][url]["post"]
        assert op["tags"] == ["qrcodes"]
        assert kind in op["responses"]["200"]["content"]
        assert {"400", "404", "422"} <= set(op["responses"])


# ---- the print page ----------------------------------------------------------------------------

def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_page_lists_only_the_organizations_codes_and_filters_by_campaign(studio_org, studio_viewer, codes,
                                                                        other_org_qr):
    with bind_organization(studio_org):
        spring = Campaign.objects.create(organization=studio_org, name="Spring")
    codes[0].campaign = spring
    codes[0].save(update_fields=["campaign"])
    c = _login(studio_viewer)
    html = c.get("/qrcodes/print").content.decode()
    assert all(q.name in html for q in codes) and "Hotel Lobby" not in html
    assert 'formaction="/qrcodes/print/sheet"' in html
    html = c.get(f"/qrcodes/print?campaign={spring.pk}").content.decode()
    assert "Table 1" in html and "Table 2" not in html
    with bind_organization(other_org_qr.organization):
        theirs = Campaign.objects.create(organization=other_org_qr.organization, name="Theirs")
    assert c.get(f"/qrcodes/print?campaign={theirs.pk}").status_code == 404
    assert c.get("/qrcodes/print?campaign=nope").status_code == 404
    assert c.get("/qrcodes/print?campaign=%00").status_code == 400  # core.request_guard, before the view


def test_page_downloads_and_refusals(studio_org, studio_viewer, codes, other_org_qr):
    c = _login(studio_viewer)
    r = c.post("/qrcodes/print/zip", {"qr": _ids(codes[:2]), "format": "pdf", "mm": "50", "dpi": "300"})
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(r.content)).namelist()) == 2
    r = c.post("/qrcodes/print/sheet", {"qr": _ids(codes), "paper": "a4", "per_page": "1", "name_under": "1"})
    assert r.status_code == 200 and _pages(r.content) == 3
    assert r["Content-Disposition"].endswith('-1-per-a4.pdf"')

    r = c.post("/qrcodes/print/zip", {"format": "pdf"})  # nothing ticked
    assert r.status_code == 400 and "Choose at least one QR code" in r.content.decode()
    r = c.post("/qrcodes/print/sheet", {"qr": _ids(codes[:1]), "per_page": "7"})
    assert r.status_code == 400 and "Codes per page" in r.content.decode()
    r = c.post("/qrcodes/print/zip", {"qr": _ids(codes[:1]), "mm": "99999"})
    assert r.status_code == 400 and "printed width" in r.content.decode()
    assert 'value="' + str(codes[0].pk) + '" data-testid="print-box" checked' in r.content.decode()  # kept ticked
    r = c.post("/qrcodes/print/sheet", {"qr": [*_ids(codes[:1]), str(other_org_qr.pk)]})
    assert r.status_code == 400 and "not found" in r.content.decode()
    QRDesign.all_orgs.create(organization=studio_org, qr_code=codes[2], design=Design(fg="#ff0000", bg="#ff0001").as_dict())
    r = c.post("/qrcodes/print/sheet", {"qr": _ids(codes), "per_page": "6"})
    assert r.status_code == 422
    html = r.content.decode()
    assert "not print-ready" in html and f"Table 3 ({codes[2].short_code})" in html and "Table 1 (" not in html
    assert c.get("/qrcodes/print/zip").status_code == 405
    assert Client().post("/qrcodes/print/zip", {"qr": _ids(codes)}).status_code == 302  # to the login page
