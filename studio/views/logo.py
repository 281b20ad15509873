"""A new logo from the studio: `POST /qrcodes/<id>/studio/logo` (multipart `logo_file`) stores
the image as one of the organization's uploads and makes it the code's logo, then goes back to
the studio. The size limit is in place before the body is read, as on the uploads page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.errors import DomainError
from core.humanize import size_words
from core.web import refusals_as_http
from studio import services
from tenants.decorators import tenant_required
from uploads.upload_handlers import upload_size_limited


@tenant_required
@require_POST
@upload_size_limited(lambda: settings.UPLOAD_MAX_BYTES)
def studio_logo_upload(request: HttpRequest, qr_code_id: Any) -> HttpResponse:
    try:
        with refusals_as_http(not_found="QR code not found"):  # a Viewer: the 403 page
            if request.upload_too_large:
                messages.error(request, f"Files can be at most {size_words(settings.UPLOAD_MAX_BYTES)}.")
            else:
                services.qr_design_logo_upload(organization=request.organization, actor=request.user,
                                               qr_code_id=qr_code_id, file=request.FILES.get("logo_file"),
                                               ip_address=client_ip(request))
                messages.success(request, "Logo uploaded and set: error correction is now H.")
    except DomainError as err:  # not an image, over the storage quota: said on the studio
        detail = err.detail.values() if isinstance(err.detail, dict) else [err.detail]
        messages.error(request, " ".join(str(d) for d in detail))
    return redirect("qrcode-studio", qr_code_id=qr_code_id)

urlpatterns = [
    path("qrcodes/<uuid:qr_code_id>/studio/logo", studio_logo_upload, name="qrcode-studio-logo"),
]
