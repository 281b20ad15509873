"""The OI console's admin site: Django's admin plus the cross-tenant report pages.

Installed in place of `django.contrib.admin` (see the oi_admin block at the end of
settings.py), so `admin.site` everywhere is this site and `admin.autodiscover()` still runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, reverse


class OIAdminSite(admin.AdminSite):
    site_header = "Outbound Impact · OI console"
    site_title = "OI console"
    index_title = "Overview"
    index_template = "admin/oi_index.html"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Django's register; an internal model's ModelAdmin (any app's or package's: groups,
        token blacklist, rollups, cells...) gets SystemSectionAdmin first, so only super_admin
        sees or opens it (oi_admin.staff_roles.CUSTOMER_MODELS says what is not internal)."""
        from oi_admin.admin_base import SystemSectionAdmin
        from oi_admin.staff_roles import is_system_model

        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models:
            cls = admin_class or admin.ModelAdmin
            if is_system_model(model) and not issubclass(cls, SystemSectionAdmin):
                cls = type(f"System{cls.__name__}", (SystemSectionAdmin, cls), {"__module__": cls.__module__})
            super().register(model, cls, **options)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        from oi_admin.views import report_urls  # views import models: load them lazily

        # Before Django's own patterns: the admin's final catch-all would answer 404.
        return report_urls(self) + super().get_urls()

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The reports first, then the customer-facing apps, then (super_admin only: the
        internal admins refuse everyone else) every internal model under one "System" section."""
        from oi_admin.staff_roles import is_system_model

        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        apps: list[dict[str, Any]] = []
        system: list[dict[str, Any]] = []
        for app in app_list:
            customer_models = [m for m in app["models"] if not is_system_model(m["model"])]
            system += [{**m, "name": f"{m['name']} ({app['name']})"} for m in app["models"] if is_system_model(m["model"])]
            if customer_models:
                apps.append({**app, "models": customer_models})
        if system:
            apps.append({
                "name": "System", "app_label": "oi_system", "app_url": reverse("admin:index", current_app=self.name),
                "has_module_perms": True, "models": system,
            })
        section = self.reports_section(request)
        if section is not None:
            apps.insert(0, section)
        return apps

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        """The console home: the overview figures (oi_admin.selectors.console_overview), the
        reports, pending work, then the app list."""
        from oi_admin.views import overview_context

        response = super().index(request, {**overview_context(request, self), **(extra_context or {})})
        # The home lists the reports with their descriptions already; the sidebar keeps them.
        response.context_data["app_list"] = [
            app for app in response.context_data["app_list"] if app["app_label"] != "oi_reports"
        ]
        return response

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
