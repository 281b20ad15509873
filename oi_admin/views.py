"""The report pages of the OI console, mounted in the admin site (/admin/reports/...).

Thin: the admin site checks staff login, oi_admin.staff_roles who may read and export, the
report definitions (oi_admin.reports) what to show."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from redis.exceptions import RedisError

from oi_admin.export import csv_response
from oi_admin.forms import WindowForm
from oi_admin.reports import REPORTS, REPORTS_BY_SLUG, Report, ReportParams
from oi_admin.staff_roles import can_export, can_view_reports
from qrcodes.scanning import scan_spool_sizes

PAGE_SIZE = 50


def _require_reports(request: HttpRequest) -> None:
    if not can_view_reports(request.user):
        raise PermissionDenied("Your staff role cannot read reports.")


def _scan_spool() -> dict[str, int] | None:
    try:
        return scan_spool_sizes()
    except (RedisError, OSError):
        return None  # Redis down: the page says so rather than failing


def reports_index(request: HttpRequest, site: AdminSite) -> HttpResponse:
    _require_reports(request)
    context = {**site.each_context(request), "title": "Reports", "reports": REPORTS,
               "can_export": can_export(request.user), "scan_spool": _scan_spool()}
    return TemplateResponse(request, "oi_admin/reports_index.html", context)


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
        rows=[[(c, row.get(c.key)) for c in report.columns] for row in rows],
        summary=result.summary, charts=charts, notes=result.notes, window=window,
        export_query=_export_query(request), page_query=_page_query(request),
    )
    return TemplateResponse(request, "oi_admin/report.html", context)


def _as_dict(report: Report, obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return {c.key: getattr(obj, c.key, None) for c in report.columns}


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
    suffix = f"-{window.start}-{window.end}" if window is not None else ""
    if not isinstance(rows, list):
        rows = rows.iterator(chunk_size=500)
    return csv_response(
        f"{report.slug}{suffix}.csv",
        [c.key for c in report.columns],
        ([_as_dict(report, r).get(c.key) for c in report.columns] for r in rows),
    )


def report_urls(site: AdminSite) -> list[URLPattern]:
    """URL patterns the admin site mounts before its own: /admin/reports/ and one per report."""
    patterns = [
        path("reports/", site.admin_view(lambda request: reports_index(request, site)), name="oi_reports_index"),
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
