"""The role table for every API endpoint of campaigns, uploads, team and activity:
(endpoint, method, role, own/foreign object) -> expected status. An endpoint added to those
URL modules without a row here fails test_every_endpoint_is_in_the_table."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern

from campaigns import api_urls as campaign_urls
from campaigns.models import Campaign
from conftest import api_client_for
from core.scoping import bind_organization
from qrcodes.services import qr_code_create
from tenants import api_urls as tenant_urls
from tenants.models import User
from tenants.tests.factories import UserFactory
from uploads import api_urls as upload_urls
from uploads.services import upload_create
from uploads.tests.samples import pdf_bytes, pdf_file

pytestmark = pytest.mark.django_db

A, E, V = "Admin", "Editor", "Viewer"


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # {id}: the object of the row's kind
    expect: dict  # role -> status on the caller's own object
    kind: str = ""  # campaign | upload | user: which object {id} names
    body: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


READ_ALL = {A: 200, E: 200, V: 200}
TABLE = [
    Row("api-campaigns", "get", "/api/campaigns", READ_ALL),
    Row("api-campaigns", "post", "/api/campaigns", {A: 201, E: 201, V: 403}, body="campaign"),
    Row("api-campaign-stats", "get", "/api/campaigns/stats", READ_ALL),
    Row("api-campaign-detail", "get", "/api/campaigns/{id}", READ_ALL, "campaign"),
    Row("api-campaign-detail", "patch", "/api/campaigns/{id}", {A: 200, E: 200, V: 403}, "campaign", "campaign"),
    Row("api-campaign-detail", "delete", "/api/campaigns/{id}", {A: 204, E: 204, V: 403}, "campaign"),
    Row("api-campaign-qr-codes", "post", "/api/campaigns/{id}/qr-codes", {A: 200, E: 200, V: 403}, "campaign",
        "attach"),
    Row("api-campaign-qr-codes", "delete", "/api/campaigns/{id}/qr-codes", {A: 200, E: 200, V: 403}, "campaign",
        "attach"),
    Row("api-uploads", "get", "/api/uploads", READ_ALL),
    Row("api-uploads", "post", "/api/uploads", {A: 201, E: 201, V: 403}, body="upload"),
    Row("api-upload-usage", "get", "/api/uploads/usage", READ_ALL),
    Row("api-upload-detail", "get", "/api/uploads/{id}", READ_ALL, "upload"),
    Row("api-upload-detail", "delete", "/api/uploads/{id}", {A: 204, E: 204, V: 403}, "upload"),
    Row("api-upload-download", "get", "/api/uploads/{id}/download", READ_ALL, "upload"),
    Row("api-team", "get", "/api/team", READ_ALL),
    Row("api-team", "post", "/api/team", {A: 201, E: 403, V: 403}, body="invite"),
    Row("api-team-member", "patch", "/api/team/{id}", {A: 200, E: 403, V: 403}, "user", "role"),
    Row("api-activity-recent", "get", "/api/activity/recent", READ_ALL),
    Row("api-activity-track", "post", "/api/activity/track", {A: 201, E: 201, V: 201}, body="track"),
]
OWNED_URL_NAMES = {
    p.name for module in (campaign_urls, upload_urls) for p in module.urlpatterns if isinstance(p, URLPattern)
} | {"api-team", "api-team-member", "api-activity-track", "api-activity-recent"}


def test_every_endpoint_is_in_the_table():
    tenant_names = {p.name for p in tenant_urls.urlpatterns}
    assert {"api-team", "api-team-member", "api-activity-track", "api-activity-recent"} <= tenant_names
    assert OWNED_URL_NAMES == {row.name for row in TABLE}


@pytest.fixture
def world(settings, tmp_path, org_a, org_b, admin_a, editor_a, viewer_a, admin_b):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    org_a.max_contributors = 20
    org_a.save()
    objects = {}
    for org, admin, key in ((org_a, admin_a, "own"), (org_b, admin_b, "foreign")):
        with bind_organization(org):
            objects[key] = {
                "campaign": Campaign.objects.create(organization=org, name=f"{key} campaign"),
                "upload": upload_create(organization=org, actor=admin, file=pdf_file()),
                "user": UserFactory(organization=org, role=V, email=f"target-{key}@example.com"),
                "qr": qr_code_create(organization=org, actor=admin,
                                     data={"name": f"{key} code", "qr_url": "https://example.com/"}),
            }
    users = {A: admin_a, E: editor_a, V: viewer_a}
    return objects, users


def _body(kind: str, objects: dict):
    if kind == "campaign":
        return {"name": "Table campaign"}, "json"
    if kind == "upload":
        return {"file": SimpleUploadedFile("t.pdf", pdf_bytes())}, "multipart"
    if kind == "invite":
        return {"email": "invitee@a.example", "role": "Viewer"}, "json"
    if kind == "attach":  # the caller's own code (already in or out of the campaign: idempotent)
        return {"qr_code_ids": [str(objects["own"]["qr"].pk)]}, "json"
    if kind == "role":
        return {"role": "Editor"}, "json"
    if kind == "track":
        campaign = objects["own"]["campaign"]
        return {"action": "campaign_social_share", "entity_type": "campaign", "entity_id": str(campaign.pk),
                "metadata": {"platform": "x"}}, "json"
    return None, "json"


@pytest.mark.parametrize("row", TABLE, ids=str)
@pytest.mark.parametrize("role", [A, E, V])
def test_role_on_own_objects(world, row, role):
    objects, users = world
    path = row.path.format(id=objects["own"][row.kind].pk) if row.kind else row.path
    data, fmt = _body(row.body, objects)
    r = getattr(api_client_for(users[role]), row.method)(path, data, format=fmt)
    assert r.status_code == row.expect[role], (row, role, r.content[:300])
    if r.status_code == 403:
        assert r.json()["error"] == "permission_denied"


@pytest.mark.parametrize("row", [r for r in TABLE if r.kind], ids=str)
@pytest.mark.parametrize("role", [A, E, V])
def test_foreign_objects_answer_exactly_like_missing_ones(world, row, role):
    """404 for everyone allowed to try; a role that may not write at all gets the same 403 for
    any id, so neither answer tells whether another organization's object exists."""
    objects, users = world
    foreign = objects["foreign"][row.kind]
    client = api_client_for(users[role])
    answers = []
    for ident in (foreign.pk, "00000000-0000-0000-0000-000000000000"):
        data, fmt = _body(row.body, objects)
        r = getattr(client, row.method)(row.path.format(id=ident), data, format=fmt)
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1], (row, role)
    assert answers[0][0] == (404 if row.expect[role] != 403 else 403), (row, role)
    foreign.refresh_from_db()  # still there
    if row.kind == "user":
        assert User.objects.get(pk=foreign.pk).role == V


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_anonymous_is_401(client, world, row):
    from rest_framework.test import APIClient

    objects, _ = world
    path = row.path.format(id=objects["own"][row.kind].pk) if row.kind else row.path
    assert getattr(APIClient(), row.method)(path).status_code == 401
