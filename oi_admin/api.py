"""The staff API (seed section 8): every customer and global scan locations, for OI staff JWTs
only. A tenant user's token answers 403 {"error": "permission_denied", "detail": ...}."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from core.errors import ValidationFailed
from oi_admin.forms import WindowForm
from oi_admin.selectors import Window, customers_for_api, scans_global
from oi_admin.staff_roles import can_view_reports
from tenants.api_base import StaffListAPIView


class CanViewReports(BasePermission):
    message = "Your staff role cannot read reports."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_view_reports(request.user)


class CustomerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    company_name = serializers.CharField()
    company_email = serializers.EmailField()
    plan_type = serializers.CharField()
    status = serializers.CharField()
    max_contributors = serializers.IntegerField(allow_null=True)
    max_qr_codes = serializers.IntegerField(allow_null=True)
    storage_limit_gb = serializers.IntegerField()
    monthly_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    phone = serializers.CharField()
    billing_address = serializers.CharField()
    # Same figures as qr_count / storage_used (kept under both keys for existing clients).
    total_qr_codes = serializers.IntegerField(source="qr_count")
    total_qr_scans = serializers.IntegerField()
    total_uploads = serializers.IntegerField()
    storage_used_bytes = serializers.IntegerField(source="storage_used")
    data_sharing_opted_out = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    user_count = serializers.IntegerField()
    qr_count = serializers.IntegerField()
    storage_used = serializers.IntegerField()
    storage_used_display = serializers.SerializerMethodField()

    def get_storage_used_display(self, obj: Any) -> str:
        return filesizeformat(obj.storage_used)  # "1.5 GB"


class GlobalScanSerializer(serializers.Serializer):
    country = serializers.CharField()
    country_code = serializers.CharField()
    city = serializers.CharField()
    scan_count = serializers.IntegerField()
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)


class ReportsAPIView(StaffListAPIView):
    """Staff whose role reads reports (super_admin, admin, analyst)."""

    staff_permission_classes = [CanViewReports]


class CustomersView(ReportsAPIView):
    """GET /api/admin/customers: every organization with user_count, qr_count (= total_qr_codes:
    active QR codes) and storage_used (= storage_used_bytes: bytes of its uploads, never null)."""

    serializer_class = CustomerSerializer

    def dangerously_get_queryset(self) -> Any:
        return customers_for_api()


class GlobalScansView(ReportsAPIView):
    """GET /api/admin/scans/global?start=&end=: scans per country and city (default: the last
    30 days), most scans first, at most 1,000 rows, paginated."""

    serializer_class = GlobalScanSerializer

    def dangerously_get_queryset(self) -> Any:
        form = WindowForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationFailed(form.errors.get_json_data())
        window: Window = form.cleaned_data["window"]
        return scans_global(window)
