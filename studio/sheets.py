"""Print files of many codes at once (any member of the organization may download them):

- `artwork_zip`: one print file per code in a ZIP, each stored as the code's next numbered
  artwork version through studio.services.artwork_create (a reprint is byte-identical);
- `artwork_sheet_pdf`: one PDF laid out for printing (labels, table tents): N codes per A4 or
  Letter page, vector artwork scaled into each cell, the code's name under it.

Both check every code before anything is stored or drawn: one code that is not print-ready
refuses the whole download (NotPrintReady naming each failing code and why). The checks are
pure computation (render, decode), so they run on a few threads; database reads stay on the
caller's thread. At most MAX_CODES codes per request; an id that is missing, malformed or
another organization's is NotFound, and the answer does not say which one."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify
from reportlab.graphics import renderPDF
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from qrcodes.models import QRCode
from qrcodes.selectors import short_url
from studio import selectors
from studio.checks import CheckReport, design_check
from studio.design import Design
from studio.errors import NotPrintReady
from studio.output import OutputOptions
from studio.render import Layout, artwork_drawing, artwork_layout
from studio.services import artwork_file, artwork_store
from tenants.models import Organization, User
from tenants.roles import require_member

ZIP_PNG_PIXELS = 200 * 1200 ** 2  # a ZIP of PNGs is rendered in the request: 200 at 1,200 px at most
MAX_CODES = 200  # checked and drawn in the request: ~11 s at 200 (bench), inside gunicorn's 30 s
PAPERS = {"a4": A4, "letter": LETTER}
PAPER_LABELS = {"a4": "A4", "letter": "US Letter"}
GRIDS = {1: (1, 1), 2: (1, 2), 4: (2, 2), 6: (2, 3), 8: (2, 4), 12: (3, 4), 20: (4, 5)}  # per page: (cols, rows)
CHECK_DPI = 300  # a sheet's codes are checked as a 300 dpi print of their cell
_MM = 72 / 25.4
PAGE_MARGIN = 10 * _MM
CELL_PAD = 4 * _MM
NAME_FONT = "Helvetica"
_TRUE = ("1", "true", "yes", "on")
_CHECK_THREADS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class SheetOptions:
    paper: str = "a4"
    per_page: int = 6
    name_under: bool = True
    cut_lines: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"paper": self.paper, "per_page": self.per_page, "name_under": self.name_under,
                "cut_lines": self.cut_lines}


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in (*_TRUE, "0", "false", "no", "off"):
        return value.lower() in _TRUE
    raise ValidationFailed({"flag": "Use true or false."})


def sheet_parse(data: Mapping[str, Any], *, form: bool = False) -> SheetOptions:
    """Validate paper=a4|letter, per_page (one of GRIDS), name_under, cut_lines. On an HTML
    form (`form`) an unchecked box is absent and means false."""
    errors: dict[str, str] = {}
    paper = data.get("paper") or "a4"
    if not isinstance(paper, str) or paper.lower() not in PAPERS:
        errors["paper"] = "Use a4 or letter."
        paper = "a4"
    raw = data.get("per_page")
    per_page = 6
    if raw not in (None, ""):
        try:
            per_page = int(raw) if not isinstance(raw, (bool, float)) else -1
        except (TypeError, ValueError):
            per_page = -1
        if per_page not in GRIDS:
            errors["per_page"] = f"Codes per page: one of {', '.join(map(str, GRIDS))}."
    flags = {}
    for name, default in (("name_under", not form), ("cut_lines", False)):
        try:
            flags[name] = _flag(data.get(name), default)
        except ValidationFailed:
            errors[name] = "Use true or false."
    if errors:
        raise ValidationFailed(errors)
    return SheetOptions(paper=paper.lower(), per_page=per_page, **flags)


def qr_code_ids_parse(raw: Any) -> list[uuid.UUID]:
    """A request's list of code ids, in order and without repeats: ValidationFailed when it is
    not a list of 1 to MAX_CODES strings, NotFound when one is not even an id (a malformed id
    answers like a missing one)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed({"qr_code_ids": "Choose at least one QR code."})
    if len(raw) > MAX_CODES:
        raise ValidationFailed({"qr_code_ids": f"At most {MAX_CODES} QR codes at once; you chose {len(raw):,}."})
    if not all(isinstance(x, str) for x in raw):
        raise ValidationFailed({"qr_code_ids": "Send the ids as a list of strings."})
    ids: list[uuid.UUID] = []
    for value in raw:
        pk = as_uuid(value)
        if pk is None:
            raise NotFound("One or more QR codes were not found.")
        if pk not in ids:
            ids.append(pk)
    return ids


def _codes(organization: Organization, ids: list[uuid.UUID]) -> list[QRCode]:
    found = {qr.pk: qr for qr in QRCode.objects.filter(organization=organization, pk__in=ids)}
    if len(found) != len(ids):
        raise NotFound("One or more QR codes were not found.")
    return [found[pk] for pk in ids]


@dataclass
class _Job:
    """One code's artwork, read on the caller's thread and checked on a worker thread."""

    qr: QRCode
    design: Design
    layout: Layout | None = None
    logo_png: bytes | None = None
    width_mm: float | None = None
    problem: str = ""  # found while reading (a logo deleted since), before any check
    report: CheckReport | None = None  # a passed check (ZIP: stored with the file)


def _label(qr: QRCode) -> str:
    return f"{qr.name} ({qr.short_code})"


def _jobs(organization: Organization, codes: list[QRCode]) -> list[_Job]:
    designs = selectors.designs_for(organization=organization, qr_ids=[qr.pk for qr in codes])
    jobs = []
    for qr in codes:
        job = _Job(qr, designs[qr.pk])
        try:
            job.logo_png = selectors.logo_png_for(organization=organization, design=job.design)
        except ValidationFailed as e:
            job.problem = " ".join(map(str, e.detail.values())) if isinstance(e.detail, dict) else str(e.detail)
        job.layout = artwork_layout(short_url(qr), job.design)
        jobs.append(job)
    return jobs


@contextmanager
def _checked(jobs: list[_Job], check: Callable[[_Job], CheckReport]) -> Iterator[None]:
    """Check every job on a few threads while the body runs (the sheet draws meanwhile: the
    checks spend their time in resvg and zxing-cpp, the drawing in Python); on leaving, raise
    NotPrintReady naming every failing code with its reasons. A body that raises first wins."""

    def verdict(job: _Job) -> str:
        if job.problem:
            return job.problem
        return " ".join(f"{c.label}: {c.detail}" for c in check(job).failures)

    with ThreadPoolExecutor(_CHECK_THREADS, thread_name_prefix="artwork-check") as pool:
        verdicts = [pool.submit(verdict, job) for job in jobs]
        try:
            yield
        except BaseException:
            for future in verdicts:
                future.cancel()
            raise
        failures = {_label(job.qr): reason for job, future in zip(jobs, verdicts, strict=True)
                    if (reason := future.result())}
    if failures:
        raise NotPrintReady(failures)


def _zip_name(qr: QRCode, number: int, ext: str, taken: set[str]) -> str:
    stem = f"{(slugify(qr.name) or 'qr-code')[:60]}-{qr.short_code}-v{number}"
    name, n = f"{stem}.{ext}", 1
    while name in taken:  # short codes are unique, so only a repeated code could collide
        n += 1
        name = f"{stem}-{n}.{ext}"
    taken.add(name)
    return name


def artwork_zip(*, organization: Organization, actor: User, qr_code_ids: Any, output: OutputOptions) -> bytes:
    """A ZIP of one print file per code (`<slug>-<short_code>-v<n>.<ext>`), each from the
    code's current design at `output` and stored as its next numbered artwork version (an
    identical earlier file is reused, as artwork_create does). Every code is checked first:
    NotPrintReady names each failing code and nothing is stored."""
    require_member(actor, organization)
    ids = qr_code_ids_parse(qr_code_ids)
    if output.format == "png" and len(ids) * output.pixels ** 2 > ZIP_PNG_PIXELS:
        most = max(1, ZIP_PNG_PIXELS // output.pixels ** 2)
        raise ValidationFailed({"qr_code_ids": f"PNGs {output.pixels:,} pixels wide: at most {most} codes in one ZIP. "
                                               "Choose fewer codes, a smaller size, or PDF (vector)."})
    codes = _codes(organization, ids)
    jobs = _jobs(organization, codes)

    files: dict[int, bytes] = {}

    def check(job: _Job) -> CheckReport:  # checked and rendered once, stored only if all pass
        body, report = artwork_file(layout=job.layout, output=output, logo_png=job.logo_png, data=short_url(job.qr))
        if body is not None:
            files[id(job)] = body
            job.report = report
        return report

    with _checked(jobs, check):
        pass  # nothing is stored before every code passed
    buffer, taken = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for job in jobs:
            body = files[id(job)]
            version = artwork_store(organization=organization, actor=actor, qr=job.qr, design=job.design,
                                    output=output, body=body, report=job.report)
            info = zipfile.ZipInfo(_zip_name(job.qr, version.number, output.format, taken),
                                   date_time=version.created_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return buffer.getvalue()


# ---- PDF sheet -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Grid:
    cols: int
    rows: int
    cell_w: float  # points
    cell_h: float
    name_size: float  # points; 0 without names
    page_w: float
    page_h: float

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of cell `index` on its page (filled row by row from the top)."""
        col, row = index % self.cols, index // self.cols
        return PAGE_MARGIN + col * self.cell_w, self.page_h - PAGE_MARGIN - (row + 1) * self.cell_h

    @property
    def name_band(self) -> float:
        return self.name_size * 1.8 if self.name_size else 0.0

    def artwork_width(self, layout: Layout) -> float:
        """Points: the widest the artwork fits in a cell, inside the padding, above the name."""
        room_w = self.cell_w - 2 * CELL_PAD
        room_h = self.cell_h - 2 * CELL_PAD - self.name_band
        return min(room_w, room_h * layout.width / layout.height)


def _grid(sheet: SheetOptions) -> _Grid:
    page_w, page_h = PAPERS[sheet.paper]
    cols, rows = GRIDS[sheet.per_page]
    name_size = (9.0 if sheet.per_page <= 8 else 8.0) if sheet.name_under else 0.0
    return _Grid(cols, rows, (page_w - 2 * PAGE_MARGIN) / cols, (page_h - 2 * PAGE_MARGIN) / rows, name_size,
                 page_w, page_h)


def name_fit(name: str, width: float, size: float) -> str:
    """`name` as it fits `width` points in Helvetica at `size`, cut with an ellipsis."""
    name = " ".join(name.split())
    if stringWidth(name, NAME_FONT, size) <= width:
        return name
    while name and stringWidth(name + "…", NAME_FONT, size) > width:
        name = name[:-1]
    return name.rstrip() + "…"


def _cut_lines(canvas: Canvas, grid: _Grid) -> None:
    """Dashed guides on the cell edges, where the sheet is cut into labels."""
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0.6)
    left, top = PAGE_MARGIN, grid.page_h - PAGE_MARGIN
    right, bottom = left + grid.cols * grid.cell_w, top - grid.rows * grid.cell_h
    for c in range(grid.cols + 1):
        canvas.line(left + c * grid.cell_w, bottom, left + c * grid.cell_w, top)
    for r in range(grid.rows + 1):
        canvas.line(left, top - r * grid.cell_h, right, top - r * grid.cell_h)
    canvas.restoreState()


def _draw_cell(canvas: Canvas, grid: _Grid, index: int, job: _Job) -> None:
    x0, y0 = grid.origin(index)
    width = job.width_mm * _MM
    height = width * job.layout.height / job.layout.width
    block = height + grid.name_band
    x = x0 + (grid.cell_w - width) / 2
    y = y0 + (grid.cell_h - block) / 2 + grid.name_band  # the artwork's bottom edge
    renderPDF.draw(artwork_drawing(job.layout, width_pt=width, logo_png=job.logo_png), canvas, x, y)
    if grid.name_size:
        canvas.setFont(NAME_FONT, grid.name_size)
        canvas.setFillGray(0)
        text = name_fit(job.qr.name, grid.cell_w - 2 * CELL_PAD, grid.name_size)
        canvas.drawCentredString(x0 + grid.cell_w / 2, y - grid.name_size * 1.3, text)


def artwork_sheet_pdf(*, organization: Organization, actor: User, qr_code_ids: Any, sheet: SheetOptions) -> bytes:
    """One PDF of the codes in the order given, `sheet.per_page` per A4 or Letter page (cells
    filled row by row), each code's artwork as vector scaled into its cell with a margin and
    its name under it (Helvetica, cut with an ellipsis to fit). Every code is checked at its
    cell's printed width at 300 dpi (studio.checks.design_check, the decoder included) first:
    NotPrintReady names each failing code. Sheets are not stored as artwork versions: a
    version is one code's print file."""
    require_member(actor, organization)
    codes = _codes(organization, qr_code_ids_parse(qr_code_ids))
    grid = _grid(sheet)
    jobs = _jobs(organization, codes)
    for job in jobs:
        job.width_mm = grid.artwork_width(job.layout) / _MM

    def check(job: _Job) -> CheckReport:
        return design_check(job.design, job.layout, data=short_url(job.qr), logo_png=job.logo_png,
                            width_mm=job.width_mm, dpi=CHECK_DPI)

    buffer = io.BytesIO()
    with _checked(jobs, check):  # drawn while checked; discarded if one fails
        canvas = Canvas(buffer, pagesize=(grid.page_w, grid.page_h), invariant=True)
        canvas.setTitle(f"QR codes of {organization.company_name}")
        canvas.setAuthor("Outbound Impact")
        for start in range(0, len(jobs), sheet.per_page):
            if sheet.cut_lines:
                _cut_lines(canvas, grid)
            for index, job in enumerate(jobs[start:start + sheet.per_page]):
                _draw_cell(canvas, grid, index, job)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()
