"""The print page (`/qrcodes/print`): tick many codes (all, or a campaign's) and download them as
a ZIP of print files or as one PDF sheet of labels. Any member may download. A refused download
re-renders the page with the reason: 400 bad options, 404 a code that is not the organization's,
422 a code that is not print-ready (each named)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from campaigns.selectors import campaign_get, campaign_list
from core.errors import DomainError, NotFound
from core.web import get_or_404
from qrcodes.selectors import qr_code_list
from studio import sheets
from studio.errors import NotPrintReady
from studio.output import DEFAULT_DPI, DEFAULT_MM, FORMATS, output_parse
from tenants.decorators import tenant_required

FIELD_LABELS = {
    "qr_code_ids": "QR codes", "format": "Format", "mm": "Printed width", "size": "Size", "dpi": "DPI",
    "distance_m": "Scanning distance", "paper": "Paper", "per_page": "Codes per page", "name_under": "Names",
    "cut_lines": "Cut lines", "output": "Output",
}


def _errors(err: DomainError) -> list[tuple[str, str]]:
    """(what, why) lines: a field and its message, or a code and why it is not print-ready."""
    if isinstance(err.detail, dict):
        return [(k if isinstance(err, NotPrintReady) else FIELD_LABELS.get(k, ""), str(v))
                for k, v in err.detail.items()]
    return [("", str(err.detail))]


def _page(request: HttpRequest, *, error: DomainError | None = None, status: int = 200) -> HttpResponse:
    org = request.organization
    data = request.POST if request.method == "POST" else request.GET
    campaign = None
    if data.get("campaign"):
        campaign = get_or_404(campaign_get, organization=org, campaign_id=data.get("campaign"))
    codes = qr_code_list(organization=org, campaign_id=campaign.pk if campaign else None).select_related("campaign")
    shown = list(codes[: sheets.MAX_CODES + 1])
    selected = set(request.POST.getlist("qr")) if request.method == "POST" else set()
    posted = request.method == "POST"
    return render(request, "studio/print.html", {
        "codes": shown[: sheets.MAX_CODES], "more": len(shown) > sheets.MAX_CODES, "max_codes": sheets.MAX_CODES,
        "campaign": campaign, "campaigns": campaign_list(organization=org), "selected": selected,
        "formats": list(FORMATS), "papers": sheets.PAPER_LABELS, "per_pages": list(sheets.GRIDS),
        "form": {
            "format": data.get("format") or "pdf", "mm": data.get("mm") or DEFAULT_MM,
            "dpi": data.get("dpi") or DEFAULT_DPI, "crop_marks": bool(data.get("crop_marks")),
            "paper": data.get("paper") or "a4", "per_page": str(data.get("per_page") or 6),
            "name_under": bool(data.get("name_under")) if posted else True, "cut_lines": bool(data.get("cut_lines")),
        },
        "errors": _errors(error) if error else [], "not_ready": isinstance(error, NotPrintReady),
    }, status=status)


@tenant_required
@require_safe
def print_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _form_status(err: DomainError) -> int:
    """A chosen code that is missing or another organization's is a bad form (400), as in the
    other forms; the rest keep their status (422 not print-ready, 403)."""
    return 400 if isinstance(err, NotFound) else err.status_code


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _stem(request: HttpRequest) -> str:
    return f"{slugify(request.organization.company_name)[:40] or 'qr'}-qr-codes"


@tenant_required
@require_POST
def print_zip(request: HttpRequest) -> HttpResponse:
    try:
        output = output_parse(request.POST)
        body = sheets.artwork_zip(organization=request.organization, actor=request.user,
                                  qr_code_ids=request.POST.getlist("qr"), output=output)
    except DomainError as err:
        return _page(request, error=err, status=_form_status(err))
    return _download(body, "application/zip", f"{_stem(request)}.zip")


@tenant_required
@require_POST
def print_sheet(request: HttpRequest) -> HttpResponse:
    try:
        sheet = sheets.sheet_parse(request.POST, form=True)
        body = sheets.artwork_sheet_pdf(organization=request.organization, actor=request.user,
                                        qr_code_ids=request.POST.getlist("qr"), sheet=sheet)
    except DomainError as err:
        return _page(request, error=err, status=_form_status(err))
    return _download(body, "application/pdf", f"{_stem(request)}-{sheet.per_page}-per-{sheet.paper}.pdf")


urlpatterns = [
    path("qrcodes/print", print_page, name="qrcodes-print"),
    path("qrcodes/print/zip", print_zip, name="qrcodes-print-zip"),
    path("qrcodes/print/sheet", print_sheet, name="qrcodes-print-sheet"),
]
