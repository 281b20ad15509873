"""The scoping machinery itself: raise without a binding, reset after an exception, nesting,
A cannot see/update/delete B through the manager, unscoped() is the only way across."""

import pytest
from django.test import RequestFactory

from tenants.middleware import OrganizationMiddleware
from tenants.models import ActivityLog
from tenants.scoping import OrganizationNotBound, bind_organization, current_organization
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


def test_tenant_task_binds_its_organization(org_a, org_b, admin_a, admin_b, two_logs):
    from celery import shared_task

    from tenants.tasking import TenantTask

    @shared_task(base=TenantTask, name="tests.count_logs")
    def count_logs(*, organization_id):
        return list(ActivityLog.objects.values_list("action", flat=True))

    assert count_logs.apply(kwargs={"organization_id": str(org_b.pk)}).get() == ["b-thing"]
    assert current_organization() is None
    with pytest.raises(TypeError):
        count_logs.apply(kwargs={}, throw=True).get()
