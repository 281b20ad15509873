import re
import threading

import pytest
from django.core import mail
from django.db import connection

from conftest import api_client_for
from core.errors import Conflict, LimitExceeded, PermissionDenied, ValidationFailed
from tenants import services
from tenants.models import ActivityLog, User
from tenants.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invite(client, email, role="Editor", **extra):
    return client.post("/api/team", {"email": email, "full_name": "New Person", "role": role, **extra}, format="json")


def test_admin_invites_and_the_invitee_gets_a_set_password_email(api_a, org_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = _invite(api_a, "New@A.example")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["email"], body["role"], body["status"]) == ("new@a.example", "Editor", "invited")
    user = User.objects.get(email="new@a.example")
    assert user.organization == org_a and not user.has_usable_password() and not user.is_active
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@a.example"]
    assert re.search(r"/team/invite/[\w-]+/[\w-]+", mail.outbox[0].body)
    row = ActivityLog.all_orgs.get(action="invite_user")
    assert row.metadata == {"email": "new@a.example", "role": "Editor"}


def test_invitation_link_sets_password_activates_and_logs_in(client, api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(api_a, "joiner@a.example", role="Viewer")
    link = re.search(r"https?://[^/]+(/team/invite/\S+)", mail.outbox[0].body).group(1)
    assert "Join Org A" in client.get(link).content.decode()
    bad = client.post(link, {"new_password1": "short", "new_password2": "short"})
    assert bad.status_code == 400
    r = client.post(link, {"new_password1": "Fresh-Pass-2026!", "new_password2": "Fresh-Pass-2026!"})
    assert r.status_code == 302 and r["Location"] == "/dashboard"
    user = User.objects.get(email="joiner@a.example")
    assert user.status == "active" and user.check_password("Fresh-Pass-2026!")
    assert ActivityLog.all_orgs.filter(action="join_team", user=user).exists()
    client.logout()
    assert client.get(link).status_code == 400  # the link works once


def test_tampered_invitation_link_is_refused(client, api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(api_a, "joiner@a.example")
    link = re.search(r"https?://[^/]+(/team/invite/\S+)", mail.outbox[0].body).group(1)
    assert client.get(link[:-3] + "abc").status_code == 400
    assert client.get("/team/invite/bm9wZQ/xyz").status_code == 400


def test_contributor_limit_counts_active_and_invited(api_a, org_a):
    assert org_a.max_contributors == 3  # small business; the Admin is the first seat
    assert _invite(api_a, "two@a.example").status_code == 201
    assert _invite(api_a, "three@a.example").status_code == 201
    r = _invite(api_a, "four@a.example")
    assert r.status_code == 403 and r.json()["error"] == "plan_limit_exceeded"
    assert "3 contributors" in r.json()["detail"]
    assert not User.objects.filter(email="four@a.example").exists()
    # Cancelling an invitation frees its seat.
    three = User.objects.get(email="three@a.example")
    assert api_a.patch(f"/api/team/{three.pk}", {"status": "deactivated"}, format="json").status_code == 200
    assert _invite(api_a, "four@a.example").status_code == 201
    # Reactivating would take a seat again: refused while full.
    r = api_a.patch(f"/api/team/{three.pk}", {"status": "active"}, format="json")
    assert r.status_code == 403 and r.json()["error"] == "plan_limit_exceeded"
    four = User.objects.get(email="four@a.example")
    r = api_a.patch(f"/api/team/{four.pk}", {"status": "active"}, format="json")
    assert r.status_code == 400  # an invitation is accepted by the invitee, never activated by hand


def test_reactivating_a_cancelled_invitation_invites_again(api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        uid = _invite(api_a, "again@a.example").json()["id"]
        api_a.patch(f"/api/team/{uid}", {"status": "deactivated"}, format="json")
        r = api_a.patch(f"/api/team/{uid}", {"status": "active"}, format="json")
    assert r.json()["status"] == "invited"
    assert [m.to for m in mail.outbox] == [["again@a.example"], ["again@a.example"]]


def test_reactivation_needs_a_free_seat(bound_a, admin_a):
    UserFactory(organization=bound_a, role="Editor")
    gone = UserFactory(organization=bound_a, role="Viewer", status="deactivated")
    UserFactory(organization=bound_a, role="Viewer")
    with pytest.raises(LimitExceeded):
        services.team_update(organization=bound_a, actor=admin_a, user_id=gone.pk, status="active")


def test_unlimited_plan_has_no_contributor_limit(db):
    org = OrganizationFactory(plan_type="enterprise")
    admin = UserFactory(organization=org, role="Admin")
    client = api_client_for(admin)
    for i in range(12):
        assert _invite(client, f"p{i}@mega.example").status_code == 201
    assert client.get("/api/team").json()["max_contributors"] is None


def test_invite_validation(api_a, admin_b):
    assert _invite(api_a, "not-an-email").status_code == 400
    assert _invite(api_a, "ok@a.example", role="Owner").status_code == 400
    r = _invite(api_a, admin_b.email.upper())
    assert r.status_code == 400 and r.json()["detail"] == {"email": "A user with this email already exists."}


def test_only_admins_manage_the_team(org_a, editor_a, viewer_a, admin_a):
    for user in (editor_a, viewer_a):
        client = api_client_for(user)
        assert _invite(client, "x@a.example").status_code == 403
        assert client.patch(f"/api/team/{admin_a.pk}", {"role": "Viewer"}, format="json").status_code == 403
        assert client.get("/api/team").status_code == 200  # everyone may see the team
    assert User.objects.get(pk=admin_a.pk).role == "Admin"


def test_roles_and_deactivation(api_a, editor_a, org_a):
    r = api_a.patch(f"/api/team/{editor_a.pk}", {"role": "Viewer"}, format="json")
    assert r.status_code == 200 and r.json()["role"] == "Viewer"
    r = api_a.patch(f"/api/team/{editor_a.pk}", {"status": "deactivated"}, format="json")
    assert r.json()["status"] == "deactivated"
    # A deactivated user's token stops working at once.
    assert api_client_for(User.objects.get(pk=editor_a.pk)).get("/api/team").status_code == 401
    actions = list(ActivityLog.all_orgs.filter(organization=org_a).order_by("id").values_list("action", flat=True))
    assert actions == ["change_user_role", "deactivate_user"]
    assert api_a.patch(f"/api/team/{editor_a.pk}", {"status": "active"}, format="json").json()["status"] == "active"
    assert api_a.patch(f"/api/team/{editor_a.pk}", {"role": "Boss"}, format="json").status_code == 400
    assert api_a.patch(f"/api/team/{editor_a.pk}", {"email": "x@y.z"}, format="json").status_code == 400
    assert api_a.patch(f"/api/team/{editor_a.pk}", {}, format="json").status_code == 400


def test_last_active_admin_cannot_be_demoted_or_deactivated(api_a, admin_a, org_a):
    for change in ({"role": "Editor"}, {"status": "deactivated"}):
        r = api_a.patch(f"/api/team/{admin_a.pk}", change, format="json")
        assert r.status_code == 409 and r.json()["error"] == "last_admin"
    second = UserFactory(organization=org_a, role="Admin")
    assert api_a.patch(f"/api/team/{admin_a.pk}", {"role": "Editor"}, format="json").status_code == 200
    with pytest.raises(Conflict):
        services.team_update(organization=org_a, actor=second, user_id=second.pk, role="Viewer")


def test_other_organizations_user_is_404(api_a, admin_b):
    for ident in (admin_b.pk, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        r = api_a.patch(f"/api/team/{ident}", {"role": "Viewer"}, format="json")
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert User.objects.get(pk=admin_b.pk).role == "Admin"


def test_team_list_shows_own_members_and_seats(api_a, editor_a, admin_b):
    body = api_a.get("/api/team").json()
    assert body["contributors_used"] == 2 and body["max_contributors"] == 3
    assert {u["email"] for u in body["users"]} == {"admin@a.example", "editor@a.example"}


def _race(fn, n=2):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results.append(fn(i))
        except Exception as e:  # noqa: BLE001 - asserted by the caller
            results.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_invites_cannot_both_take_the_last_seat():
    org = OrganizationFactory(plan_type="small_business")  # 3 seats
    admin = UserFactory(organization=org, role="Admin")
    UserFactory(organization=org, role="Editor")
    results = _race(lambda i: services.team_invite(organization=org, actor=admin, email=f"r{i}@race.example"))
    assert sorted(type(r).__name__ for r in results) == ["LimitExceeded", "User"]
    assert User.objects.filter(organization=org, status__in=["active", "invited"]).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin():
    org = OrganizationFactory(plan_type="medium_business")
    a, b = UserFactory(organization=org, role="Admin"), UserFactory(organization=org, role="Admin")
    pairs = [(a, b), (b, a)]
    results = _race(lambda i: services.team_update(
        organization=org, actor=pairs[i][0], user_id=pairs[i][1].pk, role="Editor"))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "User"]
    assert User.objects.filter(organization=org, role="Admin", status="active").count() == 1


def test_team_page_for_admin_and_viewer(client, admin_a, viewer_a, password):
    client.login(email=admin_a.email, password=password)
    html = client.get("/team").content.decode()
    assert "Invite someone" in html and "viewer@a.example" in html and "2 of 3 contributor seats" in html
    r = client.post("/team", {"email": "web@a.example", "full_name": "Web", "role": "Editor"}, follow=True)
    assert "Invitation sent to web@a.example." in r.content.decode()
    r = client.post("/team", {"email": "more@a.example", "full_name": "More", "role": "Editor"})
    assert r.status_code == 403 and "allows 3 contributors" in r.content.decode()
    r = client.post(f"/team/{viewer_a.pk}/update", {"role": "Editor"}, follow=True)
    assert User.objects.get(pk=viewer_a.pk).role == "Editor"
    r = client.post(f"/team/{admin_a.pk}/update", {"status": "deactivated"}, follow=True)
    assert "at least one active Admin" in r.content.decode()
    client.logout()
    client.login(email=viewer_a.email, password=password)
    html = client.get("/team").content.decode()
    assert "Invite someone" not in html and "Only an Admin" in html
    assert client.post("/team", {"email": "sneaky@a.example", "role": "Admin"}).status_code == 403
    assert not User.objects.filter(email="sneaky@a.example").exists()


def test_team_page_cross_tenant_update_is_404(client, admin_a, admin_b, password):
    client.login(email=admin_a.email, password=password)
    assert client.post(f"/team/{admin_b.pk}/update", {"role": "Viewer"}).status_code == 404
    assert client.post("/team/not-a-uuid/update", {"role": "Viewer"}).status_code == 404


def test_service_rejects_bad_values(bound_a, admin_a, editor_a):
    with pytest.raises(ValidationFailed):
        services.team_update(organization=bound_a, actor=admin_a, user_id=editor_a.pk, status="suspended")
    with pytest.raises(PermissionDenied):
        services.team_invite(organization=bound_a, actor=editor_a, email="x@a.example")


def test_mail_failure_does_not_fail_the_invitation(api_a, monkeypatch, django_capture_on_commit_callbacks):
    def down(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services.team, "send_mail", down)  # the team module sends the invitations
    with django_capture_on_commit_callbacks(execute=True):
        r = _invite(api_a, "late@a.example")
    assert r.status_code == 201 and User.objects.get(email="late@a.example").status == "invited"
