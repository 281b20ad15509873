"""The dashboard page. Thin: the same filters, selectors and plan rules as the API."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe

from analytics import export, selectors
from analytics.caching import cached_read
from analytics.filters import earliest_allowed, filters_from_params, today_utc
from analytics.tiers import PlanUpgradeRequired, tier_for
from tenants.decorators import tenant_required
from tenants.errors import DomainError, NotFound
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


def _filters_or_404(request: HttpRequest):
    try:
        return filters_from_params(organization=request.organization, params=request.GET)
    except NotFound as e:
        raise Http404(str(e)) from e


@tenant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organization
    tier = tier_for(org)
    status, problem = 200, None
    interval = request.GET.get("interval") or "day"
    try:
        filters = _filters_or_404(request)
        if interval not in selectors.INTERVALS:
            raise DomainError({"interval": "Choose day, week or month."})
        if interval not in tier.intervals:
            raise PlanUpgradeRequired(f"The {interval} view is part of the paid plans.")
    except DomainError as e:
        status, problem = e.status_code, e.detail
        filters = filters_from_params(organization=org, params={})
        interval = "day"
    stats = selectors.organization_stats(organization=org)
    choices = selectors.filter_choices(organization=org)
    context = {
        "filters": filters,
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.as_params().items()),
        "problem": problem,
        "stats": stats,
        "usage": selectors.plan_usage(organization=org, stats=stats),
        "recent_activity": activity_recent(organization=org, limit=10),
        "qr_performance": selectors.qr_performance(organization=org, limit=10),
        "qr_code_options": _options(choices["qr_codes"], filters.qr_code_id),
        "campaign_options": _options(choices["campaigns"], filters.campaign_id),
        "earliest": earliest_allowed(org),
        "today": today_utc(),
        "intervals": [i for i in selectors.INTERVALS if i in tier.intervals],
        "titles": BREAKDOWN_TITLES,
        # every chart's data; cached until the workers count new scans (analytics.caching)
        **cached_read(org, "dashboard", (filters, interval),
                      lambda: selectors.dashboard_data(organization=org, filters=filters, interval=interval)),
    }
    return render(request, "analytics/dashboard.html", context, status=status)


def _export(request: HttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    filters = _filters_or_404(request)
    try:
        if kind == "scans":
            rows = export.scan_events_rows(organization=request.organization, filters=filters)
        else:
            rows = export.aggregate_rows(organization=request.organization, filters=filters)
    except DomainError as e:
        return render(request, "analytics/export_refused.html", {"detail": e.detail}, status=e.status_code)
    return export.csv_response(rows, export.export_filename("scans" if kind == "scans" else "scan-aggregates", filters))


@tenant_required
def export_scans(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "scans")


@tenant_required
def export_aggregates(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, "aggregates")
