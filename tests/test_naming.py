"""The column-naming rules of CONTRIBUTING.md ("Column names"), on the published file."""

from __future__ import annotations

import re

import duckdb
import pytest

# the unit a column's name ends in, by type (CONTRIBUTING.md); names without a unit are listed
DECIMAL_UNITS = ("_amount", "_minutes", "_share", "_volume", "_quantity")
DOUBLE_UNITS = (
    "_rate",
    "_share",
    "_seconds",
    "_minutes",
    "_hours",
    "_points",
    "_score",
    "_per_productive_hour",
    "_volume",  # contacts where a contact may be shared (a team's share, a scenario's moved share)
    "_erlangs",  # offered load: agents busy on average
    "_agents",  # agent positions averaged over an interval
    "_fte",  # full-time equivalents
)
UNITLESS_DOUBLES = {"concurrency", "fte"}  # parallel chats; full-time equivalents


@pytest.fixture(scope="module")
def columns(published) -> list[tuple[str, str, str, str]]:
    settings, _ = published
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() "
            "where schema_name = 'marts' order by all"
        ).fetchall()


def test_money_and_measures_end_in_their_unit(columns):
    """A sum keeps its unit before `_sum` (first_response_hours_sum)."""
    wrong = []
    for t, c, d, _ in columns:
        name = c.removesuffix("_sum")
        if (d.startswith("DECIMAL") and not name.endswith(DECIMAL_UNITS)) or (
            d in ("DOUBLE", "FLOAT") and not name.endswith(DOUBLE_UNITS) and name not in UNITLESS_DOUBLES
        ):
            wrong.append(f"{t}.{c} {d}")
    assert wrong == []


def test_every_table_with_amounts_says_their_currency(columns):
    tables = {t for t, c, _, _ in columns if c.endswith("_amount")}
    with_currency = {t for t, c, _, _ in columns if c == "currency"}
    assert tables and tables <= with_currency


def test_handled_means_served_by_an_agent_in_every_mart(columns):
    """`handled` once meant "answered" in the 30-minute queue mart; it is served by an agent everywhere."""
    handled = {t: m for t, c, _, m in columns if c == "handled"}
    assert set(handled) == {"fct_channel_kpis_daily", "fct_channel_kpis_monthly"}
    assert all("served by an agent" in m for m in handled.values())
    answered = {t for t, c, _, _ in columns if c == "answered"}
    assert "fct_queue_kpis_30min" in answered


def test_monthly_marts_do_not_describe_a_day(columns):
    monthly = [
        f"{t}.{c}: {m}"
        for t, c, _, m in columns
        if t.endswith("_monthly") and re.search(r"\b(that|this|the) day\b|\bof the day\b", m or "")
    ]
    assert monthly == []
