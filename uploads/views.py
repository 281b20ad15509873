"""Upload pages (list with a progress-bar upload form, download, delete) and the public
content page a QR code can point at (/c/<short_code>)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError, NotFound
from core.humanize import size_words
from core.scoping import related_model
from core.web import get_or_404, refusals_as_http
from tenants.decorators import tenant_required
from tenants.roles import WRITERS, can_write
from uploads import content_types, selectors, services
from uploads.delivery import MissingObject, file_response, object_exists
from uploads.errors import FileTooLarge
from uploads.models import UploadedFile
from uploads.upload_handlers import upload_size_limited


def _render_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    org = request.organization
    context = {
        "uploads": selectors.upload_list(organization=org),
        "usage": selectors.storage_usage(organization=org),
        # campaigns is a layer above uploads: reached through the upload's relation
        "campaigns": related_model(UploadedFile, "campaign").objects.filter(organization=org).order_by("-created_at"),
        "can_write": can_write(request.user),
        "not_offered": WRITERS.not_offered(request.user, org),
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "accept": content_types.ACCEPT_ATTRIBUTE,
    }
    return render(request, "uploads/list.html", context, status=status)


@tenant_required
@require_http_methods(["GET", "POST"])
@upload_size_limited(lambda: settings.UPLOAD_MAX_BYTES)
def uploads_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_page(request)
    # The page's script posts to /api/uploads with a progress bar; this is the no-script path.
    try:
        files, data = request.FILES, request.POST
        if request.upload_too_large:
            raise FileTooLarge(f"Files can be at most {size_words(settings.UPLOAD_MAX_BYTES)}.")
        upload = services.upload_create(
            organization=request.organization, actor=request.user, file=files.get("file"),
            file_name=data.get("file_name"), campaign_id=data.get("campaign_id"), ip_address=client_ip(request),
        )
    except DomainError as err:
        messages.error(request, _message(err))
        return _render_page(request, status=err.status_code)
    messages.success(request, f"Uploaded {upload.file_name}.")
    return redirect("upload-list")


def _message(err: DomainError) -> str:
    if isinstance(err.detail, dict):
        return " ".join(str(v) for v in err.detail.values())
    return str(err.detail)


@tenant_required
@require_GET
def upload_download(request: HttpRequest, upload_id: str) -> HttpResponse:
    upload = get_or_404(selectors.upload_get, organization=request.organization, upload_id=upload_id)
    try:
        return file_response(upload, inline=request.GET.get("inline") == "1")
    except MissingObject as e:
        raise Http404("The stored file is missing.") from e


@tenant_required
@require_POST
def upload_delete(request: HttpRequest, upload_id: str) -> HttpResponse:
    try:
        with refusals_as_http(not_found="Upload not found."):
            services.upload_delete(organization=request.organization, actor=request.user, upload_id=upload_id,
                                   ip_address=client_ip(request))
    except DomainError as err:
        messages.error(request, _message(err))
        return redirect("upload-list")
    messages.success(request, "File deleted.")
    return redirect("upload-list")


def _unavailable(request: HttpRequest, status: int, message: str, company: str = "") -> HttpResponse:
    """A scanner's page: the business when known (`company`), never the app's navigation."""
    return render(request, "uploads/public_unavailable.html", {"message": message, "company": company}, status=status)


def _public(request: HttpRequest, short_code: str) -> selectors.PublicContent | HttpResponse:
    try:
        return selectors.public_content(short_code=short_code)
    except NotFound:
        return _unavailable(request, 404, "We couldn't find this content.")
    except selectors.ContentGone as gone:
        return _unavailable(request, 410, "This content is no longer available.", gone.company_name)


@require_GET
def public_content(request: HttpRequest, short_code: str) -> HttpResponse:
    """What a scanner sees when the QR code points at an uploaded file (no login)."""
    found = _public(request, short_code)
    if isinstance(found, HttpResponse):
        return found
    if not object_exists(found.upload):
        return _unavailable(request, 404, "This file is no longer available.", found.qr_code.organization.company_name)
    preview = content_types.preview_kind(found.upload.file_type)
    return render(
        request, "uploads/public_content.html",
        {"qr": found.qr_code, "upload": found.upload, "company": found.qr_code.organization.company_name,
         "preview": preview},
    )


@xframe_options_sameorigin  # the content page embeds PDFs from here
@require_GET
def public_file(request: HttpRequest, short_code: str, disposition: str) -> HttpResponse:
    found = _public(request, short_code)
    if isinstance(found, HttpResponse):
        return found
    try:
        return file_response(found.upload, inline=disposition == "inline")
    except MissingObject:
        return _unavailable(request, 404, "This file is no longer available.")
