"""Campaign pages: list, create, detail (QR codes, scans, share buttons), edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import selectors, services
from campaigns.forms import CampaignForm
from core.errors import DomainError
from core.web import add_domain_errors, get_or_404, refusals_as_http
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


@tenant_required
def campaign_detail(request: HttpRequest, campaign_id: str) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get, organization=request.organization, campaign_id=campaign_id)
    org = request.organization
    scans = selectors.campaign_scans(organization=org, campaign=campaign)
    uploads = upload_list(organization=org, campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "scans": scans,
            "uploads": uploads,
            "share_url": selectors.campaign_share_url(organization=org, campaign=campaign),
            "can_write": can_write(request.user),
            "not_offered": WRITERS.not_offered(request.user, org),
        },
    )


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
