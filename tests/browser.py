"""A headless browser for tests: Debian's Chromium driven by Playwright, offline.

    from browser import browser, open_offline  # noqa: F401  (the fixture, in a test module)

The browser is the system's (`apt-get install chromium`, /usr/bin/chromium), never one that
`playwright install` downloads: Playwright is only the driver. It starts with networking
features that call home turned off, and `open_offline` makes every request to a network
address fail and be recorded, so a page that needs the internet is caught, not waited for.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session (the browser is a system package, see the README)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install the Debian package (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageVisit:
    """What happened while a page loaded: every request, those that failed, script errors."""

    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)  # requests to http(s) addresses (blocked)
    errors: list[str] = field(default_factory=list)
    title: str = ""
    text: str = ""


def open_offline(
    browser, path: Path, fragment: str = "", wait_for: str | None = None, settle_ms: int = 500
) -> PageVisit:
    """Open a local file with the network cut off; return what was requested and what failed.

    fragment: the part after `#` (a route of a single-page site); wait_for: a selector that must
    appear (the page rendered); settle_ms: time left for late requests (fonts, scripts added by
    scripts) after the load event.
    """
    visit = PageVisit()
    context = browser.new_context(offline=True, service_workers="block")
    page = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(("http://", "https://")):
            visit.network.append(url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on(
        "requestfailed",
        lambda request: visit.failed.append(f"{request.url}: {request.failure}"),
    )
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    try:
        page.goto(path.resolve().as_uri() + (f"#{fragment}" if fragment else ""), wait_until="load")
        if wait_for:
            page.wait_for_selector(wait_for, timeout=30_000)
        page.wait_for_timeout(settle_ms)
        visit.title = page.title()
        visit.text = page.inner_text("body")
    finally:
        context.close()
    return visit
