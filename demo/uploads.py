"""Demo content for `manage.py seed_demo` (the uploads part). Idempotent: called on every run."""

from __future__ import annotations

from django.core.files.base import ContentFile

from campaigns.models import Campaign
from tenants.models import Organization, User
from uploads.models import UploadedFile
from uploads.services import upload_create

DEMO_FILES = {
    "owner@pizzapalace.com": ("menu.pdf", "Pizza Palace Menu", ["Margherita  $14", "Pepperoni  $16", "Chicago Deep Dish  $22",
                                                                "Lunch Combo: slice, salad and a drink  $9.99"]),
    "ops@acme.example": ("acme-catalog.pdf", "Acme Catalog 2026", ["Rocket skates", "Giant magnet", "Portable hole"]),
    "hq@megabrand.example": ("brand-guide.pdf", "MegaBrand Brand Guide", ["Logo usage", "Colours", "Tone of voice"]),
}


def _pdf_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A small valid one-page PDF (Helvetica text), built by hand: the objects, then a
    cross-reference table with their byte offsets."""
    text = [f"BT /F1 24 Tf 72 720 Td ({_pdf_text(title)}) Tj ET"]
    text += [f"BT /F1 14 Tf 72 {680 - 24 * i} Td ({_pdf_text(line)}) Tj ET" for i, line in enumerate(lines)]
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def seed_demo_content(*, organization: Organization, users: list[User]) -> None:
    """One demo PDF per demo organization, attached to its first campaign, stored through the
    real upload service (so counters and the activity feed are right). Skipped if present."""
    spec = DEMO_FILES.get(organization.company_email)
    admin = next((u for u in users if u.role == User.Role.ADMIN), None)
    if spec is None or admin is None:
        return
    file_name, title, lines = spec
    if UploadedFile.objects.filter(organization=organization, file_name=file_name).exists():
        return
    campaign = Campaign.objects.filter(organization=organization).order_by("created_at").first()
    upload_create(
        organization=organization, actor=admin, file=ContentFile(demo_pdf(title, lines), name=file_name),
        file_name=file_name, campaign_id=campaign.pk if campaign else None,
    )
