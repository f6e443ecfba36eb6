"""Publish a finished build: copy it beside the published file, then rename it over.

Readers (BI tools, analysts) open the published file read-only. DuckDB lets a
file have one writer or many readers, so the build never writes the published
file: it writes a private build file, and publishing copies the analyst-facing
schemas into a temporary file in the published file's folder, flushes it to
disk and renames it over the published file. A rename is atomic on POSIX: a
reader sees the old warehouse or the new one, never half of one, and readers
that hold the old file open keep reading the old file until they reconnect.

The copy is written with DuckDB storage version 1.4 so that BI tools bundling
the long-term-support DuckDB can read it (DuckDB 2.0's own format is not
readable by 1.x).

Two ways to copy (docs/decisions/performance.md P9). The pipeline's build file
is created in storage version 1.4 and holds nothing but published schemas (raw
lives in its own file), so it is copied as a file (a sequential copy of a few
GB, not a re-encoding of every table) and the `meta` schema is added to the
copy. Any other build file (an older layout, a file with a private schema) is
copied table by table into a new 1.4 file, as before.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.errors import PipelineError
from orchestration.sql import sql_string

log = logging.getLogger(__name__)

# The oldest DuckDB line the published file must open in (see README, "BI tools").
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# Readers of the published file (BI tools, analysts) are often other users: it is readable by
# all who can reach its folder, unlike the private build files beside it (build/workdir.py).
PUBLISHED_MODE = 0o644
# Schemas analysts read. raw (text copies of the landing files) stays private.
PUBLISHED_SCHEMAS = ("staging", "intermediate", "marts", "seeds", "quarantine")

RUN_LOG_DDL = """
create table if not exists pub.meta.run_log (
    run_id varchar not null,
    started_at timestamp not null,   -- UTC
    finished_at timestamp not null,  -- UTC: when this warehouse was published
    landing_dir varchar,
    files_read integer,
    source_files varchar,      -- JSON: {source: [file, ...]}
    rows_per_source varchar,   -- JSON: {source: rows read from landing}
    status varchar,
    rows_quarantined bigint,   -- rows set aside in quarantine.rejected_rows by this run
    checks_passed integer,     -- data-quality expectations met (meta.quality_results)
    checks_failed integer,     -- expectations not met that only warn (a stopping one never publishes)
    default_pii_salt boolean,  -- personal data hashed with the public default salt (CCW_PII_SALT unset)
    fewer_rows_accepted varchar  -- JSON: {source: [rows before, rows now, how accepted]} (check_fewer_rows)
)
"""

# One row per expectation per layer of each published run (orchestration/quality);
# kept across publishes like the run log.
QUALITY_RESULTS_DDL = """
create table if not exists pub.meta.quality_results (
    run_id varchar not null,
    checked_at timestamp,      -- UTC
    layer varchar,             -- raw | staging | marts
    suite varchar,             -- Great Expectations suite
    expectation varchar,       -- expectation type(column)
    rule varchar,              -- rule of quality_policy.yml
    action varchar,            -- stop | quarantine | warn: what a failure does
    success boolean,
    observed_value varchar,    -- e.g. 'all 64 files pass', '3 of 64 files fail'
    details varchar            -- JSON list of {where, what} for the failing items
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
    default_pii_salt: bool | None = None
    fewer_rows_accepted: dict[str, list] = field(default_factory=dict)  # check_fewer_rows

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


def copyable_as_file(build_db: Path) -> bool:
    """The build file is in the published storage version and holds only published schemas."""
    with duckdb.connect() as con:
        con.execute(f"attach '{build_db}' as build (read_only)")
        tags = con.execute("select tags from duckdb_databases() where database_name = 'build'").fetchone()[0]
        version = (tags or {}).get("storage_version", "")
        schemas = {
            r[0]
            for r in con.execute(
                "select distinct schema_name from duckdb_tables() where database_name = 'build' "
                "union select distinct schema_name from duckdb_views() where database_name = 'build' "
                "and not internal"
            ).fetchall()
        }
    return version.startswith(PUBLISHED_STORAGE_VERSION) and schemas <= set(PUBLISHED_SCHEMAS)


def publish(
    build_db: Path, warehouse: Path, record: RunRecord, quality_results: list[tuple] | None = None
) -> datetime:
    """Copy the build's analyst-facing schemas to `warehouse` atomically. Returns finished_at.

    quality_results: rows for meta.quality_results (orchestration.quality.LayerResult.rows()).
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(f".{warehouse.name}.publishing")
    for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
        leftover.unlink(missing_ok=True)

    as_file = copyable_as_file(build_db)
    if as_file:
        shutil.copyfile(build_db, staging_file)
    con = duckdb.connect()
    try:
        if as_file:
            con.execute(f"attach '{staging_file}' as pub")
        else:
            con.execute(f"attach '{build_db}' as build (read_only)")
            con.execute(f"attach '{staging_file}' as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')")
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"create schema if not exists pub.{schema}")
            for schema, table in _tables(con, "build"):
                if schema in PUBLISHED_SCHEMAS:
                    con.execute(
                        f'create table pub.{schema}."{table}" as select * from build.{schema}."{table}"'
                    )
        con.execute("drop schema if exists pub.meta cascade")
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
            "insert into pub.meta.run_log values (?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?)",
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
                record.default_pii_salt,
                json.dumps(record.fewer_rows_accepted, sort_keys=True)
                if record.fewer_rows_accepted
                else None,
            ],
        )
        con.execute("checkpoint pub")
        con.execute("detach pub")
    finally:
        con.close()
    staging_file.chmod(PUBLISHED_MODE)
    _fsync(staging_file)
    os.replace(staging_file, warehouse)
    _fsync(warehouse.parent)
    log.info("published %s (%s)", warehouse, "file copy" if as_file else "table copy")
    return finished_at


# ---------------------------------------------------------------- never an emptier warehouse by accident
# How a source's drop was accepted (meta.run_log.fewer_rows_accepted): the operator's flag for one
# run (`ccw run --accept-fewer-rows`), or the source declared retired (CCW_RETIRED_SOURCES).
ACCEPTED_BY_FLAG = "accept_fewer_rows"
ACCEPTED_AS_RETIRED = "retired_sources"


class FewerRows(PipelineError):
    """This run holds fewer landing rows of a source than the published warehouse's last run."""


def published_rows_per_source(warehouse: Path) -> dict[str, int]:
    """Landing rows per source of the published warehouse's latest run ({} when there is none)."""
    if not warehouse.exists():
        return {}
    try:
        with duckdb.connect() as con:
            con.execute(f"attach {sql_string(str(warehouse))} as pub (read_only)")
            if ("meta", "run_log") not in _tables(con, "pub"):
                return {}
            row = con.execute(
                "select rows_per_source from pub.meta.run_log where status = 'published' "
                "order by finished_at desc limit 1"
            ).fetchone()
    except duckdb.Error as exc:
        raise PipelineError(
            f"cannot read the run log of the published warehouse {warehouse} ({exc}), to check that this "
            "run does not publish fewer rows: move the file aside if it is damaged, and run again"
        ) from exc
    return {s: int(n) for s, n in json.loads(row[0]).items()} if row and row[0] else {}


def check_fewer_rows(
    warehouse: Path, rows_now: dict[str, int], *, retired: tuple[str, ...] = (), accept: bool = False
) -> dict[str, list]:
    """Compare this run's landing rows per source with the published warehouse's last run.

    Landing files accumulate, so a source with fewer rows than last time lost files (a share
    not mounted, an export that stopped, a wiped work directory): publishing would replace the
    warehouse with an emptier one. Raises FewerRows, unless the source is retired or `accept`
    (the operator's --accept-fewer-rows for this run). Returns the accepted drops,
    {source: [rows before, rows now, ACCEPTED_AS_RETIRED | ACCEPTED_BY_FLAG]}, for meta.run_log."""
    before = published_rows_per_source(warehouse)
    drops = {s: (n, rows_now.get(s, 0)) for s, n in before.items() if rows_now.get(s, 0) < n}
    refused = {s: d for s, d in drops.items() if s not in retired}
    if refused and not accept:
        detail = "; ".join(f"{s}: {b:,} -> {n:,}" for s, (b, n) in refused.items())
        raise FewerRows(
            f"this run holds fewer landing rows than the published warehouse {warehouse} ({detail}). "
            "Nothing was published: if landing files are missing, restore them and run again; if the "
            "drop is intended (files withdrawn, or re-delivered with fewer rows), run once with "
            "`ccw run --accept-fewer-rows` (meta.run_log records it); a source the company no longer "
            "delivers is declared in CCW_RETIRED_SOURCES."
        )
    return {
        s: [b, n, ACCEPTED_AS_RETIRED if s in retired else ACCEPTED_BY_FLAG] for s, (b, n) in drops.items()
    }
