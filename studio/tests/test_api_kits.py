"""The brand kit API: shapes, create/patch/delete/apply, who may call what (a table that fails
when a new kit endpoint is missing from it), foreign and missing ids, hostile bodies."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import get_resolver

from conftest import api_client_for
from studio.api import kits as kits_api
from studio.design import DEFAULT
from studio.models import BrandKit, QRDesign
from studio.tests.conftest import qr_create
from tenants.models import ActivityLog
from tests.conftest import api_schema_document

pytestmark = pytest.mark.django_db
KIT_KEYS = {"id", "name", "is_default", "design", "logo_missing", "created_at", "updated_at"}
PIZZA = {"fg": "#b3261e", "bg": "#fff8e7", "frame": "below", "frame_text": "Scan for the menu"}


def _json(client, method: str, url: str, body=None):
    if body is None:
        return getattr(client, method)(url)
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(url, raw, content_type="application/json")


@pytest.fixture
def api(studio_admin, other_org_qr):
    return api_client_for(studio_admin)


@pytest.fixture
def kit(api) -> dict:
    r = _json(api, "post", "/api/brand-kits", {"name": "Pizza red", "design": PIZZA})
    assert r.status_code == 201, r.content
    return r.json()


def test_create_answers_the_kit_shape(api, kit, studio_org):
    assert set(kit) == KIT_KEYS and kit["name"] == "Pizza red" and kit["is_default"] is False
    assert kit["design"] == {**DEFAULT.as_dict(), **PIZZA} and kit["logo_missing"] is False
    assert kit["created_at"].endswith("Z")
    row = BrandKit.all_orgs.get(pk=kit["id"])
    assert row.organization_id == studio_org.pk
    assert _json(api, "get", f"/api/brand-kits/{kit['id']}").json() == kit


def test_list_pages_the_default_first(api, kit):
    _json(api, "post", "/api/brand-kits", {"name": "Azure", "is_default": True})
    body = _json(api, "get", "/api/brand-kits").json()
    assert body["count"] == 2 and [k["name"] for k in body["results"]] == ["Azure", "Pizza red"]
    assert [k["is_default"] for k in body["results"]] == [True, False]
    assert _json(api, "get", "/api/brand-kits?page=9").status_code == 404


def test_patch_changes_what_it_names_and_moves_the_default(api, kit):
    other = _json(api, "post", "/api/brand-kits", {"name": "Azure", "is_default": True}).json()
    r = _json(api, "patch", f"/api/brand-kits/{kit['id']}", {"design": {"fg": "#112233"}, "is_default": True})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["design"]["fg"] == "#112233" and body["design"]["frame_text"] == "Scan for the menu"
    assert body["is_default"] is True and _json(api, "get", f"/api/brand-kits/{other['id']}").json()["is_default"] is False
    r = _json(api, "patch", f"/api/brand-kits/{kit['id']}", {"name": "azure"})
    assert r.status_code == 400 and r.json() == {"error": "validation_error",
                                                 "detail": {"name": "Your organization already has a brand kit "
                                                                    "with this name."}}


def test_apply_and_delete(api, kit, studio_org, studio_admin):
    codes = [qr_create(studio_org, studio_admin, name=f"Table {i}") for i in range(3)]
    ids = [str(c.pk) for c in codes]
    r = _json(api, "post", f"/api/brand-kits/{kit['id']}/apply", {"qr_code_ids": ids})
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 3 and sorted(r.json()["qr_code_ids"]) == sorted(ids)
    assert r.json()["brand_kit_id"] == kit["id"]
    rows = QRDesign.all_orgs.filter(qr_code_id__in=ids)
    assert rows.count() == 3 and all(row.design["fg"] == PIZZA["fg"] and str(row.brand_kit_id) == kit["id"]
                                     for row in rows)
    assert _json(api, "delete", f"/api/brand-kits/{kit['id']}").status_code == 204
    assert _json(api, "get", f"/api/brand-kits/{kit['id']}").status_code == 404
    assert QRDesign.all_orgs.filter(qr_code_id__in=ids, design__fg=PIZZA["fg"]).count() == 3
    assert list(ActivityLog.all_orgs.filter(organization=studio_org, action__contains="brand_kit").order_by("id")
                .values_list("action", flat=True)) == ["create_brand_kit", "apply_brand_kit", "delete_brand_kit"]


@pytest.mark.parametrize("body", [
    [1, 2], "text", 42, {"name": None}, {"name": ""}, {"name": "x" * 81}, {"name": ["a"]},
    {"name": "Ok", "design": "red"}, {"name": "Ok", "design": {"fg": 12}}, {"name": "Ok", "design": {"quiet_zone": 1e308}},
    {"name": "Ok", "design": {"logo_size": 10**40}}, {"name": "Ok", "design": {"quiet_zone": True}},
    {"name": "Ok", "is_default": "yes"}, {"name": "Ok", "extra": 1}, {"name": "Ok", "design": {"frame_text": "a\u0000b"}},
    {"name": "Ok", "design": {"logo": "../../etc/passwd"}}, {"name": "Ok", "design": {"unknown": 1}},
])
def test_bad_bodies_are_400_with_the_error_body(api, body):
    r = _json(api, "post", "/api/brand-kits", body)
    assert r.status_code == 400, (body, r.content)
    assert set(r.json()) == {"error", "detail"}
    assert not BrandKit.all_orgs.exists()


def test_nul_bytes_in_raw_json_are_refused(api):
    r = _json(api, "post", "/api/brand-kits", b'{"name": "Pizza\\u0000red"}')
    assert r.status_code == 400 and r.json()["error"]
    r = _json(api, "post", "/api/brand-kits", '{"name": "Pizza\x00red"}')
    assert r.status_code == 400 and r.json()["error"]
    assert not BrandKit.all_orgs.exists()


@pytest.mark.parametrize("ids", [[], "x", None, [str(uuid.uuid4())] * 501])
def test_apply_refuses_bad_lists(api, kit, ids):
    r = _json(api, "post", f"/api/brand-kits/{kit['id']}/apply", {"qr_code_ids": ids})
    assert r.status_code == 400 and r.json()["error"] == "validation_error"


def test_foreign_and_missing_ids_answer_404_and_change_nothing(api, kit, studio_org, studio_admin, other_org,
                                                               other_admin, other_org_qr):
    mine = qr_create(studio_org, studio_admin, name="Mine")
    theirs = _json(api_client_for(other_admin), "post", "/api/brand-kits", {"name": "Theirs"}).json()
    for ident in (theirs["id"], str(uuid.uuid4()), "not-a-uuid", "9" * 300):
        for method, body in (("get", None), ("patch", {"name": "Hijack"}), ("delete", None)):
            r = _json(api, method, f"/api/brand-kits/{ident}", body)
            assert r.status_code == 404 and r.json()["error"] == "not_found", (ident, method)
        r = _json(api, "post", f"/api/brand-kits/{ident}/apply", {"qr_code_ids": [str(mine.pk)]})
        assert r.status_code == 404 and r.json()["error"] == "not_found", ident
    r = _json(api, "get", "/api/brand-kits/%00")  # a NUL stops at the door, as the error body
    assert r.status_code == 400 and set(r.json()) == {"error", "detail"}
    for bad in (str(other_org_qr.pk), str(uuid.uuid4()), "nope", 5):
        r = _json(api, "post", f"/api/brand-kits/{kit['id']}/apply", {"qr_code_ids": [str(mine.pk), bad]})
        assert r.status_code == 404 and r.json()["error"] == "not_found", bad
    assert not QRDesign.all_orgs.exists()
    assert BrandKit.all_orgs.get(pk=theirs["id"]).name == "Theirs"


# (path template, method, body) of every kit endpoint; the role table below covers each.
ENDPOINTS = [
    ("/api/brand-kits", "get", None),
    ("/api/brand-kits", "post", {"name": "New one"}),
    ("/api/brand-kits/{kit}", "get", None),
    ("/api/brand-kits/{kit}", "patch", {"name": "Renamed"}),
    ("/api/brand-kits/{kit}/apply", "post", {"qr_code_ids": ["{qr}"]}),
    ("/api/brand-kits/{kit}", "delete", None),
]
EXPECTED = {"Admin": [200, 201, 200, 200, 200, 204], "Editor": [200, 201, 200, 200, 200, 204],
            "Viewer": [200, 403, 200, 403, 403, 403]}


def test_every_kit_endpoint_is_in_the_role_table():
    routes = {(str(p.pattern), m) for p in kits_api.urlpatterns
              for m in ("get", "post", "patch", "delete") if hasattr(p.callback.view_class, m)}
    tabled = {(path.replace("/api/", "").replace("{kit}", "<str:kit_id>"), method) for path, method, _ in ENDPOINTS}
    assert routes == tabled
    assert get_resolver().resolve("/api/brand-kits/x/apply").url_name == "api-brand-kit-apply"


@pytest.mark.parametrize("role", ["Admin", "Editor", "Viewer"])
def test_roles(role, studio_admin, studio_editor, studio_viewer, studio_org):
    user = {"Admin": studio_admin, "Editor": studio_editor, "Viewer": studio_viewer}[role]
    client = api_client_for(user)
    kit = _json(api_client_for(studio_admin), "post", "/api/brand-kits", {"name": "Pizza red"}).json()
    qr = qr_create(studio_org, studio_admin)
    got = []
    for path, method, body in ENDPOINTS:
        if body is not None:
            body = json.loads(json.dumps(body).replace("{qr}", str(qr.pk)))
        r = _json(client, method, path.format(kit=kit["id"]), body)
        got.append(r.status_code)
        if r.status_code == 403:
            assert r.json()["error"] == "permission_denied"
    assert got == EXPECTED[role]
    assert BrandKit.all_orgs.filter(pk=kit["id"]).exists() == (role == "Viewer")


def test_schema_documents_the_kit_endpoints():
    doc = api_schema_document()
    paths = doc["paths"]
    assert set(paths["/api/brand-kits"]) >= {"get", "post"}
    assert set(paths["/api/brand-kits/{kit_id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/api/brand-kits/{kit_id}/apply"]
    for item in (paths["/api/brand-kits"], paths["/api/brand-kits/{kit_id}"], paths["/api/brand-kits/{kit_id}/apply"]):
        for method, op in item.items():
            if method in ("get", "post", "patch", "delete"):
                assert op["tags"] == ["brand-kits"], method
    kit_schema = doc["components"]["schemas"]["BrandKit"]
    assert set(kit_schema["properties"]) == KIT_KEYS
