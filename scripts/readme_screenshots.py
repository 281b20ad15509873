"""The README's screenshots, taken in headless Chromium from a running `make run`.

    make run            # in one terminal (fresh demo data)
    .venv/bin/python scripts/readme_screenshots.py [http://127.0.0.1:8000]

Writes docs/screenshots/{dashboard,qr-page,report,studio}-1366.png and phone-dashboard-390.png."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)

        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        _login(page, base, "ceo@megabrand.example")
        page.goto(f"{base}/dashboard")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "dashboard-1366.png"))
        page.goto(f"{base}/qrcodes?sort=scans")
        page.wait_for_load_state("networkidle")
        page.locator("main td a[href^='/qrcodes/']").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "qr-page-1366.png"))
        ctx.close()

        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        _login(page, base, "admin@outboundimpact.com")
        page.goto(f"{base}/admin/reports/")
        page.wait_for_load_state("networkidle")
        page.locator("main a[href^='/admin/reports/'], #content a[href^='/admin/reports/']").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "report-1366.png"))
        ctx.close()

        ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        page = ctx.new_page()
        _login(page, base, "john@pizzapalace.com")
        page.goto(f"{base}/dashboard")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "phone-dashboard-390.png"))
        ctx.close()

        # the studio of Pizza Palace's designed code (its brand kit, applied by the demo seed)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        _login(page, base, "john@pizzapalace.com")
        page.goto(f"{base}/qrcodes?q=Front+Door+Menu")
        page.locator("main a[href^='/qrcodes/']").filter(has_text="Front Door Menu").first.click()
        page.wait_for_load_state("networkidle")
        page.goto(page.url.rstrip("/") + "/studio")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "studio-1366.png"))
        ctx.close()
        browser.close()
    for f in sorted(OUT.glob("*.png")):
        print(f.relative_to(OUT.parents[1]), f.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
