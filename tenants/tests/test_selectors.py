"""organization_usage: the one computation of plan usage (seats, active QR codes, storage) that
the team page, the QR-code pages, the uploads page and the dashboard meters all show."""

import pytest

from analytics.selectors import plan_usage
from core.scoping import bind_organization
from qrcodes.selectors import qr_code_usage
from qrcodes.services import qr_code_create, qr_code_set_status
from tenants.models import GB, Organization
from tenants.selectors import LimitUsage, organization_usage, team_usage
from tenants.tests.factories import OrganizationFactory, UserFactory
from uploads.selectors import storage_usage


def test_limit_usage_reads_none_as_unlimited_and_zero_as_full():
    assert (LimitUsage(4, 5).percent, LimitUsage(4, 5).near_limit, LimitUsage(4, 5).at_limit) == (80, True, False)
    assert LimitUsage(6, 5).at_limit and LimitUsage(6, 5).percent == 100
    unlimited = LimitUsage(10**6, None)
    assert (unlimited.percent, unlimited.near_limit, unlimited.at_limit) == (0, False, False)
    assert LimitUsage(0, 0).at_limit and LimitUsage(0, 0).percent == 100


def test_usage_counts_seats_and_reads_the_counters(org_a, admin_a, org_b):
    UserFactory(organization=org_a, email="invited@a.example", status="invited")
    UserFactory(organization=org_a, email="gone@a.example", status="deactivated")
    UserFactory(organization=org_b, email="other@b.example")
    Organization.objects.filter(pk=org_a.pk).update(total_qr_codes=4, storage_used_bytes=3 * GB, total_uploads=2)
    usage = organization_usage(organization=org_a)  # fresh from the database, not the instance
    assert (usage.contributors.used, usage.contributors.limit) == (2, 3)  # active + invited
    assert (usage.qr_codes.used, usage.qr_codes.limit) == (4, 5)
    assert (usage.storage_bytes.used, usage.storage_bytes.limit) == (3 * GB, 250 * GB)
    assert usage.total_uploads == 2
    unlimited = organization_usage(organization=OrganizationFactory(plan_type="enterprise"))
    assert (unlimited.contributors.used, unlimited.contributors.limit, unlimited.qr_codes.limit) == (0, None, None)


def test_every_page_shows_the_same_usage(org_a, admin_a, editor_a):
    UserFactory(organization=org_a, email="invited@a.example", status="invited")
    with bind_organization(org_a):
        codes = [qr_code_create(organization=org_a, actor=admin_a, data={"name": f"code {i}", "qr_url": "https://a.example"})
                 for i in range(4)]
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=codes[0].pk, status="paused")
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=GB // 2, total_uploads=1)
    usage = organization_usage(organization=org_a)
    assert (usage.contributors.used, usage.qr_codes.used) == (3, 3)  # the paused code is not counted
    assert qr_code_usage(organization=org_a) == usage.qr_codes
    assert team_usage(organization=org_a) == {"contributors_used": 3, "max_contributors": 3}
    assert storage_usage(organization=org_a) == {"used_bytes": GB // 2, "limit_bytes": 250 * GB, "total_uploads": 1,
                                                  "percent": 0.2}
    meters = {m["key"]: m for m in plan_usage(organization=org_a)["meters"]}
    assert (meters["users"]["used"], meters["users"]["at_limit"]) == (3, True)
    assert (meters["qr_codes"]["used"], meters["qr_codes"]["percent"]) == (3, 60)
    assert (meters["storage"]["used"], meters["storage"]["limit"]) == (0.5, 250)


@pytest.mark.parametrize("plan_type", ["small_business", "medium_business", "enterprise"])
def test_usage_limits_are_the_plans(db, plan_type):
    from tenants.plans import PLANS

    plan = PLANS[plan_type]
    usage = organization_usage(organization=OrganizationFactory(plan_type=plan_type))
    assert (usage.contributors.limit, usage.qr_codes.limit, usage.storage_bytes.limit) == (
        plan.max_contributors, plan.max_qr_codes, plan.storage_limit_gb * GB)
