"""The decode check is for print files, never for scans: a scan of a designed code (logo, frame,
print files already downloaded) through `/s/<code>` or the scan API calls neither the decoder
(zxingcpp.read_barcodes) nor the renderer (resvg), while the same counters do move when a print
check runs, so a zero is not a wrapper that never fires."""

from __future__ import annotations

import pytest
import resvg_py
import zxingcpp
from django.test import Client

from core.scoping import bind_organization
from studio.design import Design
from studio.models import QRDesign
from studio.output import OutputOptions
from studio.services import artwork_check, artwork_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    counts = {"decode": 0, "render": 0}
    read, render = zxingcpp.read_barcodes, resvg_py.svg_to_bytes

    def counted_read(*args, **kwargs):
        counts["decode"] += 1
        return read(*args, **kwargs)

    def counted_render(*args, **kwargs):
        counts["render"] += 1
        return render(*args, **kwargs)

    monkeypatch.setattr(zxingcpp, "read_barcodes", counted_read)
    monkeypatch.setattr(resvg_py, "svg_to_bytes", counted_render)
    return counts


def test_scans_of_a_designed_code_never_decode_or_render(studio_org, studio_admin, studio_qr, logo_upload, calls):
    design = Design(fg="#1d2a5b", module_style="dots", logo=str(logo_upload.pk), frame="below", frame_text="Scan me")
    QRDesign.all_orgs.create(organization=studio_org, qr_code=studio_qr, design=design.as_dict())
    with bind_organization(studio_org):
        artwork_create(organization=studio_org, actor=studio_admin, qr_code_id=studio_qr.pk,
                       output=OutputOptions(format="pdf", width_mm=50))
    assert calls["decode"] >= 1 and calls["render"] >= 1  # the wrappers do count a print check
    calls.update(decode=0, render=0)

    for i in range(25):
        phone = Client(REMOTE_ADDR=f"81.2.69.{i + 1}", HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")
        r = phone.get(f"/s/{studio_qr.short_code}")
        assert r.status_code == 302 and r["Location"] == "https://pizzapalace.example/menu"
        r = phone.get(f"/api/qrcodes/scan/{studio_qr.pk}")
        assert r.status_code == 200
    assert calls == {"decode": 0, "render": 0}

    with bind_organization(studio_org):
        artwork_check(organization=studio_org, qr=studio_qr, design=design)
    assert calls["decode"] == 1
