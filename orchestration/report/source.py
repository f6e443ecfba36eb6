"""The report's only reader of the warehouse: the published file, opened read-only.

Every page asks its questions through `ReportSource.rows`. A table the warehouse does
not have (a warehouse published before a mart existed, a page whose mart is not built
yet) is not an error: `rows` returns no rows and remembers why, and the page says it.

`Period` is computed once: the days the data covers and the month the cost pages
show, the latest complete month (a partial month carries a whole month of ledger cost
over part of its contacts, so its cost per interaction is not comparable).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb


class ReportSource:
    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self.con = duckdb.connect(str(warehouse), read_only=True)
        self.tables = {
            f"{schema}.{name}"
            for schema, name in self.con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
        self.channels: dict[str, tuple[int, str]] = {}  # channel -> (sort order, display name)
        if not self.missing("marts.dim_channel"):
            self.channels = {
                r["channel"]: (r["sort_order"], r["channel_name"])
                for r in self.rows("select channel, sort_order, channel_name from marts.dim_channel")
            }

    def channel_rank(self, channel: str) -> tuple[int, str]:
        """dim_channel's order; anything else (a total, 'unallocated') after the channels."""
        return (self.channels.get(channel, (10**6, ""))[0], channel)

    def channel_name(self, channel: str) -> str:
        return self.channels.get(channel, (0, channel))[1]

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ReportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def missing(self, *tables: str) -> list[str]:
        """Those of `tables` (schema.table) the warehouse does not have."""
        return [t for t in tables if t not in self.tables]

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return [
            dict(zip([d[0] for d in cursor.description], row, strict=True))
            for cursor in [self.con.execute(sql, params or [])]
            for row in cursor.fetchall()
        ]

    def one(self, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
        rows = self.rows(sql, params)
        return rows[0] if rows else {}


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class Period:
    first_day: date | None  # first business-local day with a contact
    last_day: date | None  # last one
    cost_months: tuple[date, ...]  # months with in-scope ledger cost
    currency: str

    @property
    def has_contacts(self) -> bool:
        return self.first_day is not None

    def is_complete(self, month: date) -> bool:
        """Every day of the month lies within the contacts' first and last day. Without
        contacts (a ledger alone) a ledger month counts as complete: postings are monthly."""
        if not self.has_contacts:
            return True
        return self.first_day <= month and month_end(month) <= self.last_day

    def no_cost_text(self, month: date | None) -> str:
        """Why a cost chart of `month` has nothing to show; '' when the month has ledger cost."""
        if month is None:
            return "No data."
        if month not in self.cost_months:
            return f"No in-scope ledger cost in {month:%B %Y}: nothing was allocated (no ledger lines delivered)."
        return ""

    @property
    def months(self) -> list[date]:
        """Months with contacts or ledger cost, in order."""
        months = set(self.cost_months)
        if self.has_contacts:
            m = self.first_day.replace(day=1)
            while m <= self.last_day:
                months.add(m)
                m = _next_month(m)
        return sorted(months)

    @property
    def report_month(self) -> date | None:
        """The latest complete month; the latest month when none is complete; None without data."""
        months = self.months
        complete = [m for m in months if self.is_complete(m)]
        return (complete or months or [None])[-1]

    def month_label(self, month: date) -> str:
        return month.strftime("%Y-%m") + ("" if self.is_complete(month) else " (partial)")

    def report_month_text(self) -> str:
        month = self.report_month
        if month is None:
            return "no data"
        if self.is_complete(month):
            return f"{month:%B %Y} (latest complete month)"
        return (
            f"{month:%B %Y}, partial: the data covers {max(month, self.first_day)} to "
            f"{min(month_end(month), self.last_day)} only (no complete month yet)"
        )

    def span_text(self) -> str:
        if not self.has_contacts:
            return "no contacts"
        return f"{self.first_day} to {self.last_day} ({(self.last_day - self.first_day).days + 1} days)"


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def read_period(source: ReportSource) -> Period:
    days: dict[str, Any] = {}
    if not source.missing("marts.fct_channel_kpis_daily"):
        days = source.one(
            "select min(kpi_date) as first_day, max(kpi_date) as last_day from marts.fct_channel_kpis_daily"
        )
    months: list[date] = []
    currency = ""
    if not source.missing("marts.fct_cost_allocation"):
        months = [
            r["cost_month"]
            for r in source.rows(
                "select distinct cost_month from marts.fct_cost_allocation order by 1",
            )
        ]
        currency = source.one("select max(currency) as c from marts.fct_cost_allocation").get("c") or ""
    return Period(days.get("first_day"), days.get("last_day"), tuple(months), currency)
