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


def varchar_columns(header: list[str]) -> str:
    """read_csv's `columns`: every header field as VARCHAR (a repeated name gets a __2 suffix)."""
    seen: dict[str, int] = {}
    columns = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        unique = name if seen[name] == 1 else f"{name}__{seen[name]}"
        columns.append(f"{sql_string(unique)}: 'VARCHAR'")
    return "{" + ", ".join(columns) + "}"
