"""What a report page is made of: charts, tables and headline figures, and how numbers are shown.

A page function (orchestration/report/pages/) turns query rows into these blocks;
render.py turns them into HTML. Every chart carries its period, its unit and a
table of exactly the numbers it draws, so a reader without the picture (a screen
reader, a slide) has the same figures. A chart without data keeps its place and
says why (`empty`), so a landing with a single source still gives a whole report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

# How a value is shown in a table cell or a headline figure. The raw value travels
# beside the text (data-value), so nothing is lost to rounding for a reader who copies it.
FORMATS = ("text", "int", "money", "unit_cost", "share", "seconds", "hours", "number")


def as_float(value: Any) -> float | None:
    """A number for the charting library (JSON); None stays a gap, never a zero."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def format_value(value: Any, fmt: str, currency: str = "") -> str:
    """The text a person reads: 1,148,000.00 USD, 5.8400, 81.3 %, 42.5 s."""
    if value is None:
        return "n/a"
    if fmt == "text":
        return value.isoformat() if isinstance(value, date | datetime) else str(value)
    number = float(value)
    if fmt == "int":
        return f"{number:,.0f}"
    if fmt == "money":
        return f"{number:,.2f}" + (f" {currency}" if currency else "")
    if fmt == "unit_cost":
        return f"{number:,.4f}" + (f" {currency}" if currency else "")
    if fmt == "share":
        return f"{number * 100:.1f} %"
    if fmt == "seconds":
        return f"{number:,.1f} s"
    if fmt == "hours":
        return f"{number:,.1f} h"
    if fmt == "number":
        return f"{number:,.2f}"
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def raw_value(value: Any) -> str:
    """The exact value for data-value: decimals as delivered, floats in full precision."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int | str):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return repr(float(value))


@dataclass
class Column:
    header: str
    fmt: str = "text"

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"column {self.header!r}: unknown format {self.fmt!r}")


@dataclass
class Table:
    """Rows of values under typed columns. Its own caption when it stands alone."""

    columns: list[Column]
    rows: list[list[Any]]
    caption: str = ""


@dataclass
class Series:
    """One line or set of bars. style: '' (the chart's kind), or 'marker' (a short horizontal
    dash per label, e.g. the low and high end of a benchmark band)."""

    name: str
    values: list[Any]
    style: str = ""


@dataclass
class Chart:
    """kind: bar (grouped), stacked (stacked bars), hbar (horizontal bars), hbar_stacked, line."""

    id: str
    title: str
    period: str
    unit: str
    kind: str
    labels: list[str]
    series: list[Series]
    table: Table
    definition: str = ""  # how the figure is computed, in the marts' words
    empty: str = ""  # why there is nothing to draw; the chart is then replaced by this sentence

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "stacked", "hbar", "hbar_stacked", "line"):
            raise ValueError(f"chart {self.id}: unknown kind {self.kind!r}")
        # The table must hold exactly the numbers drawn: a column per series, same values.
        headers = [c.header for c in self.table.columns]
        for s in self.series:
            if s.name not in headers:
                raise ValueError(f"chart {self.id}: series {s.name!r} has no column in its table")
            column = headers.index(s.name)
            if [row[column] for row in self.table.rows] != list(s.values):
                raise ValueError(f"chart {self.id}: series {s.name!r} differs from its table column")
        if not self.empty and not any(v is not None for s in self.series for v in s.values):
            self.empty = "No data for this period."

    def series_format(self, series: Series) -> str:
        return next(c.fmt for c in self.table.columns if c.header == series.name)


@dataclass
class Figure:
    """A headline number (a card at the top of a page)."""

    id: str
    label: str
    value: Any
    fmt: str
    note: str = ""


@dataclass
class TableBlock:
    """A table that stands alone (no chart), with a title and period like a chart."""

    id: str
    title: str
    period: str
    table: Table
    definition: str = ""
    empty: str = ""


Block = Chart | Figure | TableBlock


@dataclass
class Page:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


def table_of(
    rows: list[dict[str, Any]], columns: list[tuple[str, str, str | Callable[[dict], Any]]]
) -> Table:
    """A table from query rows: per column (header, format, the row's key or a function of the row)."""
    getters = [key if callable(key) else itemgetter(key) for _, _, key in columns]
    return Table(
        [Column(header, fmt) for header, fmt, _ in columns], [[get(r) for get in getters] for r in rows]
    )
