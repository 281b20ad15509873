"""Bulk API of the studio: creating many codes from a CSV (the import half, top) and
downloading many codes at once (the print half, bottom)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import ValidationFailed
from core.openapi import ErrorResponse
from studio import bulk_import as imports
from studio.models import BulkImport
from tenants.api_base import TenantAPIView
from uploads.errors import FileTooLarge
from uploads.upload_handlers import install_max_size_handler

# --- CSV import -----------------------------------------------------------------------------


class CSVBodyParser(BaseParser):
    """A text/csv body, as bytes: studio.bulk_import decodes and checks it."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> bytes:
        return stream.read() if stream is not None else b""


_IMPORT_ERROR = {
    "row": serializers.IntegerField(allow_null=True, help_text="The row as a spreadsheet numbers it (the header "
                                                               "is row 1); null for a problem with the whole file."),
    "column": serializers.CharField(help_text="The column (name, destination, location, campaign) or a header cell."),
    "message": serializers.CharField(),
}
BulkImportSerializer = inline_serializer("BulkImport", {
    "id": serializers.UUIDField(), "file_name": serializers.CharField(),
    "status": serializers.ChoiceField(choices=BulkImport.Status.values,
                                      help_text="done: every row created; failed: nothing created (see errors); "
                                                "pending/running: a worker is on it (poll this)."),
    "total_rows": serializers.IntegerField(),
    "processed_rows": serializers.IntegerField(help_text="Rows checked so far."),
    "created_count": serializers.IntegerField(),
    "errors": inline_serializer("ImportRowError", _IMPORT_ERROR, many=True),
    "created_at": serializers.DateTimeField(), "finished_at": serializers.DateTimeField(allow_null=True),
})


class QRCodeImportCreate(TenantAPIView):
    """POST /api/qrcodes/import: create many codes from a CSV (Admins and Editors)."""

    parser_classes = [MultiPartParser, CSVBodyParser]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Before DRF reads the body (session auth's CSRF check already does).
        if request.method == "POST":
            install_max_size_handler(request, imports.MAX_FILE_BYTES)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ImportUpload", {"file": serializers.FileField()}),
                 "text/csv": {"type": "string", "format": "binary"}},
        parameters=[OpenApiParameter("file_name", str,
                                     description="With a text/csv body: the name shown for the import.")],
        description=f"Columns name, destination, location, campaign (a header row first, any order; UTF-8, with or "
                    f"without BOM; at most {imports.MAX_ROWS:,} rows and {imports.MAX_FILE_BYTES:,} bytes). All "
                    f"rows are created or none. Up to {imports.INLINE_MAX_ROWS} rows the import runs now: 201 when "
                    "created; when a row or the plan limit refuses it, 400 `invalid_csv` / 403 `plan_limit_exceeded` "
                    "with `detail` listing the problems by row and column and `import` the stored report. Larger "
                    "files answer 202 and run on a worker: poll GET /api/qrcodes/import/{id}.",
        responses={201: BulkImportSerializer, 202: BulkImportSerializer, 413: ErrorResponse},
        tags=["qrcodes"],
    )
    def post(self, request: Request) -> Response:
        body = request.data  # parsed here: the size-limit handler marks a file too large while it streams
        if getattr(request._request, "upload_too_large", False):
            raise FileTooLarge({"file": f"A CSV import takes at most {imports.MAX_FILE_BYTES:,} bytes."})
        if request.content_type.split(";", 1)[0].strip().lower() == CSVBodyParser.media_type:
            data = body if isinstance(body, bytes) else b""  # an empty body is not parsed
            name = request.query_params.get("file_name") or "import.csv"
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationFailed({"file": "Send the CSV as the multipart field “file”, or as a text/csv body."})
            data, name = upload.read(), upload.name
        imported = imports.bulk_import_start(organization=self.organization, actor=request.user,
                                             file_name=name, data=data)
        shown = imports.bulk_import_json(imported)
        if imported.status == BulkImport.Status.DONE:
            return Response(shown, status=201)
        if imported.status == BulkImport.Status.FAILED:
            code = getattr(imported, "failure_code", imports.INVALID_CSV)
            return Response({"error": code, "detail": imported.errors, "import": shown},
                            status=400 if code in (imports.INVALID_CSV, "validation_error") else 403)
        return Response(shown, status=202, headers={"Location": f"/api/qrcodes/import/{imported.pk}"})


class QRCodeImportDetail(TenantAPIView):
    """GET /api/qrcodes/import/{id}: an import's status, progress and report."""

    @extend_schema(
        description="An import's status, progress (`processed_rows` of `total_rows`) and report. `errors` is not "
                    f"paginated: at most {imports.MAX_REPORTED_ERRORS} problems, then one line counting the rest.",
        responses={200: BulkImportSerializer}, tags=["qrcodes"],
    )
    def get(self, request: Request, import_id: str) -> Response:
        imported = imports.bulk_import_get(organization=self.organization, import_id=import_id)
        return Response(imports.bulk_import_json(imported))


_import_urlpatterns: list = [
    path("qrcodes/import", QRCodeImportCreate.as_view(), name="api-qrcodes-import"),
    path("qrcodes/import/<str:import_id>", QRCodeImportDetail.as_view(), name="api-qrcodes-import-detail"),
]

# --- print files of many codes ----------------------------------------------------------------

# Imports of this half are here, not at the top, so each half is edited without the other.
from django.utils.text import slugify  # noqa: E402
from drf_spectacular.types import OpenApiTypes  # noqa: E402
from drf_spectacular.utils import OpenApiResponse  # noqa: E402

from core.web import json_object  # noqa: E402
from qrcodes.api import _ImageFormatNegotiation  # noqa: E402
from studio import sheets  # noqa: E402
from studio.output import FORMATS, MAX_DPI, MAX_MM, MAX_PX, MIN_DPI, MIN_MM, MIN_PX, output_parse  # noqa: E402
from tenants.roles import MEMBERS  # noqa: E402

_IDS = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=sheets.MAX_CODES,
                             help_text=f"1 to {sheets.MAX_CODES} of your codes' ids; a missing or another "
                                       "organization's id answers 404 without saying which.")
ArtworkZipInput = inline_serializer("ArtworkZipInput", {
    "qr_code_ids": _IDS,
    "format": serializers.ChoiceField(choices=list(FORMATS), required=False, help_text="Default pdf."),
    "mm": serializers.FloatField(required=False, min_value=MIN_MM, max_value=MAX_MM,
                                 help_text="Printed width of each artwork (default 50)."),
    "size": serializers.IntegerField(required=False, min_value=MIN_PX, max_value=MAX_PX,
                                     help_text="PNG only: exact pixels instead of `mm`."),
    "dpi": serializers.IntegerField(required=False, min_value=MIN_DPI, max_value=MAX_DPI),
    "crop_marks": serializers.BooleanField(required=False, help_text="PDF only."),
    "distance_m": serializers.FloatField(required=False, help_text="Scanning distance (the 10:1 size rule)."),
})
ArtworkSheetInput = inline_serializer("ArtworkSheetInput", {
    "qr_code_ids": _IDS,
    "paper": serializers.ChoiceField(choices=list(sheets.PAPERS), required=False, help_text="Default a4."),
    "per_page": serializers.ChoiceField(choices=list(sheets.GRIDS), required=False, help_text="Default 6."),
    "name_under": serializers.BooleanField(required=False, help_text="Default true."),
    "cut_lines": serializers.BooleanField(required=False, help_text="Default false."),
})
_PRINT_ERRORS = {
    404: OpenApiResponse(ErrorResponse, description="One or more ids are not your codes (missing, malformed or "
                                                    "another organization's: the answer does not say which)."),
    422: OpenApiResponse(ErrorResponse, description="A code is not print-ready: `detail` maps each failing code "
                                                    "(“name (short code)”) to its reasons."),
}
_NOT_READY = ("422 when a code is not print-ready: `detail` maps each failing code (“name (short code)”) to "
              "its reasons, and nothing is downloaded or stored.")


def _attachment(body: bytes, content_type: str, organization: Any, ext: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    stem = slugify(organization.company_name)[:40] or "qr"
    response["Content-Disposition"] = f'attachment; filename="{stem}-qr-codes.{ext}"'
    response["Cache-Control"] = "no-store"
    return response


class ArtworkZip(TenantAPIView):
    """POST /api/qrcodes/artwork/zip: one print file per code, in a ZIP."""

    write_access = MEMBERS  # any member may download print files
    content_negotiation_class = _ImageFormatNegotiation

    @extend_schema(request=ArtworkZipInput, tags=["qrcodes"],
                   responses={(200, "application/zip"): OpenApiTypes.BINARY, **_PRINT_ERRORS},
                   description="A ZIP of print files, one per code (`<name>-<short code>-v<n>.<ext>`), each "
                               "stored as the code's next numbered artwork version. " + _NOT_READY)
    def post(self, request: Request) -> HttpResponse:
        data = json_object(request)
        body = sheets.artwork_zip(organization=self.organization, actor=request.user,
                                  qr_code_ids=data.get("qr_code_ids"), output=output_parse(data))
        return _attachment(body, "application/zip", self.organization, "zip")


class ArtworkSheet(TenantAPIView):
    """POST /api/qrcodes/artwork/sheet: the codes laid out N per page for printing, as a PDF."""

    write_access = MEMBERS
    content_negotiation_class = _ImageFormatNegotiation

    @extend_schema(request=ArtworkSheetInput, tags=["qrcodes"],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY, **_PRINT_ERRORS},
                   description="A PDF sheet (labels, table tents): `per_page` codes per A4 or Letter page, "
                               "vector, each with its name under it; every code is checked by a decoder at its "
                               "printed cell size (300 dpi). " + _NOT_READY)
    def post(self, request: Request) -> HttpResponse:
        data = json_object(request)
        body = sheets.artwork_sheet_pdf(organization=self.organization, actor=request.user,
                                        qr_code_ids=data.get("qr_code_ids"), sheet=sheets.sheet_parse(data))
        return _attachment(body, "application/pdf", self.organization, "pdf")


_print_urlpatterns: list = [
    path("qrcodes/artwork/zip", ArtworkZip.as_view(), name="api-qrcodes-artwork-zip"),
    path("qrcodes/artwork/sheet", ArtworkSheet.as_view(), name="api-qrcodes-artwork-sheet"),
]

urlpatterns = [*_import_urlpatterns, *_print_urlpatterns]
