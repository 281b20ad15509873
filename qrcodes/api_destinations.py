"""Smart destinations API (issue 15): a code's rules, its destination versions, rollback,
scheduled changes and a dry run of the rules. Thin: writes go to qrcodes.destinations, which
validates (400 names the field, e.g. `rules.2.countries`) and checks the role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.client_ip import client_ip
from core.openapi import ErrorResponse
from core.web import json_object, parse_limit
from qrcodes import destinations, selectors
from qrcodes.destinations import MAX_PENDING
from qrcodes.models import DestinationVersion, QRCode
from tenants.api_base import TenantAPIView
from tenants.roles import MEMBERS

ROUTING_HELP = ("Rules, limits and UTM tags (see docs/destinations.md): {\"rules\": [{\"kind\": \"device\", "
                "\"devices\": [\"ios\"], \"url\": \"https://...\"}, ...], \"limits\": {...}, \"utm\": {...}}; {} = none.")


class DestinationVersionSerializer(serializers.ModelSerializer):
    """One version of a code's destination: what it sets, who made it, when it applied."""

    routing = serializers.JSONField(help_text=ROUTING_HELP)
    created_by = serializers.SerializerMethodField(help_text="Name or email of the author; null for version 1 "
                                                             "(how the code was before its first change).")
    state = serializers.SerializerMethodField(help_text="`applied`, or `scheduled` (waiting for effective_at).")

    class Meta:
        model = DestinationVersion
        fields = ["number", "qr_url", "routing", "note", "created_by", "created_at", "effective_at", "applied_at",
                  "state"]
        read_only_fields = fields

    def get_created_by(self, obj: DestinationVersion) -> str | None:
        user = obj.created_by
        return (user.full_name or user.email) if user else None

    def get_state(self, obj: DestinationVersion) -> str:
        return "applied" if obj.applied_at else "scheduled"


RulesOutput = inline_serializer("QRCodeRules", {
    "qr_url": serializers.CharField(help_text="The default destination (empty when the code opens a file)."),
    "routing": serializers.JSONField(help_text=ROUTING_HELP),
    "scheduled": DestinationVersionSerializer(many=True, help_text="Scheduled changes, soonest first."),
    "version": DestinationVersionSerializer(allow_null=True, required=False,
                                            help_text="PUT only: the version made (null: nothing changed)."),
})
RulesInput = inline_serializer("QRCodeRulesInput", {
    "routing": serializers.JSONField(help_text=ROUTING_HELP),
    "qr_url": serializers.URLField(required=False, help_text="A new default destination (default: unchanged)."),
    "effective_at": serializers.DateTimeField(
        required=False, help_text="Schedule the change (future, at most two years ahead; no offset = the "
                                  "organization's time zone). Default: now."),
    "note": serializers.CharField(required=False, max_length=200),
})
TryInput = inline_serializer("QRCodeRulesTestInput", {
    "routing": serializers.JSONField(required=False, help_text="A draft to try (default: the saved rules)."),
    "qr_url": serializers.URLField(required=False, help_text="A draft default destination."),
    "user_agent": serializers.CharField(required=False),
    "country": serializers.CharField(required=False, help_text="ISO 3166 code, e.g. FR."),
    "accept_language": serializers.CharField(required=False, help_text="An Accept-Language header, e.g. fr-CH, en;q=0.8"),
    "at": serializers.DateTimeField(required=False, help_text="When (default now; no offset = the organization's zone)."),
    "bucket": serializers.IntegerField(required=False, min_value=0, max_value=99,
                                       help_text="A/B bucket of the scanner (default: yours, from IP and user agent)."),
    "total_scans": serializers.IntegerField(required=False, min_value=0,
                                            help_text="Counted scans, for a max-scans limit (default: the code's)."),
})
TryOutput = inline_serializer("QRCodeRulesTestResult", {
    "url": serializers.CharField(help_text="Where the scan would go (empty when `ended`)."),
    "rule": serializers.IntegerField(allow_null=True, help_text="0-based index of the rule that fires, as stored on "
                                                                "scans (-1 expired, -2 used up; null: the default)."),
    "variant": serializers.IntegerField(allow_null=True, help_text="0-based A/B variant, when a split fires."),
    "ended": serializers.BooleanField(help_text="A limit with no fallback: the “this code has ended” page."),
    "explanation": serializers.CharField(),
    "visitor": serializers.JSONField(help_text="What the rules looked at: device, languages, country, local_time, "
                                               "bucket."),
})


def _rules(organization: Any, qr: QRCode, *, limit: int = MAX_PENDING) -> dict[str, Any]:
    scheduled = destinations.destination_scheduled(organization, qr, limit=limit)
    return {"qr_url": qr.qr_url, "routing": qr.routing or {},
            "scheduled": DestinationVersionSerializer(scheduled, many=True).data}


class QRCodeRules(TenantAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"Scheduled changes shown, 1 to {MAX_PENDING} "
                                                                f"(default {MAX_PENDING}, the most a code may have)")],
        responses={200: RulesOutput}, tags=["qrcodes"],
        description="The code's default destination, its routing and its scheduled changes (soonest first, a plain "
                    "list bounded by `limit`, not paginated).",
    )
    def get(self, request: Request, qr_code_id: str) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=MAX_PENDING, maximum=MAX_PENDING)
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        return Response(_rules(self.organization, qr, limit=limit))

    @extend_schema(request=RulesInput, responses={200: RulesOutput}, tags=["qrcodes"],
                   description="Replace the code's routing (and optionally its URL) as a new version, now or at "
                               "`effective_at`. 400 names the bad field, e.g. `rules.2.countries`. Admins and "
                               "Editors.")
    def put(self, request: Request, qr_code_id: str) -> Response:
        data = json_object(request)
        version = destinations.qr_routing_set(
            organization=self.organization, actor=request.user, qr_code_id=qr_code_id, routing=data.get("routing"),
            qr_url=data.get("qr_url"), effective_at=data.get("effective_at"), note=data.get("note"),
        )
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        body = _rules(self.organization, qr)
        body["version"] = DestinationVersionSerializer(version).data if version else None
        return Response(body)


class QRCodeRulesTest(TenantAPIView):
    write_access = MEMBERS  # a dry run changes nothing: Viewers may try rules too

    @extend_schema(request=TryInput, responses={200: TryOutput}, tags=["qrcodes"],
                   description="Which rule would fire for a sample scanner (user agent, country, language, time), "
                               "with the saved rules or a draft. Changes nothing; any member.")
    def post(self, request: Request, qr_code_id: str) -> Response:
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        result = destinations.routing_try(organization=self.organization, qr=qr, data=json_object(request),
                                          ip=client_ip(request._request))
        if result["url"].startswith("/"):
            result["url"] = f"{settings.SITE_URL}{result['url']}"
        return Response(result)


class QRCodeVersions(TenantAPIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1 to {destinations.VERSIONS_LIMIT}, default 50")],
        responses={200: DestinationVersionSerializer(many=True)}, tags=["qrcodes"],
        description="The code's destination versions, newest first, scheduled ones included: a plain list bounded "
                    "by `limit`, not paginated. A code has none until its destination or rules first change.",
    )
    def get(self, request: Request, qr_code_id: str) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=50, maximum=destinations.VERSIONS_LIMIT)
        qr = selectors.qr_code_get(organization=self.organization, qr_code_id=qr_code_id)
        versions = destinations.destination_versions(self.organization, qr, limit=limit)
        return Response(DestinationVersionSerializer(versions, many=True).data)


class QRCodeVersion(TenantAPIView):
    @extend_schema(responses={204: None, 409: ErrorResponse}, tags=["qrcodes"],
                   description="Cancel a scheduled version (409 for an applied one: history stays). Admins and "
                               "Editors.")
    def delete(self, request: Request, qr_code_id: str, number: int) -> Response:
        destinations.destination_version_cancel(organization=self.organization, actor=request.user,
                                           qr_code_id=qr_code_id, number=number)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QRCodeVersionRollback(TenantAPIView):
    @extend_schema(request=None, responses={201: DestinationVersionSerializer, 409: ErrorResponse}, tags=["qrcodes"],
                   description="Make version `number`'s URL and rules the code's destination again, as a new "
                               "version (409 for a scheduled version never applied). Admins and Editors.")
    def post(self, request: Request, qr_code_id: str, number: int) -> Response:
        version = destinations.qr_destination_rollback(organization=self.organization, actor=request.user,
                                                       qr_code_id=qr_code_id, number=number)
        return Response(DestinationVersionSerializer(version).data, status=status.HTTP_201_CREATED)
