"""Campaign API: thin views over campaigns.services and campaigns.selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.models import Campaign
from core.api_errors import DefaultPagination
from core.openapi import ErrorResponse
from core.pagination import PAGE_PARAMETERS, page_fields, page_of
from core.web import json_object, parse_choice
from tenants.api_base import TenantAPIView


class CampaignSerializer(serializers.ModelSerializer):
    created_by_user_id = serializers.UUIDField(read_only=True)
    created_by = serializers.SerializerMethodField()
    share_url = serializers.CharField(read_only=True, help_text="Where the share link sends people; "
                                      "\"\" = the destination of the campaign's first active QR code.")
    share_link = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "description", "start_date", "end_date", "status", "share_code", "share_url",
            "share_link", "created_by_user_id", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_created_by(self, obj: Campaign) -> str:
        user = obj.created_by_user
        return (user.full_name or user.email) if user else ""

    def get_share_link(self, obj: Campaign) -> str:
        return selectors.campaign_share_link(obj)


class CampaignTotalsSerializer(serializers.Serializer):
    qr_codes = serializers.IntegerField()
    scans = serializers.IntegerField(help_text="Counted scans of the campaign's QR codes (all time).")
    share_clicks = serializers.IntegerField(
        help_text="Share-link clicks, bots excluded; never counted as scans of any QR code.")


class CampaignDetailSerializer(CampaignSerializer):
    """The detail answer: the campaign and its all-time numbers (schema only)."""

    stats = CampaignTotalsSerializer(read_only=True)
    # The same values as Campaign's status enum; a second component with that enum would make
    # drf-spectacular name it by hash (a schema warning), so the detail documents it as text.
    status = serializers.CharField(read_only=True, help_text=f"One of {', '.join(Campaign.Status.values)}.")

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "stats"]
        read_only_fields = fields


QRCodeIds = serializers.ListField(child=serializers.UUIDField(), required=False)
CampaignQRCodesInput = inline_serializer(
    "CampaignQRCodesInput", {"qr_code_ids": QRCodeIds, "remove": serializers.ListField(
        child=serializers.UUIDField(), required=False)},
)
CampaignQRCodesOutput = inline_serializer(
    "CampaignQRCodesResult",
    {"campaign_id": serializers.UUIDField(), "added": serializers.ListField(child=serializers.UUIDField()),
     "removed": serializers.ListField(child=serializers.UUIDField()),
     "qr_code_ids": serializers.ListField(child=serializers.UUIDField())},
)


CampaignInput = inline_serializer(
    "CampaignInput",
    {
        "name": serializers.CharField(),
        "description": serializers.CharField(required=False),
        "start_date": serializers.DateField(required=False, allow_null=True),
        "end_date": serializers.DateField(required=False, allow_null=True),
        "status": serializers.ChoiceField(choices=Campaign.Status.values, required=False),
        "share_url": serializers.CharField(required=False, allow_blank=True,
                                           help_text="An absolute http(s) URL, or \"\" for the first active QR code's."),
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
        "share_clicks": serializers.IntegerField(),
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
    @extend_schema(responses={200: CampaignDetailSerializer}, tags=["campaigns"])
    def get(self, request: Request, campaign_id: str) -> Response:
        campaign = selectors.campaign_get(organization=self.organization, campaign_id=campaign_id)
        stats = selectors.campaign_totals(organization=self.organization, campaign=campaign)
        return Response({**CampaignSerializer(campaign).data, "stats": stats})

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


class CampaignQRCodesView(TenantAPIView):
    """Attach QR codes to a campaign in bulk (POST) or take them out (DELETE, or POST "remove")."""

    def _answer(self, campaign_id: str, changed: dict) -> Response:
        campaign = selectors.campaign_get(organization=self.organization, campaign_id=campaign_id)
        current = selectors.campaign_qr_code_ids(organization=self.organization, campaign=campaign)
        return Response({
            "campaign_id": str(campaign.pk),
            "added": [str(q.pk) for q in changed["added"]],
            "removed": [str(q.pk) for q in changed["removed"]],
            "qr_code_ids": current,
        })

    @extend_schema(request=CampaignQRCodesInput, responses={200: CampaignQRCodesOutput}, tags=["campaigns"])
    def post(self, request: Request, campaign_id: str) -> Response:
        body = json_object(request)
        changed = services.campaign_change_qr_codes(
            organization=self.organization, actor=request.user, campaign_id=campaign_id,
            add=body.get("qr_code_ids"), remove=body.get("remove"),
        )
        return self._answer(campaign_id, changed)

    # drf-spectacular documents no body on DELETE: the 400 of a missing list is declared here.
    @extend_schema(request=CampaignQRCodesInput, responses={200: CampaignQRCodesOutput, 400: ErrorResponse},
                   description='Take the QR codes of `{"qr_code_ids": [...]}` out of the campaign '
                               '(the same as POST with `{"remove": [...]}`).', tags=["campaigns"])
    def delete(self, request: Request, campaign_id: str) -> Response:
        body = json_object(request)
        changed = services.campaign_change_qr_codes(
            organization=self.organization, actor=request.user, campaign_id=campaign_id,
            remove=body.get("qr_code_ids"),
        )
        return self._answer(campaign_id, changed)
