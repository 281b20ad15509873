"""The QR code API: shapes, validation, limits, images, and a permission table covering every
endpoint x method x role x own/foreign object (a new endpoint missing from it fails)."""

from __future__ import annotations

import io
import struct
import uuid

import pytest
from django.urls import URLPattern
from rest_framework.test import APIClient

from conftest import api_client_for
from qrcodes import api_urls
from qrcodes.counting import scan_batch_process
from qrcodes.models import QRCode
from qrcodes.tests.conftest import make_qr
from tenants.models import ActivityLog

SEED_KEYS = {"id", "name", "location", "qr_url", "short_url", "total_scans", "last_scanned_at", "created_at", "status"}


def test_create_answers_the_seed_shape(api_a, org_a, settings):
    r = api_a.post("/api/qrcodes", {
        "name": "Front Door Menu", "location": "Main Entrance - Downtown Location", "qr_url": "https://pizzapalace.com/menu",
    }, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert SEED_KEYS <= set(body) and {"campaign_id", "linked_content_id"} <= set(body)
    assert body["total_scans"] == 0 and body["status"] == "active" and body["last_scanned_at"] is None
    assert body["short_url"] == f"{settings.SITE_URL}/s/{body['short_code']}"
    assert QRCode.all_orgs.get(pk=body["id"]).organization == org_a


@pytest.mark.parametrize("payload, field", [
    ({"name": "x", "qr_url": "javascript:alert(1)"}, "qr_url"),
    ({"name": "x", "qr_url": "data:text/html;base64,PHNjcmlwdD4="}, "qr_url"),
    ({"name": "x", "qr_url": "/menu"}, "qr_url"),
    ({"name": "x", "qr_url": "https://a.example/" + "x" * 2100}, "qr_url"),
    ({"name": "x", "qr_url": "https://"}, "qr_url"),
    ({"name": "x"}, "qr_url"),
    ({"qr_url": "https://a.example"}, "name"),
    ({"name": "x", "qr_url": "https://a.example", "campaign_id": "nope"}, "campaign_id"),
])
def test_bad_input_is_a_400_with_the_field(api_a, payload, field):
    r = api_a.post("/api/qrcodes", payload, format="json")
    assert r.status_code == 400
    assert r.json()["error"] == "validation_error" and field in r.json()["detail"]
    assert not QRCode.all_orgs.exists()


def test_non_object_body_is_a_400(api_a):
    assert api_a.post("/api/qrcodes", ["x"], format="json").status_code == 400
    assert api_a.post("/api/qrcodes", "{bad json", content_type="application/json").status_code == 400


def test_plan_limit_is_a_403_with_a_clear_message(api_a, org_a):
    for i in range(5):
        assert api_a.post("/api/qrcodes", {"name": f"c{i}", "qr_url": "https://a.example"}, format="json").status_code == 201
    r = api_a.post("/api/qrcodes", {"name": "c6", "qr_url": "https://a.example"}, format="json")
    assert r.status_code == 403
    assert r.json()["error"] == "plan_limit_exceeded" and "5 active QR codes" in r.json()["detail"]


def test_list_is_paginated_filtered_and_scoped(api_a, org_a, admin_a, qr_b):
    codes = [make_qr(org_a, admin_a, name=f"c{i}") for i in range(3)]
    r = api_a.get("/api/qrcodes?page_size=2")
    body = r.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert SEED_KEYS <= set(body["results"][0])
    ids = {x["id"] for x in body["results"]} | {x["id"] for x in api_a.get(body["next"]).json()["results"]}
    assert ids == {str(c.pk) for c in codes}  # org B's code never appears
    api_a.patch(f"/api/qrcodes/{codes[0].pk}", {"status": "paused"}, format="json")
    assert [x["id"] for x in api_a.get("/api/qrcodes?status=paused").json()["results"]] == [str(codes[0].pk)]
    assert api_a.get("/api/qrcodes?status=bogus").status_code == 400


def test_get_patch_delete(api_a, qr_a, org_a):
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}").json()["name"] == "Front Door Menu"
    r = api_a.patch(f"/api/qrcodes/{qr_a.pk}", {"name": "Back Door", "qr_url": "https://pizzapalace.com/v2"}, format="json")
    assert r.status_code == 200 and (r.json()["name"], r.json()["qr_url"]) == ("Back Door", "https://pizzapalace.com/v2")
    assert api_a.patch(f"/api/qrcodes/{qr_a.pk}", {"qr_url": "javascript:x"}, format="json").status_code == 400
    assert api_a.delete(f"/api/qrcodes/{qr_a.pk}").status_code == 204
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}").status_code == 404
    assert list(ActivityLog.all_orgs.filter(organization=org_a).values_list("action", flat=True).order_by("id")) == [
        "create_qr_code", "update_qr_code", "delete_qr_code"
    ]


def test_performance_is_the_seed_query(api_a, org_a, admin_a):
    low, high, paused = (make_qr(org_a, admin_a, name=n) for n in ("low", "high", "paused"))
    QRCode.all_orgs.filter(pk=high.pk).update(total_scans=87)
    QRCode.all_orgs.filter(pk=low.pk).update(total_scans=3)
    api_a.patch(f"/api/qrcodes/{paused.pk}", {"status": "paused"}, format="json")
    r = api_a.get("/api/qrcodes/performance")
    assert r.status_code == 200
    assert [(x["name"], x["total_scans"]) for x in r.json()] == [("high", 87), ("low", 3)]
    assert set(r.json()[0]) == {"id", "name", "location", "total_scans", "last_scanned_at", "created_at"}
    assert api_a.get("/api/qrcodes/performance?limit=0").status_code == 400


def test_counts_show_up_in_the_api_after_processing(api_a, qr_a):
    APIClient().get(f"/s/{qr_a.short_code}", HTTP_USER_AGENT="Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)")
    scan_batch_process()
    body = api_a.get(f"/api/qrcodes/{qr_a.pk}").json()
    assert body["total_scans"] == 1 and body["last_scanned_at"]


# -- images ---------------------------------------------------------------------------------

def _png_width(data: bytes) -> int:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", data[16:20])[0]


def test_png_and_svg_images(api_a, qr_a):
    r = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format=png&size=300&ecc=H")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    small = _png_width(r.content)
    big = _png_width(api_a.get(f"/api/qrcodes/{qr_a.pk}/image?size=1200").content)
    assert 150 <= small <= 300 and 900 <= big <= 1200
    r = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format=svg&fg=1d2330&bg=transparent")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    assert b"<svg" in r.content and b"#1d2330" in r.content
    r = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format=svg&download=1")
    assert r["Content-Disposition"] == f'attachment; filename="front-door-menu-{qr_a.short_code}.svg"'


def test_image_encodes_the_public_short_url(api_a, qr_a, settings):
    import segno

    expected = segno.make(f"{settings.SITE_URL}/s/{qr_a.short_code}", error="M", micro=False, boost_error=False)
    out = io.BytesIO()
    expected.save(out, kind="svg", scale=64 / expected.symbol_size(scale=1, border=4)[0], border=4, xmldecl=False,
                  dark="#000000", light="#ffffff")
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format=svg&size=64").content == out.getvalue()


@pytest.mark.parametrize("query, field", [
    ("format=gif", "format"), ("size=10", "size"), ("size=5000", "size"), ("size=big", "size"),
    ("ecc=X", "ecc"), ("fg=red", "fg"), ("fg=%23zzzzzz", "fg"), ("bg=12345", "bg"), ("fg=000&bg=000000", "bg"),
])
def test_bad_image_parameters_are_400(api_a, qr_a, query, field):
    r = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?{query}")
    assert r.status_code == 400
    assert field in r.json()["detail"]


# -- permissions and tenancy ------------------------------------------------------------------

OWN, FOREIGN = "own", "foreign"
ENDPOINTS = {
    "api-qrcodes": [("get", None, {"Admin": 200, "Editor": 200, "Viewer": 200}),
                    ("post", None, {"Admin": 201, "Editor": 201, "Viewer": 403})],
    "api-qrcodes-performance": [("get", None, {"Admin": 200, "Editor": 200, "Viewer": 200})],
    "api-qrcode": [("get", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200}),
                   ("patch", OWN, {"Admin": 200, "Editor": 200, "Viewer": 403}),
                   ("delete", OWN, {"Admin": 204, "Editor": 204, "Viewer": 403}),
                   ("get", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 404}),
                   ("patch", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 403}),
                   ("delete", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 403})],
    "api-qrcode-image": [("get", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200}),
                         ("get", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 404})],
    # Smart destinations (issue 15): members read and try rules; writers change them.
    "api-qrcode-rules": [("get", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200}),
                         ("get", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 404}),
                         ("put", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 403})],
    "api-qrcode-rules-test": [("post", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 404})],
    "api-qrcode-versions": [("get", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200}),
                            ("get", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 404})],
    "api-qrcode-version": [("delete", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 403})],
    "api-qrcode-version-rollback": [("post", FOREIGN, {"Admin": 404, "Editor": 404, "Viewer": 403})],
    # Public by design: anyone (no login) may scan an active code by id.
    "api-qrcodes-scan": [("get", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200, None: 200}),
                         ("post", OWN, {"Admin": 200, "Editor": 200, "Viewer": 200, None: 200})],
}
TABLE = [(name, method, target, role, status)
         for name, rows in ENDPOINTS.items() for method, target, roles in rows for role, status in roles.items()]


def test_every_endpoint_is_in_the_permission_table():
    names = {p.name for p in api_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(ENDPOINTS)


@pytest.mark.parametrize("name, method, target, role, expected", TABLE)
def test_permission_table(name, method, target, role, expected, org_a, admin_a, editor_a, viewer_a, qr_b):
    from django.urls import reverse

    user = {"Admin": admin_a, "Editor": editor_a, "Viewer": viewer_a, None: None}[role]
    client = api_client_for(user) if user else APIClient()
    own = make_qr(org_a, admin_a)
    kwargs = {}
    if target is not None:
        kwargs["qr_code_id"] = (own if target == OWN else qr_b).pk
    if name.startswith("api-qrcode-version-") or name == "api-qrcode-version":
        kwargs["number"] = 1
    body = {"name": "x", "qr_url": "https://a.example"} if method in ("post", "patch") else None
    if method == "put":
        body = {"routing": {}}
    r = getattr(client, method)(reverse(name, kwargs=kwargs), body, format="json")
    assert r.status_code == expected, r.content
    if expected == 404:
        assert r.json()["error"] == "not_found"
    qr_b.refresh_from_db()
    assert qr_b.name == "Hotel Lobby"


@pytest.mark.parametrize("path", [
    "/api/qrcodes/{id}", "/api/qrcodes/{id}/image",
])
@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1"])
def test_malformed_and_missing_ids_are_404_not_500(api_a, path, bad):
    for method in ("get", "patch", "delete"):
        if method != "get" and path.endswith("image"):
            continue
        r = getattr(api_a, method)(path.format(id=bad), {}, format="json")
        assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_foreign_404_is_identical_to_missing_404(api_a, qr_b):
    foreign = api_a.get(f"/api/qrcodes/{qr_b.pk}")
    missing = api_a.get(f"/api/qrcodes/{uuid.uuid4()}")
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_anonymous_is_401(qr_a):
    for path in ("/api/qrcodes", "/api/qrcodes/performance", f"/api/qrcodes/{qr_a.pk}", f"/api/qrcodes/{qr_a.pk}/image"):
        r = APIClient().get(path)
        assert r.status_code == 401
        assert r.json()["error"] == "not_authenticated"


def test_a_code_that_opens_a_file_answers_an_empty_qr_url_which_the_schema_allows(api_a, org_a, admin_a):
    """Found by the API fuzz test: qr_url is "" for a code linked to an upload, and the schema
    said `format: uri`."""
    import jsonschema

    from core.scoping import bind_organization
    from tests.conftest import api_schema_document
    from uploads.services import upload_create
    from uploads.tests.samples import pdf_file

    with bind_organization(org_a):
        upload = upload_create(organization=org_a, actor=admin_a, file=pdf_file())
    r = api_a.post("/api/qrcodes", {"name": "Menu file", "linked_content_id": str(upload.pk)}, format="json")
    assert r.status_code == 201 and r.json()["qr_url"] == ""
    schema = api_schema_document()["components"]["schemas"]["QRCode"]["properties"]["qr_url"]
    assert schema["anyOf"] == [{"format": "uri"}, {"maxLength": 0}]
    for value in ("", "https://a.example/menu"):
        jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())
