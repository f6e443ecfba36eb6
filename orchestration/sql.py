"""Quoting for the SQL this package writes (DuckDB dialect)."""

from __future__ import annotations


def sql_string(value: str) -> str:
    """A string literal: 'it''s'."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: list[str]) -> str:
    """A list literal of strings: ['a', 'b']."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"


def ident(name: str) -> str:
    """A quoted identifier: "name"."""
    return '"' + name.replace('"', '""') + '"'
