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
from analytics.filters import earliest_allowed, filters_from_params, organization_today, preset_links
from analytics.tiers import PlanUpgradeRequired, tier_for
from analytics.zoned import exactness_note
from core.errors import DomainError
from core.web import get_or_404, parse_choice
from qrcodes.selectors import qr_code_get, short_url
from tenants.decorators import tenant_required
from tenants.roles import WRITERS
from tenants.selectors import activity_recent

BREAKDOWN_TITLES = {
    "country": "Countries", "city": "Cities", "device_type": "Devices", "os": "Operating systems",
    "browser": "Browsers", "referrer": "Referrers", "hour": "Hour of day",
}


def breakdown_titles(zone: str) -> dict[str, str]:
    """The chart titles; the hour of day says whose clock it is ("Hour of day (America/Chicago)")."""
    return {**BREAKDOWN_TITLES, "hour": f"{BREAKDOWN_TITLES['hour']} ({zone})"}


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


def _range_and_interval(request: HttpRequest, params: Any, *, fallback: dict[str, str]):
    """(filters, interval, status, problem) of a dashboard page: a bad range or an interval the
    plan lacks is shown as the problem, with the default range (`fallback` filters) instead."""
    org = request.organization
    try:
        filters = _filters_or_404_from(org, params)
        interval = parse_choice(request.GET.get("interval"), field="interval", choices=selectors.INTERVALS,
                                default="day")
        if interval not in tier_for(org).intervals:
            raise PlanUpgradeRequired(f"The {interval} view is part of the paid plans.")
    except DomainError as e:
        return filters_from_params(organization=org, params=fallback), "day", e.status_code, e.detail
    return filters, interval, 200, None


@tenant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    org = request.organization
    tier = tier_for(org)
    filters, interval, status, problem = _range_and_interval(request, request.GET, fallback={})
    stats = selectors.organization_stats(organization=org)
    context = {
        "filters": filters,
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.as_params().items()),
        "problem": problem,
        "stats": stats,
        "usage": selectors.plan_usage(organization=org),
        "recent_activity": _activity_rows(activity_recent(organization=org, limit=10)),
        "first_steps": _first_steps(request),
        "storage_words": selectors.storage_words(stats["storage_used_bytes"]),
        "qr_performance": selectors.qr_performance(organization=org, limit=10),
        "qr_control": _filter_control(request, "qr_code", filters.qr_code_id, filters.qr_code_name),
        "campaign_control": (_filter_control(request, "campaign", filters.campaign_id, filters.campaign_name)
                             if tier.campaign_filter else None),
        "earliest": earliest_allowed(org),
        "today": organization_today(org),
        "presets": preset_links(org, filters),
        "zone_note": exactness_note(filters),
        "intervals": [i for i in selectors.INTERVALS if i in tier.intervals],
        "titles": breakdown_titles(filters.timezone),
        # every chart's data; cached until the workers count new scans (analytics.caching)
        **cached_read(org, "dashboard", (filters, interval),
                      lambda: selectors.dashboard_data(organization=org, filters=filters, interval=interval)),
    }
    context["empty"] = empty_reasons(context, context["filters"])  # each empty chart says why
    return render(request, "analytics/dashboard.html", context, status=status)


# --- first steps, activity sentences, one QR code's analytics (issue 13) ------------------

_PAST = {"create": "created", "update": "updated", "delete": "deleted", "upload": "uploaded",
         "invite": "invited", "join": "joined", "register": "registered", "login": "signed in"}
_THINGS = {"qr code": "a QR code", "file": "a file", "campaign": "a campaign", "user": "a team member",
           "team": "the team"}


def _activity_fallback(action: str, user_name: str) -> str:
    """"Ann Lee created a QR code" from ("create_qr_code", "Ann Lee"): the dashboard's line until
    tenants.selectors.activity_recent gives each row its own `sentence`."""
    verb, _, rest = (action or "").partition("_")
    rest = rest.replace("_", " ")
    words = f"{_PAST[verb]} {_THINGS.get(rest, rest)}".strip() if verb in _PAST else (action or "").replace("_", " ")
    return f"{user_name or 'Someone'} {words}"


def _activity_rows(rows: list[Any]) -> list[Any]:
    for row in rows:
        if isinstance(row, dict) and not row.get("sentence"):
            row["fallback"] = _activity_fallback(row.get("action", ""), row.get("user_name", ""))
    return rows


def no_scans_words(filters: Any, single_qr: bool = False) -> str:
    """Why a chart of the range is empty: "No scans between Nov 1 and Nov 30, 2025"."""
    if single_qr:
        return "No scans from this QR code in this range."
    a, b = filters.date_from, filters.date_to
    if a == b:
        return f"No scans on {b:%b} {b.day}, {b.year}."
    first = f"{a:%b} {a.day}" + ("" if a.year == b.year else f", {a.year}")
    return f"No scans between {first} and {b:%b} {b.day}, {b.year}."


def empty_reasons(data: dict[str, Any], filters: Any, single_qr: bool = False) -> dict[str, str]:
    """For each chart of `data` (selectors.dashboard_data) that would draw nothing, the sentence
    shown instead of empty axes; a chart with data has no key here."""
    totals, bd = data["totals"], data["breakdowns"]
    none = no_scans_words(filters, single_qr)
    only_bots = "Only bot scans in this range, and bots are not counted." if totals["bot_scans"] else none
    reasons: dict[str, str] = {}
    if not (totals["scans"] or totals["bot_scans"]):
        reasons["series"] = none
    if not data.get("top_qr_codes"):
        reasons["top_qr"] = none
    if data.get("campaigns") == []:
        reasons["campaigns"] = "No campaigns yet."
    if not totals["scans"]:  # every breakdown counts non-bot scans only
        return {**{k: only_bots for k in (*bd, "city_map", "campaigns")}, **reasons}

    def known(dim: str) -> bool:
        return any(r["value"] for r in bd.get(dim) or [])

    placed = "need a location: none of these scans could be placed."
    for dim, words in (("country", f"Countries {placed}"), ("city", f"Cities {placed}"),
                       ("referrer", "No referrers recorded: most scans come from camera apps, which send none."),
                       ("device_type", "No device recorded for these scans."),
                       ("os", "No operating system recorded for these scans."),
                       ("browser", "No browser recorded for these scans.")):
        if dim in bd and not known(dim):
            reasons[dim] = words
    if "city" in bd and not any(r.get("latitude") is not None for r in bd["city"]):
        reasons["city_map"] = f"Cities {placed}"
    if "hour" in bd and not bd["hour"]:
        reasons["hour"] = none
    if data.get("campaigns") and not any(c["scans"] for c in data["campaigns"]):
        reasons["campaigns"] = "None of these scans came from a QR code in a campaign."
    return reasons


def _first_steps(request: HttpRequest) -> dict[str, Any]:
    steps = selectors.first_steps(organization=request.organization)
    steps["not_offered"] = WRITERS.not_offered(request.user, request.organization)
    return steps


@tenant_required
def qr_analytics(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """The dashboard's series, totals and breakdowns for one of the organization's QR codes
    (dashboard_data under a qr_code filter); another organization's or a missing code is 404."""
    org = request.organization
    qr = get_or_404(qr_code_get, organization=org, qr_code_id=qr_code_id)
    tier = tier_for(org)
    params = {k: v for k, v in request.GET.items() if k not in ("qr_code_id", "campaign_id", "interval")}
    filters, interval, status, problem = _range_and_interval(
        request, {**params, "qr_code_id": str(qr.pk)}, fallback={"qr_code_id": str(qr.pk)})
    data = cached_read(org, "dashboard", (filters, interval),
                       lambda: selectors.dashboard_data(organization=org, filters=filters, interval=interval))
    context = {
        "qr": qr, "short_url": short_url(qr), "filters": filters, "problem": problem,
        # the range without the code (the URL names it)
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.as_params().items() if k != "qr_code_id"),
        "earliest": earliest_allowed(org), "today": organization_today(org),
        "intervals": [i for i in selectors.INTERVALS if i in tier.intervals],
        "titles": breakdown_titles(filters.timezone), "single_qr": True, "presets": preset_links(org, filters),
        **data,
        "top_qr_codes": [], "campaigns": None,  # one code: no ranking of codes or campaigns
    }
    context["empty"] = empty_reasons(context, filters, single_qr=True)
    return render(request, "analytics/qr_analytics.html", context, status=status)


def _filters_or_404_from(organization: Any, params: dict[str, str]):
    return get_or_404(filters_from_params, organization=organization, params=params)


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
