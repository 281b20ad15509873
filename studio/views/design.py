"""The studio page of one code: design controls with a live preview (an SVG of the unsaved
design) and a print-ready badge (the checks as JSON), Save, the download panel (a print file of
the saved design or of a brand kit, stored as a numbered artwork version) and the versions.

Views stay thin: the design is parsed by studio.design, validated and saved by studio.services,
print files are made by studio.services.artwork_create; a refused design is re-rendered with
its reasons (400 bad input, 403 a Viewer's save, 422 not print-ready)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, NotFound, ValidationFailed
from core.ids import as_uuid
from core.web import get_or_404
from qrcodes.models import QRCode
from qrcodes.selectors import qr_code_get, short_url
from studio import selectors, services
from studio.checks import CheckReport
from studio.design import DEFAULT, Design, design_from_form, design_load, design_parse
from studio.errors import NotPrintReady
from studio.output import DEFAULT_MM, OutputOptions, output_parse
from studio.render import artwork_layout, svg_render
from tenants.decorators import tenant_required
from tenants.models import Organization
from tenants.roles import WRITERS, require_writer
from uploads.selectors import upload_list

DESIGN_FIELDS = frozenset(DEFAULT.as_dict()) | {"bg_transparent"}
OUTPUT_FIELDS = ("format", "mm", "unit", "dpi", "crop_marks", "distance_m")
VERSIONS_SHOWN = 20
SAVED = "saved"  # the download panel's "This code's saved design"
FORMAT_CHOICES = (("pdf", "PDF (vector)"), ("png", "PNG"), ("svg", "SVG"), ("eps", "EPS"))


def _code(request: HttpRequest, qr_code_id: Any) -> QRCode:
    return get_or_404(qr_code_get, organization=request.organization, qr_code_id=qr_code_id)


def _logos(organization: Organization) -> list:
    """The organization's images a logo can be made of, newest first."""
    kinds = selectors.LOGO_TYPES | {t.upper() for t in selectors.LOGO_TYPES}
    return list(upload_list(organization=organization).filter(file_type__in=kinds))


def _query_design(organization: Organization, query: Any, saved: Design) -> Design:
    """The unsaved design the controls hold (no design field: the saved one), logo checked."""
    if not DESIGN_FIELDS & set(query):
        return saved
    design = design_from_form(query, base=saved)
    return services.design_validate(organization=organization, data=design, base=design)


def _check(organization: Organization, qr: QRCode, design: Design, output: OutputOptions | None) -> dict:
    """The badge's checks; a logo that cannot be read (deleted since) shows as a failing check."""
    try:
        report: CheckReport = services.artwork_check(organization=organization, qr=qr, design=design, output=output)
    except DomainError as err:
        reasons = err.detail.values() if isinstance(err.detail, dict) else [err.detail]
        return {"print_ready": False, "checks": [{"code": "logo", "ok": False, "label": "Logo", "detail": str(r)}
                                                 for r in reasons]}
    return report.as_dict()


def _download_values(data: Any) -> dict[str, str]:
    values = {"format": "pdf", "mm": f"{DEFAULT_MM}", "unit": "mm", "dpi": "300", "crop_marks": "", "distance_m": "",
              "design_source": SAVED}
    for name in values:
        if data and data.get(name) not in (None, ""):
            values[name] = str(data.get(name))[:40]
    return values


def _page(request: HttpRequest, qr: QRCode, *, shown: Design | None = None, errors: dict | None = None,
          download: dict | None = None, download_errors: dict | None = None, refusal: str = "",
          not_ready: list[str] | None = None, status: int = 200) -> HttpResponse:
    org = request.organization
    saved = selectors.design_for(organization=org, qr=qr)
    kits = list(selectors.brand_kit_list(organization=org))
    values = download or _download_values(None)
    try:
        output = output_parse({k: values[k] for k in OUTPUT_FIELDS})
    except ValidationFailed:
        output = OutputOptions()
    not_offered = WRITERS.not_offered(request.user, org)
    return render(request, "studio/studio.html", {
        "qr": qr, "short_url": short_url(qr), "design": shown or saved, "logos": _logos(org),
        "errors": errors or {}, "disabled": bool(not_offered), "not_offered": not_offered,
        "can_write": not not_offered, "refusal": refusal,
        "report": _check(org, qr, saved, output), "kits": kits,
        "kit_designs": {str(k.pk): design_load(k.design).as_dict() for k in kits},
        "formats": FORMAT_CHOICES, "download": values, "download_errors": download_errors or {}, "not_ready": not_ready or [],
        "versions": selectors.artwork_versions(organization=org, qr=qr)[:VERSIONS_SHOWN],
    }, status=status)


def _field_errors(err: DomainError) -> dict[str, str]:
    return {str(k): str(v) for k, v in err.detail.items()} if isinstance(err.detail, dict) else {"": str(err.detail)}


@tenant_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_page(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """GET: the studio. POST: save the design (Admins and Editors; a Viewer gets 403 with the
    reason, bad fields 400 with their errors)."""
    org = request.organization
    qr = _code(request, qr_code_id)
    if request.method != "POST":
        return _page(request, qr)
    try:
        require_writer(request.user, org)
    except DomainError as err:
        return _page(request, qr, refusal=str(err.detail), status=err.status_code)
    saved = selectors.design_for(organization=org, qr=qr)
    try:
        design = design_from_form(request.POST, base=saved)
        design = services.design_validate(organization=org, data=design, base=design)
        services.qr_design_save(organization=org, actor=request.user, qr_code_id=qr.pk, design=design)
    except NotFound as err:  # the code was deleted meanwhile
        raise Http404(str(err.detail)) from err
    except DomainError as err:
        return _page(request, qr, shown=_form_echo(request.POST, saved), errors=_field_errors(err),
                     status=err.status_code)
    messages.success(request, "Design saved.")
    return redirect("qrcode-studio", qr_code_id=qr.pk)


def _form_echo(data: Any, saved: Design) -> Design:
    """What the controls showed, field by field, so a refused save keeps the good values (a
    bad field shows the saved value next to its error)."""
    design = saved
    for name in DEFAULT.as_dict():
        if name in data and name != "inverted":
            try:
                design = design_parse({name: data[name]}, base=design)
            except DomainError:
                continue
    transparent = str(data.get("bg_transparent", "")).lower() in ("1", "true", "yes", "on")
    inverted = str(data.get("inverted", "")).lower() in ("1", "true", "yes", "on")
    return design.with_changes(bg=None if transparent else design.bg or "#ffffff", inverted=inverted)


@tenant_required
@require_http_methods(["GET", "HEAD"])
def studio_preview(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """The design in the query (unsaved; none: the saved one) as SVG; 400 JSON when invalid."""
    org = request.organization
    qr = _code(request, qr_code_id)
    saved = selectors.design_for(organization=org, qr=qr)
    try:
        design = _query_design(org, request.GET, saved)
        logo = selectors.logo_png_for(organization=org, design=design)
        body = svg_render(artwork_layout(short_url(qr), design), logo_png=logo)
    except DomainError as err:
        return JsonResponse({"error": err.code, "detail": err.detail}, status=err.status_code)
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-cache"
    return response


@tenant_required
@require_http_methods(["GET", "HEAD"])
def studio_check(request: HttpRequest, qr_code_id: Any) -> JsonResponse:
    """The print checks of the design in the query at the output size in the query."""
    org = request.organization
    qr = _code(request, qr_code_id)
    saved = selectors.design_for(organization=org, qr=qr)
    errors: dict[str, str] = {}
    design = output = None
    try:
        design = _query_design(org, request.GET, saved)
    except DomainError as err:
        errors.update(_field_errors(err))
    try:
        output = output_parse({k: request.GET[k] for k in OUTPUT_FIELDS if k in request.GET})
    except DomainError as err:
        errors.update(_field_errors(err))
    if errors:
        return JsonResponse({"error": "validation_error", "detail": errors}, status=400)
    return JsonResponse(_check(org, qr, design, output))


def _kit_design(organization: Organization, source: str) -> Design | None:
    """None for the saved design, else the chosen brand kit's design (ValidationFailed when it
    is not one of the organization's kits: a foreign id answers like a random one)."""
    if source in ("", SAVED):
        return None
    kit_id = as_uuid(source)
    kit = selectors.brand_kit_list(organization=organization).filter(pk=kit_id).first() if kit_id else None
    if kit is None:
        raise ValidationFailed({"design_source": "Choose this code's saved design or one of your brand kits."})
    return design_load(kit.design)


@tenant_required
@require_POST
def studio_download(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """A print file (any member) of the saved design or a kit's, stored as the next artwork
    version (or the identical one already stored), sent as an attachment. 422 with the failing
    checks' reasons when it is not print-ready; 400 with the fields' errors."""
    org = request.organization
    qr = _code(request, qr_code_id)
    values = _download_values(request.POST)
    try:
        output = output_parse({k: request.POST[k] for k in OUTPUT_FIELDS if k in request.POST})
        design = _kit_design(org, values["design_source"])
        version = services.artwork_create(organization=org, actor=request.user, qr_code_id=qr.pk, output=output,
                                          design=design)
    except NotPrintReady as err:
        reasons = [str(r) for r in err.detail.values()] if isinstance(err.detail, dict) else [str(err.detail)]
        return _page(request, qr, download=values, not_ready=reasons, status=422)
    except NotFound as err:
        raise Http404(str(err.detail)) from err
    except DomainError as err:
        return _page(request, qr, download=values, download_errors=_field_errors(err), status=err.status_code)
    return _artwork_response(qr, version)


def _artwork_response(qr: QRCode, version: Any) -> HttpResponse:
    ext = version.output.get("format", "pdf")
    name = f"{slugify(qr.name) or 'qr-code'}-{qr.short_code}-v{version.number}.{ext}"
    response = HttpResponse(selectors.artwork_version_bytes(version), content_type=version.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@tenant_required
@require_http_methods(["GET", "HEAD"])
def artwork_download(request: HttpRequest, qr_code_id: Any, number: int) -> HttpResponse:
    """A stored artwork version's file, byte for byte (any member; 404 missing or foreign)."""
    qr = _code(request, qr_code_id)
    version = get_or_404(selectors.artwork_version_get, organization=request.organization, qr=qr, number=number)
    return _artwork_response(qr, version)


urlpatterns = [
    path("qrcodes/<uuid:qr_code_id>/studio", studio_page, name="qrcode-studio"),
    path("qrcodes/<uuid:qr_code_id>/studio/preview.svg", studio_preview, name="qrcode-studio-preview"),
    path("qrcodes/<uuid:qr_code_id>/studio/check", studio_check, name="qrcode-studio-check"),
    path("qrcodes/<uuid:qr_code_id>/studio/download", studio_download, name="qrcode-studio-download"),
    path("qrcodes/<uuid:qr_code_id>/artwork/<int:number>", artwork_download, name="qrcode-artwork"),
]
