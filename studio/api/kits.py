"""Brand kit API: list, create, read, change and delete the organization's kits, and apply one
to codes. Thin: rules live in studio.kits; errors come back as {"error", "detail"}."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_errors import DefaultPagination
from core.web import json_object
from studio import kits
from studio.api.design import DesignSerializer
from studio.models import BrandKit
from studio.selectors import brand_kit_list
from tenants.api_base import TenantAPIView

TAGS = ["brand-kits"]


class BrandKitSerializer(serializers.Serializer):
    """A brand kit as the API answers it."""

    id = serializers.UUIDField()
    name = serializers.CharField(max_length=kits.NAME_MAX)
    is_default = serializers.BooleanField(help_text="New QR codes start with this kit's design.")
    design = DesignSerializer()
    logo_missing = serializers.BooleanField(
        help_text="The kit's logo upload was deleted: `design.logo` is null here and the kit is shown without "
                  "it; applying the kit is refused until it is edited.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


BrandKitInput = inline_serializer("BrandKitInput", {
    "name": serializers.CharField(max_length=kits.NAME_MAX, help_text="Required on create; unique in your "
                                  "organization."),
    "is_default": serializers.BooleanField(required=False, help_text="Make it the default for new codes (the "
                                           "previous default stops being one)."),
    "design": DesignSerializer(required=False, help_text="On create, missing fields take their default; on "
                               "PATCH, only the fields sent change."),
})
ApplyInput = inline_serializer("BrandKitApplyInput", {
    "qr_code_ids": serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=kits.MAX_APPLY,
                                         help_text="Your QR codes to give the kit's design (at most "
                                                   f"{kits.MAX_APPLY}); any id that is not one of them answers 404 "
                                                   "and nothing changes."),
})
ApplyResult = inline_serializer("BrandKitApplyResult", {
    "brand_kit_id": serializers.UUIDField(),
    "count": serializers.IntegerField(help_text="QR codes that now have the kit's design."),
    "qr_code_ids": serializers.ListField(child=serializers.UUIDField()),
})


def kit_json(organization: Any, kit: BrandKit) -> dict[str, Any]:
    shown = kits.brand_kit_design(organization=organization, kit=kit)
    return {
        "id": str(kit.pk), "name": kit.name, "is_default": kit.is_default, "design": shown.design.as_dict(),
        "logo_missing": shown.logo_missing,
        "created_at": kit.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": kit.updated_at.isoformat().replace("+00:00", "Z"),
    }


class BrandKitListCreate(TenantAPIView):
    pagination_class = DefaultPagination

    @extend_schema(responses={200: BrandKitSerializer(many=True)}, tags=TAGS,
                   description="The organization's kits, the default first, then by name. Every member.")
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(brand_kit_list(organization=self.organization), request, view=self)
        return paginator.get_paginated_response([kit_json(self.organization, kit) for kit in page])

    @extend_schema(request=BrandKitInput, responses={201: BrandKitSerializer}, tags=TAGS,
                   description="Create a kit (Admins and Editors).")
    def post(self, request: Request) -> Response:
        kit = kits.brand_kit_create(organization=self.organization, actor=request.user, data=json_object(request))
        return Response(kit_json(self.organization, kit), status=status.HTTP_201_CREATED)


class BrandKitDetail(TenantAPIView):
    @extend_schema(responses={200: BrandKitSerializer}, tags=TAGS)
    def get(self, request: Request, kit_id: str) -> Response:
        kit = kits.brand_kit_get(organization=self.organization, kit_id=kit_id)
        return Response(kit_json(self.organization, kit))

    @extend_schema(request=BrandKitInput, responses={200: BrandKitSerializer}, tags=TAGS,
                   description="Change the fields sent (Admins and Editors). Codes the kit was applied to keep "
                               "their design until it is applied again.")
    def patch(self, request: Request, kit_id: str) -> Response:
        kit = kits.brand_kit_update(organization=self.organization, actor=request.user, kit_id=kit_id,
                                    data=json_object(request))
        return Response(kit_json(self.organization, kit))

    @extend_schema(responses={204: None}, tags=TAGS, description="Delete a kit (Admins and Editors); codes keep "
                                                                 "the design it gave them.")
    def delete(self, request: Request, kit_id: str) -> Response:
        kits.brand_kit_delete(organization=self.organization, actor=request.user, kit_id=kit_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BrandKitApply(TenantAPIView):
    @extend_schema(request=ApplyInput, responses={200: ApplyResult}, tags=TAGS,
                   description="Give QR codes the kit's design, all in one transaction (Admins and Editors).")
    def post(self, request: Request, kit_id: str) -> Response:
        body = json_object(request)
        codes = kits.brand_kit_apply(organization=self.organization, actor=request.user, kit_id=kit_id,
                                     qr_code_ids=body.get("qr_code_ids"))
        kit = kits.brand_kit_get(organization=self.organization, kit_id=kit_id)
        return Response({"brand_kit_id": str(kit.pk), "count": len(codes), "qr_code_ids": [str(c.pk) for c in codes]})


urlpatterns = [
    path("brand-kits", BrandKitListCreate.as_view(), name="api-brand-kits"),
    path("brand-kits/<str:kit_id>", BrandKitDetail.as_view(), name="api-brand-kit"),
    path("brand-kits/<str:kit_id>/apply", BrandKitApply.as_view(), name="api-brand-kit-apply"),
]
