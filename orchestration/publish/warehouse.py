"""Publish a finished build: write the readers' tables beside the published file, then rename it over.

Readers (BI tools, analysts) open the published file read-only. DuckDB lets a
file have one writer or many readers, so the build never writes the published
file: it writes a private build file, and publishing copies what readers need
into a temporary file in the published file's folder, flushes it to disk and
renames it over the published file. A rename is atomic on POSIX: a reader sees
the old warehouse or the new one, never half of one, and readers that hold the
old file open keep reading the old file until they reconnect.

What readers get (docs/DECISIONS.md D16): the marts and dimensions, quarantine
and meta, with a comment on every table and column and the primary and foreign
keys declared in the models' YAML (schema.py); staging,
intermediate models and seeds stay in the build file. The copy is written with
DuckDB storage version 1.4 so that BI tools bundling the long-term-support
DuckDB can read it (DuckDB 2.0's own format is not readable by 1.x).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.publish.schema import (
    META_DESCRIPTIONS,
    READER_SCHEMAS,
    comment,
    copy_reader_table,
    load_manifest,
    reader_tables,
)

log = logging.getLogger(__name__)

# The oldest DuckDB line the published file must open in (see README, "BI tools").
PUBLISHED_STORAGE_VERSION = "v1.4.0"

RUN_LOG_DDL = """
create table if not exists pub.meta.run_log (
    run_id varchar primary key,
    started_at timestamp not null,
    finished_at timestamp not null,
    landing_dir varchar,
    files_read integer,
    source_files varchar,
    rows_per_source varchar,
    status varchar,
    rows_quarantined bigint,
    checks_passed integer,
    checks_failed integer
)
"""

# One row per expectation per layer of each published run (orchestration/quality); kept
# across publishes like the run log. Column descriptions: schema.META_DESCRIPTIONS.
QUALITY_RESULTS_DDL = """
create table if not exists pub.meta.quality_results (
    run_id varchar not null,
    checked_at timestamp,
    layer varchar,
    suite varchar,
    expectation varchar,
    rule varchar,
    action varchar,
    success boolean,
    observed_value varchar,
    details varchar
)
"""


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    landing_dir: str
    source_files: dict[str, list[str]] = field(default_factory=dict)
    rows_per_source: dict[str, int] = field(default_factory=dict)
    rows_quarantined: int | None = None
    checks_passed: int | None = None
    checks_failed: int | None = None

    @property
    def files_read(self) -> int:
        return sum(len(v) for v in self.source_files.values())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by 1, 2",
        [catalog],
    ).fetchall()


def publish(
    build_db: Path,
    warehouse: Path,
    record: RunRecord,
    quality_results: list[tuple] | None = None,
    manifest: Path | None = None,
) -> datetime:
    """Write the build's reader tables to `warehouse` atomically. Returns finished_at.

    quality_results: rows for meta.quality_results (orchestration.quality.LayerResult.rows()).
    manifest: the dbt manifest of the build; its descriptions and keys are published with the
    tables. Without it (a build made another way) the reader schemas are copied bare.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(f".{warehouse.name}.publishing")
    for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
        leftover.unlink(missing_ok=True)

    tables = reader_tables(load_manifest(manifest)) if manifest else None
    con = duckdb.connect()
    try:
        con.execute(f"attach '{build_db}' as build (read_only)")
        con.execute(f"attach '{staging_file}' as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')")
        for schema in READER_SCHEMAS:
            con.execute(f"create schema pub.{schema}")
        if tables is not None:
            for table in tables:
                copy_reader_table(con, "build", "pub", table)
        else:
            for schema, table in _tables(con, "build"):
                if schema in READER_SCHEMAS:
                    con.execute(
                        f'create table pub.{schema}."{table}" as select * from build.{schema}."{table}"'
                    )
        con.execute("detach build")
        con.execute("create schema pub.meta")
        con.execute(RUN_LOG_DDL)
        con.execute(QUALITY_RESULTS_DDL)
        if warehouse.exists():
            # The run log and quality results are the published file's history: carry them over.
            con.execute(f"attach '{warehouse}' as previous (read_only)")
            previous = _tables(con, "previous")
            for table in ("run_log", "quality_results"):
                if ("meta", table) in previous:
                    con.execute(f"insert into pub.meta.{table} by name select * from previous.meta.{table}")
            con.execute("detach previous")
        if quality_results:
            con.executemany(
                "insert into pub.meta.quality_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quality_results
            )
        finished_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            "insert into pub.meta.run_log values (?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?)",
            [
                record.run_id,
                record.started_at,
                finished_at,
                record.landing_dir,
                record.files_read,
                json.dumps(record.source_files, sort_keys=True),
                json.dumps(record.rows_per_source, sort_keys=True),
                record.rows_quarantined,
                record.checks_passed,
                record.checks_failed,
            ],
        )
        for table, (description, columns) in META_DESCRIPTIONS.items():
            comment(con, f"pub.meta.{table}", description, columns)
        con.execute("checkpoint pub")
        con.execute("detach pub")
    finally:
        con.close()
    _fsync(staging_file)
    os.replace(staging_file, warehouse)
    _fsync(warehouse.parent)
    log.info("published %s (%s tables with keys and comments)", warehouse, len(tables) if tables else "bare")
    return finished_at
