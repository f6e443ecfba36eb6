"""Helpers every page uses: a chart whose table is its own numbers, and 'this mart is absent'."""

from __future__ import annotations

from datetime import date
from typing import Any

from orchestration.report.blocks import Chart, Column, Series, Table
from orchestration.report.source import ReportSource


def absent(source: ReportSource, *tables: str) -> str:
    """The sentence a chart shows when the warehouse lacks a table it reads; '' when all are there."""
    missing = source.missing(*tables)
    return f"Not in this warehouse: {', '.join(missing)}." if missing else ""


def chart(
    id: str,
    title: str,
    period: str,
    unit: str,
    kind: str,
    labels: list[str],
    series: list[Series],
    fmt: str,
    *,
    label_header: str,
    definition: str = "",
    empty: str = "",
) -> Chart:
    """A chart of series over labels; its table: one row per label, one column per series."""
    table = Table(
        [Column(label_header), *(Column(s.name, fmt) for s in series)],
        [[x, *(s.values[i] for s in series)] for i, x in enumerate(labels)],
    )
    return table_chart(
        id, title, period, unit, kind, table, [s.name for s in series], definition=definition, empty=empty
    )


def table_chart(
    id: str,
    title: str,
    period: str,
    unit: str,
    kind: str,
    table: Table,
    series: list[str],
    *,
    markers: tuple[str, ...] = (),
    definition: str = "",
    empty: str = "",
) -> Chart:
    """A chart of some columns of a table: one label per row (its first cell), one series per
    column named in `series` (bars or lines) or `markers` (a dash per label)."""
    index = {c.header: i for i, c in enumerate(table.columns)}
    return Chart(
        id,
        title,
        period,
        unit,
        kind,
        [row[0] for row in table.rows],
        [
            Series(name, [row[index[name]] for row in table.rows], "marker" if name in markers else "")
            for name in [*series, *markers]
        ],
        table,
        definition=definition,
        empty=empty,
    )


def months_text(months: list[date]) -> str:
    return f"{months[0]:%B %Y} to {months[-1]:%B %Y}" if months else "no data"


def pivot(
    rows: list[dict[str, Any]],
    label: str,
    key: str,
    value: str,
    keys: list[Any],
    name=str,
    labels: list[Any] | None = None,
) -> tuple[list[Any], list[Series]]:
    """Long rows (label, key, value) -> the labels (default: in the rows' order) and one Series
    per key (named name(key)). A label a key has no row for is a gap (None), not a zero; a key
    without any value is left out."""
    labels = labels if labels is not None else list(dict.fromkeys(r[label] for r in rows))
    cells = {(r[label], r[key]): r[value] for r in rows}
    series = [Series(name(k), [cells.get((x, k)) for x in labels]) for k in keys]
    return labels, [s for s in series if any(v is not None for v in s.values)]


def by_channel(
    source: ReportSource, rows: list[dict[str, Any]], label: str, value: str
) -> tuple[list[Any], list[Series]]:
    """pivot() by channel: series in dim_channel's order, named as dim_channel names them."""
    channels = sorted({r["channel"] for r in rows}, key=source.channel_rank)
    return pivot(rows, label, "channel", value, channels, source.channel_name)
