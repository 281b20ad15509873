"""The plan table (tenants.plans) is the one declaration of what a plan decides: these tests
check that every plan is complete, and that the limits, the dashboard tiers, the sign-up
choices and the model's defaults all read it -- so adding a plan is one entry in PLANS."""

from dataclasses import fields
from decimal import Decimal
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from analytics.models import BREAKDOWN_DIMENSIONS
from analytics.selectors import INTERVALS, plan_usage
from analytics.tiers import PlanUpgradeRequired, require_breakdown, require_export, tier_for
from oi_admin.admin import OrganizationAdmin
from tenants import plans
from tenants.context_processors import organization as organization_context
from tenants.forms import RegistrationForm
from tenants.models import Organization
from tenants.plans import PLANS, DashboardTier, Plan
from tenants.selectors import organization_usage
from tenants.services import organization_apply_plan

STARTUP = Plan(
    key="startup",
    label="Startup",
    monthly_price=Decimal("9.00"),
    max_contributors=5,
    max_qr_codes=20,
    storage_limit_gb=300,
    dashboard=DashboardTier(
        label="Starter",
        history_days=180,
        breakdowns=frozenset({"country", "city"}),
        intervals=frozenset({"day", "week"}),
        campaign_filter=True,
        locations=True,
        export=False,
        upgrade_to=plans.MEDIUM_BUSINESS,
        upgrade_adds="referrers, CSV export and a year of history",
    ),
)


@pytest.fixture
def startup_plan(monkeypatch):
    """The one edit that adds a plan: an entry in the table."""
    monkeypatch.setitem(PLANS, STARTUP.key, STARTUP)
    return STARTUP


@pytest.mark.parametrize("plan", PLANS.values(), ids=list(PLANS))
def test_every_plan_is_complete_and_consistent(plan):
    for f in fields(Plan):
        assert getattr(plan, f.name) is not None or f.name in {"max_contributors", "max_qr_codes"}, f.name
    assert PLANS[plan.key] is plan and plan.label and plan.monthly_price >= 0 and plan.storage_limit_gb > 0
    tier = plan.dashboard
    assert isinstance(tier, DashboardTier) and tier.label
    assert tier.breakdowns <= set(BREAKDOWN_DIMENSIONS), "a breakdown analytics does not know"
    assert tier.intervals <= set(INTERVALS), "an interval analytics does not offer"
    assert tier.upgrade_to is None or tier.upgrade_to in PLANS
    assert bool(tier.upgrade_adds) == (tier.upgrade_to is not None), "the dashboard's upgrade pitch"


def test_upgrades_lead_to_the_top_without_cycles():
    for plan in PLANS.values():
        seen = {plan.key}
        while plan.upgrade_to is not None:
            plan = PLANS[plan.upgrade_to]
            assert plan.key not in seen, "upgrade cycle"
            seen.add(plan.key)


def test_what_is_derived_comes_from_the_table():
    assert plans.PAID_PLANS == tuple(k for k, p in PLANS.items() if p.monthly_price > 0)
    assert plans.DEFAULT_PLAN in PLANS
    field = Organization._meta.get_field("plan_type")
    assert list(field.choices) == [(p.key, p.label) for p in PLANS.values()]
    assert [k for k, _ in RegistrationForm().fields["plan_type"].choices] == list(PLANS)
    # the console has one "change plan" action per plan
    assert {f"change_plan_to_{k}" for k in PLANS} <= {getattr(a, "__name__", a) for a in OrganizationAdmin.actions}


def test_new_organization_defaults_are_the_default_plans():
    default = PLANS[plans.DEFAULT_PLAN]
    org = Organization(company_name="X", company_email="x@x.example")
    assert (org.plan_type, org.max_contributors, org.max_qr_codes, org.storage_limit_gb, org.monthly_price) == (
        default.key, default.max_contributors, default.max_qr_codes, default.storage_limit_gb, default.monthly_price)


def test_a_new_plan_is_one_edit_limits_tier_choices_and_defaults(startup_plan, monkeypatch):
    # sign-up: the form, the API serializer and the model field offer it
    assert ("startup", f"Startup ({startup_plan.summary})") in list(RegistrationForm().fields["plan_type"].choices)
    assert startup_plan.summary == "$9/month: 5 users, 20 QR codes, 300 GB"
    assert ("startup", "Startup") in list(Organization._meta.get_field("plan_type").choices)
    # limits and price follow it
    org = organization_apply_plan(organization=Organization(company_name="S", company_email="s@s.example"),
                                  plan_type="startup")
    assert (org.max_contributors, org.max_qr_codes, org.storage_limit_gb, org.monthly_price) == (5, 20, 300, Decimal("9.00"))
    org.clean_fields()  # plan_type is a valid choice of the model field
    # the dashboard tier is the plan's
    assert tier_for(org) is startup_plan.dashboard
    require_breakdown(org, "city")
    with pytest.raises(PlanUpgradeRequired):
        require_breakdown(org, "referrer")
    with pytest.raises(PlanUpgradeRequired, match="Medium business and Enterprise"):
        require_export(org)
    # made the default plan, new organizations start on it
    monkeypatch.setattr(plans, "DEFAULT_PLAN", "startup")
    fresh = Organization(company_name="D", company_email="d@d.example")
    assert (fresh.plan_type, fresh.max_contributors, fresh.max_qr_codes, fresh.storage_limit_gb) == ("startup", 5, 20, 300)


@pytest.mark.django_db
def test_a_new_plan_signs_up_and_its_limits_reach_usage_and_the_dashboard(startup_plan):
    r = APIClient().post("/api/auth/register", {
        "company_name": "Start Co", "company_email": "hq@start.example", "full_name": "Ann Start",
        "email": "ann@start.example", "password": "a-long-Passphrase-2026", "plan_type": "startup",
    }, format="json")
    assert r.status_code == 201, r.content
    # a paid plan starts as a request on the free plan (tenants.services.plans); OI approves it
    from tenants.services import plan_change_approve
    from tenants.tests.factories import staff_user
    plan_change_approve(actor=staff_user(), request_id=r.json()["plan_change_request"]["id"])
    org = Organization.objects.get(company_name="Start Co")
    assert (org.plan_type, org.max_qr_codes) == ("startup", 20)
    usage = organization_usage(organization=org)
    assert (usage.contributors.used, usage.contributors.limit, usage.qr_codes.limit) == (1, 5, 20)
    assert usage.storage_bytes.limit == 300 * 1024**3
    assert organization_context(SimpleNamespace(organization=org))["plan"] is startup_plan
    meters = {m["key"]: m for m in plan_usage(organization=org)["meters"]}
    assert (meters["users"]["limit"], meters["qr_codes"]["limit"], meters["storage"]["limit"]) == (5, 20, 300)
