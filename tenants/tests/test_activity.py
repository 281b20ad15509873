import pytest
from django.utils import timezone

from campaigns.models import Campaign
from qrcodes.models import QRCode
from tenants.models import ActivityLog
from tenants.services import activity_record
from uploads.models import UploadedFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign_a(org_a):
    return Campaign.all_orgs.create(organization=org_a, name="Valentine's Day Special")


def _share(client, entity_id, overrides=None, **request_extra):
    body = {
        "action": "campaign_social_share",
        "entity_type": "campaign",
        "entity_id": str(entity_id),
        "metadata": {"platform": "facebook", "campaign_name": "Valentine's Day Special"},
        **(overrides or {}),
    }
    return client.post("/api/activity/track", body, format="json", **request_extra)


def test_track_seed_share_event(api_a, admin_a, campaign_a):
    r = _share(api_a, campaign_a.pk, REMOTE_ADDR="203.0.113.45")
    assert r.status_code == 201, r.content
    row = ActivityLog.all_orgs.get()
    assert (row.organization_id, row.user, row.action, row.entity_type, row.entity_id) == (
        admin_a.organization_id, admin_a, "campaign_social_share", "campaign", str(campaign_a.pk))
    assert row.metadata == {"platform": "facebook", "campaign_name": "Valentine's Day Special"}
    assert row.ip_address == "203.0.113.45"
    assert r.json()["user_name"] == admin_a.full_name


def test_viewers_may_track_shares(viewer_a, campaign_a):
    from conftest import api_client_for

    assert _share(api_client_for(viewer_a), campaign_a.pk).status_code == 201


def test_other_entity_types(api_a, org_a):
    qr = QRCode.all_orgs.create(organization=org_a, name="Door", short_code="door1")
    up = UploadedFile.all_orgs.create(organization=org_a, file_name="m.pdf", file_type="pdf", file_size_bytes=1,
                                      storage_path="organizations/x/uploads/y.pdf")
    ok = [("qr_code_download", "qr_code", qr.pk, {"format": "png"}), ("file_share", "file", up.pk, {})]
    for action, etype, eid, meta in ok:
        r = api_a.post("/api/activity/track", {"action": action, "entity_type": etype, "entity_id": str(eid),
                                               "metadata": meta}, format="json")
        assert r.status_code == 201, r.content


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"action": "delete_everything"}, "action"),
        ({"action": "login"}, "action"),  # real actions are written by services, not by clients
        ({"action": None}, "action"),
        ({"entity_type": "qr_code"}, "entity_type"),  # wrong entity for this action
        ({"entity_id": "not-a-uuid"}, "entity_id"),
        ({"metadata": ["a"]}, "metadata"),
        ({"metadata": {"platform": "myspace"}}, "metadata"),
        ({"metadata": {"platform": "x", "nested": {"a": 1}}}, "metadata"),
        ({"metadata": {"platform": "x", "note": "y" * 201}}, "metadata"),
        ({"metadata": {"platform": "x", **{f"k{i}": i for i in range(10)}}}, "metadata"),
        ({"extra": 1}, "extra"),
    ],
)
def test_anything_else_is_400_and_writes_nothing(api_a, campaign_a, overrides, field):
    r = _share(api_a, campaign_a.pk, overrides)
    assert r.status_code == 400, r.content
    assert field in r.json()["detail"]
    assert not ActivityLog.all_orgs.exists()


def test_body_must_be_an_object(api_a):
    assert api_a.post("/api/activity/track", [1], format="json").status_code == 400


def test_entity_of_another_organization_is_404(api_a, org_b):
    theirs = Campaign.all_orgs.create(organization=org_b, name="B")
    for eid in (theirs.pk, "00000000-0000-0000-0000-000000000000"):
        r = _share(api_a, eid)
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert not ActivityLog.all_orgs.exists()


def test_session_track_needs_csrf(client, admin_a, password, campaign_a):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.login(email=admin_a.email, password=password)
    r = c.post("/api/activity/track", {"action": "campaign_social_share"}, content_type="application/json")
    assert r.status_code == 403


def test_recent_returns_seed_shape_newest_first_own_org_only(api_a, admin_a, org_a, org_b, admin_b):
    activity_record(organization=org_a, user=admin_a, action="create_campaign", entity_type="campaign",
                    metadata={"campaign_name": "V"})
    activity_record(organization=org_a, user=admin_a, action="upload_file", entity_type="file",
                    metadata={"file_name": "menu.pdf"})
    activity_record(organization=org_b, user=admin_b, action="upload_file", entity_type="file",
                    metadata={"file_name": "secret.pdf"})
    r = api_a.get("/api/activity/recent?limit=10")
    assert r.status_code == 200
    body = r.json()
    assert [a["action"] for a in body] == ["upload_file", "create_campaign"]
    first = body[0]
    assert {"action", "entity_type", "created_at", "user_name", "metadata"} <= set(first)
    assert (first["entity_type"], first["user_name"], first["metadata"]) == ("file", admin_a.full_name,
                                                                            {"file_name": "menu.pdf"})
    assert len(api_a.get("/api/activity/recent?limit=1").json()) == 1
    assert len(api_a.get("/api/activity/recent").json()) == 2


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_recent_limit_is_validated(api_a, limit):
    r = api_a.get(f"/api/activity/recent?limit={limit}")
    assert r.status_code == 400 and "limit" in r.json()["detail"]


def test_activity_page_is_paginated_and_filtered(client, admin_a, org_a, org_b, admin_b, password):
    for i in range(55):
        activity_record(organization=org_a, user=admin_a, action="create_campaign", entity_type="campaign",
                        metadata={"campaign_name": f"C{i}"})
    activity_record(organization=org_a, user=admin_a, action="campaign_social_share", entity_type="campaign",
                    metadata={"campaign_name": "C54", "platform": "linkedin"})
    activity_record(organization=org_b, user=admin_b, action="upload_file", metadata={"file_name": "secret.pdf"})
    client.login(email=admin_a.email, password=password)
    html = client.get("/activity").content.decode()
    assert "shared the campaign “C54” on LinkedIn" in html and "page 1 of 2" in html and "secret.pdf" not in html
    assert html.count('data-action="') == 50
    page2 = client.get("/activity?page=2").content.decode()
    assert page2.count('data-action="') == 6  # 55 creates + 1 share, 50 per page
    only = client.get("/activity?action=campaign_social_share").content.decode()
    assert only.count('data-action="') == 1


def test_logins_are_in_the_feed(client, admin_a, password):
    client.post("/login", {"email": admin_a.email, "password": password})
    row = ActivityLog.all_orgs.get(action="login")
    assert row.user == admin_a and row.created_at <= timezone.now()


def test_activity_page_shows_latest_scans_of_own_org(client, admin_a, org_a, org_b, password):
    from qrcodes.models import ScanEvent

    mine = QRCode.all_orgs.create(organization=org_a, name="Front Door Menu", short_code="fdm1")
    theirs = QRCode.all_orgs.create(organization=org_b, name="Hotel Lobby", short_code="hl1")
    now = timezone.now()
    ScanEvent.all_orgs.create(organization=org_a, qr_code=mine, scanned_at=now, city="Chicago", country="United States")
    ScanEvent.all_orgs.create(organization=org_a, qr_code=mine, scanned_at=now, classification="bot", city="Botville")
    ScanEvent.all_orgs.create(organization=org_b, qr_code=theirs, scanned_at=now)
    client.login(email=admin_a.email, password=password)
    html = client.get("/activity").content.decode()
    assert "Front Door Menu" in html and "Chicago, United States" in html
    assert "Botville" not in html and "Hotel Lobby" not in html
