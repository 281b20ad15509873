"""Plans are real (issue 13): sign-up starts on the free plan with a paid choice filed as a request,
Admins request plan changes on the Plan page, OI staff decide them, a downgrade says what must go
first, and the organization's time zone is captured at sign-up and editable by Admins."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from qrcodes.models import QRCode
from tenants import services
from tenants.models import GB, ActivityLog, Organization, PlanChangeRequest, User
from tenants.selectors import plan_change_blockers
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "company_name": "Tall Towers", "company_email": "hq@towers.example", "full_name": "Tia Tower",
    "email": "tia@towers.example", "password": "Skyline-Views-2026", "plan_type": "enterprise",
    "phone": "", "billing_address": "",
}


def _request(org: Organization, actor: User, to_plan: str) -> PlanChangeRequest:
    with bind_organization(org):
        return services.plan_change_request(organization=org, actor=actor, to_plan=to_plan)


def _qr(org: Organization, name: str, scans: int = 0, status: str = "active") -> QRCode:
    return QRCode.all_orgs.create(organization=org, name=name, short_code=uuid.uuid4().hex[:12],
                                  total_scans=scans, status=status)


def _decider(group: str = "admin") -> User:
    user = User.objects.filter(email=f"{group}@outboundimpact.com").first() or User.objects.create_user(
        f"{group}@outboundimpact.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def _html(response) -> str:
    return response.content.decode().replace("\xa0", " ")  # filesizeformat's no-break space


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- services ------------------------------------------------------------------------------------


def test_admin_requests_an_upgrade_which_is_pending_and_logged(admin_a, org_a, org_b):
    req = _request(org_a, admin_a, "medium_business")
    assert (req.status, req.from_plan, req.to_plan, req.requested_by) == ("pending", "small_business",
                                                                          "medium_business", admin_a)
    org_a.refresh_from_db()
    assert org_a.plan_type == "small_business"  # nothing granted before OI decides
    row = ActivityLog.objects.unscoped().get(action="request_plan_change")
    assert (row.organization, row.user, row.metadata["to_plan"]) == (org_a, admin_a, "medium_business")


@pytest.mark.parametrize("role", ["Editor", "Viewer"])
def test_only_admins_request_or_cancel(org_a, admin_a, role):
    member = UserFactory(organization=org_a, role=role)
    with pytest.raises(PermissionDenied, match="Only an organization Admin"):
        _request(org_a, member, "medium_business")
    req = _request(org_a, admin_a, "medium_business")
    with bind_organization(org_a), pytest.raises(PermissionDenied):
        services.plan_change_cancel(organization=org_a, actor=member, request_id=req.pk)
    assert PlanChangeRequest.all_orgs.get().status == "pending"


def test_an_admin_of_another_organization_is_refused(org_a, admin_b):
    with pytest.raises(PermissionDenied):
        _request(org_a, admin_b, "medium_business")
    assert not PlanChangeRequest.all_orgs.exists()


def test_one_pending_request_at_a_time_then_cancel_frees_the_slot(org_a, admin_a):
    first = _request(org_a, admin_a, "medium_business")
    with pytest.raises(Conflict, match="Medium business is already pending"):
        _request(org_a, admin_a, "enterprise")
    with bind_organization(org_a):
        cancelled = services.plan_change_cancel(organization=org_a, actor=admin_a, request_id=first.pk)
        assert cancelled.status == "cancelled" and cancelled.decided_at is not None
        with pytest.raises(Conflict, match="already cancelled"):
            services.plan_change_cancel(organization=org_a, actor=admin_a, request_id=first.pk)
    second = _request(org_a, admin_a, "enterprise")
    assert second.status == "pending"
    # the database holds the rule too (plan_request_one_pending)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanChangeRequest.all_orgs.create(organization=org_a, from_plan="small_business", to_plan="medium_business")


@pytest.mark.parametrize("to_plan, message", [("small_business", "already on Small business"),
                                              ("platinum", "Unknown plan"), (None, "Unknown plan")])
def test_the_current_or_an_unknown_plan_is_refused(org_a, admin_a, to_plan, message):
    with pytest.raises(ValidationFailed, match=message):
        _request(org_a, admin_a, to_plan)


def test_cancel_of_another_organizations_request_is_not_found(org_a, admin_a, org_b, admin_b):
    req = _request(org_b, admin_b, "enterprise")
    with bind_organization(org_a), pytest.raises(NotFound):
        services.plan_change_cancel(organization=org_a, actor=admin_a, request_id=req.pk)
    with bind_organization(org_a), pytest.raises(NotFound):
        services.plan_change_cancel(organization=org_a, actor=admin_a, request_id="nope")


def _crowded_medium_org() -> tuple[Organization, User, dict]:
    """A Medium business organization over every Small business limit."""
    org = OrganizationFactory(company_name="Crowded", plan_type="medium_business")
    admin = UserFactory(organization=org, email="boss@crowded.example", role="Admin")
    admin.last_login_at = "2026-11-01T10:00:00Z"
    admin.save(update_fields=["last_login_at"])
    invited = UserFactory(organization=org, email="invited@crowded.example", role="Viewer", status="invited")
    never = UserFactory(organization=org, email="never@crowded.example", role="Editor")
    recent = UserFactory(organization=org, email="recent@crowded.example", role="Editor")
    recent.last_login_at = "2026-11-30T10:00:00Z"
    recent.save(update_fields=["last_login_at"])
    UserFactory(organization=org, email="gone@crowded.example", status="deactivated")  # holds no seat
    codes = {name: _qr(org, name, scans) for name, scans in
             [("Menu", 500), ("Door", 3), ("Flyer", 0), ("Truck", 90), ("Window", 40), ("Cup", 7), ("Bag", 60)]}
    _qr(org, "Old paused", 0, status="paused")  # a paused code counts toward no limit
    Organization.objects.filter(pk=org.pk).update(
        total_qr_codes=7, storage_used_bytes=250 * GB + int(1.2 * GB))
    org.refresh_from_db()
    return org, admin, {"users": (invited, never, recent), "codes": codes}


def test_downgrade_blockers_name_the_exact_codes_users_and_bytes():
    org, _admin, made = _crowded_medium_org()
    with bind_organization(org):
        blockers = plan_change_blockers(organization=org, to_plan="small_business")
        assert not plan_change_blockers(organization=org, to_plan="enterprise")
    assert blockers.qr_codes_over == 2  # 7 active, Small business allows 5
    assert [c.name for c in blockers.qr_code_candidates] == ["Flyer", "Door"]  # the least scanned
    assert blockers.users_over == 1  # 4 seats (3 active + 1 invited), Small business allows 3
    assert [u.email for u in blockers.user_candidates] == ["invited@crowded.example"]
    assert blockers.bytes_over == int(1.2 * GB)
    assert blockers.lines == [
        "Pause, archive or delete 2 active QR codes (least scanned: Flyer (0 scans), Door (3 scans)).",
        "Deactivate 1 user or cancel their invitations (for example invited@crowded.example).",
        "Delete 1.2 GB of uploads.",
    ]


def test_user_candidates_are_invitations_then_the_least_recently_logged_in_admins_last():
    org, _admin, _made = _crowded_medium_org()
    org.max_contributors = None
    UserFactory(organization=org, email="extra@crowded.example", role="Editor").__class__.objects.filter(
        email="extra@crowded.example").update(last_login_at="2026-11-15T10:00:00Z")
    with bind_organization(org):
        blockers = plan_change_blockers(organization=org, to_plan="small_business")
    assert blockers.users_over == 2
    assert [u.email for u in blockers.user_candidates] == ["invited@crowded.example", "never@crowded.example"]


def test_a_blocked_downgrade_is_refused_with_what_must_go_first():
    org, admin, _made = _crowded_medium_org()
    with pytest.raises(ValidationFailed) as exc:
        _request(org, admin, "small_business")
    message = exc.value.detail["to_plan"]
    assert message.startswith("To move to Small business, first: Pause, archive or delete 2 active QR codes")
    assert "Flyer (0 scans), Door (3 scans)" in message and "invited@crowded.example" in message
    assert "Delete 1.2 GB of uploads." in message
    assert exc.value.code == "plan_change_blocked"
    assert not PlanChangeRequest.all_orgs.exists()


def test_staff_approval_applies_the_plan_limits_and_price(org_a, admin_a):
    req = _request(org_a, admin_a, "enterprise")
    staff = _decider("admin")
    approved = services.plan_change_approve(actor=staff, request_id=req.pk)
    assert (approved.status, approved.decided_by) == ("approved", staff) and approved.decided_at
    org_a.refresh_from_db()
    assert (org_a.plan_type, org_a.max_contributors, org_a.max_qr_codes, org_a.storage_limit_gb,
            str(org_a.monthly_price)) == ("enterprise", None, None, 2000, "99.00")
    assert ActivityLog.objects.unscoped().filter(organization=org_a, action="approve_plan_change").count() == 1
    with pytest.raises(Conflict, match="already approved"):
        services.plan_change_approve(actor=staff, request_id=req.pk)


def test_staff_rejection_keeps_the_plan(org_a, admin_a):
    req = _request(org_a, admin_a, "medium_business")
    rejected = services.plan_change_reject(actor=_decider("admin"), request_id=req.pk, note="Call us first.")
    assert (rejected.status, rejected.note) == ("rejected", "Call us first.")
    org_a.refresh_from_db()
    assert (org_a.plan_type, org_a.max_qr_codes) == ("small_business", 5)
    assert ActivityLog.objects.unscoped().filter(organization=org_a, action="reject_plan_change").exists()


def test_only_staff_who_may_change_customers_decide(org_a, admin_a):
    req = _request(org_a, admin_a, "medium_business")
    for actor in (_decider("analyst"), admin_a):
        with pytest.raises(PermissionDenied):
            services.plan_change_approve(actor=actor, request_id=req.pk)
        with pytest.raises(PermissionDenied):
            services.plan_change_reject(actor=actor, request_id=req.pk)
    assert PlanChangeRequest.all_orgs.get().status == "pending"
    services.plan_change_approve(actor=staff_user(), request_id=req.pk)  # a superuser may
    org_a.refresh_from_db()
    assert org_a.plan_type == "medium_business"


def test_approval_of_a_downgrade_checks_the_blockers_again(admin_b, org_b):
    for i in range(4):
        _qr(org_b, f"Code {i}", scans=i)
    req = _request(org_b, admin_b, "small_business")  # 4 codes fit Small business's 5
    _qr(org_b, "Late 1")
    _qr(org_b, "Late 2")  # now 6 active codes
    with pytest.raises(ValidationFailed, match="Pause, archive or delete 1 active QR code"):
        services.plan_change_approve(actor=_decider("admin"), request_id=req.pk)
    org_b.refresh_from_db()
    assert org_b.plan_type == "medium_business" and PlanChangeRequest.all_orgs.get().status == "pending"
    QRCode.all_orgs.filter(name="Late 2").update(status="archived")
    services.plan_change_approve(actor=_decider("admin"), request_id=req.pk)
    org_b.refresh_from_db()
    assert (org_b.plan_type, org_b.max_qr_codes, org_b.max_contributors) == ("small_business", 5, 3)


# --- sign-up ---------------------------------------------------------------------------------------


def test_paid_sign_up_starts_free_with_a_pending_request_and_says_so(client):
    r = client.post("/register", {**SIGNUP, "timezone": "America/Chicago"}, follow=True)
    assert r.redirect_chain[-1][0] == "/plan"
    assert ("Enterprise is requested; OI will confirm it and you are on Small business until then"
            in r.content.decode())
    org = Organization.objects.get()
    assert (org.plan_type, org.max_qr_codes, str(org.monthly_price), org.timezone) == (
        "small_business", 5, "0.00", "America/Chicago")
    req = PlanChangeRequest.all_orgs.get()
    assert (req.organization, req.from_plan, req.to_plan, req.status, req.requested_by.email) == (
        org, "small_business", "enterprise", "pending", "tia@towers.example")
    assert 'data-testid="pending-request"' in r.content.decode()


def test_free_sign_up_files_no_request_and_lands_on_the_dashboard(client):
    r = client.post("/register", {**SIGNUP, "plan_type": "small_business"})
    assert r.status_code == 302 and r["Location"] == "/dashboard"
    assert Organization.objects.get().plan_type == "small_business"
    assert not PlanChangeRequest.all_orgs.exists()


@pytest.mark.parametrize("sent, stored", [(None, "UTC"), ("", "UTC"), ("Mars/Olympus_Mons", "UTC"),
                                          ("Europe/Berlin", "Europe/Berlin")])
def test_sign_up_page_time_zone_falls_back_to_utc_never_an_error(client, sent, stored):
    data = {**SIGNUP} if sent is None else {**SIGNUP, "timezone": sent}
    assert client.post("/register", data).status_code == 302
    assert Organization.objects.get().timezone == stored


def test_sign_up_page_shows_prices_and_the_time_zone_script(client):
    html = client.get("/register").content.decode()
    assert "Enterprise ($99/month: unlimited users, unlimited QR codes, 2,000 GB)" in html
    assert 'data-testid="signup-plans"' in html and "$29/month" in html
    assert 'type="hidden" name="timezone"' in html and "js/timezone-field.js" in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_api_sign_up_with_a_paid_plan_starts_free_with_a_request():
    r = APIClient().post("/api/auth/register", {**SIGNUP, "plan_type": "medium_business",
                                                "timezone": "Asia/Tokyo"}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"token", "refresh", "user", "plan_change_request"}
    assert body["user"]["plan_type"] == "small_business"
    req = PlanChangeRequest.all_orgs.get()
    assert body["plan_change_request"] == {
        "id": str(req.pk), "from_plan": "small_business", "to_plan": "medium_business", "status": "pending",
        "message": ("Medium business is requested; OI will confirm it and you are on Small business until then. "
                    "See it on your Plan page."),
    }
    org = Organization.objects.get()
    assert (org.plan_type, org.max_contributors, org.timezone) == ("small_business", 3, "Asia/Tokyo")


def test_api_sign_up_time_zone_missing_is_utc_and_invalid_is_400_writing_nothing():
    api = APIClient()
    r = api.post("/api/auth/register", {**SIGNUP, "timezone": "Not/AZone", "password": "123"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "validation_error"
    assert set(body["detail"]) >= {"timezone", "password"}  # every error at once
    r = api.post("/api/auth/register", {**SIGNUP, "timezone": "Not/AZone"}, format="json")
    assert r.status_code == 400 and "IANA" in r.json()["detail"]["timezone"]
    assert r.json()["detail"].keys() == {"timezone"}
    assert not Organization.objects.exists() and not User.objects.exists()
    assert not PlanChangeRequest.all_orgs.exists()
    r = api.post("/api/auth/register", {**SIGNUP, "plan_type": "small_business"}, format="json")
    assert r.status_code == 201 and "plan_change_request" not in r.json()
    assert Organization.objects.get().timezone == "UTC"


# --- the Plan page ---------------------------------------------------------------------------------


def test_plan_page_shows_the_plan_usage_every_plan_and_request_buttons(org_a, admin_a):
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=int(4.2 * 1024**2), total_qr_codes=4)
    UserFactory(organization=org_a, role="Editor")
    UserFactory(organization=org_a, role="Viewer", status="invited")  # 3 of 3 seats
    html = _html(_client(admin_a).get("/plan"))
    assert "4.2 MB of 250 GB" in html
    users = html.split('data-testid="usage-users"')[1].split('data-testid="usage-qr-codes"')[0]
    codes = html.split('data-testid="usage-qr-codes"')[1].split('data-testid="usage-storage"')[0]
    assert "3 of 3" in users and "at your limit" in users
    assert "4 of 5" in codes and "close to your limit" in codes and "at your limit" not in codes
    for text in ("$29", "$99", "Free", "Unlimited users", "2000 GB storage", "Breakdowns:", "CSV export",
                 "Adds hour-of-day patterns and unlimited history.",
                 "Request upgrade to Medium business", "Request upgrade to Enterprise"):
        assert text in html, text
    assert "Request upgrade to Small business" not in html and "Request downgrade" not in html
    assert 'href="/plan"' in html  # the nav and the header's plan label


def test_plan_page_shows_downgrade_blockers_before_the_admin_submits():
    org, admin, _made = _crowded_medium_org()
    html = _html(_client(admin).get("/plan"))
    assert 'data-testid="blockers-small_business"' in html
    assert "Pause, archive or delete 2 active QR codes (least scanned: Flyer (0 scans), Door (3 scans))." in html
    assert "Delete 1.2 GB of uploads." in html
    r = _client(admin).post("/plan/request", {"to_plan": "small_business"})
    assert r.status_code == 400 and "To move to Small business, first:" in r.content.decode()
    assert not PlanChangeRequest.all_orgs.exists()


def test_admin_requests_cancels_and_sees_the_history(org_a, admin_a):
    client = _client(admin_a)
    r = client.post("/plan/request", {"to_plan": "enterprise"}, follow=True)
    html = r.content.decode()
    assert "Enterprise is requested; OI will confirm it and you stay on Small business until then." in html
    assert "Requested: Enterprise" in html and "Cancel request" in html
    assert "Request upgrade to Medium business" not in html  # one at a time
    req = PlanChangeRequest.all_orgs.get()
    r = client.post(f"/plan/request/{req.pk}/cancel", follow=True)
    html = r.content.decode()
    assert "Your request for Enterprise is cancelled." in html and 'data-testid="history"' in html
    assert "cancelled" in html and "Request upgrade to Enterprise" in html


def test_cancelling_another_organizations_request_answers_404(org_a, admin_a, org_b, admin_b):
    req = _request(org_b, admin_b, "enterprise")
    assert _client(admin_a).post(f"/plan/request/{req.pk}/cancel").status_code == 404
    assert PlanChangeRequest.all_orgs.get().status == "pending"


def test_viewer_sees_no_forms_and_every_post_is_refused_403(org_a, admin_a, viewer_a):
    req = _request(org_a, admin_a, "medium_business")
    client = _client(viewer_a)
    html = client.get("/plan").content.decode()
    assert "Only Admins can change the plan" in html
    assert "Request upgrade" not in html and "Cancel request" not in html and "<select" not in html
    assert 'data-testid="timezone">UTC<' in html
    assert client.post("/plan/request", {"to_plan": "enterprise"}).status_code == 403
    assert client.post(f"/plan/request/{req.pk}/cancel").status_code == 403
    assert client.post("/settings", {"timezone": "Europe/Paris"}).status_code == 403
    org_a.refresh_from_db()
    assert org_a.timezone == "UTC" and PlanChangeRequest.all_orgs.get().status == "pending"


def test_admin_edits_the_time_zone_which_is_validated(org_a, admin_a, editor_a):
    client = _client(admin_a)
    assert '<select name="timezone"' in client.get("/plan").content.decode()
    r = client.post("/settings", {"timezone": "America/New_York"}, follow=True)
    assert "Time zone set to America/New York." in r.content.decode()
    org_a.refresh_from_db()
    assert org_a.timezone == "America/New_York"
    assert ActivityLog.objects.unscoped().filter(organization=org_a, action="change_timezone").exists()
    r = client.post("/settings", {"timezone": "Mars/Olympus_Mons"})
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    org_a.refresh_from_db()
    assert org_a.timezone == "America/New_York"
    with bind_organization(org_a), pytest.raises(ValidationFailed, match="IANA"):
        services.organization_timezone_set(organization=org_a, actor=admin_a, timezone="Nowhere")
    with bind_organization(org_a), pytest.raises(PermissionDenied):
        services.organization_timezone_set(organization=org_a, actor=editor_a, timezone="Europe/Paris")
    assert _client(editor_a).post("/settings", {"timezone": "Europe/Paris"}).status_code == 403
