"""Creating many QR codes from a CSV file (name, destination, location, campaign).

The file is read, every row validated, and the codes created all together or not at all
(qrcodes.services.qr_codes_create_many: one lock on the organization, the plan limit checked
for the whole file under it, so two imports at once never pass the limit together).

- bulk_import_start stores the file as a BulkImport. Files of up to INLINE_MAX_ROWS rows are
  run at once in the request; larger ones are queued (studio.tasks.bulk_import_run_task).
- bulk_import_run validates row by row *outside* the creating transaction, writing
  processed_rows every PROGRESS_EVERY rows so a status page can show progress, then creates
  the codes in one transaction. Any problem ends it as FAILED with a per-row report: the
  row number as a spreadsheet shows it (the header is row 1), the column and a sentence.

Errors are dicts {"row": int | None, "column": str, "message": str}; `row` is None for a
problem with the whole file (the plan limit, too many rows)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from campaigns.models import Campaign
from core.errors import DomainError, NotFound, ValidationFailed
from core.humanize import size_words
from core.ids import as_uuid
from qrcodes.services import qr_codes_create_many, qr_url_validate
from studio.models import BulkImport
from tenants.models import Organization, User
from tenants.roles import can_write, require_writer
from uploads.errors import FileTooLarge

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 1000
INLINE_MAX_ROWS = 200
PROGRESS_EVERY = 25
MAX_REPORTED_ERRORS = 500
TEXT_LIMIT = 255
COLUMNS = ("name", "destination", "location", "campaign")
REQUIRED_COLUMNS = ("name", "destination")
SAMPLE_CSV = (
    "name,destination,location,campaign\r\n"
    "Table 1 menu,https://example.com/menu,Dining room,\r\n"
    "Window poster,https://example.com/offers?utm_source=poster,High street window,\r\n"
    "Flyer,https://example.com/flyer,,\r\n"
)


def _error(row: int | None, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


@dataclass
class ParsedCSV:
    """Rows ready for qr_codes_create_many (each with its spreadsheet row number under
    "row"), or the problems found. `total_rows` counts the non-blank data rows."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total_rows: int = 0


def bulk_import_decode(data: bytes) -> str:
    """The text of an uploaded CSV: at most MAX_FILE_BYTES, UTF-8 (with or without the BOM
    Excel writes), no NUL. FileTooLarge (413) or ValidationFailed on the "file" field."""
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge({"file": f"The file is {size_words(len(data))}; a CSV import takes at most "
                                    f"{size_words(MAX_FILE_BYTES)} ({MAX_ROWS:,} rows). Split it into smaller files."})
    if not data.strip():
        raise ValidationFailed({"file": "The file is empty."})
    if b"\x00" in data:
        raise ValidationFailed({"file": "The file contains NUL bytes: it is not a CSV text file (a spreadsheet "
                                        "or UTF-16 text?). In your spreadsheet choose Save as → CSV UTF-8."})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "The file is not UTF-8 text. In your spreadsheet choose "
                                        "Save as → CSV UTF-8."}) from None


def _delimiter(text: str) -> str:
    # Spreadsheets in many locales write ";" (comma is their decimal mark); tabs from copy-paste.
    first = text.split("\n", 1)[0]
    if "," not in first:
        for candidate in (";", "\t"):
            if candidate in first:
                return candidate
    return ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of every non-blank record; a quoted cell may span lines
    and still counts as one row, as a spreadsheet shows it. csv.Error passes through."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    for number, cells in enumerate(reader, start=1):
        if any(cell.strip() for cell in cells):
            yield number, cells


def bulk_import_count(text: str) -> int:
    """The number of non-blank data rows (the header excluded); a file that cannot be read
    as CSV counts what was read before the problem (bulk_import_parse reports it)."""
    count = 0
    try:
        for _ in _records(text):
            count += 1
    except csv.Error:
        pass
    return max(count - 1, 0)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header(number: int, cells: list[str]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Column name -> index, or the header's problems."""
    names = [cell.strip().lower() for cell in cells]
    errors: list[dict[str, Any]] = []
    if not any(name in COLUMNS for name in names):
        shown = ", ".join(cell.strip() for cell in cells[:4] if cell.strip())
        return {}, [_error(number, "", f"The first row must be the header, naming the columns: {', '.join(COLUMNS)}. "
                                       f"It reads: {shown[:200]}.")]
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        letter = _column_letter(i)
        if name in COLUMNS and name in index:
            errors.append(_error(number, name, f"Column {letter} repeats “{name}”: each column may appear once."))
        elif name in COLUMNS:
            index[name] = i
        elif not name:
            errors.append(_error(number, letter, f"Column {letter} has no heading: remove the column, or name it "
                                                 f"one of {', '.join(COLUMNS)}."))
        else:
            errors.append(_error(number, cells[i].strip()[:80],
                                 f"Column {letter} “{cells[i].strip()[:80]}” is not one of {', '.join(COLUMNS)}: "
                                 "remove the column or rename it."))
    for name in REQUIRED_COLUMNS:
        if name not in index:
            errors.append(_error(number, name, f"The header has no “{name}” column; it is required."))
    return index, errors


class _CampaignNames:
    """The organization's campaigns by name, case-insensitively."""

    def __init__(self, organization: Organization) -> None:
        self.by_name: dict[str, list[Any]] = {}
        for pk, name in Campaign.objects.filter(organization=organization).values_list("pk", "name"):
            self.by_name.setdefault(name.strip().casefold(), []).append(pk)

    def find(self, name: str) -> tuple[Any, str | None]:
        found = self.by_name.get(name.casefold(), [])
        if not found:
            return None, (f"No campaign named “{name[:80]}” in your organization: create it first, "
                          "or leave the cell empty.")
        if len(found) > 1:
            return None, f"{len(found)} campaigns are named “{name[:80]}”: rename one, or leave the cell empty."
        return found[0], None


def _row(number: int, cells: list[str], index: dict[str, int], campaigns: _CampaignNames,
         ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    width = max(index.values()) + 1
    if any(cell.strip() for cell in cells[width:]):
        return None, [_error(number, "", f"This row has {len(cells)} cells; the header names {width} columns.")]

    def cell(name: str) -> str:
        i = index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    errors: list[dict[str, Any]] = []
    name, location, destination, campaign = cell("name"), cell("location"), cell("destination"), cell("campaign")
    if not name:
        errors.append(_error(number, "name", "A name is required."))
    for column, value in (("name", name), ("location", location)):
        if len(value) > TEXT_LIMIT:
            errors.append(_error(number, column, f"At most {TEXT_LIMIT} characters (this has {len(value):,})."))
    url = ""
    if not destination:
        errors.append(_error(number, "destination", "A destination URL is required."))
    else:
        try:
            url = qr_url_validate(destination)
        except ValidationFailed as err:
            message = str(err.detail.get("qr_url") if isinstance(err.detail, dict) else err.detail)
            if "://" not in destination and "." in destination and " " not in destination:
                message += f" Add https:// in front: https://{destination[:80]}"
            errors.append(_error(number, "destination", message))
    campaign_id = None
    if campaign:
        campaign_id, problem = campaigns.find(campaign)
        if problem:
            errors.append(_error(number, "campaign", problem))
    if errors:
        return None, errors
    return {"row": number, "name": name, "location": location, "qr_url": url, "campaign_id": campaign_id}, []


def bulk_import_parse(*, organization: Organization, text: str,
                      progress: Callable[[int], None] | None = None) -> ParsedCSV:
    """Read and validate a CSV (text from bulk_import_decode) for `organization` (its
    campaigns are matched by name). Never raises for bad content: every problem is in
    `errors`. `progress(n)` is called every PROGRESS_EVERY data rows."""
    parsed = ParsedCSV()
    if "\x00" in text:
        parsed.errors.append(_error(None, "", "The file contains NUL characters: it is not a CSV text file."))
        return parsed
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        parsed.errors.append(_error(None, "", f"A CSV import takes at most {size_words(MAX_FILE_BYTES)}."))
        return parsed
    parsed.total_rows = bulk_import_count(text)
    if parsed.total_rows > MAX_ROWS:
        parsed.errors.append(_error(None, "", f"The file has {parsed.total_rows:,} rows; an import takes at most "
                                              f"{MAX_ROWS:,}. Split it into smaller files."))
        return parsed
    records = _records(text)
    index: dict[str, int] | None = None
    campaigns = _CampaignNames(organization)
    done = 0
    number = 1
    try:
        for number, cells in records:
            if index is None:
                index, header_errors = _header(number, cells)
                if header_errors:
                    parsed.errors.extend(header_errors)
                    return parsed
                continue
            row, errors = _row(number, cells, index, campaigns)
            if row is not None:
                parsed.rows.append(row)
            parsed.errors.extend(errors)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
    except csv.Error as err:
        parsed.errors.append(_error(number + 1, "", f"This row cannot be read as CSV ({err})."))
    if index is None:
        parsed.errors.append(_error(1, "", f"The file has no header row: the first row must name the columns "
                                           f"{', '.join(COLUMNS)}."))
    elif done == 0 and not parsed.errors:
        parsed.errors.append(_error(None, "", "The file has a header but no rows of codes."))
    return parsed


def bulk_import_get(*, organization: Organization, import_id: Any) -> BulkImport:
    """One of the organization's imports; NotFound for a malformed, missing or another
    organization's id alike."""
    pk = as_uuid(import_id)
    found = BulkImport.objects.filter(organization=organization, pk=pk).first() if pk else None
    if found is None:
        raise NotFound("Import not found.")
    return found


def _file_name(name: Any) -> str:
    text = str(name or "").replace("\x00", "").strip()
    return text[:255] or "import.csv"


def bulk_import_start(*, organization: Organization, actor: User, file_name: Any, data: bytes) -> BulkImport:
    """Store an uploaded CSV and run it (Admins and Editors). Up to INLINE_MAX_ROWS rows it is
    run now and the import comes back finished (DONE or FAILED); larger files come back
    PENDING and a worker runs them once this transaction commits. FileTooLarge /
    ValidationFailed when the bytes are not a CSV text file (nothing stored)."""
    require_writer(actor, organization)
    text = bulk_import_decode(data)
    total = bulk_import_count(text)
    imported = BulkImport.objects.create(organization=organization, created_by=actor, file_name=_file_name(file_name),
                                         source=text, total_rows=total)
    if total <= INLINE_MAX_ROWS or total > MAX_ROWS:  # small, or refused at once
        return bulk_import_run(organization=organization, import_id=imported.pk)
    transaction.on_commit(lambda: _enqueue(organization, imported.pk))
    return imported


def _enqueue(organization: Organization, import_id: Any) -> None:
    from studio.tasks import bulk_import_run_task  # the task module imports this one

    try:
        bulk_import_run_task.delay(str(organization.pk), str(import_id))
    except (KombuError, RedisError, OSError) as err:
        # No broker: the file is at most MAX_ROWS rows, so running it here takes seconds.
        logger.warning("bulk import %s run in the request: broker unavailable (%s)", import_id, err)
        bulk_import_run(organization=organization, import_id=import_id)


INVALID_CSV = "invalid_csv"


def _finish(imported: BulkImport, errors: list[dict[str, Any]], code: str = INVALID_CSV) -> BulkImport:
    """End an import as FAILED with its report. `failure_code` (not stored) tells a caller that
    ran it inline why: INVALID_CSV, or the DomainError's code (plan limit, role)."""
    if len(errors) > MAX_REPORTED_ERRORS:
        more = len(errors) - MAX_REPORTED_ERRORS
        errors = [*errors[:MAX_REPORTED_ERRORS],
                  _error(None, "", f"…and {more:,} more problems. Fix these and upload the file again.")]
    BulkImport.objects.filter(pk=imported.pk).update(status=BulkImport.Status.FAILED, errors=errors,
                                                     processed_rows=imported.total_rows, finished_at=timezone.now())
    imported.refresh_from_db()
    imported.failure_code = code
    return imported


def _actor_problem(imported: BulkImport, organization: Organization) -> str | None:
    if organization.status != Organization.Status.ACTIVE:
        return "The organization is not active: nothing can be created."
    actor = imported.created_by
    if actor is None or actor.organization_id != organization.pk or not actor.is_active:
        return "The person who uploaded the file is no longer a member of the organization."
    if not can_write(actor):
        return "The person who uploaded the file can no longer create QR codes (Viewer)."
    return None


def bulk_import_run(*, organization: Organization, import_id: Any) -> BulkImport:
    """Validate and create the codes of a stored import (the task, or bulk_import_start for
    small files), as the member who uploaded it. Safe to run twice: an import that finished
    is returned as it is, and creating locks the import row first."""
    imported = bulk_import_get(organization=organization, import_id=import_id)
    if imported.status in (BulkImport.Status.DONE, BulkImport.Status.FAILED):
        return imported
    BulkImport.objects.filter(pk=imported.pk).update(status=BulkImport.Status.RUNNING, processed_rows=0)
    problem = _actor_problem(imported, organization)
    if problem:
        return _finish(imported, [_error(None, "", problem)], code="permission_denied")
    actor = imported.created_by

    def progress(done: int) -> None:  # committed at once: a status page polls it
        BulkImport.objects.filter(pk=imported.pk).update(processed_rows=done)

    parsed = bulk_import_parse(organization=organization, text=imported.source, progress=progress)
    if parsed.errors:
        return _finish(imported, parsed.errors)
    try:
        with transaction.atomic():
            locked = BulkImport.objects.select_for_update().get(pk=imported.pk)
            if locked.status in (BulkImport.Status.DONE, BulkImport.Status.FAILED):
                return locked  # another run of the same import finished first
            codes = qr_codes_create_many(organization=organization, actor=actor,
                                         rows=[{k: v for k, v in row.items() if k != "row"} for row in parsed.rows])
            BulkImport.objects.filter(pk=imported.pk).update(
                status=BulkImport.Status.DONE, created_count=len(codes), processed_rows=len(parsed.rows),
                errors=[], finished_at=timezone.now(),
            )
    except ValidationFailed as err:  # a campaign deleted since validation, say
        return _finish(imported, _row_errors(err, parsed.rows))
    except DomainError as err:  # the plan limit, a role changed
        detail = err.detail if isinstance(err.detail, str) else " ".join(map(str, dict(err.detail).values()))
        return _finish(imported, [_error(None, "", detail)], code=err.code)
    imported.refresh_from_db()
    return imported


_CSV_COLUMN = {"qr_url": "destination", "campaign_id": "campaign"}


def _row_errors(err: ValidationFailed, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """qr_codes_create_many's `rows.<i>.<field>` refusals as the file's rows and columns."""
    out = []
    for key, message in (err.detail.items() if isinstance(err.detail, dict) else [("", err.detail)]):
        parts = str(key).split(".")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit() and int(parts[1]) < len(rows):
            out.append(_error(rows[int(parts[1])]["row"], _CSV_COLUMN.get(parts[2], parts[2]), str(message)))
        else:
            out.append(_error(None, "", str(message)))
    return out


def bulk_import_json(imported: BulkImport) -> dict[str, Any]:
    """What the status page polls and the API returns."""
    return {
        "id": str(imported.pk), "file_name": imported.file_name, "status": imported.status,
        "total_rows": imported.total_rows, "processed_rows": imported.processed_rows,
        "created_count": imported.created_count, "errors": imported.errors,
        "created_at": imported.created_at.isoformat() if imported.created_at else None,
        "finished_at": imported.finished_at.isoformat() if imported.finished_at else None,
    }

