import pytest

from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db

SEED = {
    "name": "Valentine's Day Special",
    "description": "Heart-shaped pizza promotion",
    "start_date": "2026-02-10",
    "end_date": "2026-02-15",
    "status": "active",
}


def test_create_with_seed_payload(api_a, admin_a):
    r = api_a.post("/api/campaigns", SEED, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    c = Campaign.all_orgs.get()
    assert body["id"] == str(c.pk) and c.organization_id == admin_a.organization_id
    assert {k: body[k] for k in SEED} == SEED
    assert body["created_by_user_id"] == str(admin_a.pk) and body["created_by"] == admin_a.full_name


def test_end_before_start_is_400(api_a):
    r = api_a.post("/api/campaigns", {**SEED, "end_date": "2026-02-01"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "validation_error",
                        "detail": {"end_date": "The end date cannot be before the start date."}}
    assert not Campaign.all_orgs.exists()


@pytest.mark.parametrize("body", [[1, 2], "text", {"name": None}, {"name": "x", "start_date": "tomorrow"}])
def test_malformed_bodies_are_400(api_a, body):
    r = api_a.post("/api/campaigns", body, format="json")
    assert r.status_code == 400 and "error" in r.json()


def test_list_get_patch_delete(api_a, org_a):
    first = api_a.post("/api/campaigns", SEED, format="json").json()["id"]
    api_a.post("/api/campaigns", {"name": "Second"}, format="json")
    r = api_a.get("/api/campaigns")
    assert r.json()["count"] == 2 and [c["name"] for c in r.json()["results"]] == ["Second", SEED["name"]]
    assert [c["name"] for c in api_a.get("/api/campaigns?status=active").json()["results"]] == [SEED["name"]]
    assert api_a.get("/api/campaigns?status=bogus").status_code == 400
    assert api_a.get(f"/api/campaigns/{first}").json()["name"] == SEED["name"]
    r = api_a.patch(f"/api/campaigns/{first}", {"status": "ended"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "ended"
    assert api_a.patch(f"/api/campaigns/{first}", {"end_date": "2026-01-01"}, format="json").status_code == 400
    assert api_a.delete(f"/api/campaigns/{first}").status_code == 204
    assert api_a.get(f"/api/campaigns/{first}").status_code == 404
    actions = list(ActivityLog.all_orgs.filter(organization=org_a).order_by("id").values_list("action", flat=True))
    assert actions == ["create_campaign", "create_campaign", "update_campaign", "delete_campaign"]


def test_stats_shape(api_a, org_a):
    cid = api_a.post("/api/campaigns", SEED, format="json").json()["id"]
    make_qr(org_a, campaign=Campaign.all_orgs.get(pk=cid), total_scans=3)
    body = api_a.get("/api/campaigns/stats").json()
    assert body["total_campaigns"] == 1
    assert body["campaigns"] == [{
        "id": cid, "name": SEED["name"], "status": "active", "start_date": "2026-02-10", "end_date": "2026-02-15",
        "qr_codes": 1, "total_scans": 3, "scans_in_range": 0, "uploads": 0, "upload_bytes": 0, "share_clicks": 0,
    }]


@pytest.mark.parametrize(
    "method, body",
    [("get", None), ("patch", {"name": "hijacked"}), ("delete", None)],
)
def test_other_organizations_campaign_is_404_like_a_missing_one(api_a, org_b, method, body):
    theirs = Campaign.all_orgs.create(organization=org_b, name="B's campaign")
    for ident in (theirs.pk, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        r = getattr(api_a, method)(f"/api/campaigns/{ident}", body, format="json")
        assert r.status_code == 404 and r.json()["error"] == "not_found", ident
    assert Campaign.all_orgs.get(pk=theirs.pk).name == "B's campaign"


def test_lists_and_stats_never_show_other_organizations(api_a, org_b):
    Campaign.all_orgs.create(organization=org_b, name="B's campaign")
    assert api_a.get("/api/campaigns").json()["count"] == 0
    assert api_a.get("/api/campaigns/stats").json() == {
        "total_campaigns": 0, "count": 0, "next": None, "previous": None, "campaigns": []}


def test_anonymous_is_401(client):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/campaigns").status_code == 401
