"""Landing files -> raw tables in the build database.

Every landing source becomes one table `raw.<source>`: the contract's columns
as text, exactly as delivered, plus the lineage of each row (`_file_name`
relative to the landing directory, `_row_number` = 1-based data row in that
file). Typing, naming and deduplication happen in dbt staging, which reads
only these tables; keeping raw as text is what lets staging set a bad value
aside with its reason instead of failing a whole file on it.

A missing or empty source folder gives an empty table: the company does not
use that channel. Columns beyond the contract are ignored; a missing optional
column is null; a missing required column stops the run naming the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import SOURCES, Source
from orchestration.errors import PipelineError

log = logging.getLogger(__name__)

LANDING_EXTENSIONS = (".csv", ".parquet")


class LandingError(PipelineError):
    """A landing file the run cannot read; the message names file, row and rule."""

    def __init__(self, file_name: str, rule: str, detail: str, row_number: int | None = None):
        self.file_name, self.rule, self.detail, self.row_number = file_name, rule, detail, row_number
        where = file_name if row_number is None else f"{file_name}, row {row_number}"
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")


@dataclass
class IngestReport:
    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def files_read(self) -> int:
        return sum(len(v) for v in self.files.values())


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """The source's files, in delivery order (file name order, see docs/DECISIONS.md)."""
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in LANDING_EXTENSIONS),
        key=lambda p: p.name,
    )


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(path: Path) -> str:
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({_sql_string(str(path))})"
    # all_varchar: staging types the values, so a bad one is set aside, not fatal.
    return (
        f"read_csv({_sql_string(str(path))}, header = true, all_varchar = true, "
        "delim = ',', quote = '\"', escape = '\"', auto_detect = true)"
    )


def create_raw_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    columns = ", ".join(f'"{c}" varchar' for c in source.column_names)
    con.execute(
        f"create or replace table raw.{source.name} ({columns}, _file_name varchar, _row_number bigint)"
    )


def load_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, file_name: str) -> int:
    try:
        present = {row[0] for row in con.execute(f"describe select * from {_reader(path)}").fetchall()}
    except duckdb.Error as exc:
        raise LandingError(file_name, "unreadable_file", str(exc).splitlines()[0]) from exc
    missing = [c for c in source.required_columns if c not in present]
    if missing:
        raise LandingError(file_name, "missing_required_column", f"required column(s) {missing} not in header")
    select = ", ".join(
        f'cast("{c}" as varchar)' if c in present else "cast(null as varchar)" for c in source.column_names
    )
    before = con.execute(f"select count(*) from raw.{source.name}").fetchone()[0]
    # row_number() over () follows the scan order, which DuckDB keeps for one file
    # (preserve_insertion_order): it is the data row's position in the file.
    con.execute(
        f"insert into raw.{source.name} "
        f"select {select}, {_sql_string(file_name)}, row_number() over () from {_reader(path)}"
    )
    return con.execute(f"select count(*) from raw.{source.name}").fetchone()[0] - before


def ingest(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> IngestReport:
    """Reload every raw table from the landing directory."""
    report = IngestReport()
    con.execute("create schema if not exists raw")
    for source in SOURCES.values():
        create_raw_table(con, source)
        files = landing_files(landing_dir, source.name)
        report.files[source.name] = []
        report.rows[source.name] = 0
        for path in files:
            file_name = path.relative_to(landing_dir).as_posix()
            report.rows[source.name] += load_file(con, source, path, file_name)
            report.files[source.name].append(file_name)
        log.info("raw.%s: %d rows from %d files", source.name, report.rows[source.name], len(files))
    return report
