"""The rules page of one code (issue 15): the smart-destination editor, "test a rule", the
destination's versions with rollback, and the rule / A/B result table.

Any member sees the page; Admins and Editors save, roll back and cancel (the services refuse a
Viewer with 403, the page does not offer them the controls). The editor (static/js/qr-rules.js)
builds the routing JSON into the `routing` textarea, which is the form's one source of truth:
without the script the textarea is shown and edited by hand. Views stay thin: the routing is
validated and versioned by qrcodes.destinations; a refused one comes back (400) with each error
named by its field (`rules.2.countries`), which the script puts next to that field."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError, ValidationFailed
from core.web import get_or_404, refusals_as_http
from qrcodes import destinations
from qrcodes.models import QRCode
from qrcodes.selectors import qr_code_get, short_url
from qrcodes.selectors_rules import routing_rule_stats, rule_summary
from tenants.decorators import tenant_required
from tenants.roles import WRITERS, can_write

MAX_ROUTING_CHARS = 100_000  # 20 rules of 10 variants of 2,048-character URLs fit with room
MAX_NOTE = 200
VERSIONS_SHOWN = 30
SAMPLE_DEVICES = (("ios", "iPhone (iOS)"), ("android", "Android phone"), ("desktop", "Desktop computer"),
                  ("mobile", "Other phone or tablet"))
SAMPLE_USER_AGENTS = {  # what the test form's device stands for (qrcodes.scanning.device_kind reads it)
    "ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/17.0 Mobile/15E148 Safari/604.1",
    "android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/120.0.0.0 Mobile Safari/537.36",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/120.0.0.0 Safari/537.36",
    "mobile": "Mozilla/5.0 (Mobile; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
}


def _code(request: HttpRequest, qr_code_id: Any) -> QRCode:
    return get_or_404(qr_code_get, organization=request.organization, qr_code_id=qr_code_id)


def _field_errors(err: DomainError, default: str) -> dict[str, str]:
    if isinstance(err.detail, dict):
        return {str(k): str(v) for k, v in err.detail.items()}
    return {default: str(err.detail)}


def _clean_text(raw: Any, *, field: str, limit: int) -> str:
    text = raw if isinstance(raw, str) else ""
    if "\x00" in text:
        raise ValidationFailed({field: "Remove the NUL character."})
    if len(text) > limit:
        raise ValidationFailed({field: f"At most {limit:,} characters."})
    return text


def routing_from_text(raw: Any, *, field: str = "routing") -> Any:
    """The textarea's JSON (blank: no rules); ValidationFailed on NUL, size, nesting or syntax."""
    text = _clean_text(raw, field=field, limit=MAX_ROUTING_CHARS)
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise ValidationFailed({field: "Not valid JSON: an object with rules, limits and utm."}) from None


def error_label(key: str) -> str:
    """A field name of routing_parse in words: "rules.3.variants.1.url" -> "Rule 4, variant B, url"."""
    words = []
    parts = key.split(".")
    for i, part in enumerate(parts):
        before = parts[i - 1] if i else ""
        if part.isdigit() and before == "rules":
            words[-1] = f"Rule {int(part) + 1}"
        elif part.isdigit() and before == "variants":
            words[-1] = f"variant {chr(65 + int(part)) if int(part) < 26 else int(part) + 1}"
        else:
            words.append({"utm": "UTM", "routing": "Rules", "effective_at": "Apply from"}.get(part, part.replace("_", " ")))
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def _page(request: HttpRequest, qr: QRCode, *, status: int = 200, **extra: Any) -> HttpResponse:
    org = request.organization
    versions = destinations.destination_versions(org, qr, limit=VERSIONS_SHOWN)
    current = destinations.destination_current_number(org, qr)
    routing = qr.routing or {}
    context = {
        "qr": qr, "short_url": short_url(qr), "zone_name": org.timezone,
        "routing_text": json.dumps(routing, indent=2, ensure_ascii=False) if routing else "",
        "errors": {}, "effective_at": "", "note": "",
        "versions": [{"v": v, "current": v.number == current, "summary": _version_summary(v)} for v in versions],
        "rules": [rule_summary(r) for r in routing.get("rules") or []],
        "stats": routing_rule_stats(organization=org, qr_code=qr),
        "can_write": can_write(request.user), "not_offered": WRITERS.not_offered(request.user, org),
        "sample": {"device": "ios", "country": "", "language": "", "date": "", "time": ""},
        "sample_devices": SAMPLE_DEVICES, "test_result": None, "test_errors": {},
    }
    context.update(extra)
    context["error_list"] = [(key, error_label(key), message) for key, message in context["errors"].items()]
    return render(request, "qrcodes/rules.html", context, status=status)


def _version_summary(version: Any) -> str:
    rules = (version.routing or {}).get("rules") or []
    count = f"{len(rules)} rule{'s' if len(rules) != 1 else ''}" if rules else "no rules"
    return f"{version.qr_url or 'its uploaded file'} · {count}"


@tenant_required
@require_http_methods(["GET", "HEAD", "POST"])
def rules_page(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """GET: the page. POST (writers): save the routing in `routing`, at once or from
    `effective_at` (a scheduled version), with an optional `note`; 400 with the fields named."""
    org = request.organization
    qr = _code(request, qr_code_id)
    if request.method != "POST":
        return _page(request, qr)
    posted = {"routing_text": request.POST.get("routing", "")[:MAX_ROUTING_CHARS + 1],
              "effective_at": request.POST.get("effective_at", "")[:40],
              "note": request.POST.get("note", "")[:MAX_NOTE + 1]}
    errors: dict[str, str] = {}
    version = None
    try:
        routing = routing_from_text(request.POST.get("routing", ""))
    except ValidationFailed as err:
        errors.update(_field_errors(err, "routing"))
    else:
        try:
            with refusals_as_http(not_found="QR code not found"):  # a Viewer's save: the 403 page
                version = destinations.qr_routing_set(
                    organization=org, actor=request.user, qr_code_id=qr.pk, routing=routing,
                    effective_at=request.POST.get("effective_at", "").strip() or None,
                    note=request.POST.get("note", "").strip())
        except DomainError as err:  # bad rules, date or note: each named by its field
            errors.update(_field_errors(err, "routing"))
    if errors:
        return _page(request, qr, status=400, errors=errors, **posted)
    if version is None:
        messages.info(request, "Nothing changed: the rules are as they were.")
    elif version.applied_at is None:
        when = timezone.localtime(version.effective_at, org.tzinfo)
        messages.success(request, f"Scheduled as version {version.number}: from {when:%Y-%m-%d %H:%M} "
                                  f"({org.timezone}) the code follows these rules.")
    else:
        messages.success(request, f"Saved as version {version.number}. Scans follow the new rules from now on.")
    return redirect("qrcode-rules", qr_code_id=qr.pk)


def _sample(post: Any) -> dict[str, Any]:
    """The test form as routing_try's sample: a typical user agent of the chosen device, the
    language as an Accept-Language header, the date and time in the organization's zone."""
    device = str(post.get("device", ""))[:20]
    day, time = str(post.get("date", "")).strip()[:10], str(post.get("time", "")).strip()[:8]
    if device not in SAMPLE_USER_AGENTS:
        raise ValidationFailed({"device": f"Use one of: {', '.join(SAMPLE_USER_AGENTS)}."})
    if time and not day:
        day = timezone.localdate().isoformat()  # the middleware activated the organization's zone
    return {"user_agent": SAMPLE_USER_AGENTS[device], "country": str(post.get("country", "")).strip()[:3],
            "accept_language": str(post.get("language", ""))[:100],
            "at": f"{day}T{time or '12:00'}" if day else None}


@tenant_required
@require_POST
def rules_test(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    """Any member: which rule would fire for a sample (device, country, language, date, time),
    against the editor's draft in `routing` (blank: the saved rules). JSON for the script
    (Accept: application/json), else the page with the answer."""
    org = request.organization
    qr = _code(request, qr_code_id)
    sample = {k: str(request.POST.get(k, ""))[:40] for k in ("device", "country", "language", "date", "time")}
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        draft = request.POST.get("routing")
        data = _sample(request.POST)
        if draft not in (None, ""):
            data["routing"] = routing_from_text(draft)
        result = destinations.routing_try(organization=org, qr=qr, data=data, ip=client_ip(request))
    except DomainError as err:
        detail = _field_errors(err, "routing")
        if "at" in detail:
            detail["date"] = detail.pop("at")
        if wants_json:
            return JsonResponse({"error": err.code, "detail": detail}, status=err.status_code)
        return _page(request, qr, status=400, test_errors=detail, sample=sample)
    if wants_json:
        return JsonResponse(result)
    return _page(request, qr, test_result=result, sample=sample)


def _version_action(request: HttpRequest, qr_code_id: Any, number: int, service: Any, done: str) -> HttpResponse:
    """Writers: run `service` on version `number` of the code, say how it went, back to the rules."""
    qr = _code(request, qr_code_id)
    try:
        with refusals_as_http(not_found="Version not found"):
            service(organization=request.organization, actor=request.user, qr_code_id=qr.pk, number=number)
    except DomainError as err:
        messages.error(request, str(err.detail))
    else:
        messages.success(request, done)
    return redirect("qrcode-rules", qr_code_id=qr.pk)


@tenant_required
@require_POST
def version_rollback(request: HttpRequest, qr_code_id: Any, number: int) -> HttpResponse:
    """Writers: a new version with version `number`'s destination and rules, applied at once."""
    return _version_action(request, qr_code_id, number, destinations.qr_destination_rollback,
                           f"Rolled back: the code now does what version {number} did.")


@tenant_required
@require_POST
def version_cancel(request: HttpRequest, qr_code_id: Any, number: int) -> HttpResponse:
    """Writers: drop a scheduled version that has not been applied yet."""
    return _version_action(request, qr_code_id, number, destinations.destination_version_cancel,
                           f"Scheduled version {number} cancelled.")


urlpatterns = [
    path("qrcodes/<uuid:qr_code_id>/rules", rules_page, name="qrcode-rules"),
    path("qrcodes/<uuid:qr_code_id>/rules/test", rules_test, name="qrcode-rules-test"),
    path("qrcodes/<uuid:qr_code_id>/rules/versions/<int:number>/rollback", version_rollback,
         name="qrcode-version-rollback"),
    path("qrcodes/<uuid:qr_code_id>/rules/versions/<int:number>/cancel", version_cancel,
         name="qrcode-version-cancel"),
]
