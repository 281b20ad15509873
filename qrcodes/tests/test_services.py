"""QR code writes: plan limits (including a real race), destination validation, roles,
the activity log and Organization.total_qr_codes (= active QR codes)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from campaigns.models import Campaign
from core.errors import LimitExceeded, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from qrcodes.counting import scan_batch_process
from qrcodes.models import QRCode, ScanEvent
from qrcodes.services import qr_code_create, qr_code_delete, qr_code_set_status, qr_code_update, qr_url_validate
from qrcodes.tests.conftest import make_qr
from tenants.models import ActivityLog, Organization
from tenants.tests.factories import OrganizationFactory, UserFactory
from uploads.models import UploadedFile


def _upload(org, name="menu.pdf"):
    with bind_organization(org):  # a row is written only while its own organization is bound
        return UploadedFile.all_orgs.create(
            organization=org, file_name=name, file_type="pdf", file_size_bytes=10,
            storage_path=f"organizations/{org.pk}/uploads/{name}",
        )


def test_create_sets_fields_counter_and_activity(org_a, admin_a, bound_a):
    qr = make_qr(org_a, admin_a, location="Main Entrance")
    assert qr.status == "active" and qr.created_by_user == admin_a and qr.total_scans == 0
    assert len(qr.short_code) == 10 and qr.short_code.isalnum()
    org_a.refresh_from_db()
    assert org_a.total_qr_codes == 1
    log = ActivityLog.objects.get(action="create_qr_code")
    assert (log.entity_type, log.entity_id, log.user) == ("qr_code", str(qr.pk), admin_a)


def test_short_codes_are_unique_and_unguessable(org_b, admin_b, bound_a):
    codes = {make_qr(org_b, admin_b, name=f"q{i}").short_code for i in range(20)}
    assert len(codes) == 20


def test_sixth_active_code_on_small_business_is_refused(org_a, admin_a, bound_a):
    for i in range(5):
        make_qr(org_a, admin_a, name=f"code {i}")
    with pytest.raises(LimitExceeded) as exc:
        make_qr(org_a, admin_a, name="one too many")
    assert exc.value.status_code == 403
    assert "allows 5 active QR codes" in str(exc.value.detail)
    org_a.refresh_from_db()
    assert org_a.total_qr_codes == 5 == QRCode.objects.filter(organization=org_a).count()


def test_paused_codes_free_a_slot_and_reactivation_counts(org_a, admin_a, bound_a):
    codes = [make_qr(org_a, admin_a, name=f"code {i}") for i in range(5)]
    qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=codes[0].pk, status="paused")
    org_a.refresh_from_db()
    assert org_a.total_qr_codes == 4
    make_qr(org_a, admin_a, name="replacement")
    with pytest.raises(LimitExceeded):
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=codes[0].pk, status="active")
    codes[0].refresh_from_db()
    assert codes[0].status == "paused"
    org_a.refresh_from_db()
    assert org_a.total_qr_codes == 5


def test_unlimited_plan_has_no_limit(db):
    org = OrganizationFactory(plan_type="enterprise")
    assert org.max_qr_codes is None
    admin = UserFactory(organization=org, role="Admin")
    for i in range(8):
        make_qr(org, admin, name=f"code {i}")
    org.refresh_from_db()
    assert org.total_qr_codes == 8


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_creates_cannot_both_take_the_last_slot():
    org = OrganizationFactory(plan_type="small_business")
    admin = UserFactory(organization=org, role="Admin")
    for i in range(4):
        make_qr(org, admin, name=f"code {i}")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def create(n: int) -> None:
        try:
            with bind_organization(org):
                barrier.wait()
                qr_code_create(organization=org, actor=admin, data={"name": f"racer {n}", "qr_url": "https://a.example"})
            results.append("created")
        except LimitExceeded:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    assert sorted(results) == ["created", "refused"]
    org.refresh_from_db()
    assert org.total_qr_codes == 5
    assert QRCode.objects.unscoped().filter(organization=org, status="active").count() == 5


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "/relative/path",
    "menu.html",
    "pizzapalace.com/menu",
    "//pizzapalace.com/menu",
    "http://",
    "https:///no-host",
    "ftp://files.example.com/menu.pdf",
    "https://user:secret@evil.example/",
    "https://example.com/" + "a" * 2048,
])
def test_bad_destination_urls_are_rejected(url):
    with pytest.raises(ValidationFailed) as exc:
        qr_url_validate(url)
    assert "qr_url" in exc.value.detail


@pytest.mark.parametrize("url", ["https://pizzapalace.com/menu", "http://localhost:8000/x?y=1#z", " https://a.example "])
def test_good_destination_urls_are_kept(url):
    assert qr_url_validate(url) == url.strip()


def test_a_destination_is_required(org_a, admin_a, bound_a):
    with pytest.raises(ValidationFailed) as exc:
        qr_code_create(organization=org_a, actor=admin_a, data={"name": "Nowhere"})
    assert "qr_url" in exc.value.detail
    assert not QRCode.objects.exists()


def test_name_is_required_and_bounded(org_a, admin_a, bound_a):
    for bad in ({"name": " "}, {"name": "x" * 256}, {"name": 5}):
        with pytest.raises(ValidationFailed):
            qr_code_create(organization=org_a, actor=admin_a, data={**bad, "qr_url": "https://a.example"})
    assert not QRCode.objects.exists()


def test_linked_content_and_campaign_must_be_the_organizations_own(org_a, admin_a, org_b, bound_a):
    foreign_upload, own_upload = _upload(org_b, "b.pdf"), _upload(org_a, "a.pdf")
    with bind_organization(org_b):
        foreign_campaign = Campaign.all_orgs.create(organization=org_b, name="B campaign")
    own_campaign = Campaign.all_orgs.create(organization=org_a, name="A campaign")
    for data in ({"linked_content_id": str(foreign_upload.pk)}, {"campaign_id": str(foreign_campaign.pk)},
                 {"campaign_id": "not-a-uuid"}, {"linked_content_id": "00000000-0000-0000-0000-000000000000"}):
        with pytest.raises(ValidationFailed) as exc:
            qr_code_create(organization=org_a, actor=admin_a, data={"name": "x", "qr_url": "https://a.example", **data})
        assert exc.value.detail == {next(iter(data)): "Not found in your organization."}
    qr = qr_code_create(organization=org_a, actor=admin_a, data={
        "name": "Menu", "linked_content_id": str(own_upload.pk), "campaign_id": str(own_campaign.pk),
    })
    assert qr.linked_content == own_upload and qr.campaign == own_campaign and qr.qr_url == ""


def test_viewer_cannot_write(org_a, admin_a, viewer_a, bound_a):
    qr = make_qr(org_a, admin_a)
    with pytest.raises(PermissionDenied):
        qr_code_create(organization=org_a, actor=viewer_a, data={"name": "x", "qr_url": "https://a.example"})
    with pytest.raises(PermissionDenied):
        qr_code_update(organization=org_a, actor=viewer_a, qr_code_id=qr.pk, data={"name": "y"})
    with pytest.raises(PermissionDenied):
        qr_code_set_status(organization=org_a, actor=viewer_a, qr_code_id=qr.pk, status="paused")
    with pytest.raises(PermissionDenied):
        qr_code_delete(organization=org_a, actor=viewer_a, qr_code_id=qr.pk)
    qr.refresh_from_db()
    assert (qr.name, qr.status) == ("Front Door Menu", "active")


def test_editor_can_write(org_a, editor_a, bound_a):
    qr = make_qr(org_a, editor_a)
    qr_code_update(organization=org_a, actor=editor_a, qr_code_id=qr.pk, data={"name": "Renamed"})
    qr.refresh_from_db()
    assert qr.name == "Renamed"


def test_update_logs_what_changed_and_status_changes_move_the_counter(org_a, admin_a, bound_a):
    qr = make_qr(org_a, admin_a)
    qr_code_update(organization=org_a, actor=admin_a, qr_code_id=qr.pk, data={"name": "New name", "location": "Patio"})
    log = ActivityLog.objects.filter(action="update_qr_code").get()
    assert sorted(log.metadata["changed"]) == ["location", "name"]
    for status, action, total in (("paused", "pause_qr_code", 0), ("archived", "archive_qr_code", 0),
                                  ("active", "activate_qr_code", 1)):
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=qr.pk, status=status)
        assert ActivityLog.objects.filter(action=action, entity_id=str(qr.pk)).exists()
        org_a.refresh_from_db()
        assert org_a.total_qr_codes == total
    with pytest.raises(ValidationFailed):
        qr_code_set_status(organization=org_a, actor=admin_a, qr_code_id=qr.pk, status="deleted")


def test_update_validates_the_destination(org_a, admin_a, bound_a):
    qr = make_qr(org_a, admin_a)
    with pytest.raises(ValidationFailed):
        qr_code_update(organization=org_a, actor=admin_a, qr_code_id=qr.pk, data={"qr_url": "javascript:alert(1)"})
    with pytest.raises(ValidationFailed):
        qr_code_update(organization=org_a, actor=admin_a, qr_code_id=qr.pk, data={"qr_url": ""})
    qr.refresh_from_db()
    assert qr.qr_url == "https://pizzapalace.com/menu"


def test_delete_removes_scans_and_their_count(org_a, admin_a, bound_a, scanner):
    keep = make_qr(org_a, admin_a, name="keep")
    gone = make_qr(org_a, admin_a, name="gone")
    for qr in (keep, gone, gone):
        scanner.get(f"/s/{qr.short_code}", REMOTE_ADDR=f"198.51.100.{ScanEvent.all_orgs.count() + 1}")
    scan_batch_process()
    org_a.refresh_from_db()
    assert org_a.total_qr_scans == 3
    qr_code_delete(organization=org_a, actor=admin_a, qr_code_id=gone.pk)
    org_a.refresh_from_db()
    assert (org_a.total_qr_scans, org_a.total_qr_codes) == (1, 1)
    assert list(ScanEvent.objects.values_list("qr_code_id", flat=True)) == [keep.pk]
    assert ActivityLog.objects.filter(action="delete_qr_code", entity_id=str(gone.pk)).exists()


def test_another_organizations_code_is_not_found(org_a, admin_a, org_b, admin_b, bound_a):
    from core.errors import NotFound

    theirs = make_qr(org_b, admin_b)
    for call in (
        lambda: qr_code_update(organization=org_a, actor=admin_a, qr_code_id=theirs.pk, data={"name": "mine"}),
        lambda: qr_code_delete(organization=org_a, actor=admin_a, qr_code_id=theirs.pk),
        lambda: qr_code_update(organization=org_a, actor=admin_a, qr_code_id="nope", data={}),
    ):
        with pytest.raises(NotFound):
            call()
    assert Organization.objects.get(pk=org_b.pk).total_qr_codes == 1
