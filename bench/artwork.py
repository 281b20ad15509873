"""Benchmark of the QR studio's print output, measured in one run (issue 14, "Speed"):

  - render + decode-check of one styled code (rounded modules, finder colour, logo, frame with
    text): studio.services.artwork_build, which renders the print file and has zxing-cpp read
    it back at its printed size -> median and p95 (aim: p95 <= 150 ms), as PDF and as PNG;
  - a PDF sheet of 100 such codes (studio.sheets.artwork_sheet_pdf: every code checked at its
    cell size, then drawn), 6 per A4 page (aim: <= 10 s; --per-page 6 20 times labels too);
  - a ZIP of 100 PDFs (studio.sheets.artwork_zip: checked, rendered, stored as versions);
  - the decode check is not on the scan path: zxingcpp.read_barcodes is wrapped and counted
    while N scans go through Django's test Client on /s/<code> (must print 0), and the scan's
    median is printed next to the render's as a ratio.

    make bench-artwork                               # the database `make run` uses
    DATABASE_URL=postgres://... .venv/bin/python bench/artwork.py [--runs 30] [--codes 100] [--scans 300]
                                                                  [--per-page 6 20]

Everything it creates (an organization, its codes and logo, artwork versions, scans) is made in
one transaction that is rolled back at the end, and files go to a temporary MEDIA_ROOT: the
database and .data/media are left as they were. Takes well under a minute on two cores.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, before collectstatic: not timed here

django.setup()

import zxingcpp  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from bench.harness import public_ips, user_agents  # noqa: E402
from core.scoping import bind_organization  # noqa: E402
from qrcodes.models import QRCode  # noqa: E402
from studio.design import Design  # noqa: E402
from studio.models import QRDesign  # noqa: E402
from studio.output import OutputOptions  # noqa: E402
from studio.services import artwork_build  # noqa: E402
from studio.sheets import GRIDS, SheetOptions, artwork_sheet_pdf, artwork_zip  # noqa: E402
from tenants.models import Organization, User  # noqa: E402
from tenants.services import organization_apply_plan  # noqa: E402
from uploads.models import UploadedFile  # noqa: E402

RENDER_AIM_MS, SHEET_AIM_S = 150.0, 10.0


class _Rollback(Exception):
    """Raised at the end to undo everything the run created."""


def _p95(samples: list[float]) -> float:
    xs = sorted(samples)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def timed(fn: Callable[[], object], runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def once(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _logo_png() -> bytes:
    img = Image.new("RGB", (400, 260), "#ffffff")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((10, 10, 390, 250), radius=40, fill="#1d2a5b")
    draw.ellipse((140, 70, 260, 190), fill="#f28c28")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def seed(n_codes: int) -> tuple[Organization, User, list[QRCode], Design]:
    org = Organization(company_name="Bench Artwork Co", company_email="hq@artwork-bench.example")
    organization_apply_plan(organization=org, plan_type="enterprise")
    org.save()
    user = User.objects.create_user(email=f"admin-{secrets.token_hex(4)}@artwork-bench.example",
                                    password=secrets.token_urlsafe(12), organization=org, role=User.Role.ADMIN,
                                    full_name="Bench Admin")
    body = _logo_png()
    path = default_storage.save(f"uploads/{org.pk}/bench-logo.png", ContentFile(body))
    logo = UploadedFile.all_orgs.create(organization=org, uploaded_by_user=user, file_name="logo.png",
                                        file_type="png", mime_type="image/png", file_size_bytes=len(body),
                                        storage_path=path)
    design = Design(fg="#1d2a5b", finder="#c0392b", module_style="rounded", finder_style="rounded",
                    logo=str(logo.pk), frame="below", frame_text="Scan for the menu", frame_color="#1d2a5b")
    codes = QRCode.all_orgs.bulk_create([
        QRCode(organization=org, name=f"Table {i + 1} by the window", qr_url=f"https://artwork-bench.example/{i}",
               short_code=secrets.token_hex(5)) for i in range(n_codes)])
    QRDesign.all_orgs.bulk_create([QRDesign(organization=org, qr_code=qr, design=design.as_dict()) for qr in codes])
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=n_codes)
    return org, user, codes, design


def run(args: argparse.Namespace) -> None:
    org, user, codes, design = seed(args.codes)
    ids = [str(qr.pk) for qr in codes]
    decodes = {"n": 0}
    read = zxingcpp.read_barcodes

    def counted(*a, **kw):
        decodes["n"] += 1
        return read(*a, **kw)

    zxingcpp.read_barcodes = counted  # studio.checks calls it through the module
    try:
        with bind_organization(org):
            rows = []
            for fmt, output in (("PDF 50 mm", OutputOptions(format="pdf", width_mm=50)),
                                ("PNG 50 mm @300 dpi", OutputOptions(format="png", width_mm=50, dpi=300))):
                samples = timed(lambda o=output: artwork_build(organization=org, qr=codes[0], design=design,
                                                               output=o), args.runs)
                rows.append((fmt, statistics.median(samples), _p95(samples)))
            render_decodes = decodes["n"]
            for fmt, median, p95 in rows:
                verdict = "ok" if p95 <= RENDER_AIM_MS else "OVER"
                print(f"render + decode-check, styled code with logo and frame, {fmt:19s} "
                      f"median {median:6.1f} ms  p95 {p95:6.1f} ms  (aim p95 <= {RENDER_AIM_MS:.0f} ms: {verdict})")
            for per_page in args.per_page:
                seconds, body = once(lambda p=per_page: artwork_sheet_pdf(
                    organization=org, actor=user, qr_code_ids=ids, sheet=SheetOptions(per_page=p)))
                verdict = "ok" if seconds <= SHEET_AIM_S else "OVER"
                print(f"PDF sheet of {len(ids)} styled codes, {per_page:2d} per A4 page "
                      f"({-(-len(ids) // per_page)} pages, {len(body) / 1e6:.1f} MB): {seconds:6.2f} s  "
                      f"(aim <= {SHEET_AIM_S:.0f} s: {verdict})")
            seconds, body = once(lambda: artwork_zip(organization=org, actor=user, qr_code_ids=ids,
                                                     output=OutputOptions(format="pdf", width_mm=50)))
            print(f"ZIP of {len(ids)} PDFs (checked, rendered, stored as versions), {len(body) / 1e6:.1f} MB: "
                  f"{seconds:6.2f} s")

        decodes["n"] = 0
        ips, uas = public_ips(args.scans), user_agents()
        scan_ms = []
        for i in range(args.scans):
            qr = codes[i % len(codes)]
            client = Client(REMOTE_ADDR=ips[i], HTTP_USER_AGENT=uas[i % len(uas)])
            t0 = time.perf_counter()
            response = client.get(f"/s/{qr.short_code}")
            scan_ms.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 302:
                sys.exit(f"/s/{qr.short_code} answered {response.status_code}, not 302")
        scan_median = statistics.median(scan_ms)
        render_median = rows[0][1]
        print(f"/s/<code> scans through the test client: {args.scans}, median {scan_median:.2f} ms, "
              f"p95 {_p95(scan_ms):.2f} ms; zxingcpp.read_barcodes calls during them: {decodes['n']} "
              f"(during the render runs: {render_decodes})")
        print(f"ratio render + decode-check (PDF) median / scan median: {render_median / scan_median:.0f}x")
        if decodes["n"]:
            sys.exit("the decode check ran on the scan path")
    finally:
        zxingcpp.read_barcodes = read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders per format (after 3 warm-up)")
    parser.add_argument("--codes", type=int, default=100, help="codes on the sheet and in the ZIP")
    parser.add_argument("--scans", type=int, default=300, help="scans through /s/<code>")
    parser.add_argument("--per-page", type=int, nargs="+", default=[6], choices=sorted(GRIDS),
                        help="sheet layouts to time (default 6, the print page's default)")
    args = parser.parse_args()
    print(f"database: {connection.settings_dict['NAME']}  cpus: {os.cpu_count()}  "
          f"(everything created here is rolled back)")
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with tempfile.TemporaryDirectory(prefix="oi-bench-artwork-") as media, \
            override_settings(MEDIA_ROOT=media, STORAGES=storages):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                run(args)
                print(f"total {time.perf_counter() - t0:.1f} s")
                raise _Rollback
        except _Rollback:
            pass


if __name__ == "__main__":
    main()
