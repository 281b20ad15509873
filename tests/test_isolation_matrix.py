"""The isolation matrix: every URL pattern of the project is classified here (public, auth,
staff, or tenant-owned with the object kinds it names), and a new pattern that is not fails
test_every_url_pattern_is_classified.

For tenant-owned routes, organization A's Admin tries organization B's object ids, with each
method the route supports, wherever an id goes (path, query, body): the answer must be the
one a missing id gets (404 {"error": "not_found"} in the API, the 404 page in HTML, or for
ids in a filter or a body exactly the answer to a random UUID), nothing of B's may show in
it, and nothing may change (B's rows and every organization's counters compared before and
after). Then, for every role, each write of the table: allowed roles succeed, the others
get 403 and nothing changes (Viewers write nothing, Editors do not manage the team).

Each app keeps its own finer tables (e.g. tenants/tests/test_team_permissions.py); this is
the one generated check across all of them, API and HTML.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from campaigns.models import Campaign
from conftest import api_client_for
from qrcodes.models import DestinationVersion, QRCode, ScanEvent
from studio.models import ArtworkVersion, BrandKit, BulkImport, QRDesign
from studio.tests.conftest import logo_png_bytes
from tenants.models import ActivityLog, Organization, User
from tenants.tests.factories import OrganizationFactory, UserFactory
from tenants.tokens import tokens_for
from tests.conftest import TenantWorld, row_snapshot, world_build
from uploads.models import UploadedFile
from uploads.tests.samples import pdf_bytes

pytestmark = pytest.mark.django_db

PUBLIC, AUTH, STAFF, TENANT = "public", "auth", "staff", "tenant"
A, E, V = "Admin", "Editor", "Viewer"
WRITERS, ADMINS = frozenset({A, E}), frozenset({A})
B_TAG = "zebra"  # every name and email of organization B contains it: it must never show to A

# Which object kind a path parameter names.
PARAM_KINDS = {"qr_code_id": "qr_code", "campaign_id": "campaign", "upload_id": "upload", "user_id": "user",
               "request_id": "plan_request", "kit_id": "brand_kit", "import_id": "bulk_import"}
MEMBERS = frozenset({"Admin", "Editor", "Viewer"})  # print files: any member may download (a version is stored)


@dataclass(frozen=True)
class Probe:
    """One request of A that names one of B's objects."""

    method: str
    kind: str  # the kind of B's object used
    where: str = "path"  # path | query | body
    param: str = ""  # the query or body field that carries the id
    body: str = ""  # a body template (BODIES) the id goes into
    expect: int = 404  # the answer to B's id, which must also be the answer to a random id
    path: dict = dc_field(default_factory=dict)  # other path parameters: {"action": "pause"}


@dataclass(frozen=True)
class Write:
    """A write of organization A's own data, with who may do it."""

    method: str
    body: str = ""
    allowed: frozenset = WRITERS
    ok: int = 200  # the status of a successful write
    path: dict = dc_field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    access: str
    probes: tuple[Probe, ...] = ()
    writes: tuple[Write, ...] = ()
    lists: tuple[str, ...] = ()  # GET queries to read as A and search for B's data ("" = none)


def GET(kind: str, **kw: Any) -> Probe:  # noqa: N802
    return Probe("get", kind, **kw)


def _query(kind: str, name: str, expect: int = 404, **kw: Any) -> Probe:
    return Probe("get", kind, where="query", param=name, expect=expect, **kw)


ANALYTICS = (_query("qr_code", "qr_code_id"), _query("campaign", "campaign_id"))

ROUTES: dict[str, Route] = {
    # --- API ------------------------------------------------------------------------------
    "api/auth/register": Route(PUBLIC),
    "api/auth/login": Route(PUBLIC),
    "api/auth/refresh": Route(PUBLIC),
    "api/auth/logout": Route(AUTH),
    "api/schema/": Route(PUBLIC),
    "api/docs/": Route(PUBLIC),
    "api/qrcodes/scan/<str:qr_code_id>": Route(PUBLIC),  # anyone may scan any live code
    "api/admin/customers": Route(STAFF),
    "api/admin/scans/global": Route(STAFF),
    "api/team": Route(TENANT, lists=("",), writes=(Write("post", "invite", ADMINS, 201),)),
    "api/team/<str:user_id>": Route(TENANT, probes=(Probe("patch", "user", body="role"),),
                                    writes=(Write("patch", "role", ADMINS, path={"user_id": "user"}),)),
    "api/activity/track": Route(TENANT, probes=(
        Probe("post", "qr_code", where="body", param="entity_id", body="track"),)),
    "api/activity/recent": Route(TENANT, lists=("", "?limit=100")),
    "api/qrcodes": Route(
        TENANT, lists=("",),
        probes=(_query("campaign", "campaign_id", expect=200),
                Probe("post", "campaign", where="body", param="campaign_id", body="qr", expect=400),
                Probe("post", "upload", where="body", param="linked_content_id", body="qr", expect=400)),
        writes=(Write("post", "qr", ok=201),),
    ),
    "api/qrcodes/performance": Route(TENANT, lists=("",)),
    "api/qrcodes/<str:qr_code_id>": Route(
        TENANT,
        probes=(GET("qr_code"), Probe("patch", "qr_code", body="rename"), Probe("delete", "qr_code")),
        writes=(Write("patch", "rename", path={"qr_code_id": "qr_code"}),
                Write("delete", ok=204, path={"qr_code_id": "qr_code"})),
    ),
    "api/qrcodes/<str:qr_code_id>/image": Route(TENANT, probes=(GET("qr_code"),)),
    # --- the studio (issue 14) ---
    "api/qrcodes/<str:qr_code_id>/design": Route(
        TENANT, probes=(GET("qr_code"), Probe("put", "qr_code", body="design"), Probe("patch", "qr_code", body="design")),
        writes=(Write("put", "design", path={"qr_code_id": "qr_code"}),
                Write("patch", "design", path={"qr_code_id": "qr_code"}))),
    "api/qrcodes/<str:qr_code_id>/design/check": Route(TENANT, probes=(Probe("post", "qr_code", body="empty_object"),)),
    "api/qrcodes/<str:qr_code_id>/design/preview": Route(TENANT, probes=(GET("qr_code"),)),
    "api/qrcodes/<str:qr_code_id>/artwork": Route(
        TENANT, probes=(GET("qr_code"), Probe("post", "qr_code", body="artwork")),
        writes=(Write("post", "artwork", MEMBERS, 201, path={"qr_code_id": "qr_code"}),)),
    "api/qrcodes/<str:qr_code_id>/artwork/<int:number>": Route(TENANT, probes=(GET("qr_code", path={"number": "1"}),)),
    "api/brand-kits": Route(TENANT, lists=("",), writes=(Write("post", "kit", ok=201),)),
    "api/brand-kits/<str:kit_id>": Route(
        TENANT, probes=(GET("brand_kit"), Probe("patch", "brand_kit", body="rename"), Probe("delete", "brand_kit")),
        writes=(Write("patch", "rename", path={"kit_id": "brand_kit"}),
                Write("delete", ok=204, path={"kit_id": "brand_kit"}))),
    "api/brand-kits/<str:kit_id>/apply": Route(TENANT, probes=(
        Probe("post", "brand_kit", body="attach"), Probe("post", "qr_code", where="body", param="qr_code_ids[]"))),
    "api/qrcodes/import": Route(TENANT, writes=(Write("post", "csv_import", ok=201),)),
    "api/qrcodes/artwork/zip": Route(TENANT, probes=(
        Probe("post", "qr_code", where="body", param="qr_code_ids[]", body="svg_output"),)),
    "api/qrcodes/artwork/sheet": Route(TENANT, probes=(
        Probe("post", "qr_code", where="body", param="qr_code_ids[]", body="empty_object"),)),
    "api/qrcodes/import/<str:import_id>": Route(TENANT, probes=(GET("bulk_import"),)),
    # --- smart destinations (issue 15) ---
    "api/qrcodes/<str:qr_code_id>/rules": Route(
        TENANT, probes=(GET("qr_code"), Probe("put", "qr_code", body="rules")),
        writes=(Write("put", "rules", path={"qr_code_id": "qr_code"}),)),
    "api/qrcodes/<str:qr_code_id>/rules/test": Route(TENANT, probes=(Probe("post", "qr_code", body="rules_try"),)),
    "api/qrcodes/<str:qr_code_id>/versions": Route(TENANT, probes=(GET("qr_code"),)),
    "api/qrcodes/<str:qr_code_id>/versions/<int:number>": Route(
        TENANT, probes=(Probe("delete", "qr_code", path={"number": "1"}),)),
    "api/qrcodes/<str:qr_code_id>/versions/<int:number>/rollback": Route(
        TENANT, probes=(Probe("post", "qr_code", path={"number": "1"}),),
        writes=(Write("post", ok=201, path={"qr_code_id": "qr_code", "number": "1"}),)),
    "api/campaigns": Route(TENANT, lists=("", "?status=active"), writes=(Write("post", "campaign", ok=201),)),
    "api/campaigns/stats": Route(TENANT, lists=("",)),
    "api/campaigns/<str:campaign_id>/qr-codes": Route(
        TENANT, probes=(Probe("post", "campaign", body="attach"), Probe("delete", "campaign", body="attach"))),
    "api/campaigns/<str:campaign_id>": Route(
        TENANT,
        probes=(GET("campaign"), Probe("patch", "campaign", body="rename"), Probe("delete", "campaign")),
        writes=(Write("patch", "rename", path={"campaign_id": "campaign"}),
                Write("delete", ok=204, path={"campaign_id": "campaign"})),
    ),
    "api/uploads": Route(
        TENANT, lists=("",),
        probes=(_query("campaign", "campaign_id", expect=200),
                Probe("post", "campaign", where="body", param="campaign_id", body="upload", expect=400)),
        writes=(Write("post", "upload", ok=201),),
    ),
    "api/uploads/usage": Route(TENANT, lists=("",)),
    "api/uploads/<uuid:upload_id>": Route(
        TENANT, probes=(GET("upload"), Probe("delete", "upload")),
        writes=(Write("delete", ok=204, path={"upload_id": "upload"}),),
    ),
    "api/uploads/<uuid:upload_id>/download": Route(TENANT, probes=(GET("upload"),)),
    "api/analytics/stats": Route(TENANT, lists=("",)),
    "api/analytics/scans": Route(TENANT, lists=("",), probes=ANALYTICS),
    "api/analytics/breakdown": Route(TENANT, lists=("?by=country",), probes=tuple(
        Probe("get", p.kind, where="query", param=p.param, body="by_country") for p in ANALYTICS)),
    "api/analytics/top-qr-codes": Route(TENANT, lists=("",), probes=ANALYTICS),
    "api/analytics/campaigns": Route(TENANT, lists=("",), probes=ANALYTICS),
    "api/analytics/export/scans.csv": Route(TENANT, lists=("",), probes=ANALYTICS),
    "api/analytics/export/aggregates.csv": Route(TENANT, lists=("",), probes=ANALYTICS),
    # --- HTML -----------------------------------------------------------------------------
    "healthz": Route(PUBLIC),
    "": Route(PUBLIC),
    "register": Route(PUBLIC),
    "login": Route(PUBLIC),
    "logout": Route(AUTH),
    "password-reset": Route(PUBLIC),
    "password-reset/sent": Route(PUBLIC),
    "password-reset/<uidb64>/<token>": Route(PUBLIC),
    "password-reset/done": Route(PUBLIC),
    "password-change": Route(AUTH),
    "password-change/done": Route(AUTH),
    "team/invite/<uidb64>/<token>": Route(PUBLIC),  # the emailed token is the credential
    "s/<str:short_code>": Route(PUBLIC),
    "c/<str:short_code>": Route(PUBLIC),
    "l/<str:share_code>": Route(PUBLIC),  # a campaign's share link
    "c/<str:short_code>/file": Route(PUBLIC),
    "c/<str:short_code>/download": Route(PUBLIC),
    "team": Route(TENANT, lists=("",), writes=(Write("post", "invite_form", ADMINS, 302),)),
    "team/<str:user_id>/update": Route(TENANT, probes=(Probe("post", "user", body="role"),),
                                       writes=(Write("post", "role", ADMINS, 302, path={"user_id": "user"}),)),
    "activity": Route(TENANT, lists=("",)),
    "plan": Route(TENANT, lists=("",)),
    "plan/request": Route(TENANT, writes=(Write("post", "plan_change", ADMINS, 302),)),
    "plan/request/<str:request_id>/cancel": Route(TENANT, probes=(Probe("post", "plan_request"),)),
    "settings": Route(TENANT, writes=(Write("post", "timezone_form", ADMINS, 302),)),
    "qrcodes": Route(TENANT, lists=("", "?status=active", "?sort=scans&q=a", "?page=9999"),
                     probes=(_query("campaign", "campaign", expect=400),)),
    "qrcodes/new": Route(
        TENANT, probes=(Probe("post", "campaign", where="body", param="campaign_id", body="qr_form", expect=400),),
        writes=(Write("post", "qr_form", ok=302),),
    ),
    "qrcodes/<uuid:qr_code_id>": Route(TENANT, probes=(GET("qr_code"),)),
    "qrcodes/<uuid:qr_code_id>/analytics": Route(TENANT, probes=(GET("qr_code"),)),
    "qrcodes/<uuid:qr_code_id>/edit": Route(
        TENANT, probes=(GET("qr_code"), Probe("post", "qr_code", body="qr_form")),
        writes=(Write("post", "qr_form", ok=302, path={"qr_code_id": "qr_code"}),),
    ),
    "qrcodes/<uuid:qr_code_id>/<str:action>": Route(
        TENANT,
        probes=tuple(Probe("post", "qr_code", path={"action": a}) for a in ("pause", "archive", "activate", "delete")),
        writes=tuple(Write("post", ok=302, path={"qr_code_id": "qr_code", "action": a})
                     for a in ("pause", "archive", "delete")),
    ),
    "qrcodes/<uuid:qr_code_id>/studio": Route(
        TENANT, probes=(GET("qr_code"), Probe("post", "qr_code", body="design_form")),
        writes=(Write("post", "design_form", ok=302, path={"qr_code_id": "qr_code"}),)),
    "qrcodes/<uuid:qr_code_id>/studio/preview.svg": Route(TENANT, probes=(GET("qr_code"),)),
    "qrcodes/<uuid:qr_code_id>/studio/logo": Route(
        TENANT, probes=(Probe("post", "qr_code", body="logo_file"),),
        writes=(Write("post", "logo_file", ok=302, path={"qr_code_id": "qr_code"}),)),
    "qrcodes/<uuid:qr_code_id>/studio/check": Route(TENANT, probes=(GET("qr_code"),)),
    "qrcodes/<uuid:qr_code_id>/studio/download": Route(
        TENANT, probes=(Probe("post", "qr_code", body="artwork_form"),),
        writes=(Write("post", "artwork_form", MEMBERS, path={"qr_code_id": "qr_code"}),)),
    "qrcodes/<uuid:qr_code_id>/artwork/<int:number>": Route(TENANT, probes=(GET("qr_code", path={"number": "1"}),)),
    "qrcodes/<uuid:qr_code_id>/rules": Route(
        TENANT, probes=(GET("qr_code"), Probe("post", "qr_code", body="rules_form")),
        writes=(Write("post", "rules_form", ok=302, path={"qr_code_id": "qr_code"}),)),
    "qrcodes/<uuid:qr_code_id>/rules/test": Route(TENANT, probes=(Probe("post", "qr_code", body="rules_try_form"),)),
    "qrcodes/<uuid:qr_code_id>/rules/versions/<int:number>/rollback": Route(
        TENANT, probes=(Probe("post", "qr_code", path={"number": "1"}),),
        writes=(Write("post", ok=302, path={"qr_code_id": "qr_code", "number": "1"}),)),
    "qrcodes/<uuid:qr_code_id>/rules/versions/<int:number>/cancel": Route(
        TENANT, probes=(Probe("post", "qr_code", path={"number": "1"}),)),
    "brand-kits": Route(TENANT, lists=("",)),
    "brand-kits/new": Route(TENANT, writes=(Write("post", "kit_form", ok=302),)),
    "brand-kits/preview.svg": Route(TENANT, lists=("", "?fg=%23112233")),
    "brand-kits/<uuid:kit_id>": Route(
        TENANT, probes=(GET("brand_kit"), Probe("post", "brand_kit", body="kit_form")),
        writes=(Write("post", "kit_form", ok=302, path={"kit_id": "brand_kit"}),)),
    "brand-kits/<uuid:kit_id>/preview.svg": Route(TENANT, probes=(GET("brand_kit"),)),
    "brand-kits/<uuid:kit_id>/delete": Route(
        TENANT, probes=(Probe("post", "brand_kit"),), writes=(Write("post", ok=302, path={"kit_id": "brand_kit"}),)),
    "brand-kits/<uuid:kit_id>/apply": Route(TENANT, probes=(
        Probe("post", "brand_kit"), Probe("post", "qr_code", where="body", param="qr_code_id"))),
    "qrcodes/import": Route(TENANT, writes=(Write("post", "csv_import", ok=302),)),
    "qrcodes/print": Route(TENANT, lists=("",), probes=(_query("campaign", "campaign"),)),
    "qrcodes/print/zip": Route(TENANT, probes=(
        Probe("post", "qr_code", where="body", param="qr", body="svg_output", expect=400),)),
    "qrcodes/print/sheet": Route(TENANT, probes=(Probe("post", "qr_code", where="body", param="qr", expect=400),)),
    "qrcodes/import/sample.csv": Route(TENANT, lists=("",)),
    "qrcodes/import/<uuid:import_id>": Route(TENANT, probes=(GET("bulk_import"),)),
    "qrcodes/import/<uuid:import_id>/progress": Route(TENANT, probes=(GET("bulk_import"),)),
    "campaigns": Route(TENANT, lists=("",)),
    "campaigns/new": Route(TENANT, writes=(Write("post", "campaign_form", ok=302),)),
    "campaigns/<str:campaign_id>": Route(TENANT, probes=(GET("campaign"),)),
    "campaigns/<str:campaign_id>/edit": Route(
        TENANT, probes=(GET("campaign"), Probe("post", "campaign", body="campaign_form")),
        writes=(Write("post", "campaign_form", ok=302, path={"campaign_id": "campaign"}),),
    ),
    "campaigns/<str:campaign_id>/delete": Route(
        TENANT, probes=(Probe("post", "campaign"),),
        writes=(Write("post", ok=302, path={"campaign_id": "campaign"}),),
    ),
    "campaigns/<str:campaign_id>/qr-codes": Route(TENANT, probes=(Probe("post", "campaign", body="attach"),)),
    "uploads": Route(
        TENANT, lists=("",),
        probes=(Probe("post", "campaign", where="body", param="campaign_id", body="upload", expect=400),),
        writes=(Write("post", "upload", ok=302),),
    ),
    "uploads/<str:upload_id>/download": Route(TENANT, probes=(GET("upload"),)),
    "uploads/<str:upload_id>/delete": Route(
        TENANT, probes=(Probe("post", "upload"),), writes=(Write("post", ok=302, path={"upload_id": "upload"}),),
    ),
    "dashboard": Route(TENANT, lists=("",), probes=ANALYTICS),
    "dashboard/choices": Route(TENANT, lists=("?kind=qr_code", "?kind=campaign", f"?kind=qr_code&q={B_TAG}",
                                              f"?kind=campaign&q={B_TAG}")),
    "dashboard/export/scans.csv": Route(TENANT, lists=("",), probes=ANALYTICS),
    "dashboard/export/aggregates.csv": Route(TENANT, lists=("",), probes=ANALYTICS),
}
# The Django admin is the OI staff console (its own login and staff permissions).
STAFF_PREFIXES = ("admin/",)

BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "role": lambda: {"role": "Editor"},
    "rename": lambda: {"name": "Renamed by A"},
    "qr": lambda: {"name": "A new code", "qr_url": "https://a.example/new"},
    "qr_form": lambda: {"name": "A new code", "location": "", "qr_url": "https://a.example/new",
                        "linked_content_id": "", "campaign_id": ""},
    "campaign": lambda: {"name": "A campaign"},
    "campaign_form": lambda: {"name": "A campaign", "description": "", "status": "active",
                              "start_date": "", "end_date": ""},
    "invite": lambda: {"email": "invitee@a.example", "role": "Viewer"},
    "invite_form": lambda: {"email": "invitee@a.example", "full_name": "Invitee", "role": "Viewer"},
    "track": lambda: {"action": "qr_code_download", "entity_type": "qr_code", "metadata": {"format": "png"}},
    "upload": lambda: {"file": SimpleUploadedFile("a-menu.pdf", pdf_bytes(), content_type="application/pdf")},
    "by_country": lambda: {"by": "country"},
    "attach": lambda: {"qr_code_ids": [str(uuid.uuid4())]},
    "plan_change": lambda: {"to_plan": "medium_business"},  # a downgrade the world fits
    "timezone_form": lambda: {"timezone": "Europe/Paris"},
    "design": lambda: {"fg": "#1d2a5b"},
    "empty_object": lambda: {},
    "rules": lambda: {"routing": {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/ios"}]}},
    "rules_try": lambda: {"user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X)"},
    "rules_form": lambda: {"routing": '{"rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/ios"}]}'},
    "rules_try_form": lambda: {"device": "ios"},
    "svg_output": lambda: {"format": "svg", "mm": 40},
    "artwork": lambda: {"format": "svg", "mm": 40},
    "design_form": lambda: {"fg": "#1d2330", "bg": "#ffffff"},
    "artwork_form": lambda: {"format": "pdf", "mm": "50"},
    "kit": lambda: {"name": "A kit", "design": {"fg": "#112233"}},
    "kit_form": lambda: {"name": "A kit", "fg": "#112233", "bg": "#ffffff", "frame": "none"},
    "logo_file": lambda: {"logo_file": SimpleUploadedFile("logo.png", logo_png_bytes(), content_type="image/png")},
    "csv_import": lambda: {"file": SimpleUploadedFile("codes.csv", b"name,destination\nA,https://a.example/\n",
                                                      content_type="text/csv")},
}
MULTIPART_BODIES = {"upload", "csv_import", "logo_file"}


# --- enumerating the project's URL patterns -----------------------------------------------


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def _api_methods(pattern: URLPattern) -> set[str]:
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return set()
    return {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}


def test_every_url_pattern_is_classified():
    routes = dict(url_patterns())
    unclassified = sorted(r for r in routes if r not in ROUTES and not r.startswith(STAFF_PREFIXES))
    assert not unclassified, f"classify these URL patterns in tests/test_isolation_matrix.py ROUTES: {unclassified}"
    assert not sorted(set(ROUTES) - set(routes)), "ROUTES names patterns that no longer exist"
    for route, spec in ROUTES.items():
        if spec.access != TENANT:
            continue
        params = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        assert params <= set(PARAM_KINDS) | {"action", "number"}, (route, params)
        if params & set(PARAM_KINDS):
            # A route that names an object must be probed with B's objects.
            assert any(p.where == "path" for p in spec.probes), f"{route}: no probe with B's object in the path"
        if route.startswith("api/"):
            # Every method of a tenant API view is exercised (probe, write or list read).
            tried = {p.method for p in spec.probes} | {w.method for w in spec.writes} | ({"get"} if spec.lists else set())
            missing = _api_methods(routes[route]) - tried
            assert not missing, f"{route}: methods {sorted(missing)} are in no probe, write or list"


# --- the two organizations ----------------------------------------------------------------


@dataclass
class Matrix:
    a: TenantWorld
    b: TenantWorld
    users: dict[str, User]


@pytest.fixture
def matrix(db) -> Matrix:
    org_a = OrganizationFactory(company_name="Alpha Co", plan_type="enterprise")
    org_b = OrganizationFactory(company_name=f"{B_TAG.title()} Co", plan_type="enterprise")
    users = {role: UserFactory(organization=org_a, role=role, email=f"{role.lower()}@alpha.example")
             for role in (A, E, V)}
    admin_b = UserFactory(organization=org_b, role=A, email=f"admin@{B_TAG}.example", full_name=f"{B_TAG} admin")
    return Matrix(world_build(org_a, users[A], tag="alpha"), world_build(org_b, admin_b, tag=B_TAG), users)


def _path(route: str, ids: dict[str, str], extra: dict[str, str]) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        return extra[name] if name in extra else ids[PARAM_KINDS[name]]

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)


def _client(user: User, api: bool) -> Any:
    if api:
        return api_client_for(user)
    client = Client()
    client.force_login(user)
    return client


def _send(client: Any, method: str, path: str, data: dict | None, *, api: bool, multipart: bool):
    if method == "get":
        return client.get(path, data or {})
    if api:
        return getattr(client, method)(path, data, format="multipart" if multipart else "json")
    if method == "post":
        return client.post(path, data or {})
    return getattr(client, method)(path)


def _b_rows(b: TenantWorld) -> dict[str, Any]:
    return {kind: row_snapshot(obj) for kind, obj in b.objects.items()}


def _state(m: Matrix) -> dict[str, Any]:
    """B's rows, every organization's counters and every tenant table's size."""
    return {
        "b_rows": _b_rows(m.b),
        "a_rows": _b_rows(m.a),
        "orgs": list(Organization.objects.order_by("pk").values(
            "pk", "status", "total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes")),
        "counts": {model.__name__: model.all_orgs.count()
                   for model in (QRCode, Campaign, UploadedFile, ScanEvent, ActivityLog, QRDesign, BrandKit,
                                 ArtworkVersion, BulkImport)},
        "designs": list(QRDesign.all_orgs.order_by("pk").values("pk", "design", "brand_kit_id")),
        "kits": list(BrandKit.all_orgs.order_by("pk").values("pk", "name", "design", "is_default")),
        "routing": list(QRCode.all_orgs.order_by("pk").values("pk", "routing", "qr_url")),
        "versions": DestinationVersion.all_orgs.count(),
        "users": list(User.objects.order_by("pk").values("pk", "role", "status", "organization_id")),
    }


def _shows_nothing_of_b(response, b: TenantWorld, sent: str = "") -> None:
    """Neither B's names nor B's ids appear (except the id A itself sent, which a form may
    echo back in its error message)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace").lower()
    assert B_TAG not in text, "organization B's data shows to A"
    for obj in b.objects.values():
        if str(obj.pk) != sent:
            assert str(obj.pk) not in text, f"B's {type(obj).__name__} id shows to A"


# --- B's ids answer like missing ones, with no side effect --------------------------------


def _probe_cases() -> Iterator[Any]:
    for route, spec in ROUTES.items():
        for probe in spec.probes:
            extra = f" {probe.param}" if probe.param else ""
            action = "".join(f" {k}={v}" for k, v in probe.path.items())
            yield pytest.param(route, probe, id=f"{probe.method.upper()} /{route}{action} [{probe.where}{extra}]")


@pytest.mark.parametrize(("route", "probe"), list(_probe_cases()))
def test_other_organizations_ids_answer_like_missing_ones(matrix, route, probe):
    api = route.startswith("api/")
    client = _client(matrix.users[A], api)
    multipart = probe.body in MULTIPART_BODIES

    def ask(foreign_id: str):
        ids = {kind: matrix.a.id(kind) for kind in matrix.a.objects}  # the path names A's own objects ...
        data = BODIES[probe.body]() if probe.body else None
        if probe.where == "path":
            ids[probe.kind] = foreign_id  # ... except the one being probed
        path = _path(route, ids, probe.path)
        if probe.where == "query":
            data = {**(data or {}), probe.param: foreign_id}
        elif probe.where == "body":  # "name[]": the id goes in a list (JSON arrays of ids)
            key = probe.param.removesuffix("[]")
            data = {**(data or {}), key: [foreign_id] if key != probe.param else foreign_id}
        return _send(client, probe.method, path, data, api=api, multipart=multipart)

    before = _state(matrix)
    foreign = ask(matrix.b.id(probe.kind))
    assert _state(matrix) == before, "a request naming B's object changed data"
    _shows_nothing_of_b(foreign, matrix.b, sent=matrix.b.id(probe.kind))
    missing = ask(str(uuid.uuid4()))
    assert foreign.status_code == probe.expect, (foreign.status_code, foreign.content[:300])
    assert missing.status_code == foreign.status_code
    if api and foreign.get("Content-Type", "").startswith("application/json"):
        assert foreign.json() == missing.json()
        if probe.expect == 404:
            assert foreign.json()["error"] == "not_found"
    if not api and probe.expect == 404:
        assert b"Page not found" in foreign.content


# --- lists and reports show nothing of B ------------------------------------------------


def _list_cases() -> Iterator[Any]:
    for route, spec in ROUTES.items():
        for query in spec.lists:
            yield pytest.param(route, query, id=f"GET /{route}{query}")


@pytest.mark.parametrize(("route", "query"), list(_list_cases()))
def test_lists_and_reports_show_nothing_of_the_other_organization(matrix, route, query):
    response = _client(matrix.users[A], route.startswith("api/")).get(f"/{route}{query}")
    assert response.status_code == 200, response.content[:300]
    _shows_nothing_of_b(response, matrix.b)


# --- every role, every write ----------------------------------------------------------------


def _write_cases() -> Iterator[Any]:
    for route, spec in ROUTES.items():
        for write in spec.writes:
            action = f" {write.path['action']}" if "action" in write.path else ""
            for role in (A, E, V):
                yield pytest.param(route, write, role, id=f"{role} {write.method.upper()} /{route}{action}")


@pytest.mark.parametrize(("route", "write", "role"), list(_write_cases()))
def test_each_role_may_write_only_what_its_role_allows(matrix, route, write, role):
    api = route.startswith("api/")
    ids = {kind: matrix.a.id(kind) for kind in matrix.a.objects}
    path = _path(route, ids, {k: v for k, v in write.path.items() if k not in PARAM_KINDS})
    data = BODIES[write.body]() if write.body else None
    before = _state(matrix)
    r = _send(_client(matrix.users[role], api), write.method, path, data, api=api,
              multipart=write.body in MULTIPART_BODIES)
    if role in write.allowed:
        assert r.status_code == write.ok, (r.status_code, r.content[:300])
        assert _state(matrix) != before, "an allowed write changed nothing"
        return
    assert r.status_code == 403, (r.status_code, r.content[:300])
    if api:
        assert r.json()["error"] == "permission_denied"
    else:
        assert any(words in r.content for words in (b"Not allowed", b"Viewers cannot", b"Only an")), r.content
    assert _state(matrix) == before, "a refused write changed data"


# --- staff routes refuse tenant users --------------------------------------------------------


@pytest.mark.parametrize("route", [r for r, s in ROUTES.items() if s.access == STAFF] + ["admin/"])
def test_staff_routes_refuse_a_tenant_admin(matrix, route):
    api = route.startswith("api/")
    r = _client(matrix.users[A], api).get(f"/{route}")
    if api:
        assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    else:
        assert r.status_code == 302 and "/admin/login/" in r["Location"]


# --- one principal per request: mixed credentials are refused ---------------------------------

# Every spelling of the bearer scheme that some parser might read and another might not.
BEARER_SPELLINGS = {"tab": "Bearer\t{}", "two spaces": "Bearer  {}", "lower case": "bearer {}",
                    "upper case": "BEARER {}", "plain": "Bearer {}"}


def _mixed_cases() -> Iterator[Any]:
    for route, spec in ROUTES.items():
        for write in spec.writes:
            action = f" {write.path['action']}" if "action" in write.path else ""
            for name in BEARER_SPELLINGS:
                yield pytest.param(route, write, name, id=f"{write.method.upper()} /{route}{action} [{name}]")


@pytest.mark.parametrize(("route", "write", "spelling"), list(_mixed_cases()))
def test_a_session_and_another_users_token_are_refused(matrix, route, write, spelling):
    """A's Viewer is logged in (session) and sends B's Admin's token: neither may act (the
    Viewer must not borrow the Admin's role, nor the Admin A's organization). 401, no change."""
    api = route.startswith("api/")
    ids = {kind: matrix.a.id(kind) for kind in matrix.a.objects}
    path = _path(route, ids, {k: v for k, v in write.path.items() if k not in PARAM_KINDS})
    data = BODIES[write.body]() if write.body else None
    client = APIClient() if api else Client()
    client.force_login(matrix.users[V])
    client.defaults["HTTP_AUTHORIZATION"] = BEARER_SPELLINGS[spelling].format(tokens_for(matrix.b.admin)["token"])
    before = _state(matrix)
    r = _send(client, write.method, path, data, api=api, multipart=write.body in MULTIPART_BODIES)
    assert r.status_code == 401, (r.status_code, r.content[:300])
    if api:
        assert r.json()["error"] == "conflicting_credentials"
    assert _state(matrix) == before, "a request with two users' credentials changed data"


@pytest.mark.parametrize("api", [True, False], ids=["api", "html"])
def test_another_organizations_session_with_a_token_is_refused(matrix, api):
    """The HTML reproduction: B's Admin's session plus A's Viewer's (valid) token, then an
    invitation as Admin: refused, nobody is invited anywhere."""
    client = APIClient() if api else Client()
    client.force_login(matrix.b.admin)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens_for(matrix.users[V])['token']}"
    before = _state(matrix)
    path, body = ("/api/team", BODIES["invite"]()) if api else ("/team", BODIES["invite_form"]())
    r = _send(client, "post", path, body, api=api, multipart=False)
    assert r.status_code == 401
    assert _state(matrix) == before


@pytest.mark.parametrize("spelling", list(BEARER_SPELLINGS))
def test_every_spelling_of_the_scheme_authenticates_alone(matrix, spelling):
    """With no session, each spelling is read as the token it carries, by the same code that
    binds the organization: the Viewer stays a Viewer."""
    client = APIClient()
    client.defaults["HTTP_AUTHORIZATION"] = BEARER_SPELLINGS[spelling].format(tokens_for(matrix.users[V])["token"])
    assert client.get("/api/qrcodes").status_code == 200
    r = client.patch(f"/api/team/{matrix.users[V].pk}", {"role": "Admin"}, format="json")
    assert r.status_code == 403
    matrix.users[V].refresh_from_db()
    assert matrix.users[V].role == V


def test_the_same_users_session_and_token_are_one_principal(matrix):
    client = APIClient()
    client.force_login(matrix.users[A])
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer\t{tokens_for(matrix.users[A])['token']}"
    assert client.post("/api/qrcodes", BODIES["qr"](), format="json").status_code == 201
    html = Client()
    html.force_login(matrix.users[A])
    html.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens_for(matrix.users[A])['token']}"
    assert html.get("/dashboard").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not-a-token"])
def test_a_bad_bearer_next_to_a_session_is_refused_not_ignored(matrix, header):
    for client in (APIClient(), Client()):
        client.force_login(matrix.users[A])
        client.defaults["HTTP_AUTHORIZATION"] = header
        assert client.get("/api/qrcodes").status_code == 401
        assert client.get("/dashboard").status_code == 401


def test_public_auth_pages_with_someone_elses_credentials_write_for_the_right_organization(matrix):
    """Signing up or logging in while a token or session of organization A is present writes
    the new (or logging-in) organization's rows, bound to it, never to A (no CrossTenantWrite)."""
    client = APIClient()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens_for(matrix.users[A])['token']}"
    r = client.post("/api/auth/register", {
        "company_name": "New Co", "company_email": "hq@new.example", "full_name": "New Admin",
        "email": "new@new.example", "password": "a-long-Passphrase-2026", "plan_type": "small_business"},
        format="json")
    assert r.status_code == 201, r.content
    new_org = Organization.objects.get(company_name="New Co")
    assert ActivityLog.all_orgs.filter(organization=new_org, action="register").count() == 1
    r = client.post("/api/auth/login", {"email": matrix.b.admin.email, "password": "x"}, format="json")
    assert r.status_code in (401, 429)
    html = Client()
    html.force_login(matrix.users[A])
    r = html.post("/login", {"email": "new@new.example", "password": "a-long-Passphrase-2026"})
    assert r.status_code == 302
    assert ActivityLog.all_orgs.filter(organization=new_org, action="login").count() == 1
