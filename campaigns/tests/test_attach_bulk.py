"""Attaching QR codes to a campaign several at once (service, page, API): all or nothing,
tenant-scoped, idempotent, recorded in the activity feed, writers only."""

import uuid

import pytest

from campaigns import services
from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from core.errors import PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from qrcodes.models import QRCode
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(org_a):
    return Campaign.all_orgs.create(organization=org_a, name="Spring", status="active")


@pytest.fixture
def codes(org_a):
    return [make_qr(org_a, name=f"Code {i}") for i in range(3)]


@pytest.fixture
def theirs(org_b):
    return make_qr(org_b, name="B's code")


def campaigns_of(*qrs) -> list:
    return [QRCode.all_orgs.get(pk=q.pk).campaign_id for q in qrs]


def attach(org, actor, campaign, ids):
    with bind_organization(org):
        return services.campaign_attach_qr_codes(organization=org, actor=actor, campaign_id=campaign.pk, qr_ids=ids)


def test_several_at_once_with_one_activity_row(org_a, admin_a, spring, codes):
    moved = attach(org_a, admin_a, spring, [str(codes[0].pk), str(codes[1].pk)])
    assert sorted(q.pk for q in moved) == sorted([codes[0].pk, codes[1].pk])
    assert campaigns_of(*codes) == [spring.pk, spring.pk, None]
    row = ActivityLog.all_orgs.get(action="campaign_add_qr_codes")
    assert row.entity_id == str(spring.pk) and row.metadata["count"] == 2


def test_idempotent_for_codes_already_attached(org_a, admin_a, spring, codes):
    attach(org_a, admin_a, spring, [str(codes[0].pk)])
    again = attach(org_a, admin_a, spring, [str(codes[0].pk), str(codes[0].pk), str(codes[1].pk)])
    assert [q.pk for q in again] == [codes[1].pk]
    assert attach(org_a, admin_a, spring, [str(codes[0].pk), str(codes[1].pk)]) == []
    assert ActivityLog.all_orgs.filter(action="campaign_add_qr_codes").count() == 2  # the no-op wrote nothing
    assert campaigns_of(*codes) == [spring.pk, spring.pk, None]


@pytest.mark.parametrize("bad", [str(uuid.uuid4()), "not-a-uuid", None])
def test_all_or_nothing_on_a_bad_id(org_a, admin_a, spring, codes, bad):
    with pytest.raises(ValidationFailed) as err:
        attach(org_a, admin_a, spring, [str(codes[0].pk), bad])
    assert "qr_code_ids" in err.value.detail
    assert campaigns_of(*codes) == [None, None, None]
    assert not ActivityLog.all_orgs.filter(action="campaign_add_qr_codes").exists()


def test_another_organizations_code_is_refused_and_nothing_written(org_a, admin_a, spring, codes, theirs):
    with pytest.raises(ValidationFailed) as err:
        attach(org_a, admin_a, spring, [str(codes[0].pk), str(theirs.pk)])
    assert err.value.detail == {"qr_code_ids": f"No such QR code in your organization: {theirs.pk}."}
    assert campaigns_of(codes[0], theirs) == [None, None]
    assert not ActivityLog.all_orgs.filter(action="campaign_add_qr_codes").exists()


def test_a_code_of_another_campaign_moves(org_a, admin_a, spring):
    autumn = Campaign.all_orgs.create(organization=org_a, name="Autumn")
    qr = make_qr(org_a, campaign=autumn)
    attach(org_a, admin_a, spring, [str(qr.pk)])
    assert campaigns_of(qr) == [spring.pk]


def test_viewer_is_refused_by_the_service(org_a, viewer_a, spring, codes):
    with pytest.raises(PermissionDenied):
        attach(org_a, viewer_a, spring, [str(codes[0].pk)])
    assert campaigns_of(codes[0]) == [None]


def test_bad_shapes(org_a, admin_a, spring):
    for ids in ("abc", {"a": 1}, [], [str(uuid.uuid4())] * 0):
        with pytest.raises(ValidationFailed):
            attach(org_a, admin_a, spring, ids)


# --- the page ------------------------------------------------------------------------------


def test_page_attaches_ticked_boxes_and_removes(client, editor_a, spring, codes):
    client.force_login(editor_a)
    page = client.get(f"/campaigns/{spring.pk}").content.decode()
    assert 'data-testid="attach-form"' in page and page.count('name="qr_code_ids"') == 3
    r = client.post(f"/campaigns/{spring.pk}/qr-codes", {"qr_code_ids": [str(codes[0].pk), str(codes[2].pk)]},
                    follow=True)
    assert "Added 2 QR codes to the campaign." in r.content.decode()
    assert campaigns_of(*codes) == [spring.pk, None, spring.pk]
    page = r.content.decode()
    assert page.count('data-testid="remove-qr"') == 2 and page.count('name="qr_code_ids"') == 1
    r = client.post(f"/campaigns/{spring.pk}/qr-codes", {"remove": str(codes[0].pk)}, follow=True)
    assert "Removed 1 QR code from the campaign." in r.content.decode()
    assert campaigns_of(*codes) == [None, None, spring.pk]
    assert ActivityLog.all_orgs.filter(action="campaign_remove_qr_codes").count() == 1


def test_page_refuses_another_organizations_code_with_400(client, admin_a, spring, codes, theirs):
    client.force_login(admin_a)
    r = client.post(f"/campaigns/{spring.pk}/qr-codes", {"qr_code_ids": [str(codes[0].pk), str(theirs.pk)]})
    assert r.status_code == 400 and "No such QR code in your organization" in r.content.decode()
    assert "B&#x27;s code" not in r.content.decode()
    assert campaigns_of(codes[0], theirs) == [None, None]


def test_page_with_nothing_ticked_says_so(client, admin_a, spring, codes):
    client.force_login(admin_a)
    r = client.post(f"/campaigns/{spring.pk}/qr-codes", {})
    assert r.status_code == 400 and "Choose at least one QR code." in r.content.decode()


def test_viewer_sees_no_form_and_is_refused_403(client, viewer_a, org_a, spring, codes):
    make_qr(org_a, campaign=spring, name="Attached")
    client.force_login(viewer_a)
    page = client.get(f"/campaigns/{spring.pk}").content.decode()
    assert 'data-testid="attach-form"' not in page and 'data-testid="remove-qr"' not in page
    assert "Attached" in page
    r = client.post(f"/campaigns/{spring.pk}/qr-codes", {"qr_code_ids": [str(codes[0].pk)]})
    assert r.status_code == 403 and "Viewers can look, not change" in r.content.decode()
    assert campaigns_of(codes[0]) == [None]


def test_page_of_another_organizations_campaign_is_404(client, admin_a, org_b, codes):
    other = Campaign.all_orgs.create(organization=org_b, name="B")
    client.force_login(admin_a)
    assert client.post(f"/campaigns/{other.pk}/qr-codes", {"qr_code_ids": [str(codes[0].pk)]}).status_code == 404
    assert campaigns_of(codes[0]) == [None]


# --- the API -------------------------------------------------------------------------------


def test_api_attach_remove_and_delete(api_a, spring, codes):
    url = f"/api/campaigns/{spring.pk}/qr-codes"
    r = api_a.post(url, {"qr_code_ids": [str(codes[0].pk), str(codes[1].pk)]}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert sorted(body["added"]) == sorted([str(codes[0].pk), str(codes[1].pk)]) and body["removed"] == []
    assert sorted(body["qr_code_ids"]) == sorted(body["added"])
    r = api_a.post(url, {"qr_code_ids": [str(codes[2].pk)], "remove": [str(codes[0].pk)]}, format="json")
    assert (r.json()["added"], r.json()["removed"]) == ([str(codes[2].pk)], [str(codes[0].pk)])
    r = api_a.delete(url, {"qr_code_ids": [str(codes[1].pk)]}, format="json")
    assert r.status_code == 200 and r.json()["qr_code_ids"] == [str(codes[2].pk)]
    assert campaigns_of(*codes) == [None, None, spring.pk]


def test_api_is_all_or_nothing_across_add_and_remove(api_a, spring, codes, theirs):
    api_a.post(f"/api/campaigns/{spring.pk}/qr-codes", {"qr_code_ids": [str(codes[0].pk)]}, format="json")
    r = api_a.post(f"/api/campaigns/{spring.pk}/qr-codes",
                   {"qr_code_ids": [str(codes[1].pk)], "remove": [str(codes[0].pk), str(theirs.pk)]}, format="json")
    assert r.status_code == 400
    assert r.json() == {"error": "validation_error",
                        "detail": {"remove": f"No such QR code in your organization: {theirs.pk}."}}
    assert campaigns_of(codes[0], codes[1], theirs) == [spring.pk, None, None]


@pytest.mark.parametrize("body", [[1], {"qr_code_ids": "x"}, {"qr_code_ids": []}, {"qr_code_ids": [1, 2]}, {}])
def test_api_bad_bodies_are_400(api_a, spring, body):
    r = api_a.post(f"/api/campaigns/{spring.pk}/qr-codes", body, format="json")
    assert r.status_code == 400 and set(r.json()) == {"error", "detail"}


def test_api_viewer_is_403(viewer_a, spring, codes):
    from conftest import api_client_for

    r = api_client_for(viewer_a).post(f"/api/campaigns/{spring.pk}/qr-codes",
                                      {"qr_code_ids": [str(codes[0].pk)]}, format="json")
    assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    assert campaigns_of(codes[0]) == [None]


def test_api_another_organizations_campaign_is_404(api_a, org_b, codes):
    other = Campaign.all_orgs.create(organization=org_b, name="B")
    for ident in (other.pk, uuid.uuid4(), "nope"):
        r = api_a.post(f"/api/campaigns/{ident}/qr-codes", {"qr_code_ids": [str(codes[0].pk)]}, format="json")
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert campaigns_of(codes[0]) == [None]
