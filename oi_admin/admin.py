"""The OI console: the Django admin across every tenant (site: oi_admin.sites.OIAdminSite).

Staff reads go through the all_orgs default manager, the admin's explicit cross-tenant door
(oi_admin.admin_base.ConsoleModelAdmin). Counters are read-only everywhere; the only writes on
customers are the suspend / reactivate / change-plan actions (oi_admin.services)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from analytics.models import OrgScanRollup, QRScanRollup
from campaigns.models import Campaign
from oi_admin import services
from oi_admin.admin_base import (
    BigTableAdmin,
    ConsoleModelAdmin,
    ReadOnlyConsoleAdmin,
    RoundedCoordinatesAdmin,
    TenantContentAdmin,
    change_link,
    changelist_link,
    links,
)
from oi_admin.models import ScanCell, ScanCellDay
from qrcodes.models import QRCode, ScanEvent
from tenants.forms import EmailFormField
from tenants.models import ActivityLog, Organization, User
from tenants.plans import PLANS
from uploads.models import UploadedFile

PLAN_FIELDS = ("plan_type", "max_contributors", "max_qr_codes", "storage_limit_gb", "monthly_price")
COUNTERS = ("total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes")


def _related_links(org: Organization) -> str:
    return links([
        changelist_link(User, "users", organization__id__exact=org.pk),
        changelist_link(QRCode, "QR codes", organization__id__exact=org.pk),
        changelist_link(Campaign, "campaigns", organization__id__exact=org.pk),
        changelist_link(UploadedFile, "uploads", organization__id__exact=org.pk),
        changelist_link(ScanEvent, "scans", organization__id__exact=org.pk),
        changelist_link(ActivityLog, "activity", organization__id__exact=org.pk),
    ])


def _plan_action(plan_key: str):  # noqa: ANN202 - an admin action built per plan
    def action(modeladmin: OrganizationAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        changed = services.organizations_change_plan(organizations=queryset, actor=request.user, plan_type=plan_key)
        modeladmin.message_user(request, f"{changed} customer(s) moved to {PLANS[plan_key].label}; limits follow the plan.",
                                messages.SUCCESS)

    action.__name__ = f"change_plan_to_{plan_key}"
    return admin.action(description=f"Change plan to {PLANS[plan_key].label}", permissions=["change"])(action)


@admin.register(Organization)
class OrganizationAdmin(ConsoleModelAdmin):
    formfield_overrides = {models.EmailField: {"form_class": EmailFormField}}  # company_email, as at sign-up
    list_display = ("company_name", "company_email", "plan_type", "status", "monthly_price",
                    "total_qr_codes", "total_qr_scans", "total_uploads", "data_sharing_opted_out",
                    "created_at", "related")
    list_filter = ("plan_type", "status", "data_sharing_opted_out", ("created_at", DateFieldListFilter))
    search_fields = ("company_name", "company_email")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("company_name", "company_email", "phone", "billing_address", "status",
                           "data_sharing_opted_out")}),
        ("Plan (change it with the list actions: limits follow the plan table)", {"fields": PLAN_FIELDS}),
        ("Counters (kept by the workers)", {"fields": (*COUNTERS, "created_at")}),
        ("Related", {"fields": ("related",)}),
    )
    readonly_fields = (*PLAN_FIELDS, *COUNTERS, "created_at", "related")
    actions = ["export_csv", "suspend", "reactivate", *[_plan_action(key) for key in PLANS]]

    @admin.display(description="Related")
    def related(self, obj: Organization) -> str:
        return _related_links(obj) if obj.pk else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Cancel or suspend a customer; deleting one (and every row it owns) is a superuser tool.
        return bool(request.user.is_superuser)

    def save_model(self, request: HttpRequest, obj: Organization, form: object, change: bool) -> None:
        if not change:
            from tenants.services import organization_apply_plan

            organization_apply_plan(organization=obj, plan_type=obj.plan_type)
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        if obj is None:  # adding: the plan is chosen, its limits follow
            return tuple(f for f in self.readonly_fields if f != "plan_type")
        return self.readonly_fields

    @admin.action(description="Suspend selected customers", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = services.organizations_set_status(organizations=queryset, actor=request.user,
                                              status=Organization.Status.SUSPENDED)
        self.message_user(request, f"{n} customer(s) suspended.", messages.SUCCESS)

    @admin.action(description="Reactivate selected customers", permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = services.organizations_set_status(organizations=queryset, actor=request.user,
                                              status=Organization.Status.ACTIVE)
        self.message_user(request, f"{n} customer(s) reactivated.", messages.SUCCESS)


@admin.register(User)
class UserAdmin(ConsoleModelAdmin, BaseUserAdmin):
    ordering = ("email",)
    formfield_overrides = {models.EmailField: {"form_class": EmailFormField}}  # normalised like sign-up
    list_display = ("email", "full_name", "organization_link", "role", "status", "is_staff", "last_login_at",
                    "login_count")
    list_filter = ("role", "status", "is_staff", "groups", ("created_at", DateFieldListFilter))
    search_fields = ("email", "full_name", "organization__company_name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "organization", "role", "status")}),
        ("Staff", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Logins", {"fields": ("last_login_at", "login_count", "last_login_ip", "last_login_location")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "organization", "role", "password1", "password2")}),)
    readonly_fields = ("last_login_at", "login_count", "last_login_ip", "last_login_location")
    filter_horizontal = ("groups", "user_permissions")
    csv_fields = ("id", "email", "full_name", "organization_id", "role", "status", "is_staff",
                  "last_login_at", "login_count", "created_at")

    @admin.display(description="Organization", ordering="organization__company_name")
    def organization_link(self, obj: User) -> str:
        return change_link(obj.organization)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Staff roles and permissions are superuser tools.
            fields += ("is_staff", "is_superuser", "groups", "user_permissions")
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False  # an admin may not edit (or reset the password of) a staff account
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ActivityLog)
class ActivityLogAdmin(BigTableAdmin):
    list_display = ("created_at", "organization", "user", "action", "entity_type", "entity_id", "location")
    # No filter on action: its choices would be a SELECT DISTINCT over every activity row per
    # page view; search "=login" (exact action) instead.
    list_filter = (("created_at", DateFieldListFilter),)
    search_fields = ("=action", "=entity_id")
    list_select_related = ("organization", "user")
    raw_id_fields = ("organization", "user")
    org_ordering = ("-created_at",)


class DeviceTypeFilter(admin.SimpleListFilter):
    """Fixed choices: the default filter would SELECT DISTINCT over every scan on each page."""

    title = "device type"
    parameter_name = "device_type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("mobile", "Mobile"), ("desktop", "Desktop"), ("tablet", "Tablet"), ("other", "Other")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "other":
            return queryset.exclude(device_type__in=["mobile", "desktop", "tablet"])
        return queryset.filter(device_type=value) if value else queryset


@admin.register(ScanEvent)
class ScanEventAdmin(RoundedCoordinatesAdmin, BigTableAdmin):
    list_display = ("id", "scanned_at", "qr_code_link", "organization", "classification", "country_code", "city",
                    "device_type", "os", "browser")
    list_filter = ("classification", DeviceTypeFilter, ("scanned_at", DateFieldListFilter))
    search_fields = ("=country_code", "=ip_hash", "=city")
    list_select_related = ("qr_code", "organization")
    raw_id_fields = ("organization", "qr_code")
    org_ordering = ("-scanned_at",)
    csv_fields = ("id", "scanned_at", "organization_id", "qr_code_id", "classification", "ip_hash", "user_agent",
                  "referrer_url", "country", "country_code", "state", "city", "latitude", "longitude",
                  "device_type", "os", "browser", "counted_at")

    @admin.display(description="QR code", ordering="qr_code__name")
    def qr_code_link(self, obj: ScanEvent) -> str:
        return change_link(obj.qr_code)


@admin.register(QRCode)
class QRCodeAdmin(TenantContentAdmin):
    list_display = ("name", "organization", "short_code", "status", "campaign", "total_scans", "last_scanned_at",
                    "created_at", "scans_link")
    list_filter = ("status", ("created_at", DateFieldListFilter), ("last_scanned_at", DateFieldListFilter))
    search_fields = ("name", "=short_code", "organization__company_name")
    list_select_related = ("organization", "campaign")
    raw_id_fields = ("organization", "created_by_user", "linked_content", "campaign")
    date_hierarchy = "created_at"
    readonly_fields = ("total_scans", "last_scanned_at", "short_code", "created_at", "updated_at")

    @admin.display(description="Scans")
    def scans_link(self, obj: QRCode) -> str:
        return changelist_link(ScanEvent, "scans", organization__id__exact=obj.organization_id, qr_code__id__exact=obj.pk)


@admin.register(Campaign)
class CampaignAdmin(TenantContentAdmin):
    list_display = ("name", "organization", "status", "start_date", "end_date", "created_at", "qr_codes_link")
    list_filter = ("status", ("start_date", DateFieldListFilter), ("created_at", DateFieldListFilter))
    search_fields = ("name", "organization__company_name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "created_by_user")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="QR codes")
    def qr_codes_link(self, obj: Campaign) -> str:
        return changelist_link(QRCode, "QR codes", campaign__id__exact=obj.pk)


@admin.register(UploadedFile)
class UploadedFileAdmin(TenantContentAdmin):
    list_display = ("file_name", "organization", "file_type", "file_size_bytes", "campaign", "created_at")
    list_filter = ("file_type", ("created_at", DateFieldListFilter))
    search_fields = ("file_name", "organization__company_name")
    list_select_related = ("organization", "campaign")
    raw_id_fields = ("organization", "uploaded_by_user", "campaign")
    date_hierarchy = "created_at"
    readonly_fields = ("storage_path", "file_size_bytes", "created_at")


class RollupAdmin(BigTableAdmin):
    list_display = ("organization", "grain", "period", "dimension", "value", "scans", "unique_scans",
                    "bot_scans")
    list_filter = ("grain", "dimension", ("period", DateFieldListFilter))
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    org_ordering = ("-period",)


admin.site.register(OrgScanRollup, RollupAdmin)


@admin.register(QRScanRollup)
class QRScanRollupAdmin(RollupAdmin):
    list_display = ("organization", "qr_code", "grain", "period", "scans", "unique_scans", "bot_scans")
    list_filter = ("grain", ("period", DateFieldListFilter))  # totals only: no dimension
    list_select_related = ("organization", "qr_code")
    raw_id_fields = ("organization", "qr_code")


@admin.register(ScanCell)
class ScanCellAdmin(RoundedCoordinatesAdmin, BigTableAdmin):
    list_display = ("day", "daypart", "country_code", "state", "city", "device_type", "scans", "unique_scans",
                    "shared_scans", "shared_scanners")
    list_filter = ("daypart", ("day", DateFieldListFilter))
    search_fields = ("=country_code", "=city")


@admin.register(ScanCellDay)
class ScanCellDayAdmin(ReadOnlyConsoleAdmin):
    list_display = ("day", "built_at", "opted_out_key")
    date_hierarchy = "day"

import oi_admin.plan_requests_admin  # noqa: E402,F401 - registers PlanChangeRequestAdmin (plan-change requests)
