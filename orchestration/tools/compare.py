"""Two warehouses compared table by table and row for row, in SQL (`ccw bench`: a night built
incrementally against a full build of the same landing files, at every scale it runs).

Rows are matched by their order over every column (the exact ones first, then the doubles), as
the test suite's comparison does (tests/conftest.py, for small warehouses, in Python), but in
DuckDB: at ten million interactions a table does not fit a Python list. Every column must be
equal, doubles within a relative 1e-9 (a sum of doubles depends on the order rows are added in),
and the detail of a future timestamp (columns `detail`, `_rejection_detail`) names its build's
cutoff (run start + 1 day), which two builds at two moments state differently.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.publish.schema import READER_SCHEMAS, table_columns
from orchestration.sql import ident

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
CUTOFF = r"\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)"  # see the module docstring
TOLERANCE = 1e-9
SHOWN = 3  # differing rows named per table


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (s, t)
        for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? order by 1, 2",
            [catalog],
        ).fetchall()
        if s in schemas
    ]


def table_differences(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The rows of actual.<schema>.<table> and expected.<schema>.<table> (attached to `con`) that
    differ, at most SHOWN of them and how many; [] when the tables are equal."""
    name = f"{schema}.{table}"
    columns = table_columns(con, "actual", schema, table)
    if columns != table_columns(con, "expected", schema, table):
        return [f"{name}: the columns differ"]
    counts = [
        con.execute(f"select count(*) from {side}.{schema}.{ident(table)}").fetchone()[0]
        for side in ("actual", "expected")
    ]
    if counts[0] != counts[1]:
        return [f"{name}: {counts[0]:,} rows, {counts[1]:,} in the full build"]
    exact = [c for c, t in columns if t not in FLOAT_TYPES]
    floats = [c for c, t in columns if t in FLOAT_TYPES]
    normal = ", ".join(
        f"regexp_replace({ident(c)}, '{CUTOFF}', '(cutoff)', 'g') as {ident(c)}"
        if t == "VARCHAR" and c.endswith("detail")
        else ident(c)
        for c, t in columns
    )
    rows = {side: f"(select {normal} from {side}.{schema}.{ident(table)})" for side in ("actual", "expected")}
    if not floats:
        # equal counts: equal as multisets when one side has no row the other lacks
        differing = f"{rows['actual']} except all {rows['expected']}"
        found = con.execute(f"select count(*) over (), * from ({differing}) limit {SHOWN}").fetchall()
        pairs = [(row[1:], None) for row in found]
    else:
        # rows matched by their rank over every column, the exact ones first
        order = ", ".join(f"{ident(c)} nulls first" for c in exact + floats)
        ranked = {
            side: f"(select row_number() over (order by {order}) as _rank, * from {rel})"
            for side, rel in rows.items()
        }
        same = [f"a.{ident(c)} is not distinct from e.{ident(c)}" for c in exact] + [
            f"((a.{ident(c)} is null and e.{ident(c)} is null) or abs(a.{ident(c)} - e.{ident(c)}) <= "
            f"{TOLERANCE} * greatest(abs(a.{ident(c)}), abs(e.{ident(c)}), 1))"
            for c in floats
        ]
        found = con.execute(
            f"select count(*) over (), {', '.join(f'a.{ident(c)}' for c, _ in columns)}, "
            f"{', '.join(f'e.{ident(c)}' for c, _ in columns)} "
            f"from {ranked['actual']} as a join {ranked['expected']} as e using (_rank) "
            f"where not ({' and '.join(same)}) order by _rank limit {SHOWN}"
        ).fetchall()
        pairs = [(row[1 : 1 + len(columns)], row[1 + len(columns) :]) for row in found]
    if not found:
        return []
    problems = [
        f"{name}: {actual} "
        + ("is not in the full build" if expected is None else f"!= full build {expected}")
        for actual, expected in pairs
    ]
    return [*problems, f"{name}: {found[0][0]:,} rows differ"]


def compared_tables(warehouse: Path, schemas: tuple[str, ...] = READER_SCHEMAS) -> list[tuple[str, str]]:
    """The tables of `schemas` in a warehouse file: what warehouse_differences compares."""
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as actual (read_only)")
        return _tables(con, "actual", schemas)


def warehouse_differences(
    actual: Path,
    expected: Path,
    schemas: tuple[str, ...] = READER_SCHEMAS,
    excluded: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Every difference, table by table and row for row, between the `schemas` of two warehouse
    files (by default what the published file holds for readers, meta aside: the run history),
    the (schema, table) pairs `excluded` aside."""
    with duckdb.connect() as con:
        con.execute(f"attach '{actual}' as actual (read_only)")
        con.execute(f"attach '{expected}' as expected (read_only)")
        tables, others = (
            [t for t in _tables(con, catalog, schemas) if t not in excluded]
            for catalog in ("actual", "expected")
        )
        if tables != others:
            return [f"tables differ: {sorted(set(tables) ^ set(others))}"]
        return [p for schema, table in tables for p in table_differences(con, schema, table)]
