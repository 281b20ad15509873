"""The OI console's admin site: Django's admin plus the cross-tenant report pages.

Installed in place of `django.contrib.admin` (see the oi_admin block at the end of
settings.py), so `admin.site` everywhere is this site and `admin.autodiscover()` still runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse


class OIAdminSite(admin.AdminSite):
    site_header = "Outbound Impact · OI console"
    site_title = "OI console"
    index_title = "Every customer, every scan"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from oi_admin.views import report_urls  # views import models: load them lazily

        # Before Django's own patterns: the admin's final catch-all would answer 404.
        return report_urls(self) + super().get_urls()

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        if app_label is None:
            section = self.reports_section(request)
            if section is not None:
                app_list.insert(0, section)
        return app_list

    def reports_section(self, request: HttpRequest) -> dict[str, Any] | None:
        """The reports as one more "app" on the index and in the sidebar, for staff who may read them."""
        from oi_admin.reports import REPORTS
        from oi_admin.staff_roles import can_view_reports

        if not can_view_reports(request.user):
            return None
        return {
            "name": "Reports",
            "app_label": "oi_reports",
            "app_url": reverse("admin:oi_reports_index", current_app=self.name),
            "has_module_perms": True,
            "models": [
                {
                    "name": report.title,
                    "object_name": report.slug,
                    "admin_url": reverse(f"admin:oi_report_{report.slug}", current_app=self.name),
                    "add_url": None,
                    "view_only": True,
                    "perms": {"view": True, "add": False, "change": False, "delete": False},
                }
                for report in REPORTS
            ],
        }


class OIConsoleAdminConfig(AdminConfig):
    """django.contrib.admin with OIAdminSite as `admin.site`."""

    default = False
    default_site = "oi_admin.sites.OIAdminSite"
