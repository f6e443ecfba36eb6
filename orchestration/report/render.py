"""Pages -> one self-contained HTML file: markup, styles, the charting library and the data inline.

Nothing is fetched when the file is opened: the page's Content-Security-Policy allows
no source but the inline script and style, so the report reads the same on a laptop
without network, from a mail attachment or a file share. Tables are plain HTML (each
value's exact number in data-value); the charts are drawn by report.js from the JSON
embedded in the page, the same numbers as the tables.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from importlib import resources
from typing import Any

from orchestration.report.blocks import (
    Chart,
    Figure,
    Page,
    Table,
    TableBlock,
    as_float,
    format_value,
    raw_value,
)

# The vendored charting library (orchestration/report/vendor/README.md says which and why).
CHART_JS = "vendor/chart.umd.min.js"
CHART_JS_VERSION = "4.6.1"


def _asset(name: str) -> str:
    return resources.files("orchestration.report").joinpath(name).read_text(encoding="utf-8")


def _chart_library() -> str:
    # The library's last line points at a source map that is not shipped: drop it, so a
    # browser's developer tools never try to load it.
    return "\n".join(
        line for line in _asset(CHART_JS).splitlines() if not line.startswith("//# sourceMappingURL=")
    )


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)


def _table(table: Table, caption: str, currency: str) -> str:
    """Cells hold plain numbers (they paste into a sheet as numbers); the caption names the currency."""
    if currency and any(c.fmt in ("money", "unit_cost") for c in table.columns):
        caption += f"; amounts in {currency}"
    head = "".join(
        f'<th scope="col" class="{"num" if c.fmt != "text" else "txt"}">{escape(c.header)}</th>'
        for c in table.columns
    )
    body = []
    for row in table.rows:
        cells = []
        for i, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            text = escape(format_value(value, column.fmt))
            if i == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                kind = "num" if column.fmt != "text" else "txt"
                cells.append(f'<td class="{kind}" data-value="{_attr(raw_value(value))}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap"><table><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _numbers(table: Table, caption: str, currency: str, open_: bool = False) -> str:
    """A chart's table, folded under the chart; copy it whole with the button (or select it)."""
    return (
        f'<details class="numbers"{" open" if open_ else ""}><summary>Numbers ({len(table.rows)} row{"" if len(table.rows) == 1 else "s"})</summary>'
        '<button type="button" class="copy">Copy table</button>'
        f"{_table(table, caption, currency)}</details>"
    )


def _heading(block: Chart | TableBlock) -> str:
    unit = f' · <span class="unit">Unit: {escape(block.unit)}</span>' if isinstance(block, Chart) else ""
    return (
        f"<figcaption><h3>{escape(block.title)}</h3>"
        f'<p class="meta"><span class="period">Period: {escape(block.period)}</span>{unit}</p></figcaption>'
    )


def _chart(chart: Chart, currency: str) -> str:
    caption = f"{chart.title}; {chart.period}; unit: {chart.unit}"
    if chart.empty:
        drawing = f'<p class="no-data" role="status">{escape(chart.empty)}</p>'
        numbers = ""
    else:
        height = max(260, 26 * len(chart.labels) + 90) if chart.kind.startswith("hbar") else 320
        drawing = (
            f'<div class="canvas-box" style="height:{height}px">'
            f'<canvas role="img" aria-label="{_attr(caption)}; the numbers are in the table below"></canvas></div>'
        )
        numbers = _numbers(chart.table, caption, currency)
    definition = f'<p class="definition">{escape(chart.definition)}</p>' if chart.definition else ""
    return (
        f'<figure class="chart" id="chart-{_attr(chart.id)}" data-kind="{chart.kind}">'
        f"{_heading(chart)}{drawing}{definition}{numbers}</figure>"
    )


def _table_block(block: TableBlock, currency: str) -> str:
    caption = f"{block.title}; {block.period}"
    body = (
        f'<p class="no-data" role="status">{escape(block.empty)}</p>'
        if block.empty
        else _numbers(block.table, caption, currency, open_=len(block.table.rows) <= 12)
    )
    definition = f'<p class="definition">{escape(block.definition)}</p>' if block.definition else ""
    return f'<figure class="table-block" id="table-{_attr(block.id)}">{_heading(block)}{body}{definition}</figure>'


def _figures(figures: list[Figure], currency: str) -> str:
    cards = "".join(
        f'<div class="figure" id="figure-{_attr(f.id)}" data-value="{_attr(raw_value(f.value))}">'
        f'<span class="label">{escape(f.label)}</span>'
        f'<span class="value">{escape(format_value(f.value, f.fmt, currency))}</span>'
        + (f'<span class="note">{escape(f.note)}</span>' if f.note else "")
        + "</div>"
        for f in figures
    )
    return f'<div class="figures">{cards}</div>'


def _page(page: Page, currency: str) -> str:
    parts, figures = [], []
    for block in page.blocks + [None]:
        if isinstance(block, Figure):
            figures.append(block)
            continue
        if figures:
            parts.append(_figures(figures, currency))
            figures = []
        if isinstance(block, Chart):
            parts.append(_chart(block, currency))
        elif isinstance(block, TableBlock):
            parts.append(_table_block(block, currency))
    return f'<section id="{_attr(page.id)}" aria-labelledby="{_attr(page.id)}-title"><h2 id="{_attr(page.id)}-title">{escape(page.title)}</h2>{"".join(parts)}</section>'


def _chart_data(pages: list[Page]) -> list[dict[str, Any]]:
    return [
        {
            "id": block.id,
            "kind": block.kind,
            "unit": block.unit,
            "labels": [str(x) for x in block.labels],
            "series": [
                {
                    "name": s.name,
                    "style": s.style,
                    "format": block.series_format(s),
                    "values": [as_float(v) for v in s.values],
                }
                for s in block.series
            ],
        }
        for page in pages
        for block in page.blocks
        if isinstance(block, Chart) and not block.empty
    ]


def render(pages: list[Page], header: dict[str, Any]) -> str:
    """header: title, warehouse, run_id, published_at, span, report_month, currency, built_at,
    channels (display names in dim_channel's order)."""
    currency = header.get("currency", "")
    # A channel keeps its colour on every chart (dim_channel's order picks it).
    colours = {name: i for i, name in enumerate(header.get("channels", []))}
    data = json.dumps({"charts": _chart_data(pages), "colours": colours}, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # never closes the script element it sits in
    facts = [
        ("Warehouse", header["warehouse"]),
        ("Run", header.get("run_id") or "n/a"),
        ("Published (UTC)", header.get("published_at") or "n/a"),
        ("Data", header["span"]),
        ("Report month", header["report_month"]),
        ("Currency", currency or "n/a"),
    ]
    nav = "".join(f'<a href="#{_attr(p.id)}">{escape(p.title)}</a>' for p in pages)
    built_at = header.get("built_at") or datetime.now().isoformat(timespec="seconds")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(header["title"])}</title>
<style>{_asset("report.css")}</style>
</head>
<body>
<header>
<h1>{escape(header["title"])}</h1>
<dl class="facts">{"".join(f"<div><dt>{escape(k)}</dt><dd>{escape(str(v))}</dd></div>" for k, v in facts)}</dl>
<nav aria-label="Sections">{nav}</nav>
</header>
<main>
{"".join(_page(p, currency) for p in pages)}
</main>
<footer>Figures from the marts of the published warehouse, with the marts' definitions (models/marts/**/_*.yml,
docs/DOMAIN.md); ratios over several rows are ratios of sums. Built {escape(built_at)}.
Charts: Chart.js {CHART_JS_VERSION} (MIT licence), inline.</footer>
<script id="report-data" type="application/json">{data}</script>
<script>{_chart_library()}</script>
<script>{_asset("report.js")}</script>
</body>
</html>
"""
