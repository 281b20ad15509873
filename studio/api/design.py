"""The studio's API for one code: its design (read, replace, merge), the print checks of a
design, its frozen print files (artwork versions) and an SVG preview. Thin: validation and
writes are studio.services', reads studio.selectors'; errors come back as {"error", "detail"}."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from core.openapi import ErrorResponse
from core.web import json_object, parse_limit
from qrcodes.api import _ImageFormatNegotiation
from qrcodes.models import QRCode
from qrcodes.selectors import qr_code_get, short_url
from studio import selectors, services
from studio.design import (
    DEFAULT,
    ECC_LEVELS,
    FINDER_STYLES,
    FONTS,
    FRAMES,
    MAX_FRAME_TEXT,
    MAX_LOGO_SIZE,
    MAX_QUIET_ZONE,
    MIN_LOGO_SIZE,
    MIN_QUIET_ZONE,
    MODULE_STYLES,
    Design,
    design_load,
)
from studio.models import ArtworkVersion, QRDesign
from studio.output import FORMATS, output_parse
from studio.render import artwork_layout, svg_render
from tenants.api_base import TenantAPIView
from tenants.roles import MEMBERS

TAGS = ["studio"]
OUTPUT_FIELDS = ("format", "size", "mm", "inches", "dpi", "crop_marks", "distance_m")
_COLOR = "A hex colour, #rrggbb (#rgb accepted)."


# ---- shapes (documentation and output) ----------------------------------------------------

class DesignSerializer(serializers.Serializer):
    """A code's design. In a request every field is optional: PUT gives the missing ones their
    default, PATCH keeps their current value."""

    fg = serializers.CharField(required=False, help_text=_COLOR)
    bg = serializers.CharField(required=False, allow_null=True, help_text=f"{_COLOR} null or 'transparent': none.")
    finder = serializers.CharField(required=False, allow_null=True,
                                   help_text=f"{_COLOR} Finder patterns' colour; null: the foreground's.")
    module_style = serializers.ChoiceField(MODULE_STYLES, required=False)
    # Labelled apart from module_style's (same values): the schema gets two enums, not one set with two names.
    finder_style = serializers.ChoiceField([(s, f"{s} finder patterns") for s in FINDER_STYLES], required=False)
    quiet_zone = serializers.IntegerField(required=False, min_value=MIN_QUIET_ZONE, max_value=MAX_QUIET_ZONE,
                                          help_text="Blank margin in modules (scanners need at least 4).")
    ecc = serializers.ChoiceField(ECC_LEVELS, required=False, help_text="Raised to H when there is a logo.")
    logo = serializers.CharField(required=False, allow_null=True,
                                 help_text="Id of one of your uploaded images (PNG, JPEG, GIF or WebP); null: none.")
    logo_size = serializers.IntegerField(required=False, min_value=MIN_LOGO_SIZE, max_value=MAX_LOGO_SIZE,
                                         help_text="Logo width as % of the code's.")
    frame = serializers.ChoiceField(FRAMES, required=False)
    frame_text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_FRAME_TEXT,
                                       help_text="The call to action in the frame.")
    frame_color = serializers.CharField(required=False, help_text=_COLOR)
    frame_text_color = serializers.CharField(required=False, help_text=_COLOR)
    font = serializers.ChoiceField(list(FONTS), required=False)
    inverted = serializers.BooleanField(required=False, help_text="Confirm a light code on a dark background.")


class DesignStateSerializer(serializers.Serializer):
    design = DesignSerializer()
    brand_kit_id = serializers.UUIDField(allow_null=True, help_text="The brand kit it was applied from, if any.")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="null: never designed (the default).")


class OutputInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(list(FORMATS), required=False, help_text="Default pdf.")
    size = serializers.IntegerField(required=False, min_value=64, max_value=4096,
                                    help_text="PNG only: exact width in pixels (instead of mm).")
    mm = serializers.FloatField(required=False, min_value=10, max_value=1000,
                                help_text="Printed width of the artwork in mm (default 50).")
    inches = serializers.FloatField(required=False, min_value=0.4, max_value=39.37,
                                    help_text="Printed width in inches, instead of mm.")
    dpi = serializers.IntegerField(required=False, min_value=72, max_value=1200, help_text="Default 300.")
    crop_marks = serializers.BooleanField(required=False, help_text="PDF only.")
    distance_m = serializers.FloatField(required=False, min_value=0.1, max_value=100,
                                        help_text="Scanning distance: the code must be at least 1/10 of it wide.")


class OutputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(list(FORMATS))
    width_mm = serializers.FloatField(allow_null=True)
    width_px = serializers.IntegerField(allow_null=True)
    dpi = serializers.IntegerField()
    crop_marks = serializers.BooleanField()
    distance_m = serializers.FloatField(allow_null=True)


class CheckSerializer(serializers.Serializer):
    code = serializers.ChoiceField(["contrast", "inverted", "logo", "text", "size", "decode"])
    ok = serializers.BooleanField()
    label = serializers.CharField()
    detail = serializers.CharField(help_text="The plain reason.")


class CheckReportSerializer(serializers.Serializer):
    print_ready = serializers.BooleanField(help_text="Every check passed: the design may be downloaded for print.")
    checks = CheckSerializer(many=True)


class ArtworkVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    format = serializers.CharField(source="output.format")
    output = OutputSerializer()
    checks = CheckReportSerializer()
    byte_size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    def get_created_by(self, obj: ArtworkVersion) -> str:
        user = obj.created_by
        return (user.full_name or user.email) if user else ""

    def get_download_url(self, obj: ArtworkVersion) -> str:
        return f"/api/qrcodes/{obj.qr_code_id}/artwork/{obj.number}"


CheckInput = inline_serializer("DesignCheckInput", {
    "design": DesignSerializer(required=False, help_text="Fields merged on the saved design (unsaved)."),
    "output": OutputInputSerializer(required=False, help_text="Check at this print size; absent: screen size."),
})
ArtworkInput = inline_serializer("ArtworkInput", {
    **{name: field for name, field in OutputInputSerializer().get_fields().items()},
    "brand_kit_id": serializers.UUIDField(required=False, help_text="Print with this brand kit's design instead "
                                                                    "of the code's (the code is not changed)."),
})
NOT_PRINT_READY = OpenApiResponse(ErrorResponse, description="The design fails a print check: `detail` maps "
                                 "each failing check (contrast, inverted, logo, text, size, decode) to its reason.")
_FILES = {(200, content_type): OpenApiTypes.BINARY for content_type in FORMATS.values()}


# ---- helpers ------------------------------------------------------------------------------

def _fields_only(data: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in set(data) - set(allowed))
    if unknown:
        raise ValidationFailed({where: f"Unknown field(s): {', '.join(unknown[:5])}."})


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed({where: "Send an object."})
    return value


def _design_state(organization: Any, qr: QRCode) -> dict[str, Any]:
    row = QRDesign.objects.filter(organization=organization, qr_code=qr).first()
    return {
        "design": design_load(row.design).as_dict() if row else DEFAULT.as_dict(),
        "brand_kit_id": row.brand_kit_id if row else None,
        "updated_at": row.updated_at if row else None,
    }


def _kit_design(organization: Any, raw: Any) -> Design:
    pk = as_uuid(raw) if isinstance(raw, str) else None
    kit = selectors.brand_kit_list(organization=organization).filter(pk=pk).first() if pk else None
    if kit is None:
        raise ValidationFailed({"brand_kit_id": "Choose one of your brand kits."})
    return design_load(kit.design)


def _nosniff(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---- views --------------------------------------------------------------------------------

class QRDesignView(TenantAPIView):
    """Read for every member; replace (PUT) or merge (PATCH) for Admins and Editors."""

    @extend_schema(responses={200: DesignStateSerializer}, tags=TAGS,
                   description="The code's design (the default black-on-white when it has none).")
    def get(self, request: Request, qr_code_id: str) -> Response:
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        return Response(DesignStateSerializer(_design_state(self.organization, qr)).data)

    def _save(self, request: Request, qr_code_id: str, *, merge: bool) -> Response:
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        base = selectors.design_for(organization=self.organization, qr=qr) if merge else DEFAULT
        design = services.design_validate(organization=self.organization, data=json_object(request), base=base)
        services.qr_design_save(organization=self.organization, actor=request.user, qr_code_id=qr.pk, design=design)
        return Response(DesignStateSerializer(_design_state(self.organization, qr)).data)

    @extend_schema(request=DesignSerializer, responses={200: DesignStateSerializer}, tags=TAGS,
                   description="Replace the design: fields left out take their default.")
    def put(self, request: Request, qr_code_id: str) -> Response:
        return self._save(request, qr_code_id, merge=False)

    @extend_schema(request=DesignSerializer, responses={200: DesignStateSerializer}, tags=TAGS,
                   description="Change the fields given; the others keep their current value.")
    def patch(self, request: Request, qr_code_id: str) -> Response:
        return self._save(request, qr_code_id, merge=True)


class QRDesignCheck(TenantAPIView):
    write_access = MEMBERS  # checks change nothing: Viewers may ask too

    @extend_schema(request=CheckInput, responses={200: CheckReportSerializer}, tags=TAGS,
                   description="The print checks (contrast, inverted, logo, frame text, size for the scanning "
                               "distance, a real decoder reading the short URL) of the saved design, with the "
                               "`design` fields given merged on it. Saves nothing.")
    def post(self, request: Request, qr_code_id: str) -> Response:
        body = json_object(request)
        _fields_only(body, ("design", "output"), "body")
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        saved = selectors.design_for(organization=self.organization, qr=qr)
        design = services.design_validate(organization=self.organization,
                                          data=_object(body.get("design", {}), "design"), base=saved)
        output = None
        if body.get("output") is not None:
            raw = _object(body["output"], "output")
            _fields_only(raw, OUTPUT_FIELDS, "output")
            output = output_parse(raw)
        report = services.artwork_check(organization=self.organization, qr=qr, design=design, output=output)
        return Response(report.as_dict())


class ArtworkListCreate(TenantAPIView):
    write_access = MEMBERS  # any member may download print files (nothing of the code changes)

    @extend_schema(parameters=[OpenApiParameter("limit", int, description="1 to 1000, default 100")],
                   responses={200: ArtworkVersionSerializer(many=True)}, tags=TAGS,
                   description="The code's print files, newest first, as a plain list bounded by `limit` "
                               "(not paginated).")
    def get(self, request: Request, qr_code_id: str) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=100, maximum=1000)
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        versions = selectors.artwork_versions(organization=self.organization, qr=qr)[:limit]
        return Response(ArtworkVersionSerializer(versions, many=True).data)

    @extend_schema(request=ArtworkInput, tags=TAGS,
                   responses={201: ArtworkVersionSerializer, 200: ArtworkVersionSerializer, 422: NOT_PRINT_READY},
                   description="Render, check and store a print file as the code's next numbered version (201). "
                               "The same file asked again answers its existing version (200). A design that "
                               "fails a check is refused with 422 `not_print_ready`, `detail` naming each "
                               "failing check's reason, and nothing is stored.")
    def post(self, request: Request, qr_code_id: str) -> Response:
        body = json_object(request)
        _fields_only(body, (*OUTPUT_FIELDS, "brand_kit_id"), "body")
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        design = _kit_design(self.organization, body.pop("brand_kit_id")) if "brand_kit_id" in body else None
        output = output_parse(body)
        started = timezone.now()
        version = services.artwork_create(organization=self.organization, actor=request.user, qr_code_id=qr.pk,
                                          output=output, design=design)
        created = version.created_at >= started
        return Response(ArtworkVersionSerializer(version).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ArtworkDownload(TenantAPIView):
    content_negotiation_class = _ImageFormatNegotiation

    @extend_schema(responses=_FILES, tags=TAGS,
                   description="The stored bytes of a version, exactly as first downloaded (a reprint is "
                               "byte-identical even after the design changed).")
    def get(self, request: Request, qr_code_id: str, number: int) -> HttpResponse:
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        version = selectors.artwork_version_get(organization=self.organization, qr=qr, number=number)
        try:
            body = selectors.artwork_version_bytes(version)
        except FileNotFoundError as e:
            raise NotFound("This version's file is missing from storage.") from e
        ext = version.output.get("format", "pdf")
        response = HttpResponse(body, content_type=version.content_type)
        name = f"{slugify(qr.name) or 'qr-code'}-{qr.short_code}-v{version.number}.{ext}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return _nosniff(response)


class DesignPreview(TenantAPIView):
    content_negotiation_class = _ImageFormatNegotiation

    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.BINARY, 400: ErrorResponse}, tags=TAGS,
                   description="The saved design as an SVG (screen preview; print files go through /artwork). "
                               "400 when its logo image was deleted since.")
    def get(self, request: Request, qr_code_id: str) -> HttpResponse:
        qr = qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        design = selectors.design_for(organization=self.organization, qr=qr)
        logo = selectors.logo_png_for(organization=self.organization, design=design)
        svg = svg_render(artwork_layout(short_url(qr), design), logo_png=logo)
        return _nosniff(HttpResponse(svg.encode("utf-8"), content_type="image/svg+xml"))


urlpatterns = [
    path("qrcodes/<str:qr_code_id>/design", QRDesignView.as_view(), name="api-qrcode-design"),
    path("qrcodes/<str:qr_code_id>/design/check", QRDesignCheck.as_view(), name="api-qrcode-design-check"),
    path("qrcodes/<str:qr_code_id>/design/preview", DesignPreview.as_view(), name="api-qrcode-design-preview"),
    path("qrcodes/<str:qr_code_id>/artwork", ArtworkListCreate.as_view(), name="api-qrcode-artwork"),
    path("qrcodes/<str:qr_code_id>/artwork/<int:number>", ArtworkDownload.as_view(), name="api-qrcode-artwork-file"),
]
