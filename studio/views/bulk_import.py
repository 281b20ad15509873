"""Pages of the CSV import: the upload form (/qrcodes/import), an import's status and report
(/qrcodes/import/<id>) with the JSON its script polls for progress, and a sample file.
The same services as the API (studio.bulk_import)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from core.errors import PermissionDenied as RoleDenied
from core.humanize import size_words
from core.web import add_domain_errors, get_or_404
from qrcodes.selectors import qr_code_usage
from studio import bulk_import as imports
from studio.models import BulkImport
from tenants.decorators import offered_to, tenant_required
from tenants.roles import WRITERS
from uploads.upload_handlers import upload_size_limited


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"Columns name, destination, location, campaign (header row first). At most "
                  f"{imports.MAX_ROWS:,} rows and {size_words(imports.MAX_FILE_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _form_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    usage = qr_code_usage(organization=request.organization)
    return render(request, "studio/import.html", {
        "form": form, "usage": usage, "room": None if usage.limit is None else max(usage.limit - usage.used, 0),
        "max_rows": imports.MAX_ROWS, "inline_max_rows": imports.INLINE_MAX_ROWS,
    }, status=status)


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
@upload_size_limited(lambda: imports.MAX_FILE_BYTES)
def import_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if request.upload_too_large:
        form.add_error("file", f"The file is larger than {size_words(imports.MAX_FILE_BYTES)}: split it into "
                               f"files of at most {imports.MAX_ROWS:,} rows.")
        return _form_page(request, form, status=413)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        imported = imports.bulk_import_start(organization=request.organization, actor=request.user,
                                             file_name=upload.name, data=upload.read())
    except DomainError as err:
        add_domain_errors(form, err)
        return _form_page(request, form, status=403 if isinstance(err, RoleDenied) else err.status_code)
    return redirect("qrcode-import-status", import_id=imported.pk)


@tenant_required
@require_GET
def import_status(request: HttpRequest, import_id) -> HttpResponse:
    imported = get_or_404(imports.bulk_import_get, organization=request.organization, import_id=import_id)
    finished = imported.status in (BulkImport.Status.DONE, BulkImport.Status.FAILED)
    return render(request, "studio/import_status.html", {
        "imported": imported, "finished": finished,
        "row_errors": [e for e in imported.errors if e.get("row") is not None],
        "file_errors": [e for e in imported.errors if e.get("row") is None],
        "percent": _percent(imported),
    })


def _percent(imported: BulkImport) -> int:
    if imported.status == BulkImport.Status.DONE:
        return 100
    return min(100, imported.processed_rows * 100 // imported.total_rows) if imported.total_rows else 0


@tenant_required
@require_GET
def import_progress(request: HttpRequest, import_id) -> HttpResponse:
    imported = get_or_404(imports.bulk_import_get, organization=request.organization, import_id=import_id)
    data = imports.bulk_import_json(imported)
    response = JsonResponse({k: data[k] for k in ("status", "total_rows", "processed_rows", "created_count", "errors")})
    response["Cache-Control"] = "no-store"
    return response


@tenant_required
@require_GET
def import_sample(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.SAMPLE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="qr-codes-sample.csv"'
    return response


urlpatterns = [
    path("qrcodes/import", import_new, name="qrcode-import"),
    path("qrcodes/import/sample.csv", import_sample, name="qrcode-import-sample"),
    path("qrcodes/import/<uuid:import_id>", import_status, name="qrcode-import-status"),
    path("qrcodes/import/<uuid:import_id>/progress", import_progress, name="qrcode-import-progress"),
]
