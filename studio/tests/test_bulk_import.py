"""The CSV import's services and task (studio.bulk_import, studio.tasks): reading and
validating a file row by row (spreadsheet row numbers), all-or-nothing creation, the plan
limit for the whole file (also with two imports at once), the queued path and its progress."""

from __future__ import annotations

import threading
import uuid
from unittest import mock

import pytest
from django.db import close_old_connections, connection, connections

from campaigns.models import Campaign
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from qrcodes.models import QRCode
from qrcodes.tests.conftest import make_qr
from studio import bulk_import as imports
from studio.models import BrandKit, BulkImport, QRDesign
from studio.tasks import bulk_import_run_task
from tenants.models import ActivityLog, Organization
from tenants.tests.factories import OrganizationFactory, UserFactory
from uploads.errors import FileTooLarge

HEADER = "name,destination,location,campaign"


def csv_bytes(n: int, *, header: str = HEADER, bad: dict[int, str] | None = None, bom: bool = False) -> bytes:
    """`n` good rows; bad maps a data row index (0-based) to a replacement line."""
    lines = [header]
    for i in range(n):
        lines.append((bad or {}).get(i, f"Table {i + 1},https://menu.example/t/{i + 1},Room {i % 3},"))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def parse(org, text: str) -> imports.ParsedCSV:
    return imports.bulk_import_parse(organization=org, text=text)


def start(org, user, data: bytes, name: str = "codes.csv") -> BulkImport:
    return imports.bulk_import_start(organization=org, actor=user, file_name=name, data=data)


@pytest.fixture
def big_org(db):
    return OrganizationFactory(company_name="Big Co", plan_type="enterprise")


@pytest.fixture
def big_admin(big_org):
    return UserFactory(organization=big_org, email="admin@big.example", role="Admin")


# --- reading and validating ---------------------------------------------------------------------

def test_columns_in_any_order_bom_blank_lines_and_case_insensitive_campaign(org_a, bound_a):
    spring = Campaign.objects.create(organization=org_a, name="Spring Sale")
    text = imports.bulk_import_decode(
        "\ufeffDestination, NAME ,Campaign,location\r\n"
        "https://a.example/1,Menu one,spring sale,Patio\r\n"
        "\r\n"
        '"https://a.example/2","Menu, two",,"Bar\nupstairs"\r\n'.encode())
    parsed = parse(org_a, text)
    assert parsed.errors == []
    assert parsed.total_rows == 2
    assert parsed.rows == [
        {"row": 2, "name": "Menu one", "location": "Patio", "qr_url": "https://a.example/1", "campaign_id": spring.pk},
        {"row": 4, "name": "Menu, two", "location": "Bar\nupstairs", "qr_url": "https://a.example/2",
         "campaign_id": None},
    ]


def test_semicolon_files_from_spreadsheets_are_read(org_a, bound_a):
    parsed = parse(org_a, "name;destination\nMenu;https://a.example/\n")
    assert parsed.errors == [] and parsed.rows[0]["name"] == "Menu"


def test_row_errors_name_the_spreadsheet_row_and_column(org_a, org_b, bound_a):
    with bind_organization(org_b):
        Campaign.objects.create(organization=org_b, name="Theirs")
    text = (HEADER + "\n"
            "Good,https://a.example/,,\n"                # row 2
            ",https://a.example/,,\n"                    # row 3: no name
            "Bad URL,javascript:alert(1),,\n"            # row 4
            f"{'x' * 256},https://a.example/,,\n"        # row 5: name too long
            "No campaign,https://a.example/,,Theirs\n"   # row 6: another organization's campaign
            "No URL,,,\n"                                # row 7
            "Too wide,https://a.example/,,,extra\n")     # row 8
    parsed = parse(org_a, text)
    found = [(e["row"], e["column"]) for e in parsed.errors]
    assert found == [(3, "name"), (4, "destination"), (5, "name"), (6, "campaign"), (7, "destination"), (8, "")]
    messages = {e["row"]: e["message"] for e in parsed.errors}
    assert "http:// or https://" in messages[4]
    assert "At most 255 characters (this has 256)" in messages[5]
    assert "No campaign named “Theirs”" in messages[6]
    assert "5 cells" in messages[8]


@pytest.mark.parametrize(("header", "expected"), [
    ("name,destination,url", "Column C “url” is not one of name, destination, location, campaign"),
    ("name,destination,,", "Column C has no heading"),
    ("name,destination,name", "Column C repeats “name”"),
    ("name,location", "The header has no “destination” column"),
    ("Table 1,https://a.example/", "The first row must be the header"),
])
def test_header_problems_are_refused_with_a_clear_message(org_a, bound_a, header, expected):
    parsed = parse(org_a, header + "\nMenu,https://a.example/\n")
    assert parsed.rows == []
    assert any(expected in e["message"] and e["row"] == 1 for e in parsed.errors), parsed.errors


def test_two_campaigns_with_the_same_name_are_ambiguous(org_a, bound_a):
    Campaign.objects.create(organization=org_a, name="Summer")
    Campaign.objects.create(organization=org_a, name="SUMMER")
    parsed = parse(org_a, HEADER + "\nMenu,https://a.example/,,summer\n")
    assert parsed.errors[0]["column"] == "campaign" and "2 campaigns are named" in parsed.errors[0]["message"]


def test_header_only_and_too_many_rows(org_a, bound_a):
    assert "no rows" in parse(org_a, HEADER + "\n").errors[0]["message"]
    parsed = parse(org_a, csv_bytes(imports.MAX_ROWS + 1).decode())
    assert parsed.rows == [] and parsed.errors[0]["row"] is None
    assert "1,001 rows; an import takes at most 1,000" in parsed.errors[0]["message"]


@pytest.mark.parametrize(("data", "error", "words"), [
    (b"", ValidationFailed, "empty"),
    (b"name,destination\nMenu\x00,https://a.example/\n", ValidationFailed, "NUL"),
    ("name,destination\nCaf\xe9,https://a.example/\n".encode("latin-1"), ValidationFailed, "not UTF-8"),
    ("name,destination\n".encode("utf-16"), ValidationFailed, "NUL"),
    (b"name,destination\n" + b"x" * imports.MAX_FILE_BYTES, FileTooLarge, "at most 1.0 MB"),
])
def test_bytes_that_are_not_a_csv_text_file_are_refused(data, error, words):
    with pytest.raises(error) as exc:
        imports.bulk_import_decode(data)
    assert words in exc.value.detail["file"]
    assert exc.value.status_code == (413 if error is FileTooLarge else 400)


def test_a_cell_too_long_for_the_csv_reader_is_a_row_error(org_a, bound_a):
    parsed = parse(org_a, HEADER + "\nMenu,https://a.example/,,\n" + "x" * 140_000 + ",https://a.example/,,\n")
    assert parsed.errors[-1]["row"] == 3 and "cannot be read as CSV" in parsed.errors[-1]["message"]


# --- creating: all or nothing -----------------------------------------------------------------

def test_codes_join_the_campaign_named_in_their_row(org_a, admin_a, bound_a):
    spring = Campaign.objects.create(organization=org_a, name="Spring Sale")
    imported = start(org_a, admin_a, (HEADER + "\nMenu,https://a.example/,Patio,SPRING SALE\n"
                                               "Flyer,https://a.example/f,,\n").encode())
    assert imported.status == "done", imported.errors
    assert QRCode.objects.get(name="Menu").campaign == spring
    assert QRCode.objects.get(name="Flyer").campaign is None


def test_create_many_names_the_row_it_refuses(org_a, admin_a, org_b, bound_a):
    from qrcodes.services import qr_codes_create_many

    with bind_organization(org_b):
        theirs = Campaign.objects.create(organization=org_b, name="Theirs")
    rows = [{"name": "ok", "qr_url": "https://a.example/"},
            {"name": "bad", "qr_url": "https://a.example/", "campaign_id": str(theirs.pk)}]
    with pytest.raises(ValidationFailed) as exc:
        qr_codes_create_many(organization=org_a, actor=admin_a, rows=rows)
    assert exc.value.detail == {"rows.1.campaign_id": "Not found in your organization."}
    assert QRCode.objects.filter(organization=org_a).count() == 0


def test_fifty_rows_create_fifty_codes_inline_with_one_activity_row(big_org, big_admin):
    with bind_organization(big_org):
        kit = BrandKit.objects.create(organization=big_org, name="House", design={"fg": "#123456"}, is_default=True)
        imported = start(big_org, big_admin, csv_bytes(50, bom=True))
        assert imported.status == "done" and imported.created_count == 50 == imported.processed_rows
        assert imported.total_rows == 50 and imported.errors == [] and imported.finished_at is not None
        codes = QRCode.objects.filter(organization=big_org)
        assert codes.count() == 50 and len({c.short_code for c in codes}) == 50
        assert set(codes.values_list("created_by_user", flat=True)) == {big_admin.pk}
        assert codes.filter(name="Table 7", qr_url="https://menu.example/t/7", location="Room 0").exists()
        assert QRDesign.objects.filter(organization=big_org, brand_kit=kit).count() == 50  # the default kit
        log = ActivityLog.objects.get(organization=big_org, action__startswith="import")
        assert (log.action, log.metadata["count"], log.user) == ("import_qr_codes", 50, big_admin)
    big_org.refresh_from_db()
    assert big_org.total_qr_codes == 50


def test_two_bad_rows_create_nothing_and_report_both(big_org, big_admin):
    data = csv_bytes(50, bad={4: "Broken,not a url,,", 19: ",https://a.example/,,"})
    with bind_organization(big_org):
        imported = start(big_org, big_admin, data)
    assert imported.status == "failed" and imported.created_count == 0
    assert [(e["row"], e["column"]) for e in imported.errors] == [(6, "destination"), (21, "name")]
    assert QRCode.all_orgs.filter(organization=big_org).count() == 0
    assert not ActivityLog.objects.unscoped().filter(organization=big_org, action="import_qr_codes").exists()


def test_plan_limit_is_checked_for_the_whole_file(org_a, admin_a, bound_a):
    for i in range(3):
        make_qr(org_a, admin_a, name=f"existing {i}")
    imported = start(org_a, admin_a, csv_bytes(3))
    assert imported.status == "failed"
    assert imported.errors[0]["row"] is None
    assert "Your plan allows 5 active QR codes; you have 3, this import adds 3." in imported.errors[0]["message"]
    assert imported.failure_code == "plan_limit_exceeded"
    assert QRCode.objects.filter(organization=org_a).count() == 3
    # two rows fit
    assert start(org_a, admin_a, csv_bytes(2)).status == "done"
    org_a.refresh_from_db()
    assert org_a.total_qr_codes == 5


def test_viewers_cannot_import(org_a, viewer_a, bound_a):
    with pytest.raises(PermissionDenied):
        start(org_a, viewer_a, csv_bytes(1))
    assert not BulkImport.objects.filter(organization=org_a).exists()


def test_another_organizations_import_is_not_found(org_a, admin_a, org_b, admin_b):
    with bind_organization(org_b):
        theirs = start(org_b, admin_b, csv_bytes(1))
    with bind_organization(org_a), pytest.raises(NotFound):
        imports.bulk_import_get(organization=org_a, import_id=theirs.pk)
    with bind_organization(org_a), pytest.raises(NotFound):
        imports.bulk_import_get(organization=org_a, import_id="not-a-uuid\x00")


# --- the queued path --------------------------------------------------------------------------

def test_a_large_file_is_queued_after_commit_and_the_task_creates_it(big_org, big_admin,
                                                                      django_capture_on_commit_callbacks):
    with mock.patch.object(bulk_import_run_task, "delay") as delay, bind_organization(big_org):
        with django_capture_on_commit_callbacks(execute=True):
            imported = start(big_org, big_admin, csv_bytes(250))
            assert imported.status == "pending" and delay.call_count == 0  # not before the commit
        delay.assert_called_once_with(str(big_org.pk), str(imported.pk))
        assert QRCode.objects.filter(organization=big_org).count() == 0
    # The worker: no organization bound, the task binds it.
    assert bulk_import_run_task(str(big_org.pk), str(imported.pk)) == "done"
    imported.refresh_from_db()
    assert (imported.status, imported.created_count, imported.processed_rows) == ("done", 250, 250)
    assert QRCode.all_orgs.filter(organization=big_org).count() == 250
    # retried (acks_late): nothing more is created
    assert bulk_import_run_task(str(big_org.pk), str(imported.pk)) == "done"
    assert QRCode.all_orgs.filter(organization=big_org).count() == 250
    assert bulk_import_run_task(str(uuid.uuid4()), str(imported.pk)) is None
    assert bulk_import_run_task("not-an-id", str(imported.pk)) is None


def test_without_a_broker_a_large_file_is_run_in_the_request(big_org, big_admin, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError as BrokerDown

    with mock.patch.object(bulk_import_run_task, "delay", side_effect=BrokerDown("down")), bind_organization(big_org):
        with django_capture_on_commit_callbacks(execute=True):
            imported = start(big_org, big_admin, csv_bytes(201))
    imported.refresh_from_db()
    assert imported.status == "done" and imported.created_count == 201


def test_a_queued_import_whose_uploader_became_a_viewer_creates_nothing(big_org, big_admin):
    with mock.patch.object(bulk_import_run_task, "delay"), bind_organization(big_org):
        imported = start(big_org, big_admin, csv_bytes(250))
    big_admin.role = "Viewer"
    big_admin.save(update_fields=["role"])
    assert bulk_import_run_task(str(big_org.pk), str(imported.pk)) == "failed"
    imported.refresh_from_db()
    assert "can no longer create QR codes" in imported.errors[0]["message"]
    assert QRCode.all_orgs.filter(organization=big_org).count() == 0


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_every_25_rows_while_rows_are_checked():
    org = OrganizationFactory(plan_type="enterprise")
    admin = UserFactory(organization=org, role="Admin")
    with mock.patch.object(bulk_import_run_task, "delay"), bind_organization(org):
        imported = start(org, admin, csv_bytes(300))
    seen: list[tuple[str, int]] = []
    real_row = imports._row

    def watching_row(number, *args):
        if number % 50 == 0:  # what a status page polling from another connection reads
            def look() -> None:
                row = BulkImport.all_orgs.filter(pk=imported.pk).values_list("status", "processed_rows").get()
                seen.append(row)
                connections.close_all()
            t = threading.Thread(target=look)
            t.start()
            t.join()
        return real_row(number, *args)

    with mock.patch.object(imports, "_row", watching_row):
        assert bulk_import_run_task(str(org.pk), str(imported.pk)) == "done"
    close_old_connections()
    assert seen[0] == ("running", 25)  # row 50 is the 49th data row
    assert [n for _, n in seen] == sorted(n for _, n in seen) and seen[-1][1] >= 275
    assert {s for s, _ in seen} == {"running"}
    assert QRCode.all_orgs.filter(organization=org).count() == 300


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_never_pass_the_plan_limit():
    org = OrganizationFactory(plan_type="small_business")  # 5 active codes
    admin = UserFactory(organization=org, role="Admin")
    editor = UserFactory(organization=org, role="Editor")
    make_qr(org, admin, name="existing")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(user) -> None:
        try:
            with bind_organization(org):
                barrier.wait()
                results.append(start(org, user, csv_bytes(3)).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in (admin, editor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    assert sorted(results) == ["done", "failed"]
    org.refresh_from_db()
    assert org.total_qr_codes == 4 == QRCode.all_orgs.filter(organization=org, status="active").count()
    failed = BulkImport.all_orgs.get(organization=org, status="failed")
    assert "you have 4, this import adds 3" in failed.errors[0]["message"]
    assert Organization.objects.filter(pk=org.pk).exists()
