"""QR code API (JWT or session, tenant-scoped) and the public scan endpoint. Thin: input goes
to qrcodes.services, reads to qrcodes.selectors; errors come back as {"error", "detail"}."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import DefaultPagination
from core.client_ip import client_ip
from core.errors import NotFound, ValidationFailed
from core.ids import as_uuid
from core.openapi import ErrorResponse
from core.web import json_object, parse_limit
from qrcodes import selectors, services
from qrcodes.images import image_options_parse, qr_image_render, qr_image_verify
from qrcodes.models import QRCode
from qrcodes.scanning import ScanGone, scan_capture, scan_decide, scan_flood_wait, scan_target_for_id
from tenants.api_base import PublicAPIView, TenantAPIView


@extend_schema_field({"type": "string", "anyOf": [{"format": "uri"}, {"maxLength": 0}],
                      "description": "The destination URL; empty when the code opens an uploaded file."})
class DestinationURLField(serializers.CharField):
    pass


class QRCodeSerializer(serializers.ModelSerializer):
    """The seed's shape plus where it points and how to scan it."""

    qr_url = DestinationURLField(read_only=True)
    destination_display = serializers.SerializerMethodField(
        help_text="qr_url with its host in punycode, as scanners' browsers show it (`https://аррӏе.com` -> "
                  "`https://xn--80ak6aa92e.com`); equal to qr_url when the host is ASCII."
    )
    short_url = serializers.SerializerMethodField()
    campaign_id = serializers.UUIDField(read_only=True, allow_null=True)
    linked_content_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = QRCode
        fields = [
            "id", "name", "location", "qr_url", "destination_display", "short_url", "short_code", "total_scans",
            "last_scanned_at", "created_at", "updated_at", "status", "campaign_id", "linked_content_id",
        ]
        read_only_fields = fields

    def get_destination_display(self, obj: QRCode) -> str:
        return selectors.destination_display(obj.qr_url)

    def get_short_url(self, obj: QRCode) -> str:
        return selectors.short_url(obj)


QRCodeInput = inline_serializer(
    "QRCodeInput",
    {
        "name": serializers.CharField(),
        "location": serializers.CharField(required=False),
        "qr_url": serializers.URLField(required=False),
        "linked_content_id": serializers.UUIDField(required=False, allow_null=True),
        "campaign_id": serializers.UUIDField(required=False, allow_null=True),
        "status": serializers.ChoiceField(choices=QRCode.Status.values, required=False),
    },
)
PerformanceRows = inline_serializer(
    "QRCodePerformance",
    {
        "id": serializers.UUIDField(), "name": serializers.CharField(), "location": serializers.CharField(),
        "total_scans": serializers.IntegerField(), "last_scanned_at": serializers.DateTimeField(allow_null=True),
        "created_at": serializers.DateTimeField(),
    },
    many=True,
)


class QRCodeListCreate(TenantAPIView):
    pagination_class = DefaultPagination

    @extend_schema(
        parameters=[OpenApiParameter("status", str), OpenApiParameter("campaign_id", str)],
        responses={200: QRCodeSerializer(many=True)}, tags=["qrcodes"],
    )
    def get(self, request: Request) -> Response:
        qs = selectors.qr_code_list(
            organization=self.organization,
            status=request.query_params.get("status"),
            campaign_id=request.query_params.get("campaign_id"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(QRCodeSerializer(page, many=True).data)

    @extend_schema(request=QRCodeInput, responses={201: QRCodeSerializer}, tags=["qrcodes"])
    def post(self, request: Request) -> Response:
        qr = services.qr_code_create(organization=self.organization, actor=request.user, data=json_object(request))
        return Response(QRCodeSerializer(qr).data, status=status.HTTP_201_CREATED)


class QRCodePerformance(TenantAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="1 to 1000, default 100")],
        description="Active QR codes, most scanned first, as a plain list (the seed's query 3): "
                    "bounded by `limit`, not paginated.",
        responses={200: PerformanceRows}, tags=["qrcodes"],
    )
    def get(self, request: Request) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=100, maximum=1000)
        return Response(selectors.qr_code_performance(organization=self.organization, limit=limit))


class QRCodeDetail(TenantAPIView):
    @extend_schema(responses={200: QRCodeSerializer}, tags=["qrcodes"])
    def get(self, request: Request, qr_code_id: str) -> Response:
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        return Response(QRCodeSerializer(qr).data)

    @extend_schema(request=QRCodeInput, responses={200: QRCodeSerializer}, tags=["qrcodes"])
    def patch(self, request: Request, qr_code_id: str) -> Response:
        qr = services.qr_code_update(
            organization=self.organization, actor=request.user, qr_code_id=qr_code_id, data=json_object(request)
        )
        return Response(QRCodeSerializer(qr).data)

    @extend_schema(responses={204: None}, tags=["qrcodes"])
    def delete(self, request: Request, qr_code_id: str) -> Response:
        services.qr_code_delete(organization=self.organization, actor=request.user, qr_code_id=qr_code_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ImageFormatNegotiation(DefaultContentNegotiation):
    """?format= chooses png/svg here; DRF would read it as a renderer name and answer 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class QRCodeImage(TenantAPIView):
    content_negotiation_class = _ImageFormatNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["png", "svg", "pdf", "eps"]), OpenApiParameter("size", int),
            OpenApiParameter("fg", str), OpenApiParameter("bg", str),
            OpenApiParameter("ecc", str, enum=["L", "M", "Q", "H"]), OpenApiParameter("download", bool),
            OpenApiParameter("dpi", int, description="72-1200, written into the PNG (300 or 600 for print)"),
            OpenApiParameter("mm", int, description="Printed width in mm (10-1000) at `dpi`, instead of `size`"),
            OpenApiParameter("inverted", bool, description="Confirm a light code on a dark background"),
        ],
        responses={(200, "image/png"): bytes, (200, "image/svg+xml"): bytes, (200, "application/pdf"): bytes,
                   (200, "application/postscript"): bytes},
        tags=["qrcodes"],
    )
    def get(self, request: Request, qr_code_id: str) -> HttpResponse:
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        options = image_options_parse(request.query_params)
        data = selectors.short_url(qr)
        body = qr_image_render(data=data, options=options)
        download = request.query_params.get("download") in ("1", "true")
        if download:  # a file offered for print has been read back by a decoder
            qr_image_verify(data=data, options=options, body=body)
        response = HttpResponse(body, content_type=options.content_type)
        response["Cache-Control"] = "private, max-age=300"
        if download:
            name = slugify(qr.name) or "qr-code"
            response["Content-Disposition"] = f'attachment; filename="{name}-{qr.short_code}.{options.format}"'
        return response


class ScanAPI(PublicAPIView):
    """Public (no auth): record a scan of a QR code by id and answer where it leads. Same
    capture as /s/<code>: one INSERT, enrichment and counting happen in the workers."""

    throttle_classes: list = []  # the per-address scan flood limit below: no Redis on a scan

    def _scan(self, request: Request, qr_code_id: str, referrer: str | None) -> Response:
        ip = client_ip(request._request)
        wait = scan_flood_wait(ip)
        if wait is not None:
            raise Throttled(wait=wait)
        pk = as_uuid(qr_code_id)
        target = scan_target_for_id(pk) if pk else None
        if target is None:
            raise NotFound("QR code not found.")
        if not target.live:
            raise ScanGone("This QR code is no longer active.")
        decision = scan_decide(target, request._request, ip)
        scan_capture(target=target, request=request._request, referrer=referrer, ip=ip, decision=decision)
        if decision.ended:
            raise ScanGone("This QR code has ended.")
        destination = decision.url
        if destination.startswith("/"):
            destination = f"{settings.SITE_URL}{destination}"
        return Response({"qr_code_id": target.qr_code_id, "destination": destination})

    @extend_schema(auth=[], responses={200: inline_serializer(
        "ScanResult", {"qr_code_id": serializers.UUIDField(), "destination": serializers.URLField()}
    ), 410: ErrorResponse, 429: ErrorResponse}, tags=["scans"])
    def get(self, request: Request, qr_code_id: str) -> Response:
        return self._scan(request, qr_code_id, None)

    @extend_schema(
        auth=[], request=inline_serializer("ScanInput", {"referrer": serializers.CharField(required=False)}),
        responses={200: inline_serializer("ScanResultPost", {"qr_code_id": serializers.UUIDField(),
                                                             "destination": serializers.URLField()}),
                   410: ErrorResponse, 429: ErrorResponse},
        tags=["scans"],
    )
    def post(self, request: Request, qr_code_id: str) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        referrer = data.get("referrer")
        if referrer is not None and not isinstance(referrer, str):
            raise ValidationFailed({"referrer": "Must be a string."})
        return self._scan(request, qr_code_id, referrer)
