"""Analytics API (JWT or session, tenant-scoped, read-only). Thin: parse the filters, call the
selectors, shape the JSON. Errors are {"error", "detail"}: bad parameters 400, a plan without
the feature 403 plan_upgrade_required, another organization's campaign or QR code 404."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from analytics import export, selectors
from analytics.caching import cached_read
from analytics.filters import PRESETS, DashboardFilters, filters_from_params
from analytics.models import BREAKDOWN_DIMENSIONS
from core.pagination import PAGE_PARAMETERS, page_fields, page_of
from core.web import parse_choice, parse_limit
from tenants.api_base import TenantAPIView

FILTER_PARAMS = [
    OpenApiParameter("from", OpenApiTypes.DATE,
                     description="First day, in the organization's time zone; default 29 days before `to`"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, in the organization's time zone; default today"),
    OpenApiParameter("range", str, enum=[k for k, _ in PRESETS],
                     description="A preset range ending today in the organization's zone; wins over from/to"),
    OpenApiParameter("campaign_id", OpenApiTypes.UUID, description="Only QR codes of this campaign (paid plans)"),
    OpenApiParameter("qr_code_id", OpenApiTypes.UUID, description="Only this QR code"),
]

def _filters_fields() -> dict[str, serializers.Field]:
    return {"from": serializers.DateField(), "to": serializers.DateField(),
            "campaign_id": serializers.UUIDField(allow_null=True), "qr_code_id": serializers.UUIDField(allow_null=True),
            "timezone": serializers.CharField(help_text="The organization's IANA zone: the days and hours are its own")}


def _counts() -> dict[str, serializers.Field]:
    return {"scans": serializers.IntegerField(), "unique_scans": serializers.IntegerField(),
            "bot_scans": serializers.IntegerField()}


StatsResponse = inline_serializer("AnalyticsStats", {"stats": inline_serializer("AnalyticsStatsBody", {
    "total_users": serializers.IntegerField(), "total_qr_codes": serializers.IntegerField(),
    "total_campaigns": serializers.IntegerField(), "total_uploads": serializers.IntegerField(),
    "storage_used_gb": serializers.FloatField(), "total_qr_scans": serializers.IntegerField()})})
ScansResponse = inline_serializer("AnalyticsScans", {
    **_filters_fields(), "interval": serializers.ChoiceField(choices=list(selectors.INTERVALS)),
    "totals": inline_serializer("AnalyticsScanTotals", {**_counts(), "previous": inline_serializer(
        "AnalyticsPreviousPeriod", {
            "from": serializers.DateField(), "to": serializers.DateField(), "available": serializers.BooleanField(),
            "reason": serializers.CharField(required=False, help_text="When not available (plan history)"),
            "scans": serializers.IntegerField(allow_null=True), "unique_scans": serializers.IntegerField(allow_null=True),
            "bot_scans": serializers.IntegerField(allow_null=True),
            "change": serializers.DictField(allow_null=True, help_text="Per count: percent (null: was 0), label "
                                            "(\"+12%\", \"new\", \"no change\"), direction (up/down/same)"),
        }, help_text="The equal-length period just before the range")}),
    "series": inline_serializer("AnalyticsScanPoint", {
        "period": serializers.DateField(), **_counts(),
        "partial": serializers.BooleanField(help_text="The range cuts this bucket, or it is not over yet"),
        "in_progress": serializers.BooleanField(help_text="The bucket contains today"),
        "first_day": serializers.DateField(), "last_day": serializers.DateField(
            help_text="The days of the bucket inside the range (last_day: at most today)"),
    }, many=True),
})
BreakdownResponse = inline_serializer("AnalyticsBreakdown", {
    **_filters_fields(), "by": serializers.ChoiceField(choices=BREAKDOWN_DIMENSIONS),
    "results": inline_serializer("AnalyticsBreakdownRow", {
        "value": serializers.CharField(allow_blank=True), "label": serializers.CharField(allow_blank=True),
        "scans": serializers.IntegerField(), "unique_scans": serializers.IntegerField(),
        "share": serializers.FloatField(help_text="Of all non-bot scans in the range, 0 to 1."),
        "iso_numeric": serializers.CharField(required=False, allow_blank=True, help_text="by=country only"),
        "latitude": serializers.FloatField(required=False, allow_null=True, help_text="by=city only"),
        "longitude": serializers.FloatField(required=False, allow_null=True, help_text="by=city only"),
    }, many=True),
})
TopQRCodesResponse = inline_serializer("AnalyticsTopQRCodes", {**_filters_fields(), "results": inline_serializer(
    "AnalyticsTopQRCode", {"id": serializers.UUIDField(), "name": serializers.CharField(),
                           "location": serializers.CharField(allow_blank=True),
                           "status": serializers.CharField(allow_blank=True), **_counts()}, many=True)})
CampaignComparisonResponse = inline_serializer("AnalyticsCampaigns", {**_filters_fields(), **page_fields(),
    "results": inline_serializer("AnalyticsCampaignRow", {
        "id": serializers.UUIDField(), "name": serializers.CharField(), "status": serializers.CharField(),
        "start_date": serializers.DateField(allow_null=True), "end_date": serializers.DateField(allow_null=True),
        "qr_codes": serializers.IntegerField(), "scans": serializers.IntegerField(),
        "unique_scans": serializers.IntegerField()}, many=True)})
STATS_KEYS = ("total_users", "total_qr_codes", "total_campaigns", "total_uploads", "storage_used_gb", "total_qr_scans")


def _filters_json(f: DashboardFilters) -> dict[str, Any]:
    return {"from": f.date_from, "to": f.date_to, "campaign_id": f.campaign_id, "qr_code_id": f.qr_code_id,
            "timezone": f.timezone}


MAX_LIMIT = 1000


class AnalyticsView(TenantAPIView):
    """Read-only, for every member: the request's dashboard filters for self.organization."""

    def filters(self) -> DashboardFilters:
        return filters_from_params(organization=self.organization, params=self.request.query_params)

    def limit(self, default: int) -> int:
        return parse_limit(self.request.query_params.get("limit"), default=default, maximum=MAX_LIMIT)


class StatsView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="Organization stats (seed section 6, query 1)",
                   responses={200: StatsResponse})
    def get(self, request: Request) -> Response:
        stats = selectors.organization_stats(organization=self.organization)
        return Response({"stats": {k: stats[k] for k in STATS_KEYS}})


class ScansView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="Scans over time",
                   parameters=[OpenApiParameter("interval", str, enum=list(selectors.INTERVALS)), *FILTER_PARAMS],
                   description="One point per day / week / month of the range (at most 3,660 days): "
                               "bounded by the range, not paginated.",
                   responses={200: ScansResponse})
    def get(self, request: Request) -> Response:
        interval = parse_choice(request.query_params.get("interval"), field="interval",
                                choices=selectors.INTERVALS, default="day")
        f = self.filters()
        org = self.organization

        def compute() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            series = selectors.scans_series(organization=org, filters=f, interval=interval)
            totals = selectors.series_totals(series)  # the series covers exactly the range's days
            previous = selectors.scans_previous(organization=org, filters=f, totals=totals)
            return {**totals, "previous": previous}, series

        totals, series = cached_read(org, "scans", (f, interval), compute)
        return Response({**_filters_json(f), "interval": interval, "totals": totals, "series": series})


class BreakdownView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="Non-bot scans by one dimension",
                   parameters=[OpenApiParameter("by", str, required=True, enum=BREAKDOWN_DIMENSIONS),
                               OpenApiParameter("limit", int, description="1 to 1000, default 100"), *FILTER_PARAMS],
                   description="At most `limit` rows, most scans first: bounded, not paginated. "
                               "`by=hour` always answers the hours that had scans, in clock order, whatever the limit.",
                   responses={200: BreakdownResponse})
    def get(self, request: Request) -> Response:
        by = parse_choice(request.query_params.get("by"), field="by", choices=BREAKDOWN_DIMENSIONS, required=True)
        limit = self.limit(default=100)
        f = self.filters()
        org = self.organization
        rows = cached_read(org, "breakdown", (f, by, limit),
                           lambda: selectors.breakdown(organization=org, filters=f, by=by, limit=limit))
        return Response({**_filters_json(f), "by": by, "results": rows})


class TopQRCodesView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="QR codes with the most scans in the range",
                   parameters=[OpenApiParameter("limit", int, description="1 to 1000, default 10"), *FILTER_PARAMS],
                   description="At most `limit` rows: bounded, not paginated.",
                   responses={200: TopQRCodesResponse})
    def get(self, request: Request) -> Response:
        limit = self.limit(default=10)
        f = self.filters()
        org = self.organization
        rows = cached_read(org, "top_qr_codes", (f, limit),
                           lambda: selectors.top_qr_codes(organization=org, filters=f, limit=limit))
        return Response({**_filters_json(f), "results": rows})


class CampaignComparisonView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="Scans per campaign in the range (paid plans)",
                   parameters=[*FILTER_PARAMS, *PAGE_PARAMETERS], responses={200: CampaignComparisonResponse})
    def get(self, request: Request) -> Response:
        f = self.filters()
        org = self.organization
        rows = cached_read(org, "campaigns", f, lambda: selectors.campaign_comparison(organization=org, filters=f))
        page, paging = page_of(rows, request, self)
        return Response({**_filters_json(f), **paging, "results": page})


class ExportScansView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="CSV of scan events with enrichment (paid plans)",
                   parameters=FILTER_PARAMS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> StreamingHttpResponse:
        f = self.filters()
        rows = export.scan_events_rows(organization=self.organization, filters=f)
        return export.csv_response(rows, export.export_filename("scans", f))


class ExportAggregatesView(AnalyticsView):
    @extend_schema(tags=["analytics"], summary="CSV of the dashboard aggregates (paid plans)",
                   parameters=FILTER_PARAMS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> StreamingHttpResponse:
        f = self.filters()
        rows = export.aggregate_rows(organization=self.organization, filters=f)
        return export.csv_response(rows, export.export_filename("scan-aggregates", f))
