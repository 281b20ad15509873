"""The report pages of the OI console, mounted in the admin site (/admin/reports/...).

Thin: the admin site checks staff login, oi_admin.staff_roles who may read and export, the
report definitions (oi_admin.reports) what to show."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from oi_admin import selectors
from oi_admin.export import csv_response
from oi_admin.forms import WindowForm
from oi_admin.reports import REPORTS, REPORTS_BY_SLUG, Report, ReportParams
from oi_admin.staff_roles import can_export, can_view_reports, is_super_admin

PAGE_SIZE = 50


def _require_reports(request: HttpRequest) -> None:
    if not can_view_reports(request.user):
        raise PermissionDenied("Your staff role cannot read reports.")


def reports_index(request: HttpRequest, site: AdminSite) -> HttpResponse:
    _require_reports(request)
    context = {**site.each_context(request), "title": "Reports", "reports": REPORTS,
               "can_export": can_export(request.user), "scan_spool": selectors.scan_spool_state(),
               "can_see_dead_letters": is_super_admin(request.user)}
    return TemplateResponse(request, "oi_admin/reports_index.html", context)


def overview_context(request: HttpRequest, site: AdminSite) -> dict[str, Any]:
    """What the console home (OIAdminSite.index) shows above the app list."""
    plan_requests_url = None
    try:
        model = apps.get_model("tenants", "PlanChangeRequest")
    except LookupError:
        model = None
    if model is not None and site.is_registered(model):
        plan_requests_url = reverse("admin:tenants_planchangerequest_changelist", current_app=site.name)
    return {
        "overview": selectors.console_overview(),
        "reports": REPORTS if can_view_reports(request.user) else (),
        "plan_requests_url": plan_requests_url,
        "organizations_url": reverse("admin:tenants_organization_changelist", current_app=site.name),
        "dead_letters_url": (reverse("admin:oi_dead_letters", current_app=site.name)
                             if is_super_admin(request.user) else None),
    }


def dead_letters(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """The scan spool's dead-letter list (raw items the drain could not insert): super_admin
    only, as the items are raw captures. Read-only; docs/reliability.md says how to replay."""
    if not is_super_admin(request.user):
        raise PermissionDenied("Only super_admin staff can read the dead-letter list.")
    context = {**site.each_context(request), "title": "Scan spool: dead letters",
               "spool": selectors.scan_spool_state(), "items": selectors.scan_dead_letters(),
               "shown": selectors.DEAD_LETTERS_SHOWN}
    return TemplateResponse(request, "oi_admin/dead_letters.html", context)


def report_view(request: HttpRequest, site: AdminSite, slug: str) -> HttpResponse:
    _require_reports(request)
    report = REPORTS_BY_SLUG.get(slug)
    if report is None:
        raise Http404("No such report.")
    wants_csv = request.GET.get("format") == "csv"
    if wants_csv and not can_export(request.user):
        raise PermissionDenied("Your staff role cannot export.")
    form = WindowForm(request.GET, default_days=report.default_days) if report.windowed else None
    context: dict[str, Any] = {**site.each_context(request), "title": report.title, "report": report,
                               "form": form, "can_export": can_export(request.user)}
    if form is not None and not form.is_valid():
        return TemplateResponse(request, "oi_admin/report.html", context, status=400)
    window = form.cleaned_data["window"] if form is not None else None
    result = report.build(ReportParams(window=window, now=timezone.now()))
    if wants_csv:
        return _csv(report, result.rows, window)
    rows = result.rows
    charts = result.charts
    if report.paginate:
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_as_dict(report, obj) for obj in page.object_list]
        context["page_obj"] = page
        if report.page_charts is not None:
            charts = charts + report.page_charts(rows)
    context.update(
        rows=[_table_row(report, row) for row in rows],
        has_row_links=report.row_links is not None,
        empty_reason=result.empty_reason or report.empty_reason,
        summary=result.summary, charts=charts, notes=result.notes, window=window,
        export_query=_export_query(request), page_query=_page_query(request),
    )
    return TemplateResponse(request, "oi_admin/report.html", context)


def _table_row(report: Report, row: dict[str, Any]) -> dict[str, Any]:
    """One table row: per column (column, value, detail, limit), and the row's links."""
    links = report.row_links(row) if report.row_links is not None else []
    return {
        "cells": [(c, row.get(c.key), row.get(c.detail_key) if c.detail_key else None,
                   row.get(c.limit_key) if c.limit_key else None) for c in report.columns],
        "links": links,
        "url": links[0][1] if links else None,
    }


def _as_dict(report: Report, obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return {"id": obj.pk, **{k: getattr(obj, k, None) for c in report.columns for k in c.keys}}


def _page_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


def _export_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "csv"
    return params.urlencode()


def _csv(report: Report, rows: Any, window: Any) -> HttpResponse:
    """The report's rows as built for the page (same filter, same order; every page of a
    paginated report), with each column's keys (Report.csv_header)."""
    suffix = f"-{window.start}-{window.end}" if window is not None else ""
    if not isinstance(rows, list):
        rows = rows.iterator(chunk_size=500)
    header = report.csv_header
    return csv_response(
        f"{report.slug}{suffix}.csv",
        header,
        ([_as_dict(report, r).get(k) for k in header] for r in rows),
    )


def report_urls(site: AdminSite) -> list[URLPattern]:
    """URL patterns the admin site mounts before its own: /admin/reports/ and one per report."""
    patterns = [
        path("reports/", site.admin_view(lambda request: reports_index(request, site)), name="oi_reports_index"),
        path("system/dead-letters/", site.admin_view(lambda request: dead_letters(request, site)),
             name="oi_dead_letters"),
    ]
    for report in REPORTS:
        patterns.append(
            path(
                f"reports/{report.slug}/",
                site.admin_view(lambda request, slug=report.slug: report_view(request, site, slug)),
                name=f"oi_report_{report.slug}",
            )
        )
    return patterns
