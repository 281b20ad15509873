"""HTML pages for QR codes (same services and selectors as the API) and the public scan
redirect. `/s/<code>` is the hot path: a cached lookup, one INSERT, a 302."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError
from core.errors import PermissionDenied as RoleDenied
from core.humanize import wait_words
from core.web import add_domain_errors, get_or_404, refusals_as_http
from qrcodes import selectors, services
from qrcodes.forms import QRCodeForm, QRCodeListForm
from qrcodes.models import QRCode
from qrcodes.scanning import scan_capture, scan_decide, scan_flood_wait, scan_target_for_code
from tenants.decorators import offered_to, tenant_required
from tenants.roles import WRITERS, can_write


@require_http_methods(["GET", "HEAD"])
def scan_redirect(request: HttpRequest, short_code: str) -> HttpResponse:
    """302 to the destination at once. Unknown code: friendly 404. Paused/archived code or
    inactive organization: friendly 410, no redirect and no scan recorded. A flood from one
    address: friendly 429, not recorded. Database down: a cached code still redirects (the
    scan is spooled); an uncached one answers a friendly 503."""
    ip = client_ip(request)
    wait = scan_flood_wait(ip)
    if wait is not None:
        response = render(request, "qrcodes/scan_too_many.html", {"retry_after": wait, "wait": wait_words(wait)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    target = scan_target_for_code(short_code)  # database down: DatabaseUnavailableMiddleware's 503
    if target is None:
        return render(request, "qrcodes/scan_not_found.html", status=404)
    if not target.live:
        return render(request, "qrcodes/scan_gone.html", {"company": target.company_name}, status=410)
    decision = scan_decide(target, request, ip)  # a code without rules: its destination, at no cost
    scan_capture(target=target, request=request, ip=ip, decision=decision)
    if decision.ended:  # a limit with no fallback: the scan counts, the page says it has ended
        response = render(request, "qrcodes/scan_ended.html", {"company": target.company_name}, status=410)
    else:
        response = HttpResponseRedirect(decision.url)
    response["Cache-Control"] = "no-store"  # every scan must reach us to be counted
    return response


QR_LIST_PAGE_SIZE = 25


@tenant_required
def qr_list(request: HttpRequest) -> HttpResponse:
    """Search, filter (campaign, status), sort and page the organization's codes. An invalid
    field (another organization's campaign id, an unknown sort) is named on the form and left
    out; the others still apply (400). A page past the end shows the last page."""
    org = request.organization
    form = QRCodeListForm(request.GET or None, organization=org)
    filters = form.filters() if form.is_bound else {"query": "", "campaign": "", "status": "", "sort": "newest"}
    codes = selectors.qr_code_browse(organization=org, **filters)
    page = Paginator(codes, QR_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(filters[k] for k in ("query", "campaign", "status"))
    return render(request, "qrcodes/list.html", {
        "form": form, "page": page, "qr_codes": page.object_list, "filtered": filtered,
        "site_url": settings.SITE_URL, "usage": selectors.qr_code_usage(organization=org),
        "can_write": can_write(request.user), "not_offered": WRITERS.not_offered(request.user, org),
    }, status=400 if form.errors else 200)


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
def qr_new(request: HttpRequest) -> HttpResponse:
    org = request.organization
    form = QRCodeForm(request.POST or None, organization=org)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            qr = services.qr_code_create(organization=org, actor=request.user, data=form.cleaned_data)
        except DomainError as err:
            add_domain_errors(form, err)
            refused = isinstance(err, RoleDenied)  # 403, as the API answers
        else:
            messages.success(request, f"QR code “{qr.name}” created.")
            return redirect("qrcode-studio", qr_code_id=qr.pk)
    return render(request, "qrcodes/form.html", {"form": form, "usage": selectors.qr_code_usage(organization=org), "qr": None},
                  status=403 if refused else 400 if form.errors else 200)


@tenant_required
def qr_detail(request: HttpRequest, qr_code_id) -> HttpResponse:
    org = request.organization
    qr = get_or_404(selectors.qr_code_get, organization=org, qr_code_id=qr_code_id)
    return render(request, "qrcodes/detail.html", {
        "qr": qr, "short_url": selectors.short_url(qr),
        "scans": selectors.scan_event_latest(organization=org, qr_code=qr, limit=10),
        "can_write": can_write(request.user), "not_offered": WRITERS.not_offered(request.user, org),
    })


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
def qr_edit(request: HttpRequest, qr_code_id) -> HttpResponse:
    org = request.organization
    qr = get_or_404(selectors.qr_code_get, organization=org, qr_code_id=qr_code_id)
    initial = {
        "name": qr.name, "location": qr.location, "qr_url": qr.qr_url,
        "linked_content_id": str(qr.linked_content_id or ""), "campaign_id": str(qr.campaign_id or ""),
    }
    form = QRCodeForm(request.POST or None, organization=org, initial=initial)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            qr = services.qr_code_update(organization=org, actor=request.user, qr_code_id=qr.pk, data=form.cleaned_data)
        except DomainError as err:
            add_domain_errors(form, err)
            refused = isinstance(err, RoleDenied)
        else:
            messages.success(request, "Saved.")
            return redirect("qrcode", qr_code_id=qr.pk)
    return render(request, "qrcodes/form.html", {"form": form, "qr": qr},
                  status=403 if refused else 400 if form.errors else 200)


_ACTIONS = {"pause": QRCode.Status.PAUSED, "archive": QRCode.Status.ARCHIVED, "activate": QRCode.Status.ACTIVE}


@tenant_required
@require_POST
def qr_action(request: HttpRequest, qr_code_id, action: str) -> HttpResponse:
    org = request.organization
    if action not in (*_ACTIONS, "delete"):
        raise Http404("Unknown action")
    qr = get_or_404(selectors.qr_code_get, organization=org, qr_code_id=qr_code_id)
    try:
        with refusals_as_http(not_found="QR code not found"):
            if action == "delete":
                services.qr_code_delete(organization=org, actor=request.user, qr_code_id=qr.pk)
                messages.success(request, f"QR code “{qr.name}” deleted.")
                return redirect("qrcodes")
            services.qr_code_set_status(organization=org, actor=request.user, qr_code_id=qr.pk,
                                        status=_ACTIONS[action])
    except DomainError as err:
        messages.error(request, str(err.detail))
    else:
        messages.success(request, f"QR code “{qr.name}” is now {_ACTIONS[action]}.")
    return redirect("qrcode", qr_code_id=qr.pk)
