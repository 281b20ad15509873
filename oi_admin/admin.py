"""The OI console: the Django admin across every tenant. Staff reads go through the
all_orgs default manager, the admin's explicit cross-tenant door."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tenants.models import ActivityLog, Organization, User

admin.site.site_header = "Outbound Impact · OI console"
admin.site.site_title = "OI console"
admin.site.index_title = "Every customer, every scan"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("company_name", "company_email", "plan_type", "status", "monthly_price",
                    "total_qr_codes", "total_qr_scans", "total_uploads", "created_at")
    list_filter = ("plan_type", "status", "data_sharing_opted_out")
    search_fields = ("company_name", "company_email")
    date_hierarchy = "created_at"
    readonly_fields = ("total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes", "created_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "organization", "role", "status", "is_staff", "last_login_at")
    list_filter = ("role", "status", "is_staff")
    search_fields = ("email", "full_name", "organization__company_name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name", "organization", "role", "status")}),
        ("Staff", {"fields": ("is_staff", "is_superuser", "groups")}),
        ("Logins", {"fields": ("last_login_at", "login_count", "last_login_ip", "last_login_location")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "organization", "role", "password1", "password2")}),)
    readonly_fields = ("last_login_at", "login_count", "last_login_ip", "last_login_location")
    filter_horizontal = ("groups",)


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "organization", "user", "action", "entity_type", "entity_id", "location")
    list_filter = ("action",)
    list_select_related = ("organization", "user")
    raw_id_fields = ("organization", "user")
    show_full_result_count = False
