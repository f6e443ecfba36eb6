"""The raw layer's own tables: which landing files it holds, and the incremental build state.

raw._landing_files   one row per landing file seen: source, file, format, bytes, rows, the
                     file rule it broke (null when loaded), size/mtime/sha256, load id
                     (a vendor file read through a mapping: format `mapped`, one row per
                     contract source it feeds, orchestration/landing/mapped_ingest.py)
raw._build_state     one row: the load id the dbt models are built up to, and whether the
                     next build must be a full refresh (orchestration/build/plan.py)
raw._csv_<source>    the rows of the loaded CSV files, as text
raw.<source>         a view: the CSV rows plus the loaded Parquet files, read in place
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import SOURCES, Source
from orchestration.landing.files import LandedFile
from orchestration.landing.parquet_files import parquet_read
from orchestration.sql import ident

FILES_TABLE = "raw._landing_files"
STATE_TABLE = "raw._build_state"
MAPPED_FORMAT = "mapped"  # raw._landing_files.format of a vendor file read through a mapping

FILES_DDL = f"""
create table if not exists {FILES_TABLE} (
    source varchar, file_name varchar, format varchar, bytes bigint, rows bigint,
    rule varchar, row_number bigint, detail varchar,
    mtime_ns bigint, sha256 varchar, columns varchar, load_id bigint
)
"""
STATE_DDL = f"""
create table if not exists {STATE_TABLE} (
    built_load_id bigint,            -- the published build holds every file with load_id <= this
    project_fingerprint varchar,     -- of the dbt project, policy and settings of that build
    full_refresh_required boolean,   -- a loaded file changed or disappeared since: rebuild everything
    landing_dir varchar,
    built_at timestamp
)
"""


@dataclass(frozen=True)
class RegisteredFile:
    """A row of raw._landing_files (its columns, in order)."""

    source: str
    file_name: str
    format: str
    bytes: int
    rows: int | None
    rule: str | None  # the file rule it broke; None: its rows are loaded
    row_number: int | None
    detail: str | None
    mtime_ns: int
    sha256: str | None
    columns: str  # JSON list of the file's column names
    load_id: int

    @property
    def loaded(self) -> bool:
        return self.rule is None

    def as_row(self) -> tuple:
        return (
            self.source,
            self.file_name,
            self.format,
            self.bytes,
            self.rows,
            self.rule,
            self.row_number,
            self.detail,
            self.mtime_ns,
            self.sha256,
            self.columns,
            self.load_id,
        )


def listed_files(con: duckdb.DuckDBPyConnection) -> list[RegisteredFile]:
    """Every row of raw._landing_files (a mapped vendor file has one per source it feeds)."""
    rows = con.execute(
        "select source, file_name, format, bytes, rows, rule, row_number, detail, mtime_ns, sha256, "
        f"columns, load_id from {FILES_TABLE}"
    ).fetchall()
    return [RegisteredFile(*r) for r in rows]


def registered_files(con: duckdb.DuckDBPyConnection) -> dict[str, RegisteredFile]:
    """The contract files of raw._landing_files, by file name (mapped files: mapped_ingest.py)."""
    return {f.file_name: f for f in listed_files(con) if f.format != MAPPED_FORMAT}


def register_files(con: duckdb.DuckDBPyConnection, files: list[RegisteredFile]) -> None:
    if files:
        con.executemany(
            f"insert into {FILES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f.as_row() for f in files],
        )


def latest_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"select coalesce(max(load_id), 0) from {FILES_TABLE}").fetchone()[0])


def _schema_prefix(con: duckdb.DuckDBPyConnection) -> None:
    """`raw.x` is schema raw of the current database, or the main schema of a database named raw."""
    if con.execute("select current_database()").fetchone()[0] != "raw":
        con.execute("create schema if not exists raw")


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and table_name = ? and schema_name = (case when current_database() = 'raw' then 'main' else 'raw' end)",
            [name],
        ).fetchone()[0]
    )


def csv_table(source: Source | str) -> str:
    return f"raw._csv_{source if isinstance(source, str) else source.name}"


def create_raw_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """The (empty) table of a source's CSV rows."""
    columns = ", ".join(f'"{c}" varchar' for c in source.column_names)
    con.execute(
        f"create table if not exists {csv_table(source)} ({columns}, _file_name varchar, _row_number bigint)"
    )


def ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    """The raw layer's bookkeeping tables (an older layout is dropped: everything is reloaded)."""
    _schema_prefix(con)
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = (case when current_database() = 'raw' then 'main' else 'raw' end) "
            "and table_name = '_landing_files'"
        ).fetchall()
    }
    if existing and "load_id" not in existing:
        con.execute(f"drop table {FILES_TABLE}")
        for source in SOURCES.values():
            con.execute(f"drop table if exists {csv_table(source)}")
            if has_table(con, source.name):
                con.execute(f"drop table raw.{source.name}")
    con.execute(FILES_DDL)
    con.execute(STATE_DDL)
    if con.execute(f"select count(*) from {STATE_TABLE}").fetchone()[0] == 0:
        con.execute(f"insert into {STATE_TABLE} values (0, null, false, null, null)")
    for source in SOURCES.values():
        create_raw_table(con, source)


def forget_everything(con: duckdb.DuckDBPyConnection) -> None:
    """A full reload: no file is loaded any more, and the next build is a full refresh."""
    con.execute(f"delete from {FILES_TABLE}")
    for source in SOURCES.values():
        con.execute(f"delete from {csv_table(source)}")
    if has_table(con, "_file_metrics"):
        con.execute("delete from raw._file_metrics")
    require_full_refresh(con)


def forget_files(
    con: duckdb.DuckDBPyConnection, previous: dict[str, RegisteredFile], names: list[str]
) -> None:
    """Remove these registered files and their CSV rows (they are replaced or gone)."""
    for name in names:
        con.execute(f"delete from {csv_table(previous[name].source)} where _file_name = ?", [name])
    if names:
        con.execute(f"delete from {FILES_TABLE} where file_name in (select unnest(?::varchar[]))", [names])


def require_full_refresh(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"update {STATE_TABLE} set full_refresh_required = true")


def create_raw_views(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """raw.<source>: the CSV rows of raw._csv_<source> and the loaded Parquet files, read in place."""
    listing = con.execute(
        f"select source, file_name, columns from {FILES_TABLE} "
        "where rule is null and format = 'parquet' order by source, file_name"
    ).fetchall()
    parquet: dict[str, list[tuple[str, list[str]]]] = {}
    for source, name, columns in listing:
        parquet.setdefault(source, []).append((name, json.loads(columns or "[]")))
    for source in SOURCES.values():
        cols = ", ".join(ident(c) for c in source.column_names)
        sql = f"select {cols}, _file_name, _row_number from {csv_table(source)}"
        files = parquet.get(source.name, [])
        if files:
            items = [LandedFile(source, landing_dir / n, n, "parquet", 0, 0) for n, _ in files]
            present = set().union(*(set(c) for _, c in files))
            sql += f"\nunion all\n{parquet_read(items, source, present)}"
        if has_table(con, source.name):  # an older layout kept raw rows in a table
            con.execute(f"drop table raw.{source.name}")
        con.execute(f"create or replace view raw.{source.name} as {sql}")
