"""A headless browser for tests: Debian's Chromium driven by Playwright, offline.

    def test_page(browser):  # the fixture (conftest.py imports it)
        with open_page(browser, path) as visit: ...

The browser is the system's (`apt-get install chromium`, or the binary CCW_CHROMIUM names),
never one that `playwright install` downloads: Playwright is only the driver. It starts with
networking features that call home turned off, and every page is opened offline: a request
to a network address fails and is recorded, so a page that needs the internet is caught, not
waited for. Where there is no Chromium, the tests that need one skip, saying so.

Also a script, for the README's picture of the report:
    .venv/bin/python tests/browser.py warehouse/contact_cost.duckdb.report/index.html docs/report.png
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
NO_CHROMIUM = "no Chromium here (apt-get install chromium, or set CCW_CHROMIUM)"


def chromium_path() -> str | None:
    """CCW_CHROMIUM, else the Debian package's `chromium` (or `chromium-browser`) on PATH."""
    candidate = os.environ.get("CCW_CHROMIUM")
    if candidate:
        return candidate if Path(candidate).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(chromium_path() is None, reason=NO_CHROMIUM)


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched Chromium (a playwright Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError(NO_CHROMIUM)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the test module, or the test skips where there is none."""
    if chromium_path() is None:
        pytest.skip(NO_CHROMIUM)
    with chromium() as launched:
        yield launched


@dataclass
class PageVisit:
    """What happened while a page was open: every request, those that failed, script errors
    and console messages; title and text when open_offline read them."""

    page: Any = None  # playwright Page, while open
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)  # requests to http(s) addresses (blocked)
    errors: list[str] = field(default_factory=list)  # uncaught script errors
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    title: str = ""
    text: str = ""


@contextmanager
def open_page(
    browser, path: Path, fragment: str = "", width: int = 1280, height: int = 900
) -> Iterator[PageVisit]:
    """A local file in a fresh page (no cache, no state, the network cut off), loaded.

    fragment: the part after `#` (a route of a single-page site)."""
    context = browser.new_context(
        offline=True, service_workers="block", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    visit = PageVisit(page)

    def route(r):
        url = r.request.url
        if url.startswith(("http://", "https://")):
            visit.network.append(url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on("requestfailed", lambda request: visit.failed.append(f"{request.url}: {request.failure}"))
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on("console", lambda message: visit.console.append((message.type, message.text)))
    try:
        page.goto(path.resolve().as_uri() + (f"#{fragment}" if fragment else ""), wait_until="load")
        yield visit
    finally:
        context.close()
        visit.page = None


def open_offline(
    browser, path: Path, fragment: str = "", wait_for: str | None = None, settle_ms: int = 500
) -> PageVisit:
    """Open a local file offline, read its title and text, close it; return what was requested
    and what failed.

    wait_for: a selector that must appear (the page rendered); settle_ms: time left for late
    requests (fonts, scripts added by scripts) after the load event.
    """
    with open_page(browser, path, fragment) as visit:
        if wait_for:
            visit.page.wait_for_selector(wait_for, timeout=30_000)
        visit.page.wait_for_timeout(settle_ms)
        visit.title = visit.page.title()
        visit.text = visit.page.inner_text("body")
    return visit


def screenshot(visit: PageVisit, path: Path, full_page: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(path), full_page=full_page)
    return path


if __name__ == "__main__":
    page, out = Path(sys.argv[1]), Path(sys.argv[2])
    with chromium() as launched, open_page(launched, page, height=1000) as visit:
        print(screenshot(visit, out, full_page=False))
