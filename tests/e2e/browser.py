"""Headless Chromium for this project's browser tests, on a thread of its own.

Other test modules import the session-scoped `browser` fixture from tests/e2e/conftest.py;
a second sync Playwright started in the main thread while theirs is alive refuses to start
("Sync API inside the asyncio loop"), so these tests drive their own Playwright elsewhere."""

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, CHROMIUM


def in_chromium(steps: Callable, name: str) -> None:
    """Run steps(page) in headless Chromium on a separate thread; re-raise its failure."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: browser tests need Debian's chromium package")
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def run() -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
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
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser steps did not finish"
    if failure:
        raise failure[0]
