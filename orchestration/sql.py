"""Quoting for the SQL this package writes (DuckDB dialect)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# DuckDB's file readers (read_csv, read_parquet) take a path as a glob pattern.
_GLOB_CHARACTER = re.compile(r"([\[*?])")


def sql_string(value: str) -> str:
    """A string literal: 'it''s'."""
    return "'" + value.replace("'", "''") + "'"


def sql_path(path: Path | str) -> str:
    """A string literal of a file path that DuckDB's file readers read as exactly that file.

    The readers expand glob patterns, so `2025-03-0[1].csv` would read `2025-03-01.csv` (and
    never itself); each glob character becomes a one-character class: `[` -> `[[]`, `*` -> `[*]`,
    `?` -> `[?]` (a `]` outside a class is literal)."""
    return sql_string(_GLOB_CHARACTER.sub(r"[\1]", str(path)))


def sql_path_list(paths: Iterable[Path | str]) -> str:
    """A list literal of file paths, each read as exactly that file (see sql_path)."""
    return "[" + ", ".join(sql_path(p) for p in paths) + "]"


def ident(name: str) -> str:
    """A quoted identifier: "name"."""
    return '"' + name.replace('"', '""') + '"'


def unique_column_names(header: list[str]) -> list[str]:
    """The header with each repeated name suffixed __2, __3, ...: DuckDB and Spark compare column
    names ignoring case, so `Notes` and `notes` are repeats too (a repeated contract column is the
    file rule duplicate_column; other columns are not read)."""
    seen: dict[str, int] = {}
    names = []
    for name in header:
        seen[name.lower()] = seen.get(name.lower(), 0) + 1
        names.append(name if seen[name.lower()] == 1 else f"{name}__{seen[name.lower()]}")
    return names


def varchar_columns(header: list[str]) -> str:
    """read_csv's `columns`: every header field as VARCHAR (a repeated name gets a __2 suffix)."""
    return "{" + ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in unique_column_names(header)) + "}"
