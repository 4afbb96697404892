"""Playwright driving Debian's chromium (``/usr/bin/chromium``), never a browser downloaded by
``playwright install``. Without chromium the browser tests are skipped with the reason, unless
``COMPTOIR_REQUIRE_BROWSER=1`` (CI), where they fail instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

CHROMIUM_PATH: Final = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV: Final = "COMPTOIR_REQUIRE_BROWSER"
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP_VIEWPORT: Final = ViewportSize(width=1280, height=800)
TABLET_VIEWPORT: Final = ViewportSize(width=1024, height=768)


def require_chromium() -> None:
    """Skip the calling test when chromium is missing, or fail it when the environment says
    the browser is required."""
    if CHROMIUM_PATH.exists():
        return
    reason = f"browser tests need Debian's chromium at {CHROMIUM_PATH} (apt install chromium)"
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER_ENV}=1 makes it mandatory")
    pytest.skip(reason)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """A headless chromium, closed when the block ends."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, *, locale: str = "fr-FR") -> Iterator[Page]:
    """A fresh page in its own context (no cookies shared between tests), 1280x800."""
    context = browser.new_context(viewport=DESKTOP_VIEWPORT, locale=locale)
    context.set_default_timeout(10_000)
    # A page load on a loaded two-core CI machine (two test workers, PostgreSQL, chromium) has
    # been seen to take over ten seconds; an action or an expectation still fails after ten.
    context.set_default_navigation_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()
