import datetime as dt

import pytest

from campaigns import services
from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db

SEED = {
    "name": "Valentine's Day Special",
    "description": "Heart-shaped pizza promotion",
    "start_date": "2026-02-10",
    "end_date": "2026-02-15",
    "status": "active",
}


def test_create_from_seed_payload_logs_activity(bound_a, admin_a):
    c = services.campaign_create(organization=bound_a, actor=admin_a, data=SEED)
    assert (c.name, c.start_date, c.end_date, c.status, c.created_by_user) == (
        "Valentine's Day Special", dt.date(2026, 2, 10), dt.date(2026, 2, 15), "active", admin_a)
    row = ActivityLog.objects.get()
    assert (row.action, row.entity_type, row.entity_id, row.user) == ("create_campaign", "campaign", str(c.pk), admin_a)
    assert row.metadata == {"campaign_name": "Valentine's Day Special"}


def test_defaults_to_draft_without_dates(bound_a, editor_a):
    c = services.campaign_create(organization=bound_a, actor=editor_a, data={"name": "Someday"})
    assert (c.status, c.start_date, c.end_date) == ("draft", None, None)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end_date": "2026-02-09"}, "end_date"),
        ({"start_date": "10/02/2026"}, "start_date"),
        ({"status": "live"}, "status"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"description": 5}, "description"),
        ({"budget": 100}, "budget"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(bound_a, admin_a, change, field):
    with pytest.raises(ValidationFailed) as exc:
        services.campaign_create(organization=bound_a, actor=admin_a, data={**SEED, **change})
    assert field in exc.value.detail
    assert Campaign.objects.count() == 0 and ActivityLog.objects.count() == 0


def test_update_checks_dates_against_stored_values(bound_a, admin_a):
    c = services.campaign_create(organization=bound_a, actor=admin_a, data=SEED)
    with pytest.raises(ValidationFailed) as exc:
        services.campaign_update(organization=bound_a, actor=admin_a, campaign_id=c.pk, data={"start_date": "2026-03-01"})
    assert "end_date" in exc.value.detail
    c = services.campaign_update(organization=bound_a, actor=admin_a, campaign_id=c.pk,
                                 data={"end_date": None, "status": "paused"})
    assert (c.end_date, c.status) == (None, "paused")
    row = ActivityLog.objects.filter(action="update_campaign").get()
    assert row.metadata["changed"] == ["end_date", "status"]


def test_update_without_change_logs_nothing(bound_a, admin_a):
    c = services.campaign_create(organization=bound_a, actor=admin_a, data=SEED)
    services.campaign_update(organization=bound_a, actor=admin_a, campaign_id=c.pk, data={"name": SEED["name"]})
    assert not ActivityLog.objects.filter(action="update_campaign").exists()


def test_delete_keeps_qr_codes_unlinked(bound_a, admin_a):
    c = services.campaign_create(organization=bound_a, actor=admin_a, data=SEED)
    qr = make_qr(bound_a, campaign=c)
    services.campaign_delete(organization=bound_a, actor=admin_a, campaign_id=c.pk)
    qr.refresh_from_db()
    assert qr.campaign_id is None and not Campaign.objects.exists()
    row = ActivityLog.objects.get(action="delete_campaign")
    assert row.metadata == {"campaign_name": SEED["name"]} and row.entity_id == str(c.pk)


def test_viewer_cannot_write(bound_a, admin_a, viewer_a):
    with pytest.raises(PermissionDenied):
        services.campaign_create(organization=bound_a, actor=viewer_a, data=SEED)
    c = services.campaign_create(organization=bound_a, actor=admin_a, data=SEED)
    with pytest.raises(PermissionDenied):
        services.campaign_update(organization=bound_a, actor=viewer_a, campaign_id=c.pk, data={"name": "x"})
    with pytest.raises(PermissionDenied):
        services.campaign_delete(organization=bound_a, actor=viewer_a, campaign_id=c.pk)
    assert Campaign.objects.get().name == SEED["name"]


def test_other_organizations_campaign_is_not_found(bound_a, admin_a, org_b):
    with bind_organization(org_b):
        theirs = Campaign.all_orgs.create(organization=org_b, name="B")
    for ident in (theirs.pk, "not-a-uuid", None):
        with pytest.raises(NotFound):
            services.campaign_update(organization=bound_a, actor=admin_a, campaign_id=ident, data={"name": "x"})
        with pytest.raises(NotFound):
            services.campaign_delete(organization=bound_a, actor=admin_a, campaign_id=ident)
    assert Campaign.all_orgs.get(pk=theirs.pk).name == "B"
