"""Brand kit pages: the organization's kits with a preview of each, the kit form (new, edit,
delete, apply to codes) and the kit's preview image. Same services as the API (studio.kits)."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, ValidationFailed
from core.errors import PermissionDenied as RoleDenied
from core.web import add_domain_errors, get_or_404, refusals_as_http
from qrcodes.models import QRCode
from studio import kits
from studio.design import DEFAULT, Design, design_from_form, design_load
from studio.models import BrandKit, QRDesign
from studio.render import artwork_layout, svg_render
from studio.selectors import brand_kit_list, logo_png_for
from studio.services import design_validate
from tenants.decorators import offered_to, tenant_required
from tenants.roles import WRITERS, can_write

SAMPLE_PATH = "/s/EXAMPLE0000"  # what a kit's preview encodes: a short URL of the right length
APPLY_LIST_MAX = kits.MAX_APPLY  # codes listed on the kit page to apply it to


class BrandKitForm(forms.Form):
    """The kit's own fields; its design comes from the design fields (design_from_form)."""

    name = forms.CharField(max_length=kits.NAME_MAX, label="Kit name")
    is_default = forms.BooleanField(required=False, label="Default for new QR codes",
                                    help_text="New codes start with this kit's design.")


def _sample_svg(request: HttpRequest, design: Design) -> HttpResponse:
    org = request.organization
    logo = logo_png_for(organization=org, design=design)
    layout = artwork_layout(f"{settings.SITE_URL}{SAMPLE_PATH}", design)
    response = HttpResponse(svg_render(layout, logo_png=logo), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _preview(request: HttpRequest, base: Design) -> HttpResponse:
    """`base` drawn for the sample URL, or with the design fields in the query string (the
    kit form's live preview) laid over it; a bad field answers 400 with its reason."""
    design = base
    try:
        if any(key in request.GET for key in DEFAULT.as_dict()):
            design = design_validate(organization=request.organization,
                                     data=design_from_form(request.GET, base=base), base=base)
        return _sample_svg(request, design)
    except ValidationFailed as err:
        reason = "; ".join(str(v) for v in err.detail.values()) if isinstance(err.detail, dict) else str(err.detail)
        return HttpResponse(reason, status=400, content_type="text/plain; charset=utf-8")


@tenant_required
@require_GET
def kit_preview(request: HttpRequest, kit_id: Any) -> HttpResponse:
    kit = get_or_404(kits.brand_kit_get, organization=request.organization, kit_id=kit_id)
    shown = kits.brand_kit_design(organization=request.organization, kit=kit)
    return _preview(request, shown.design)


@tenant_required
@require_GET
def kit_preview_new(request: HttpRequest) -> HttpResponse:
    return _preview(request, DEFAULT)


@tenant_required
@require_GET
def kit_list(request: HttpRequest) -> HttpResponse:
    org = request.organization
    rows = [(kit, kits.brand_kit_design(organization=org, kit=kit)) for kit in brand_kit_list(organization=org)]
    return render(request, "studio/kits.html", {
        "rows": rows, "can_write": can_write(request.user), "not_offered": WRITERS.not_offered(request.user, org),
        "logo_gone": kits.LOGO_GONE,
    })


def _submitted(request: HttpRequest, form: BrandKitForm,
               base: Design) -> tuple[dict[str, Any] | None, Design, dict[str, str]]:
    """The kit data of a posted form (None when a field is wrong), the design to show again
    (what was posted, less the wrong fields) and the design fields' errors."""
    try:
        design = design_from_form(request.POST, base=base)
    except ValidationFailed as err:
        errors = {str(k): str(v) for k, v in err.detail.items()} if isinstance(err.detail, dict) \
            else {"design": str(err.detail)}
        form.is_valid()  # the name's errors show too
        try:
            echo = design_from_form({k: v for k, v in request.POST.items() if k not in errors}, base=base)
        except ValidationFailed:
            echo = base
        return None, echo, errors
    if not form.is_valid():
        return None, design, {}
    return {"name": form.cleaned_data["name"], "is_default": form.cleaned_data["is_default"], "design": design}, \
        design, {}


def _show_errors(form: BrandKitForm, err: DomainError) -> dict[str, str]:
    """A service's errors: the kit's own on the form, the design's returned by field name."""
    if not isinstance(err.detail, dict):
        add_domain_errors(form, err)
        return {}
    own = {k: v for k, v in err.detail.items() if k in form.fields}
    if own:
        add_domain_errors(form, ValidationFailed(own))
    return {k: str(v) for k, v in err.detail.items() if k not in form.fields}


def _form_page(request: HttpRequest, *, form: BrandKitForm, kit: BrandKit | None, design: Design,
               design_errors: dict[str, str], status: int = 200, logo_missing: bool = False) -> HttpResponse:
    org = request.organization
    writer = can_write(request.user)
    codes, applied = [], set()
    if kit is not None and writer:
        codes = list(QRCode.objects.filter(organization=org).order_by("name", "pk")
                     .only("id", "name", "location")[:APPLY_LIST_MAX])
        applied = set(QRDesign.objects.filter(organization=org, brand_kit=kit).values_list("qr_code_id", flat=True))
    return render(request, "studio/kit_form.html", {
        "form": form, "kit": kit, "design": design, "design_errors": design_errors,
        "logos": kits.logo_choices(organization=org), "logo_missing": logo_missing, "logo_gone": kits.LOGO_GONE,
        "can_write": writer, "not_offered": WRITERS.not_offered(request.user, org),
        "codes": codes, "applied": applied, "codes_capped": len(codes) == APPLY_LIST_MAX,
        "preview_url": f"/brand-kits/{kit.pk}/preview.svg" if kit else "/brand-kits/preview.svg",
    }, status=status)


@tenant_required
@offered_to(WRITERS)
@require_http_methods(["GET", "POST"])
def kit_new(request: HttpRequest) -> HttpResponse:
    org = request.organization
    form = BrandKitForm(request.POST or None)
    design, design_errors, status = DEFAULT, {}, 200
    if request.method == "POST":
        data, design, design_errors = _submitted(request, form, DEFAULT)
        if data is not None:
            try:
                kit = kits.brand_kit_create(organization=org, actor=request.user, data=data)
            except DomainError as err:
                design_errors = _show_errors(form, err)
                status = 403 if isinstance(err, RoleDenied) else 400
            else:
                messages.success(request, f"Brand kit “{kit.name}” created.")
                return redirect("brand-kit", kit_id=kit.pk)
        else:
            status = 400
    return _form_page(request, form=form, kit=None, design=design, design_errors=design_errors, status=status)


@tenant_required
@require_http_methods(["GET", "POST"])
def kit_edit(request: HttpRequest, kit_id: Any) -> HttpResponse:
    """Admins and Editors edit the kit here; Viewers see its settings, read-only."""
    org = request.organization
    kit = get_or_404(kits.brand_kit_get, organization=org, kit_id=kit_id)
    shown = kits.brand_kit_design(organization=org, kit=kit)
    stored = design_load(kit.design)
    if request.method == "POST":
        line = WRITERS.not_offered(request.user, org)
        if line:
            raise Forbidden(line)
    form = BrandKitForm(request.POST or None, initial={"name": kit.name, "is_default": kit.is_default})
    design, design_errors, status = shown.design, {}, 200
    if request.method == "POST":
        data, design, design_errors = _submitted(request, form, stored)
        if data is not None:
            try:
                kit = kits.brand_kit_update(organization=org, actor=request.user, kit_id=kit.pk, data=data)
            except DomainError as err:
                design_errors = _show_errors(form, err)
                status = 403 if isinstance(err, RoleDenied) else 400
            else:
                messages.success(request, f"Brand kit “{kit.name}” saved.")
                return redirect("brand-kit", kit_id=kit.pk)
        else:
            status = 400
    return _form_page(request, form=form, kit=kit, design=design, design_errors=design_errors, status=status,
                      logo_missing=shown.logo_missing and request.method == "GET")


@tenant_required
@require_POST
def kit_delete(request: HttpRequest, kit_id: Any) -> HttpResponse:
    org = request.organization
    kit = get_or_404(kits.brand_kit_get, organization=org, kit_id=kit_id)
    with refusals_as_http(not_found="Brand kit not found"):
        kits.brand_kit_delete(organization=org, actor=request.user, kit_id=kit.pk)
    messages.success(request, f"Brand kit “{kit.name}” deleted. Codes keep the design it gave them.")
    return redirect("brand-kits")


def local_next(value: Any) -> str | None:
    """`value` when it is a path on this site ("/..." but not "//host" or "/\\host"), else None:
    Django's own check (url_has_allowed_host_and_scheme, no host allowed) plus no control characters."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or c == "\\" for c in value):
        return None
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts=None) else None


@tenant_required
@require_POST
def kit_apply(request: HttpRequest, kit_id: Any) -> HttpResponse:
    """Apply the kit to the posted `qr_code_id`s and go back to `next` (a local path) or to
    the kits. A code that is not the organization's answers the 404 page; nothing changes."""
    org = request.organization
    kit = get_or_404(kits.brand_kit_get, organization=org, kit_id=kit_id)
    back = local_next(request.POST.get("next")) or "/brand-kits"
    try:
        with refusals_as_http(not_found="QR code not found"):
            codes = kits.brand_kit_apply(organization=org, actor=request.user, kit_id=kit.pk,
                                         qr_code_ids=request.POST.getlist("qr_code_id"))
    except DomainError as err:
        detail = err.detail
        messages.error(request, "; ".join(map(str, detail.values())) if isinstance(detail, dict) else str(detail))
    else:
        count = len(codes)
        what = f"“{codes[0].name}”" if count == 1 else f"{count} QR codes"
        messages.success(request, f"Applied brand kit “{kit.name}” to {what}.")
    return redirect(back)


urlpatterns = [
    path("brand-kits", kit_list, name="brand-kits"),
    path("brand-kits/new", kit_new, name="brand-kit-new"),
    path("brand-kits/preview.svg", kit_preview_new, name="brand-kit-preview-new"),
    path("brand-kits/<uuid:kit_id>", kit_edit, name="brand-kit"),
    path("brand-kits/<uuid:kit_id>/preview.svg", kit_preview, name="brand-kit-preview"),
    path("brand-kits/<uuid:kit_id>/delete", kit_delete, name="brand-kit-delete"),
    path("brand-kits/<uuid:kit_id>/apply", kit_apply, name="brand-kit-apply"),
]
