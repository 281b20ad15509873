"""The console's plan-change requests (oi_admin/plan_requests_admin.py): pending ones first, staff
who may change customers approve or reject them with the list actions, analysts only read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.scoping import bind_organization
from oi_admin.tests.conftest import client_for, make_qrs
from tenants import services
from tenants.models import Organization, PlanChangeRequest
from tenants.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tenants_planchangerequest_changelist")


def _requested(name: str, plan: str, to_plan: str) -> PlanChangeRequest:
    org = OrganizationFactory(company_name=name, plan_type=plan)
    admin = UserFactory(organization=org, role="Admin")
    with bind_organization(org):
        return services.plan_change_request(organization=org, actor=admin, to_plan=to_plan)


def _act(client, action: str, *reqs: PlanChangeRequest):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [r.pk for r in reqs]}, follow=True)


def test_pending_requests_are_listed_first_with_links_and_plan_labels(staff_admin):
    old = _requested("Decided Co", "small_business", "medium_business")
    services.plan_change_reject(actor=staff_admin, request_id=old.pk)
    waiting = _requested("Waiting Co", "small_business", "enterprise")
    html = client_for(staff_admin).get(CHANGELIST).content.decode()
    assert html.index("Waiting Co") < html.index("Decided Co")
    assert "Small business → Enterprise" in html and "Small business → Medium business" in html
    org_url = reverse("admin:tenants_organization_change", args=[waiting.organization.pk])
    assert f'href="{org_url}"' in html
    assert 'value="approve"' in html and 'value="reject"' in html


def test_staff_admin_approves_in_the_console_and_the_limits_follow(staff_admin):
    req = _requested("Grow Co", "small_business", "enterprise")
    r = _act(client_for(staff_admin), "approve", req)
    assert "1 request(s) approved." in r.content.decode()
    req.refresh_from_db()
    org = Organization.objects.get(pk=req.organization_id)
    assert (req.status, req.decided_by) == ("approved", staff_admin)
    assert (org.plan_type, org.max_qr_codes, org.max_contributors, org.storage_limit_gb) == ("enterprise", None, None,
                                                                                            2000)


def test_staff_admin_rejects_and_the_plan_stays(staff_admin):
    req = _requested("Stay Co", "small_business", "medium_business")
    r = _act(client_for(staff_admin), "reject", req)
    assert "1 request(s) rejected." in r.content.decode()
    req.refresh_from_db()
    assert req.status == "rejected" and Organization.objects.get(pk=req.organization_id).plan_type == "small_business"


def test_a_blocked_downgrade_is_not_approved_and_says_why(staff_admin):
    req = _requested("Shrink Co", "medium_business", "small_business")
    make_qrs(req.organization, 7)  # more active codes than Small business allows, added after the request
    r = _act(client_for(staff_admin), "approve", req)
    html = r.content.decode()
    assert "Not approved" in html and "Pause, archive or delete 2 active QR codes" in html
    req.refresh_from_db()
    assert req.status == "pending" and Organization.objects.get(pk=req.organization_id).plan_type == "medium_business"


def test_read_only_analyst_cannot_approve(analyst):
    req = _requested("Hope Co", "small_business", "enterprise")
    client = client_for(analyst)
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and "Hope Co" in page.content.decode()
    assert 'value="approve"' not in page.content.decode()
    r = _act(client, "approve", req)
    assert r.status_code == 200  # Django answers an unknown action with the list again
    req.refresh_from_db()
    assert req.status == "pending" and Organization.objects.get(pk=req.organization_id).plan_type == "small_business"


def test_requests_are_never_added_or_deleted_in_the_console(superuser):
    req = _requested("Keep Co", "small_business", "enterprise")
    client = client_for(superuser)
    assert client.get(reverse("admin:tenants_planchangerequest_add")).status_code == 403
    assert client.get(reverse("admin:tenants_planchangerequest_delete", args=[req.pk])).status_code == 403
    assert client.get(reverse("admin:tenants_planchangerequest_change", args=[req.pk])).status_code == 200
