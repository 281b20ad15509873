"""The scoping machinery itself: raise without a binding, reset after an exception, nesting,
A cannot see/update/delete B through the manager, unscoped() is the only way across."""

import pytest
from django.test import RequestFactory

from core.scoping import CrossTenantWrite, OrganizationNotBound, bind_organization, current_organization
from tenants.middleware import OrganizationMiddleware
from tenants.models import ActivityLog
from tenants.services import activity_record


@pytest.fixture
def two_logs(org_a, org_b, admin_a, admin_b):
    a = activity_record(organization=org_a, user=admin_a, action="a-thing")
    b = activity_record(organization=org_b, user=admin_b, action="b-thing")
    return a, b


def test_query_without_binding_raises_and_names_the_model(two_logs):
    with pytest.raises(OrganizationNotBound, match="ActivityLog.objects"):
        list(ActivityLog.objects.all())
    with pytest.raises(OrganizationNotBound):
        ActivityLog.objects.filter(action="b-thing").count()


def test_binding_none_means_no_tenant_not_all_tenants(two_logs):
    with bind_organization(None), pytest.raises(OrganizationNotBound):
        ActivityLog.objects.count()


def test_bound_organization_sees_only_its_rows(two_logs, org_a):
    a, b = two_logs
    with bind_organization(org_a):
        assert list(ActivityLog.objects.values_list("action", flat=True)) == ["a-thing"]
        assert not ActivityLog.objects.filter(pk=b.pk).exists()


def test_a_cannot_update_or_delete_b_through_the_manager(two_logs, org_a):
    a, b = two_logs
    with bind_organization(org_a):
        assert ActivityLog.objects.filter(pk=b.pk).update(action="hacked") == 0
        deleted, _ = ActivityLog.objects.filter(pk=b.pk).delete()
        assert deleted == 0
        with pytest.raises(ActivityLog.DoesNotExist):
            ActivityLog.objects.get(pk=b.pk)
    b.refresh_from_db()
    assert b.action == "b-thing"


def test_unscoped_is_the_door_across(two_logs, org_a):
    with bind_organization(org_a):
        assert ActivityLog.objects.unscoped().count() == 2
    assert ActivityLog.objects.unscoped().count() == 2


def test_binding_resets_after_exception_and_nests(org_a, org_b):
    assert current_organization() is None
    with pytest.raises(ValueError):
        with bind_organization(org_a):
            raise ValueError("boom")
    assert current_organization() is None
    with bind_organization(org_a):
        with bind_organization(org_b):
            assert current_organization() == org_b
        assert current_organization() == org_a
    assert current_organization() is None


def test_rows_created_while_bound_belong_to_the_bound_org(org_a, admin_a):
    with bind_organization(org_a):
        log = ActivityLog(user=admin_a, action="x")
        log.save()
    assert log.organization_id == org_a.pk


def test_a_row_of_another_organization_is_not_written_while_one_is_bound(two_logs, org_a, org_b):
    """Defence in depth: even a caller holding B's row cannot save it (or create one for B)
    while A is bound."""
    _, b_log = two_logs
    with bind_organization(org_a):
        b_log.action = "changed by A"
        with pytest.raises(CrossTenantWrite):
            b_log.save()
        with pytest.raises(CrossTenantWrite):
            ActivityLog(organization=org_b, action="planted").save()
    b_log.refresh_from_db()
    assert b_log.action == "b-thing"
    assert ActivityLog.all_orgs.filter(action="planted").count() == 0


def test_services_refuse_an_actor_of_another_organization(org_a, org_b, admin_a, admin_b):
    """A service called for organization A with B's Admin as the actor (or with A's Admin
    while B is bound) refuses: the actor must be a member of the organization it acts on."""
    from core.errors import PermissionDenied
    from qrcodes.models import QRCode
    from qrcodes.services import qr_code_create
    from tenants.services import activity_track, team_invite

    data = {"name": "planted", "qr_url": "https://x.example"}
    with bind_organization(org_a):
        with pytest.raises(PermissionDenied):
            qr_code_create(organization=org_a, actor=admin_b, data=data)
        with pytest.raises(PermissionDenied):
            team_invite(organization=org_a, actor=admin_b, email="new@x.example", role="Admin")
        with pytest.raises(PermissionDenied):
            activity_track(organization=org_a, actor=admin_b, action="qr_code_download",
                           entity_type="qr_code", entity_id=admin_b.pk)
    with bind_organization(org_b), pytest.raises(PermissionDenied):
        qr_code_create(organization=org_a, actor=admin_a, data=data)
    assert QRCode.all_orgs.filter(name="planted").count() == 0


def test_middleware_binds_for_the_response_and_unbinds_after_error(admin_a, org_a):
    seen = {}

    def view(request):
        seen["org"] = current_organization()
        raise RuntimeError("view failed")

    request = RequestFactory().get("/dashboard")
    request.user = admin_a
    with pytest.raises(RuntimeError):
        OrganizationMiddleware(view)(request)
    assert seen["org"] == org_a
    assert current_organization() is None


def test_middleware_binds_nothing_for_anonymous_and_staff(db):
    from django.contrib.auth.models import AnonymousUser

    from tenants.tests.factories import staff_user

    seen = []
    mw = OrganizationMiddleware(lambda r: seen.append(current_organization()) or None)
    for user in (AnonymousUser(), staff_user()):
        request = RequestFactory().get("/dashboard")
        request.user = user
        mw(request)
    assert seen == [None, None]
