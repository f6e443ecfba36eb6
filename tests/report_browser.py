"""Open a report in headless Chromium (the Debian package; Playwright drives it, it never
downloads a browser of its own) and read back what a person sees.

Also a script, for the README's picture:
    .venv/bin/python tests/report_browser.py warehouse/contact_cost.duckdb.report/index.html docs/report.png
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

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """CCW_CHROMIUM, else the Debian package's `chromium` (or `chromium-browser`) on PATH."""
    candidate = os.environ.get("CCW_CHROMIUM")
    if candidate:
        return candidate if Path(candidate).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class OpenedReport:
    page: Any  # playwright Page
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text), page errors as 'pageerror'
    requests: list[str] = field(default_factory=list)  # every URL the page asked for


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no Chromium: apt-get install chromium (or set CCW_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_report(browser: Any, path: Path, width: int = 1280, height: int = 900) -> Iterator[OpenedReport]:
    """The report at `path` in a fresh page (no cache, no state), loaded and drawn."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    opened = OpenedReport(page)
    page.on("console", lambda m: opened.console.append((m.type, m.text)))
    page.on("pageerror", lambda e: opened.console.append(("pageerror", str(e))))
    page.on("request", lambda r: opened.requests.append(r.url))
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        yield opened
    finally:
        context.close()


# What every chart shows: its canvas size, how much of it is drawn, the library's datasets,
# or the sentence that replaces it; and every table cell's exact value.
READ_CHARTS_JS = """
() => Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const canvas = figure.querySelector('canvas');
  const noData = figure.querySelector('.no-data');
  const out = {id: figure.id.replace(/^chart-/, ''), noData: noData ? noData.textContent : null,
               period: figure.querySelector('.period').textContent,
               unit: figure.querySelector('.unit').textContent};
  if (canvas) {
    const ctx = canvas.getContext('2d');
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) drawn++; }
    const chart = Chart.getChart(canvas);
    out.width = canvas.width; out.height = canvas.height; out.drawn = drawn;
    out.labels = chart ? chart.data.labels : null;
    out.datasets = chart ? chart.data.datasets.map(d => ({label: d.label, data: d.data})) : null;
  }
  return out;
})
"""

READ_TABLES_JS = """
() => Object.fromEntries(Array.from(document.querySelectorAll('figure')).filter(f => f.querySelector('table'))
  .map(figure => [figure.id, {
     headers: Array.from(figure.querySelectorAll('thead th')).map(th => th.textContent),
     rows: Array.from(figure.querySelectorAll('tbody tr')).map(tr => Array.from(tr.children).map(cell =>
       cell.tagName === 'TH' ? cell.textContent : {value: cell.dataset.value, text: cell.textContent}))
  }]))
"""

READ_FIGURES_JS = """
() => Object.fromEntries(Array.from(document.querySelectorAll('.figure')).map(f =>
  [f.id.replace(/^figure-/, ''), {value: f.dataset.value, text: f.querySelector('.value').textContent}]))
"""


def read_charts(opened: OpenedReport) -> list[dict[str, Any]]:
    return opened.page.evaluate(READ_CHARTS_JS)


def read_tables(opened: OpenedReport) -> dict[str, dict[str, Any]]:
    return opened.page.evaluate(READ_TABLES_JS)


def read_figures(opened: OpenedReport) -> dict[str, dict[str, str]]:
    return opened.page.evaluate(READ_FIGURES_JS)


def screenshot(opened: OpenedReport, path: Path, full_page: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    opened.page.screenshot(path=str(path), full_page=full_page)
    return path


if __name__ == "__main__":
    report, out = Path(sys.argv[1]), Path(sys.argv[2])
    with chromium() as browser, open_report(browser, report, height=1000) as opened:
        print(screenshot(opened, out, full_page=False))
