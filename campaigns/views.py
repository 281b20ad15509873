"""Campaign pages: list, create, detail (chart, QR codes attached in bulk, share link), edit,
delete; and the public share link `/l/<share_code>`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import selectors, services
from campaigns.forms import CampaignForm
from campaigns.sharing import share_click_capture, share_target_for_code
from core.client_ip import client_ip
from core.errors import DomainError
from core.web import add_domain_errors, get_or_404, refusals_as_http
from qrcodes.scanning import scan_flood_wait
from tenants.decorators import offered_to, tenant_required
from tenants.roles import WRITERS, can_write
from uploads.selectors import upload_list


@tenant_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    stats = selectors.campaign_stats(organization=request.organization)
    return render(request, "campaigns/list.html", {
        "stats": stats, "can_write": can_write(request.user),
        "not_offered": WRITERS.not_offered(request.user, request.organization),
    })


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                organization=request.organization, actor=request.user, data=form.cleaned_data
            )
        except DomainError as err:
            add_domain_errors(form, err)
            status = err.status_code
        else:
            messages.success(request, f"Campaign “{campaign.name}” created.")
            return redirect("campaign-detail", campaign_id=campaign.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request, "campaigns/form.html",
        {"form": form, "campaign": None, "can_write": can_write(request.user)}, status=status,
    )


def _detail(request: HttpRequest, campaign: Any, *, attach_error: str = "", status: int = 200) -> HttpResponse:
    org = request.organization
    scans = selectors.campaign_scans(organization=org, campaign=campaign)
    writer = can_write(request.user)
    attachable = selectors.campaign_attachable_qr_codes(organization=org, campaign=campaign) if writer else []
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "scans": scans,
            "chart_data": scans.chart_data(),
            "uploads": upload_list(organization=org, campaign_id=campaign.pk),
            "share_link": selectors.campaign_share_link(campaign),
            "attachable": attachable,
            "attachable_more": len(attachable) >= selectors.ATTACHABLE_LIMIT,
            "attach_error": attach_error,
            "can_write": writer,
            "not_offered": WRITERS.not_offered(request.user, org),
        },
        status=status,
    )


@tenant_required
def campaign_detail(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get, organization=request.organization, campaign_id=campaign_id)
    return _detail(request, campaign)


@tenant_required
@require_POST
def campaign_qr_codes(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """The detail page's attach form (checkboxes `qr_code_ids`) and Remove buttons (`remove`).
    A refused request re-renders the page with the reason (400), nothing written."""
    campaign = get_or_404(selectors.campaign_get, organization=request.organization, campaign_id=campaign_id)
    line = WRITERS.not_offered(request.user, request.organization)
    if line:
        return render(request, "403.html", {"exception": line}, status=403)
    add, remove = request.POST.getlist("qr_code_ids"), request.POST.getlist("remove")
    try:
        with refusals_as_http(not_found="Campaign not found."):
            changed = services.campaign_change_qr_codes(
                organization=request.organization, actor=request.user, campaign_id=campaign.pk, add=add, remove=remove
            )
    except DomainError as err:
        detail = err.detail
        message = " ".join(str(v) for v in detail.values()) if isinstance(detail, dict) else str(detail)
        return _detail(request, campaign, attach_error=message, status=err.status_code)
    added, removed = len(changed["added"]), len(changed["removed"])
    if added:
        messages.success(request, f"Added {added} QR code{'s' if added != 1 else ''} to the campaign.")
    if removed:
        messages.success(request, f"Removed {removed} QR code{'s' if removed != 1 else ''} from the campaign.")
    if not added and not removed:
        messages.info(request, "Nothing changed: those QR codes were already as asked.")
    return redirect("campaign-detail", campaign_id=campaign.pk)


@require_http_methods(["GET", "HEAD"])
def share_redirect(request: HttpRequest, share_code: str) -> HttpResponse:
    """A campaign's share link: 302 to its destination at once, the click recorded with one
    INSERT (bots flagged, never counted; never a scan of any QR code). Unknown code: the
    scanner's 404 page; paused or ended campaign, inactive organization or nowhere to go: the
    scanner's 410 page. A flood from one address: 429, not recorded."""
    ip = client_ip(request)
    wait = scan_flood_wait(ip)
    if wait is not None:
        response = render(request, "qrcodes/scan_too_many.html", {"retry_after": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    target = share_target_for_code(share_code)
    if target is None:
        return render(request, "campaigns/share_not_found.html", status=404)
    if not target.live():
        return render(request, "campaigns/share_gone.html", {"company": target.company_name}, status=410)
    share_click_capture(target=target, request=request)
    response = HttpResponseRedirect(target.destination)
    response["Cache-Control"] = "no-store"  # every click must reach us to be counted
    return response


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get, organization=request.organization, campaign_id=campaign_id)
    form = CampaignForm(request.POST) if request.method == "POST" else CampaignForm.for_campaign(campaign)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_update(
                organization=request.organization, actor=request.user, campaign_id=campaign.pk,
                data=form.cleaned_data,
            )
        except DomainError as err:
            add_domain_errors(form, err)
            status = err.status_code
        else:
            messages.success(request, "Campaign saved.")
            return redirect("campaign-detail", campaign_id=campaign.pk)
    if form.errors and status == 200:
        status = 400
    return render(
        request, "campaigns/form.html",
        {"form": form, "campaign": campaign, "can_write": can_write(request.user)}, status=status,
    )


@tenant_required
@require_POST
def campaign_delete(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get, organization=request.organization, campaign_id=campaign_id)
    try:
        with refusals_as_http(not_found="Campaign not found."):
            services.campaign_delete(organization=request.organization, actor=request.user, campaign_id=campaign.pk)
    except DomainError as err:
        messages.error(request, str(err.detail))
        return redirect("campaign-detail", campaign_id=campaign.pk)
    messages.success(request, f"Campaign “{campaign.name}” deleted.")
    return redirect("campaign-list")
