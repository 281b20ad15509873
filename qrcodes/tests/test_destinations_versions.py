"""Destination versions (issue 15): every change of a code's URL or rules is a numbered version,
the first change records how the code was as version 1, rollback makes a new version with an
old one's content, scheduled versions wait for beat (qrcodes.destinations)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from qrcodes import tasks
from qrcodes.destinations import (
    destination_current_number,
    destination_scheduled,
    destination_version_cancel,
    destination_versions,
    destination_versions_apply,
    qr_destination_rollback,
    qr_routing_set,
)
from qrcodes.models import DestinationVersion, QRCode
from qrcodes.services import qr_code_update
from qrcodes.tests.conftest import ANDROID, DESKTOP, IPHONE, MINNEAPOLIS_IP, make_qr
from tenants.activity_text import ACTIVITY_SENTENCES, activity_sentence
from tenants.models import ActivityLog
from tenants.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

APP_STORE = "https://apps.apple.com/app/pizza"
PLAY = "https://play.google.com/store/apps/details?id=pizza"
DEVICE_RULES = {"rules": [{"kind": "device", "devices": ["ios"], "url": APP_STORE},
                          {"kind": "device", "devices": ["android"], "url": PLAY}]}
SPRING = {"rules": [{"kind": "device", "devices": ["desktop"], "url": "https://pizzapalace.com/spring"}]}


def set_rules(org, user, qr, routing, **kw):
    with bind_organization(org):
        return qr_routing_set(organization=org, actor=user, qr_code_id=qr.pk, routing=routing, **kw)


def versions(org, qr) -> list[tuple[int, str, dict, bool]]:
    with bind_organization(org):
        return [(v.number, v.qr_url, v.routing, v.applied_at is not None) for v in destination_versions(org, qr)]


def fresh(qr) -> QRCode:
    return QRCode.objects.unscoped().get(pk=qr.pk)


# ---- numbering, the first version, no-op saves ----------------------------------------------------

def test_the_first_change_records_how_the_code_was_as_version_1(org_a, admin_a, qr_a):
    assert versions(org_a, qr_a) == []
    v = set_rules(org_a, admin_a, qr_a, DEVICE_RULES, note="app stores")
    assert v.number == 2 and v.created_by == admin_a and v.applied_at is not None and v.note == "app stores"
    assert versions(org_a, qr_a) == [(2, "https://pizzapalace.com/menu", DEVICE_RULES, True),
                                     (1, "https://pizzapalace.com/menu", {}, True)]
    first = DestinationVersion.objects.unscoped().get(qr_code=qr_a, number=1)
    assert first.created_by is None  # the author of the original is not known: history starts here
    assert fresh(qr_a).routing == DEVICE_RULES
    assert set_rules(org_a, admin_a, qr_a, SPRING).number == 3
    with bind_organization(org_a):
        assert destination_current_number(org_a, qr_a) == 3


def test_a_save_that_changes_nothing_makes_no_version(org_a, admin_a, qr_a):
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES)
    assert set_rules(org_a, admin_a, qr_a, DEVICE_RULES) is None
    assert [n for n, *_ in versions(org_a, qr_a)] == [2, 1]


def test_rules_and_url_together_and_stored_normalised(org_a, admin_a, qr_a):
    raw = {"rules": [{"kind": "country", "countries": ["fr", "be"], "url": "https://pizzapalace.fr"}]}
    set_rules(org_a, admin_a, qr_a, raw, qr_url="https://pizzapalace.com/new")
    qr = fresh(qr_a)
    assert qr.qr_url == "https://pizzapalace.com/new"
    assert qr.routing["rules"][0]["countries"] == ["FR", "BE"]


def test_editing_the_url_on_the_code_is_a_version_too(org_a, admin_a, qr_a):
    with bind_organization(org_a):
        qr_code_update(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, data={"qr_url": "https://b.example"})
        qr_code_update(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, data={"name": "Renamed"})
    assert [(n, url) for n, url, *_ in versions(org_a, qr_a)] == [(2, "https://b.example"),
                                                                  (1, "https://pizzapalace.com/menu")]


def test_every_action_is_in_the_activity_log_in_words(org_a, admin_a, qr_a):
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES)
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    with bind_organization(org_a):
        qr_destination_rollback(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=1)
        destination_version_cancel(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=3)
    rows = list(ActivityLog.all_orgs.filter(organization=org_a, entity_id=str(qr_a.pk))
                .exclude(action="create_qr_code").order_by("created_at", "id"))
    assert [r.action for r in rows] == ["change_qr_rules", "schedule_qr_destination", "rollback_qr_destination",
                                        "cancel_qr_destination"]
    assert activity_sentence(action=rows[2].action, user=admin_a, metadata=rows[2].metadata).endswith(
        "rolled back the destination of the QR code “Front Door Menu”")
    assert rows[1].metadata["number"] == 3 and rows[1].metadata["effective_at"]
    for code in ("change_qr_rules", "rollback_qr_destination", "schedule_qr_destination", "cancel_qr_destination",
                 "apply_qr_destination"):
        assert code in ACTIVITY_SENTENCES


# ---- rollback ---------------------------------------------------------------------------------

def test_rollback_makes_a_new_version_with_the_old_content(org_a, admin_a, editor_a, qr_a):
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES, qr_url="https://pizzapalace.com/v2")
    set_rules(org_a, admin_a, qr_a, SPRING)
    with bind_organization(org_a):
        v = qr_destination_rollback(organization=org_a, actor=editor_a, qr_code_id=qr_a.pk, number=1)
    assert v.number == 4 and v.created_by == editor_a and v.note == "Rolled back to version 1"
    qr = fresh(qr_a)
    assert (qr.qr_url, qr.routing) == ("https://pizzapalace.com/menu", {})
    with bind_organization(org_a):
        qr_destination_rollback(organization=org_a, actor=editor_a, qr_code_id=qr_a.pk, number=2)
    qr = fresh(qr_a)
    assert (qr.qr_url, qr.routing) == ("https://pizzapalace.com/v2", DEVICE_RULES)
    assert [n for n, *_ in versions(org_a, qr_a)] == [5, 4, 3, 2, 1]


def test_rollback_refuses_a_missing_or_a_never_applied_version(org_a, admin_a, qr_a):
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES, effective_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    with bind_organization(org_a):
        with pytest.raises(Conflict):
            qr_destination_rollback(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=2)
        for number in (7, 0, -1, 10**20, True):
            with pytest.raises(NotFound):
                qr_destination_rollback(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=number)


# ---- scheduled versions and beat ---------------------------------------------------------------

def test_a_scheduled_change_waits_for_beat_then_applies_once(org_a, admin_a, qr_a):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    pending = set_rules(org_a, admin_a, qr_a, SPRING, effective_at=when, note="spring menu")
    assert pending.number == 2 and pending.applied_at is None and pending.effective_at == when
    assert fresh(qr_a).routing == {}  # nothing changes before its time
    with bind_organization(org_a):
        assert [v.number for v in destination_scheduled(org_a, qr_a)] == [2]
        assert destination_current_number(org_a, qr_a) == 1
    assert destination_versions_apply(now=when - dt.timedelta(seconds=1)) == 0
    assert fresh(qr_a).routing == {}
    assert destination_versions_apply(now=when) == 1  # at effective_at exactly
    assert fresh(qr_a).routing == SPRING
    applied = DestinationVersion.objects.unscoped().get(pk=pending.pk)
    assert applied.applied_at == when
    assert destination_versions_apply(now=when + dt.timedelta(minutes=5)) == 0  # idempotent
    assert ActivityLog.all_orgs.filter(organization=org_a, action="apply_qr_destination", user=None).count() == 1


def test_beat_applies_due_versions_of_every_organization_in_order(org_a, admin_a, org_b, admin_b, qr_a, qr_b):
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES, effective_at=soon)
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=soon + dt.timedelta(minutes=30))
    set_rules(org_b, admin_b, qr_b, SPRING, qr_url="https://hotel.example/spring", effective_at=soon)
    later = set_rules(org_a, admin_a, qr_a, {}, effective_at=soon + dt.timedelta(days=30))
    # beat was down for the first two: both apply, oldest first, the newest wins; no org bound here
    assert destination_versions_apply(now=soon + dt.timedelta(hours=2)) == 3
    assert fresh(qr_a).routing == SPRING
    assert (fresh(qr_b).qr_url, fresh(qr_b).routing) == ("https://hotel.example/spring", SPRING)
    assert DestinationVersion.objects.unscoped().get(pk=later.pk).applied_at is None
    assert DestinationVersion.objects.unscoped().filter(organization=org_b).count() == 2  # v1 + the change


def test_the_beat_task_is_scheduled_every_minute_and_runs_the_service(org_a, admin_a, qr_a):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "qrcodes.destination_versions_apply")
    assert entry["schedule"] == 60.0 and entry["options"]["expires"] == 50
    assert tasks.destination_versions_apply.name == "qrcodes.destination_versions_apply"
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    DestinationVersion.objects.unscoped().filter(qr_code=qr_a, number=2).update(
        effective_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert tasks.destination_versions_apply() == 1
    assert fresh(qr_a).routing == SPRING


def test_a_naive_effective_at_is_read_in_the_organizations_zone(admin_a, org_a, qr_a):
    org_a.timezone = "America/New_York"
    org_a.save(update_fields=["timezone"])
    year = dt.datetime.now(dt.UTC).year + 1
    v = set_rules(org_a, admin_a, qr_a, SPRING, effective_at=f"{year}-03-01T09:00")
    assert v.effective_at == dt.datetime(year, 3, 1, 14, 0, tzinfo=dt.UTC)  # 09:00 EST
    v = set_rules(org_a, admin_a, qr_a, DEVICE_RULES, effective_at=f"{year}-03-01T09:00+01:00")
    assert v.effective_at == dt.datetime(year, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("effective_at", [
    dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "2020-01-01T00:00", "yesterday", "9999-01-01T00:00", "2027-13-01",
    "x" * 1000, 12345, ["2030-01-01"], "2030-01-01T00:00\x00",
])
def test_a_scheduled_change_must_be_in_the_future_and_well_formed(org_a, admin_a, qr_a, effective_at):
    with pytest.raises(ValidationFailed) as err:
        set_rules(org_a, admin_a, qr_a, SPRING, effective_at=effective_at)
    assert "effective_at" in err.value.detail
    assert versions(org_a, qr_a) == []


def test_at_most_two_years_ahead(org_a, admin_a, qr_a):
    now = dt.datetime.now(dt.UTC)
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=now + dt.timedelta(days=729))
    with pytest.raises(ValidationFailed) as err:
        set_rules(org_a, admin_a, qr_a, SPRING, effective_at=now + dt.timedelta(days=800))
    assert "two years" in err.value.detail["effective_at"]


def test_pending_versions_are_cancelled_applied_ones_stay(org_a, admin_a, qr_a):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=when)
    with bind_organization(org_a):
        destination_version_cancel(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=2)
        with pytest.raises(Conflict):
            destination_version_cancel(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=1)
        with pytest.raises(NotFound):
            destination_version_cancel(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=2)
    assert destination_versions_apply(now=when + dt.timedelta(minutes=1)) == 0
    assert fresh(qr_a).routing == {}


# ---- roles and tenants -------------------------------------------------------------------------

def test_viewers_cannot_change_rules_roll_back_or_cancel(org_a, admin_a, viewer_a, qr_a):
    set_rules(org_a, admin_a, qr_a, SPRING, effective_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    with bind_organization(org_a):
        with pytest.raises(PermissionDenied):
            qr_routing_set(organization=org_a, actor=viewer_a, qr_code_id=qr_a.pk, routing=DEVICE_RULES)
        with pytest.raises(PermissionDenied):
            qr_destination_rollback(organization=org_a, actor=viewer_a, qr_code_id=qr_a.pk, number=1)
        with pytest.raises(PermissionDenied):
            destination_version_cancel(organization=org_a, actor=viewer_a, qr_code_id=qr_a.pk, number=2)
        assert len(destination_versions(org_a, qr_a)) == 2  # reading is for every member


def test_another_organizations_code_is_not_found(org_a, admin_a, qr_b):
    with bind_organization(org_a):
        for call in (lambda: qr_routing_set(organization=org_a, actor=admin_a, qr_code_id=qr_b.pk, routing=SPRING),
                     lambda: qr_destination_rollback(organization=org_a, actor=admin_a, qr_code_id=qr_b.pk, number=1),
                     lambda: destination_version_cancel(organization=org_a, actor=admin_a, qr_code_id=qr_b.pk,
                                                        number=1),
                     lambda: qr_routing_set(organization=org_a, actor=admin_a, qr_code_id="not-a-uuid", routing={})):
            with pytest.raises(NotFound):
                call()
    assert fresh(qr_b).routing == {}


# ---- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("routing, field", [
    ({"rules": [{"kind": "country", "countries": ["ZZ"], "url": "https://a.example"}]}, "rules.0.countries"),
    ({"rules": [{"kind": "split", "variants": [{"url": "https://a.example", "weight": 50},
                                               {"url": "https://b.example", "weight": 40}]}]}, "rules.0.variants"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "javascript:alert(1)"}]}, "rules.0.url"),
    ({"rules": [SPRING["rules"][0], {"kind": "schedule", "from": "2027-02-14", "until": "2027-02-01",
                                     "url": "https://a.example"}]}, "rules.1.until"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/\x00"}]}, "routing"),
    ({"rules": "all"}, "rules"),
    ([1, 2], "routing"),
])
def test_bad_rules_name_the_field(org_a, admin_a, qr_a, routing, field):
    with pytest.raises(ValidationFailed) as err:
        set_rules(org_a, admin_a, qr_a, routing)
    assert field in err.value.detail, err.value.detail
    assert versions(org_a, qr_a) == []


@pytest.mark.parametrize("kw, field", [
    ({"qr_url": "javascript:alert(1)"}, "qr_url"), ({"qr_url": 5}, "qr_url"), ({"qr_url": ""}, "qr_url"),
    ({"note": "x" * 201}, "note"), ({"note": "a\x00b"}, "note"), ({"note": ["x"]}, "note"),
])
def test_bad_url_and_note(org_a, admin_a, qr_a, kw, field):
    with pytest.raises(ValidationFailed) as err:
        set_rules(org_a, admin_a, qr_a, SPRING, **kw)
    assert field in err.value.detail


# ---- /s/ follows at once; concurrency ------------------------------------------------------------

def test_scan_follows_a_change_at_once_in_this_process(org_a, admin_a, qr_a, client,
                                                       django_capture_on_commit_callbacks):
    path = f"/s/{qr_a.short_code}"
    phone = {"HTTP_USER_AGENT": IPHONE, "REMOTE_ADDR": MINNEAPOLIS_IP}
    assert client.get(path, **phone)["Location"] == "https://pizzapalace.com/menu"  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        set_rules(org_a, admin_a, qr_a, DEVICE_RULES)
    assert client.get(path, **phone)["Location"] == APP_STORE
    assert client.get(path, HTTP_USER_AGENT=ANDROID, REMOTE_ADDR=MINNEAPOLIS_IP)["Location"] == PLAY
    assert client.get(path, HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR=MINNEAPOLIS_IP)["Location"] == (
        "https://pizzapalace.com/menu")
    with django_capture_on_commit_callbacks(execute=True), bind_organization(org_a):
        qr_destination_rollback(organization=org_a, actor=admin_a, qr_code_id=qr_a.pk, number=1)
    assert client.get(path, **phone)["Location"] == "https://pizzapalace.com/menu"
    when = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    set_rules(org_a, admin_a, qr_a, DEVICE_RULES, effective_at=when)
    assert client.get(path, **phone)["Location"] == "https://pizzapalace.com/menu"
    with django_capture_on_commit_callbacks(execute=True):
        destination_versions_apply(now=when)
    assert client.get(path, **phone)["Location"] == APP_STORE


@pytest.mark.django_db(transaction=True)
def test_two_rule_saves_at_once_get_distinct_numbers():
    org = OrganizationFactory(plan_type="small_business")
    editors = [UserFactory(organization=org, role="Editor") for _ in range(4)]
    qr = make_qr(org, editors[0])
    barrier = threading.Barrier(len(editors))
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            with bind_organization(org):
                barrier.wait()
                qr_routing_set(organization=org, actor=editors[n], qr_code_id=qr.pk, routing={
                    "rules": [{"kind": "language", "languages": ["fr"], "url": f"https://pizzapalace.fr/{n}"}]})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(len(editors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    assert errors == []
    numbers = sorted(DestinationVersion.objects.unscoped().filter(qr_code=qr).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]  # one "as it was", then each save once
    last = DestinationVersion.objects.unscoped().get(qr_code=qr, number=5)
    assert QRCode.objects.unscoped().get(pk=qr.pk).routing == last.routing
