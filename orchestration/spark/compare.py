"""Compare the tables of a Spark build with the DuckDB build of the same landing files (spark.md, S4).

For each table: the same columns in the same order, each column of the same
type family (text, integer, decimal, float, date, timestamp, boolean; DuckDB
and Spark may differ in width or precision, e.g. HUGEINT/BIGINT or the
precision of a decimal sum), the same number of rows, and, after sorting both
sides by every column, row for row:
  text, integer, boolean, date, timestamp   equal
  decimal and float                         equal within the tolerance:
      |a - b| <= REL_TOL * max(|a|, |b|)  or  |a - b| <= ABS_TOL
REL_TOL = 1e-9 is far above double rounding (~1e-16 per operation, sums of a
few thousand terms) and far below any difference a person could see in a KPI;
ABS_TOL = 1e-12 covers results that are 0 on one engine and 1e-17 on the other.
Money is decimal on both engines and in practice matches exactly.

`exact=True` (the raw layer) allows no tolerance at all.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.config import PROJECT_DIR

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

REL_TOL = 1e-9
ABS_TOL = 1e-12
MAX_REPORTED = 5  # differing rows shown per table
# where tests/spark writes the wall times of the two builds (warehouse/ is not versioned)
REPORT_FILE = PROJECT_DIR / "warehouse" / "spark_equality_report.txt"


def mart_models(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every model under models/marts/ (the tables analysts read), by name."""
    return sorted(p.stem for p in (project_dir / "models" / "marts").rglob("*.sql"))


def type_family(type_name: str) -> str:
    t = type_name.lower()
    if t.startswith(("varchar", "string", "text", "char")):
        return "text"
    if t.startswith(("decimal", "numeric")):
        return "decimal"
    if t in ("double", "float", "real", "float4", "float8"):
        return "float"
    if t in ("tinyint", "smallint", "int", "integer", "bigint", "hugeint", "long", "short", "byte"):
        return "integer"
    if t.startswith("timestamp"):
        return "timestamp"
    if t in ("date", "boolean", "bool"):
        return "boolean" if t.startswith("bool") else t
    return t


@dataclass
class Table:
    columns: list[str]
    types: list[str]
    rows: list[tuple]


@dataclass
class TableDiff:
    name: str
    problems: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def equal(self) -> bool:
        return not self.problems


def read_duckdb(con: duckdb.DuckDBPyConnection, relation: str) -> Table:
    described = con.execute(f"describe select * from {relation}").fetchall()
    rows = con.execute(f"select * from {relation}").fetchall()
    return Table([d[0] for d in described], [d[1] for d in described], rows)


def read_spark(spark: SparkSession, relation: str) -> Table:
    """All rows of a Spark table; timestamps as naive values of the stored (UTC) time."""
    frame = spark.table(relation)
    fields = frame.schema.fields
    selected = [
        f"cast(`{f.name}` as timestamp_ntz) as `{f.name}`"
        if f.dataType.typeName() == "timestamp"
        else f"`{f.name}`"
        for f in fields
    ]
    rows = [tuple(r) for r in frame.selectExpr(*selected).collect()]
    return Table([f.name for f in fields], [f.dataType.simpleString() for f in fields], rows)


def _is_number(value: Any) -> bool:
    return isinstance(value, (float, Decimal)) and not isinstance(value, bool)


def _sort_key(row: tuple) -> tuple:
    # exact values first, numbers rounded: rows that differ only by float noise sort alike
    exact, approximate = [], []
    for v in row:
        if v is None:
            exact.append((0, ""))
        elif _is_number(v):
            f = float(v)
            approximate.append((1, float(f"{f:.6g}") if math.isfinite(f) else f))
        elif isinstance(v, (int, bool)):
            exact.append((1, int(v)))
        elif isinstance(v, (dt.datetime, dt.date)):
            exact.append((2, v.isoformat()))
        else:
            exact.append((3, str(v)))
    return (*exact, *approximate)


def values_equal(a: Any, b: Any, exact: bool = False) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if _is_number(a) or _is_number(b):
        if exact:
            return Decimal(str(a)) == Decimal(str(b))
        fa, fb = float(a), float(b)
        return fa == fb or abs(fa - fb) <= max(REL_TOL * max(abs(fa), abs(fb)), ABS_TOL)
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) and type(a) is type(b)
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        return isinstance(a, dt.datetime) and isinstance(b, dt.datetime) and a == b
    return a == b


def compare(name: str, duck: Table, spark: Table, exact: bool = False) -> TableDiff:
    diff = TableDiff(name, rows=len(duck.rows))
    if duck.columns != spark.columns:
        diff.problems.append(f"columns differ: duckdb {duck.columns} vs spark {spark.columns}")
        return diff
    for column, dtype, stype in zip(duck.columns, duck.types, spark.types, strict=True):
        if type_family(dtype) != type_family(stype):
            diff.problems.append(f"column {column}: type {dtype} on duckdb, {stype} on spark")
    if len(duck.rows) != len(spark.rows):
        diff.problems.append(f"row count: duckdb {len(duck.rows)} vs spark {len(spark.rows)}")
        return diff
    for i, (d, s) in enumerate(
        zip(sorted(duck.rows, key=_sort_key), sorted(spark.rows, key=_sort_key), strict=True)
    ):
        bad = [c for c, a, b in zip(duck.columns, d, s, strict=True) if not values_equal(a, b, exact)]
        if bad:
            if len(diff.problems) < MAX_REPORTED:
                shown = {c: (a, b) for c, a, b in zip(duck.columns, d, s, strict=True) if c in bad}
                diff.problems.append(f"row {i + 1} (sorted): {bad} differ (duckdb, spark): {shown}")
            else:
                diff.problems.append("...")
                break
    return diff
