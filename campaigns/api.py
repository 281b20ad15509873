"""Campaign API: thin views over campaigns.services and campaigns.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.models import Campaign
from core.api_errors import DefaultPagination
from core.pagination import PAGE_PARAMETERS, page_fields, page_of
from core.web import json_object, parse_choice
from tenants.api_base import TenantAPIView


class CampaignSerializer(serializers.ModelSerializer):
    created_by_user_id = serializers.UUIDField(read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "description", "start_date", "end_date", "status",
            "created_by_user_id", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_created_by(self, obj: Campaign) -> str:
        user = obj.created_by_user
        return (user.full_name or user.email) if user else ""


CampaignInput = inline_serializer(
    "CampaignInput",
    {
        "name": serializers.CharField(),
        "description": serializers.CharField(required=False),
        "start_date": serializers.DateField(required=False, allow_null=True),
        "end_date": serializers.DateField(required=False, allow_null=True),
        "status": serializers.ChoiceField(choices=Campaign.Status.values, required=False),
    },
)

CampaignStatsRow = inline_serializer(
    "CampaignStatsRow",
    {
        "id": serializers.UUIDField(),
        "name": serializers.CharField(),
        "status": serializers.CharField(),
        "start_date": serializers.DateField(allow_null=True),
        "end_date": serializers.DateField(allow_null=True),
        "qr_codes": serializers.IntegerField(),
        "total_scans": serializers.IntegerField(),
        "scans_in_range": serializers.IntegerField(),
        "uploads": serializers.IntegerField(),
        "upload_bytes": serializers.IntegerField(),
    },
    many=True,
)


class CampaignListView(TenantAPIView):
    pagination_class = DefaultPagination

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=Campaign.Status.values)],
                   responses={200: CampaignSerializer(many=True)}, tags=["campaigns"])
    def get(self, request: Request) -> Response:
        status_filter = parse_choice(request.query_params.get("status"), field="status", choices=Campaign.Status.values)
        qs = selectors.campaign_list(organization=self.organization, status=status_filter)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(request=CampaignInput, responses={201: CampaignSerializer}, tags=["campaigns"])
    def post(self, request: Request) -> Response:
        campaign = services.campaign_create(
            organization=self.organization, actor=request.user, data=json_object(request)
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignStatsView(TenantAPIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: inline_serializer("CampaignStats", {"total_campaigns": serializers.IntegerField(),
                                                            **page_fields(), "campaigns": CampaignStatsRow})},
        tags=["campaigns"],
    )
    def get(self, request: Request) -> Response:
        rows = selectors.campaign_stats(organization=self.organization)
        page, paging = page_of(rows, request, self)
        return Response({"total_campaigns": len(rows), **paging, "campaigns": page})


class CampaignDetailView(TenantAPIView):
    @extend_schema(responses={200: CampaignSerializer}, tags=["campaigns"])
    def get(self, request: Request, campaign_id: str) -> Response:
        campaign = selectors.campaign_get(organization=self.organization, campaign_id=campaign_id)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=CampaignInput, responses={200: CampaignSerializer}, tags=["campaigns"])
    def patch(self, request: Request, campaign_id: str) -> Response:
        campaign = services.campaign_update(
            organization=self.organization, actor=request.user, campaign_id=campaign_id, data=json_object(request)
        )
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses={204: None}, tags=["campaigns"])
    def delete(self, request: Request, campaign_id: str) -> Response:
        services.campaign_delete(organization=self.organization, actor=request.user, campaign_id=campaign_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
