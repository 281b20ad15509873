"""The design/artwork API of one code: shapes, PUT vs PATCH, who may call what, foreign and
missing ids, hostile bodies, the print checks, and frozen numbered print files."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from conftest import api_client_for
from studio.design import DEFAULT
from studio.models import ArtworkVersion, BrandKit, QRDesign
from tenants.models import ActivityLog
from tests.conftest import api_schema_document

pytestmark = pytest.mark.django_db
DESIGN_KEYS = set(DEFAULT.as_dict())
VERSION_KEYS = {"number", "format", "output", "checks", "byte_size", "sha256", "created_at", "created_by",
                "download_url"}


@pytest.fixture
def api(studio_admin, other_org_qr):
    """The studio organization's Admin; the other organization exists with its code."""
    return api_client_for(studio_admin)


def _url(qr, tail: str = "") -> str:
    return f"/api/qrcodes/{qr.pk}/{tail}"


def _json(client, method: str, url: str, body) -> object:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(url, raw, content_type="application/json")


def _versions(org) -> list[ArtworkVersion]:
    return list(ArtworkVersion.all_orgs.filter(organization=org).order_by("number"))


# ---- design: read, replace, merge -----------------------------------------------------------

def test_a_code_without_a_design_answers_the_default(api, studio_qr):
    r = api.get(_url(studio_qr, "design"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"design", "brand_kit_id", "updated_at"}
    assert body["design"] == DEFAULT.as_dict() and body["brand_kit_id"] is None and body["updated_at"] is None


def test_put_replaces_and_patch_merges(api, studio_org, studio_qr):
    r = _json(api, "put", _url(studio_qr, "design"),
              {"fg": "#1D2A5B", "module_style": "dots", "frame": "below", "frame_text": "Scan  for the\nmenu"})
    assert r.status_code == 200, r.content
    design = r.json()["design"]
    assert set(design) == DESIGN_KEYS
    assert (design["fg"], design["module_style"], design["frame"]) == ("#1d2a5b", "dots", "below")
    assert design["frame_text"] == "Scan for the menu" and r.json()["updated_at"]
    r = _json(api, "patch", _url(studio_qr, "design"), {"finder_style": "rounded", "bg": "transparent"})
    design = r.json()["design"]
    assert (design["fg"], design["module_style"], design["finder_style"], design["bg"]) == \
        ("#1d2a5b", "dots", "rounded", None)
    r = _json(api, "put", _url(studio_qr, "design"), {"finder_style": "dots"})
    assert r.json()["design"] == {**DEFAULT.as_dict(), "finder_style": "dots"}  # PUT: the rest is the default
    assert api.get(_url(studio_qr, "design")).json()["design"]["finder_style"] == "dots"
    assert ActivityLog.all_orgs.filter(organization=studio_org, action="design_qr_code").count() == 3


def test_an_editor_may_design(studio_editor, studio_qr):
    r = _json(api_client_for(studio_editor), "patch", _url(studio_qr, "design"), {"fg": "#003300"})
    assert r.status_code == 200 and r.json()["design"]["fg"] == "#003300"


def test_a_viewer_reads_checks_and_prints_but_does_not_design(studio_viewer, studio_qr):
    viewer = api_client_for(studio_viewer)
    for method in ("put", "patch"):
        r = _json(viewer, method, _url(studio_qr, "design"), {"fg": "#003300"})
        assert r.status_code == 403 and r.json()["error"] == "permission_denied", r.content
    assert not QRDesign.all_orgs.filter(qr_code=studio_qr).exists()
    assert viewer.get(_url(studio_qr, "design")).status_code == 200
    assert _json(viewer, "post", _url(studio_qr, "design/check"), {}).json()["print_ready"] is True
    r = _json(viewer, "post", _url(studio_qr, "artwork"), {"format": "svg", "mm": 40})
    assert r.status_code == 201, r.content
    assert viewer.get(_url(studio_qr, "artwork")).json()[0]["created_by"] == studio_viewer.full_name
    assert viewer.get(_url(studio_qr, "artwork/1")).status_code == 200
    assert viewer.get(_url(studio_qr, "design/preview")).status_code == 200


ROUTES = [("get", "design", None), ("put", "design", {"fg": "#111111"}), ("patch", "design", {"fg": "#111111"}),
          ("post", "design/check", {}), ("get", "design/preview", None), ("get", "artwork", None),
          ("post", "artwork", {"format": "png", "size": 512}), ("get", "artwork/1", None)]


@pytest.mark.parametrize(("method", "tail", "body"), ROUTES)
def test_another_organizations_code_looks_missing(api, other_org, other_org_qr, method, tail, body):
    other_api = api_client_for(other_org_qr.created_by_user)
    assert _json(other_api, "post", _url(other_org_qr, "artwork"), {"format": "png", "size": 512}).status_code == 201
    before = (list(QRDesign.all_orgs.values_list("pk", "design")), len(_versions(other_org)))
    answers = []
    for target in (f"/api/qrcodes/{other_org_qr.pk}/{tail}", f"/api/qrcodes/{uuid.uuid4()}/{tail}",
                   f"/api/qrcodes/not-a-uuid/{tail}"):
        r = api.get(target) if body is None else _json(api, method, target, body)
        answers.append((r.status_code, r.json()))
        assert "Hotel" not in r.content.decode()
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 404 and answers[0][1]["error"] == "not_found"
    assert (list(QRDesign.all_orgs.values_list("pk", "design")), len(_versions(other_org))) == before


# ---- hostile and wrong input ------------------------------------------------------------------

BAD_DESIGNS = [
    ("[1, 2]", "invalid_body"),
    ("not json", "parse_error"),
    ("[" * 5000 + "]" * 5000, "parse_error"),
    ('{"frame_text": "Scan\\u0000me"}', "parse_error"),  # the JSON parser refuses NUL anywhere
    ('{"fg": "#000\\u0000000"}', "parse_error"),
    ({"quiet_zone": 10**30}, "validation_error"),
    ({"quiet_zone": 1e308}, "validation_error"),
    ('{"quiet_zone": 1e400}', "validation_error"),  # valid JSON, parsed as infinity
    ('{"logo_size": -1e400}', "validation_error"),
    ({"quiet_zone": "9" * 5000}, "validation_error"),
    ({"logo_size": 99999999999999999999999999}, "validation_error"),
    ({"quiet_zone": "four"}, "validation_error"),
    ({"quiet_zone": 3}, "validation_error"),
    ({"quiet_zone": True}, "validation_error"),
    ({"fg": 0}, "validation_error"),
    ({"fg": ["#000000"]}, "validation_error"),
    ({"module_style": {"a": 1}}, "validation_error"),
    ({"ecc": 7}, "validation_error"),
    ({"logo": 12}, "validation_error"),
    ({"frame_text": ["a"]}, "validation_error"),
    ({"frame_text": "x" * 41}, "validation_error"),
    ({"colour": "#000000"}, "validation_error"),
    ({"design": {"fg": "#000000"}}, "validation_error"),
]


@pytest.mark.parametrize(("body", "error"), BAD_DESIGNS)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_bad_design_bodies_are_400_and_change_nothing(api, studio_qr, method, body, error):
    r = _json(api, method, _url(studio_qr, "design"), body)
    assert r.status_code == 400, r.content
    assert r.json()["error"] == error and r.json()["detail"]
    assert not QRDesign.all_orgs.filter(qr_code=studio_qr).exists()


def test_unknown_fields_are_named(api, studio_qr):
    r = _json(api, "put", _url(studio_qr, "design"), {"colour": "#000000", "fg": "#000000"})
    assert r.json()["detail"] == {"design": "Unknown field(s): colour."}
    r = _json(api, "post", _url(studio_qr, "artwork"), {"format": "png", "widht": 5})
    assert r.status_code == 400 and r.json()["detail"] == {"body": "Unknown field(s): widht."}
    r = _json(api, "post", _url(studio_qr, "design/check"), {"output": {"fromat": "png"}})
    assert r.status_code == 400 and r.json()["detail"] == {"output": "Unknown field(s): fromat."}


BAD_OUTPUTS = [
    {"format": "gif"}, {"format": 5}, {"format": "png\x00"}, {"size": 10**30}, {"size": "big"}, {"size": 63},
    {"size": 512.5}, {"mm": "NaN"}, {"mm": 10**400}, {"mm": 5}, {"dpi": 10**20},
    {"format": "pdf", "size": 512}, {"size": 512, "mm": 50}, {"format": "png", "mm": 1000, "dpi": 1200},
    '{"mm": 1e400}', '{"size": 1e400}', '{"distance_m": -1e400}', {"distance_m": True}, {"distance_m": 0}, {"brand_kit_id": 7}, {"brand_kit_id": "x\x00"},
]


@pytest.mark.parametrize("body", BAD_OUTPUTS)
def test_bad_print_requests_are_400_and_store_nothing(api, studio_org, studio_qr, body):
    r = _json(api, "post", _url(studio_qr, "artwork"), body)
    assert r.status_code == 400, r.content
    assert r.json()["error"] in ("validation_error", "parse_error") and r.json()["detail"]
    assert _versions(studio_org) == []


@pytest.mark.parametrize("body", [[], "x", {"design": [1]}, {"output": "png"}, {"design": {"fg": "red"}},
                                  {"output": {"size": -1}}, {"extra": 1}])
def test_bad_check_bodies_are_400(api, studio_qr, body):
    r = _json(api, "post", _url(studio_qr, "design/check"), body)
    assert r.status_code == 400, r.content


def test_a_logo_of_another_organization_is_refused(api, studio_qr, other_org_logo, logo_upload):
    r = _json(api, "patch", _url(studio_qr, "design"), {"logo": str(other_org_logo.pk)})
    assert r.status_code == 400 and r.json()["detail"] == {"logo": "Choose one of your uploaded images."}
    r = _json(api, "post", _url(studio_qr, "design/check"), {"design": {"logo": str(other_org_logo.pk)}})
    assert r.status_code == 400 and r.json()["detail"] == {"logo": "Choose one of your uploaded images."}
    r = _json(api, "patch", _url(studio_qr, "design"), {"logo": str(logo_upload.pk)})
    assert r.status_code == 200 and r.json()["design"]["logo"] == str(logo_upload.pk)


# ---- print checks -------------------------------------------------------------------------------

def test_check_reports_every_check_without_saving(api, studio_qr, logo_upload):
    r = _json(api, "post", _url(studio_qr, "design/check"),
              {"design": {"logo": str(logo_upload.pk), "frame": "below", "frame_text": "Scan me"},
               "output": {"format": "pdf", "mm": 60}})
    assert r.status_code == 200, r.content
    report = r.json()
    assert report["print_ready"] is True
    assert {c["code"] for c in report["checks"]} == {"contrast", "logo", "text", "size", "decode"}
    assert not QRDesign.all_orgs.filter(qr_code=studio_qr).exists()


def test_check_names_what_fails(api, studio_qr):
    low = _json(api, "post", _url(studio_qr, "design/check"), {"design": {"fg": "#ff0000", "bg": "#ff0001"}}).json()
    assert low["print_ready"] is False
    failing = {c["code"]: c["detail"] for c in low["checks"] if not c["ok"]}
    assert "4.5:1" in failing["contrast"] and "decode" in failing
    far = _json(api, "post", _url(studio_qr, "design/check"), {"output": {"mm": 50, "distance_m": 3}}).json()
    size = next(c for c in far["checks"] if c["code"] == "size")
    assert size["ok"] is False and "30 cm" in size["detail"]


# ---- print files ------------------------------------------------------------------------------

def test_a_failing_design_is_422_and_stores_nothing(api, studio_org, studio_qr, studio_storage):
    _json(api, "put", _url(studio_qr, "design"), {"fg": "#ff0000", "bg": "#ff0001"})
    r = _json(api, "post", _url(studio_qr, "artwork"), {"format": "pdf", "mm": 50})
    assert r.status_code == 422, r.content
    assert r.json()["error"] == "not_print_ready"
    assert "4.5:1" in r.json()["detail"]["contrast"] and "decode" in r.json()["detail"]
    assert _versions(studio_org) == []
    assert not (studio_storage / "artwork").exists()
    assert not ActivityLog.all_orgs.filter(organization=studio_org, action="create_artwork").exists()


def test_versions_are_numbered_and_an_identical_file_is_not_stored_twice(api, studio_org, studio_qr):
    first = _json(api, "post", _url(studio_qr, "artwork"), {"format": "png", "size": 512, "dpi": 300})
    assert first.status_code == 201, first.content
    v1 = first.json()
    assert set(v1) == VERSION_KEYS and v1["number"] == 1 and v1["format"] == "png"
    assert v1["output"] == {"format": "png", "width_mm": None, "width_px": 512, "dpi": 300, "crop_marks": False,
                            "distance_m": None}
    assert v1["checks"]["print_ready"] is True and v1["download_url"] == f"/api/qrcodes/{studio_qr.pk}/artwork/1"
    second = _json(api, "post", _url(studio_qr, "artwork"), {"format": "pdf", "mm": 40, "crop_marks": True})
    assert second.status_code == 201 and second.json()["number"] == 2
    again = _json(api, "post", _url(studio_qr, "artwork"), {"format": "png", "size": 512})
    assert again.status_code == 200 and again.json()["number"] == 1 and again.json()["sha256"] == v1["sha256"]
    listed = api.get(_url(studio_qr, "artwork")).json()
    assert [v["number"] for v in listed] == [2, 1]
    assert [v["number"] for v in api.get(_url(studio_qr, "artwork") + "?limit=1").json()] == [2]
    assert api.get(_url(studio_qr, "artwork") + "?limit=0").status_code == 400
    assert len(_versions(studio_org)) == 2
    assert ActivityLog.all_orgs.filter(organization=studio_org, action="create_artwork").count() == 2


def test_a_reprint_is_byte_identical_after_the_design_changed(api, studio_qr):
    v1 = _json(api, "post", _url(studio_qr, "artwork"), {"format": "png", "size": 400}).json()
    first = api.get(_url(studio_qr, "artwork/1"))
    assert first.status_code == 200
    assert first["Content-Type"] == "image/png" and first["X-Content-Type-Options"] == "nosniff"
    assert first["Content-Disposition"] == f'attachment; filename="front-door-menu-{studio_qr.short_code}-v1.png"'
    assert hashlib.sha256(first.content).hexdigest() == v1["sha256"] and len(first.content) == v1["byte_size"]
    _json(api, "patch", _url(studio_qr, "design"), {"fg": "#1d2a5b", "module_style": "rounded"})
    reprint = api.get(_url(studio_qr, "artwork/1"))
    assert reprint.content == first.content
    v2 = _json(api, "post", _url(studio_qr, "artwork"), {"format": "png", "size": 400}).json()
    assert v2["number"] == 2 and v2["sha256"] != v1["sha256"]


@pytest.mark.parametrize(("fmt", "content_type", "magic"), [
    ("svg", "image/svg+xml", b"<svg"), ("pdf", "application/pdf", b"%PDF"), ("eps", "application/postscript", b"%!PS"),
])
def test_each_format_downloads_with_its_type(api, studio_qr, fmt, content_type, magic):
    assert _json(api, "post", _url(studio_qr, "artwork"), {"format": fmt, "mm": 45}).status_code == 201
    r = api.get(_url(studio_qr, "artwork/1"), HTTP_ACCEPT=content_type)
    assert r.status_code == 200 and r["Content-Type"] == content_type and r.content.startswith(magic)
    assert r["Content-Disposition"].endswith(f'-v1.{fmt}"')


@pytest.mark.parametrize("number", ["2", "0", "99999999999999999999"])
def test_missing_versions_are_404(api, studio_qr, number):
    _json(api, "post", _url(studio_qr, "artwork"), {"format": "svg"})
    r = api.get(_url(studio_qr, f"artwork/{number}"))
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_printing_with_a_brand_kit_leaves_the_code_alone(api, studio_org, studio_qr, other_org):
    kit = BrandKit.all_orgs.create(organization=studio_org, name="Navy", design={**DEFAULT.as_dict(), "fg": "#1d2a5b"})
    foreign = BrandKit.all_orgs.create(organization=other_org, name="Zebra", design=DEFAULT.as_dict())
    r = _json(api, "post", _url(studio_qr, "artwork"), {"format": "svg", "brand_kit_id": str(kit.pk)})
    assert r.status_code == 201, r.content
    assert ArtworkVersion.all_orgs.get(qr_code=studio_qr).design["fg"] == "#1d2a5b"
    assert b'fill="#1d2a5b"' in api.get(_url(studio_qr, "artwork/1")).content
    assert api.get(_url(studio_qr, "design")).json()["design"]["fg"] == "#000000"
    for missing in (str(foreign.pk), str(uuid.uuid4())):
        r = _json(api, "post", _url(studio_qr, "artwork"), {"format": "svg", "brand_kit_id": missing})
        assert r.status_code == 400 and r.json()["detail"] == {"brand_kit_id": "Choose one of your brand kits."}


def test_preview_is_the_saved_design_as_svg(api, studio_qr, logo_upload):
    _json(api, "put", _url(studio_qr, "design"), {"fg": "#7a1f1f", "logo": str(logo_upload.pk)})
    r = api.get(_url(studio_qr, "design/preview"), HTTP_ACCEPT="image/svg+xml")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    assert r.content.startswith(b"<svg") and b'fill="#7a1f1f"' in r.content and b"data:image/png;base64," in r.content


def test_preview_of_a_design_whose_logo_was_deleted_is_400(api, studio_qr, logo_upload):
    _json(api, "put", _url(studio_qr, "design"), {"logo": str(logo_upload.pk)})
    logo_upload.delete()
    r = api.get(_url(studio_qr, "design/preview"))
    assert r.status_code == 400 and r.json()["detail"] == {"logo": "Choose one of your uploaded images."}


# ---- the schema ------------------------------------------------------------------------------

def test_the_schema_documents_every_studio_route():
    document = api_schema_document()
    expected = {
        "/api/qrcodes/{qr_code_id}/design": {"get", "put", "patch"},
        "/api/qrcodes/{qr_code_id}/design/check": {"post"},
        "/api/qrcodes/{qr_code_id}/design/preview": {"get"},
        "/api/qrcodes/{qr_code_id}/artwork": {"get", "post"},
        "/api/qrcodes/{qr_code_id}/artwork/{number}": {"get"},
    }
    for path, methods in expected.items():
        assert path in document["paths"], path
        ops = document["paths"][path]
        assert methods <= set(ops), (path, set(ops))
        for method in methods:
            assert ops[method]["tags"] == ["studio"], (path, method)
    post = document["paths"]["/api/qrcodes/{qr_code_id}/artwork"]["post"]
    assert {"200", "201", "422"} <= set(post["responses"])
    files = document["paths"]["/api/qrcodes/{qr_code_id}/artwork/{number}"]["get"]["responses"]["200"]["content"]
    assert set(files) == {"image/png", "image/svg+xml", "application/pdf", "application/postscript"}
