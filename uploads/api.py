"""Upload API: multipart upload within quota and size limits, list, detail, delete, download."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import DefaultPagination
from core.client_ip import client_ip
from core.errors import NotFound
from core.humanize import size_words
from core.openapi import ErrorResponse
from tenants.api_base import TenantAPIView
from uploads import selectors, services
from uploads.delivery import MissingObject, file_response
from uploads.errors import FileTooLarge
from uploads.models import UploadedFile
from uploads.upload_handlers import install_max_size_handler


class UploadSerializer(serializers.ModelSerializer):
    campaign_id = serializers.UUIDField(read_only=True, allow_null=True)
    uploaded_by_user_id = serializers.UUIDField(read_only=True, allow_null=True)
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = UploadedFile
        fields = [
            "id", "file_name", "file_type", "mime_type", "file_size_bytes", "storage_path", "file_url",
            "download_url", "campaign_id", "uploaded_by_user_id", "uploaded_by", "created_at",
        ]
        read_only_fields = fields

    def get_uploaded_by(self, obj: UploadedFile) -> str:
        user = obj.uploaded_by_user
        return (user.full_name or user.email) if user else ""

    def get_download_url(self, obj: UploadedFile) -> str:
        return f"/api/uploads/{obj.pk}/download"


UploadInput = inline_serializer(
    "UploadInput",
    {
        "file": serializers.FileField(),
        "file_name": serializers.CharField(required=False),
        "campaign_id": serializers.UUIDField(required=False),
    },
)


class UploadListView(TenantAPIView):
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = DefaultPagination

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Before DRF reads the body (session auth's CSRF check already does).
        if request.method == "POST":
            install_max_size_handler(request, settings.UPLOAD_MAX_BYTES)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("campaign_id", OpenApiTypes.UUID)],
                   responses={200: UploadSerializer(many=True)}, tags=["uploads"])
    def get(self, request: Request) -> Response:
        qs = selectors.upload_list(organization=self.organization, campaign_id=request.query_params.get("campaign_id"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(UploadSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": UploadInput},
                   responses={201: UploadSerializer, 413: ErrorResponse}, tags=["uploads"])
    def post(self, request: Request) -> Response:
        data, files = request.data, request.FILES
        if getattr(request._request, "upload_too_large", False):
            raise FileTooLarge(f"Files can be at most {size_words(settings.UPLOAD_MAX_BYTES)}.")
        upload = services.upload_create(
            organization=self.organization,
            actor=request.user,
            file=files.get("file"),
            file_name=data.get("file_name"),
            campaign_id=data.get("campaign_id"),
            ip_address=client_ip(request),
        )
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadDetailView(TenantAPIView):
    @extend_schema(responses={200: UploadSerializer}, tags=["uploads"])
    def get(self, request: Request, upload_id: str) -> Response:
        upload = selectors.upload_get(organization=self.organization, upload_id=upload_id)
        return Response(UploadSerializer(upload).data)

    @extend_schema(responses={204: None}, tags=["uploads"])
    def delete(self, request: Request, upload_id: str) -> Response:
        services.upload_delete(
            organization=self.organization, actor=request.user, upload_id=upload_id, ip_address=client_ip(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadDownloadView(TenantAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("inline", OpenApiTypes.STR, enum=["1"], description="1: show in the browser")],
        responses={(200, "*/*"): OpenApiTypes.BINARY,
                   302: OpenApiResponse(description="To a short-lived signed URL (S3-compatible storage)")},
        tags=["uploads"],
    )
    def get(self, request: Request, upload_id: str) -> HttpResponse:
        upload = selectors.upload_get(organization=self.organization, upload_id=upload_id)
        try:
            return file_response(upload, inline=request.query_params.get("inline") == "1")
        except MissingObject as e:
            raise NotFound("The stored file is missing.") from e


class StorageUsageView(TenantAPIView):
    @extend_schema(
        responses={200: inline_serializer("StorageUsage", {
            "used_bytes": serializers.IntegerField(), "limit_bytes": serializers.IntegerField(),
            "total_uploads": serializers.IntegerField(), "percent": serializers.FloatField(),
            "max_file_bytes": serializers.IntegerField()})},
        tags=["uploads"],
    )
    def get(self, request: Request) -> Response:
        usage = selectors.storage_usage(organization=self.organization)
        return Response({**usage, "max_file_bytes": settings.UPLOAD_MAX_BYTES})
