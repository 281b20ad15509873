"""Headless Chromium on a thread of its own, for browser tests outside tests/e2e.

tests/e2e's `browser` fixture holds a sync Playwright in the main thread; a second one started
there while it is alive refuses to start ("Sync API inside the asyncio loop"), so the apps'
browser tests call in_chromium(steps, name), which drives its own Playwright elsewhere."""

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS


def in_chromium(steps: Callable, name: str) -> None:
    """Run steps(page) in headless Chromium on a separate thread; re-raise its failure."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            try:
                steps(page)
            except BaseException as e:  # noqa: BLE001 - handed to the test thread
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                failure.append(e)
            finally:
                browser.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the browser steps did not finish"
    if failure:
        raise failure[0]


def login(page, base: str, email: str) -> None:
    """Sign in through the login form (the demo/factory password) and wait for the next page."""
    from tenants.tests.factories import PASSWORD

    page.goto(f"{base}/login")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url
