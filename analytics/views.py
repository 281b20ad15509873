"""The dashboard page. Thin: the same filters, selectors and plan rules as the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from analytics import export, selectors
from analytics.caching import cached_read
from analytics.filters import earliest_allowed, filters_from_params, today_utc
from analytics.tiers import PlanUpgradeRequired, tier_for
from core.errors import DomainError
from core.web import get_or_404, parse_choice
from tenants.decorators import tenant_required
from tenants.selectors import activity_recent

BREAKDOWN_TITLES = {
    "country": "Countries", "city": "Cities", "device_type": "Devices", "os": "Operating systems",
    "browser": "Browsers", "referrer": "Referrers", "hour": "Hour of day (UTC)",
}


def _options(choices: list[dict[str, Any]], selected: Any) -> str:
    """<option>s for a filter select, built here: a large tenant has ~1,000 QR codes, which the
    template language would take tens of milliseconds to loop over."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped right here
        f'<option value="{c["id"]}"{" selected" if c["id"] == selected else ""}>{escape(c["name"])}</option>'
        for c in choices))


def _filter_control(request: HttpRequest, kind: str, selected: Any, selected_name: str) -> dict[str, Any]:
    """A <select> of every QR code (campaign) when there are at most PICKER_INLINE_MAX of them;
    else a search box that asks `dashboard/choices` as the user types (static/js/filter-picker.js)."""
    rows = selectors.filter_choices(organization=request.organization, kind=kind,
                                    limit=selectors.PICKER_INLINE_MAX + 1)
    if len(rows) <= selectors.PICKER_INLINE_MAX:
        return {"options": _options(rows, selected)}
    return {"search": True, "selected_id": selected or "", "selected_name": selected_name}


def _filters_or_404(request: HttpRequest):
    return get_or_404(filters_from_params, organization=request.organization, params=request.GET)


@tenant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organization
    tier = tier_for(org)
    status, problem = 200, None
    try:
        filters = _filters_or_404(request)
        interval = parse_choice(request.GET.get("interval"), field="interval", choices=selectors.INTERVALS,
                                default="day")
        if interval not in tier.intervals:
            raise PlanUpgradeRequired(f"The {interval} view is part of the paid plans.")
    except DomainError as e:
        status, problem = e.status_code, e.detail
        filters = filters_from_params(organization=org, params={})
        interval = "day"
    stats = selectors.organization_stats(organization=org)
    context = {
        "filters": filters,
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.as_params().items()),
        "problem": problem,
        "stats": stats,
        "usage": selectors.plan_usage(organization=org),
        "recent_activity": activity_recent(organization=org, limit=10),
        "qr_performance": selectors.qr_performance(organization=org, limit=10),
        "qr_control": _filter_control(request, "qr_code", filters.qr_code_id, filters.qr_code_name),
        "campaign_control": (_filter_control(request, "campaign", filters.campaign_id, filters.campaign_name)
                             if tier.campaign_filter else None),
        "earliest": earliest_allowed(org),
        "today": today_utc(),
        "intervals": [i for i in selectors.INTERVALS if i in tier.intervals],
        "titles": BREAKDOWN_TITLES,
        # every chart's data; cached until the workers count new scans (analytics.caching)
        **cached_read(org, "dashboard", (filters, interval),
                      lambda: selectors.dashboard_data(organization=org, filters=filters, interval=interval)),
    }
    return render(request, "analytics/dashboard.html", context, status=status)


@require_GET
@tenant_required
def dashboard_choices(request: HttpRequest) -> JsonResponse:
    """The filter form's search: {"results": [{"id", "name"}]}, at most 20, by name."""
    kind = request.GET.get("kind", "")
    if kind not in selectors.CHOICE_KINDS:
        return JsonResponse({"error": "validation_error", "detail": {"kind": "Use qr_code or campaign."}}, status=400)
    try:
        rows = selectors.filter_choices(organization=request.organization, kind=kind,
                                        search=request.GET.get("q", "").strip()[:100], limit=20)
    except DomainError as e:
        return JsonResponse({"error": e.code, "detail": e.detail}, status=e.status_code)
    return JsonResponse({"results": [{"id": str(r["id"]), "name": r["name"]} for r in rows]})


def _export(request: HttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    try:
        filters = _filters_or_404(request)
        if kind == "scans":
            rows = export.scan_events_rows(organization=request.organization, filters=filters)
        else:
            rows = export.aggregate_rows(organization=request.organization, filters=filters)
    except DomainError as e:
        detail = " ".join(f"{k}: {v}" for k, v in e.detail.items()) if isinstance(e.detail, dict) else e.detail
        return render(request, "analytics/export_refused.html", {"detail": detail}, status=e.status_code)
    return export.csv_response(rows, export.export_filename("scans" if kind == "scans" else "scan-aggregates", filters))


@tenant_required
def export_scans(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "scans")


@tenant_required
def export_aggregates(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "aggregates")
