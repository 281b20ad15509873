"""The demo's QR studio: each demo customer has a logo (drawn here, stored through the real
upload service), a brand kit that is the default for new codes, a designed code and one frozen
print file, so the studio, the kits page and a code's versions show something on day one.
Idempotent: a customer that already has a kit is left alone."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from core.errors import DomainError
from qrcodes.models import QRCode
from studio.design import Design
from studio.kits import brand_kit_apply, brand_kit_create
from studio.models import BrandKit
from studio.output import OutputOptions
from studio.services import artwork_create
from tenants.models import Organization, User
from uploads.models import UploadedFile
from uploads.services import upload_create


def _logo(colour: str, mark: str) -> bytes:
    """A 256 px logo: a coloured disc with a white mark (a pizza slice, a rocket, an M)."""
    img = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8, 8, 248, 248), fill=colour)
    shapes = {
        "slice": [(128, 210), (60, 70), (196, 70)],
        "rocket": [(128, 40), (170, 150), (150, 210), (106, 210), (86, 150)],
        "m": [(60, 200), (60, 60), (128, 140), (196, 60), (196, 200), (168, 200), (168, 120), (128, 172),
              (88, 120), (88, 200)],
    }
    draw.polygon(shapes[mark], fill="white")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# company e-mail -> (logo file, colour, mark, kit name, kit design fields, code to design)
DEMO_KITS = {
    "owner@pizzapalace.com": ("pizza-palace-logo.png", "#b3261e", "slice", "Pizza red",
                              {"fg": "#7a1712", "module_style": "rounded", "finder_style": "rounded",
                               "frame": "below", "frame_text": "Scan for the menu", "frame_color": "#b3261e"},
                              "Front Door Menu"),
    "ops@acme.example": ("acme-logo.png", "#c2410c", "rocket", "Acme orange",
                         {"fg": "#1f2937", "finder": "#c2410c", "module_style": "dots", "finder_style": "rounded",
                          "frame": "above", "frame_text": "Scan for the catalog", "frame_color": "#1f2937"},
                         "Product Catalog"),
    "hq@megabrand.example": ("megabrand-logo.png", "#1d3557", "m", "MegaBrand navy",
                             {"fg": "#1d3557", "module_style": "square", "finder_style": "rounded",
                              "frame": "below", "frame_text": "Scan to join MegaBrand", "frame_color": "#1d3557",
                              "font": "bold-italic"},
                             "Loyalty Signup"),
}


def studio_seed(*, organization: Organization, users: list[User]) -> BrandKit | None:
    """A logo, a default brand kit applied to one code, and that code's first print file."""
    spec = DEMO_KITS.get(organization.company_email)
    admin = next((u for u in users if u.role == User.Role.ADMIN), None)
    if spec is None or admin is None or BrandKit.objects.filter(organization=organization).exists():
        return None
    file_name, colour, mark, kit_name, fields, code_name = spec
    logo = UploadedFile.objects.filter(organization=organization, file_name=file_name).first()
    if logo is None:
        try:
            logo = upload_create(organization=organization, actor=admin,
                                 file=ContentFile(_logo(colour, mark), name=file_name), file_name=file_name)
        except DomainError:  # a plan's storage is full: the kit goes without a logo
            logo = None
    design = Design(**fields, logo=str(logo.pk) if logo else None, logo_size=20)
    kit = brand_kit_create(organization=organization, actor=admin,
                           data={"name": kit_name, "design": design, "is_default": True})
    qr = QRCode.objects.filter(organization=organization, name=code_name).first()
    if qr is not None:
        brand_kit_apply(organization=organization, actor=admin, kit_id=kit.pk, qr_code_ids=[qr.pk])
        artwork_create(organization=organization, actor=admin, qr_code_id=qr.pk,
                       output=OutputOptions(format="pdf", width_mm=150, distance_m=1.0))
    return kit
