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
DuckDB can read it (DuckDB 2.0's own format is not readable by 1.x). A night whose
build records its changes since the published file copies that file and writes
only the changes into the copy (delta.py, docs/decisions/performance.md P20).

A run with nothing to do (orchestration/build/quiet.py) publishes nothing: its row of the run log
goes to `<warehouse stem>.run_log.jsonl` beside the published file (append_run_beside), and the next
publish carries those rows into meta.run_log (docs/decisions/orchestration.md O10).

check_fewer_rows() stops a run, before dbt, that would replace the warehouse by one with
fewer landing rows of a source, unless the operator accepts it (docs/DECISIONS.md D19).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.errors import PipelineError
from orchestration.publish import delta
from orchestration.publish.schema import (
    META_DESCRIPTIONS,
    READER_SCHEMAS,
    ReaderTable,
    comment,
    copy_reader_table,
    load_manifest,
    reader_tables,
)
from orchestration.sql import sql_string

log = logging.getLogger(__name__)

# The oldest DuckDB line the published file must open in (see README, "BI tools").
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# Readers of the published file (BI tools, analysts) are often other users: it is readable by
# all who can reach its folder, unlike the private build files beside it (build/workdir.py).
PUBLISHED_MODE = 0o644
PUBLISHED_DIR_MODE = 0o755  # the folders of the docs and the report beside it


def readable_like_published(path: Path) -> None:
    """Give a file or folder written beside the published file (the docs, the report, the run log)
    and everything in it what the published file gets: readable by whoever reads the published
    file. A run writes under a private umask (build/workdir.py), so they would be the run user's."""
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if not item.is_symlink():
            item.chmod(PUBLISHED_DIR_MODE if item.is_dir() else PUBLISHED_MODE)


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
    checks_failed integer,
    default_pii_salt boolean,
    fewer_rows_accepted varchar,
    rejections_accepted varchar
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


# the columns of meta.run_log, in order, as RUN_LOG_DDL declares them
RUN_LOG_COLUMNS = tuple(re.findall(r"^    (\w+) ", RUN_LOG_DDL, re.MULTILINE))
NOTHING_TO_DO = "nothing to do"  # meta.run_log.status of a run that found nothing to build


def make_run_id(started_at: datetime, dagster_run_id: str) -> str:
    """`<UTC start>-<first 8 characters of the Dagster run id>` (orchestration.md O7)."""
    return started_at.strftime("%Y%m%dT%H%M%SZ") + "-" + dagster_run_id[:8]


def run_log_beside(warehouse: Path) -> Path:
    """The runs since the published file was written that published nothing (status 'nothing to
    do'), one JSON object a line; the next publish carries them into meta.run_log."""
    return warehouse.with_name(warehouse.stem + ".run_log.jsonl")


def append_run_beside(warehouse: Path, row: dict) -> Path:
    """Append a run-log row (RUN_LOG_COLUMNS) to run_log_beside(warehouse), readable like the
    published file; one write of one line, flushed to disk. The caller holds the build lock."""
    path = run_log_beside(warehouse)
    line = json.dumps({c: row.get(c) for c in RUN_LOG_COLUMNS}, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PUBLISHED_MODE)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    readable_like_published(path)
    return path


def runs_beside(warehouse: Path) -> list[dict]:
    """The rows of run_log_beside(warehouse), oldest first ([] when there is none); a line cut by
    a crash while it was written is skipped."""
    path = run_log_beside(warehouse)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _carry_runs_beside(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """The rows of the run log beside the file into pub.meta.run_log (a row already there, from a
    publish that ended before it removed the file beside it, is not added twice)."""
    for row in runs_beside(warehouse):
        values = [row.get(c) for c in RUN_LOG_COLUMNS]
        for i in (1, 2):  # started_at, finished_at
            values[i] = datetime.fromisoformat(values[i]) if values[i] else None
        con.execute(
            f"insert into pub.meta.run_log ({', '.join(RUN_LOG_COLUMNS)}) select {', '.join('?' * len(values))} "
            "where not exists (select 1 from pub.meta.run_log where run_id = ?)",
            [*values, row.get("run_id")],
        )


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
    # sources published above their rejection limit (`--accept-rejections`): source -> rejected, rows,
    # share, limit
    rejections_accepted: dict[str, dict] = field(default_factory=dict)

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
    When the build file records its changes since the published file (delta.py), the published
    file is copied and only those changes are written into the copy.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(f".{warehouse.name}.publishing")
    _remove(staging_file)

    tables = reader_tables(load_manifest(manifest)) if manifest else None
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_string(str(build_db))} as build (read_only)")
        if not (tables and _write_changes(con, warehouse, staging_file, tables)):
            _write_every_table(con, warehouse, staging_file, tables)
        con.execute("detach build")
        _carry_runs_beside(con, warehouse)
        if quality_results:
            con.executemany(
                "insert into pub.meta.quality_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quality_results
            )
        finished_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            "insert into pub.meta.run_log values (?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?, ?, ?, ?)",
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
                json.dumps(record.rejections_accepted, sort_keys=True)
                if record.rejections_accepted
                else None,
            ],
        )
        for table, (description, columns) in META_DESCRIPTIONS.items():
            comment(con, f"pub.meta.{table}", description, columns)
        con.execute("checkpoint pub")
        con.execute("detach pub")
    except BaseException:
        con.close()
        _remove(staging_file)  # a publish that stops leaves nothing beside the published file
        raise
    con.close()
    staging_file.chmod(PUBLISHED_MODE)
    _fsync(staging_file)
    os.replace(staging_file, warehouse)
    _fsync(warehouse.parent)
    delta.record_published(build_db, warehouse)  # the next publish writes the changes since this file
    run_log_beside(warehouse).unlink(missing_ok=True)  # its rows are in meta.run_log now
    return finished_at


def _remove(staging_file: Path) -> None:
    for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _write_changes(
    con: duckdb.DuckDBPyConnection, warehouse: Path, staging_file: Path, tables: list[ReaderTable]
) -> bool:
    """The published file copied to `staging_file` (attached as pub) and the build's changes since
    it written into the copy (delta.py). False, with nothing attached and no file left, when the
    build does not record its changes since this published file or they cannot be applied."""
    if not delta.has_basis(con, "build", warehouse):
        return False
    started = time.perf_counter()
    try:
        delta.copy_file(warehouse, staging_file)
        con.execute(f"attach {sql_string(str(staging_file))} as pub")
        delta.apply_changes(con, "build", "pub", tables)
    except (duckdb.Error, OSError, delta.NotTheBuild) as exc:
        log.warning("publishing every table: the changes since the published file were not applied (%s)", exc)
        if "pub" in {
            row[0] for row in con.execute("select database_name from duckdb_databases()").fetchall()
        }:
            con.execute("detach pub")
        _remove(staging_file)
        return False
    log.info(
        "published %s: the build's changes written into a copy of the published file in %.1f s",
        warehouse,
        time.perf_counter() - started,
    )
    return True


def _write_every_table(
    con: duckdb.DuckDBPyConnection, warehouse: Path, staging_file: Path, tables: list[ReaderTable] | None
) -> None:
    """Every reader table of the build (attached as build) into a new `staging_file`, attached as
    pub, and the history (meta.run_log, meta.quality_results) of the published file carried over."""
    started = time.perf_counter()
    con.execute(
        f"attach {sql_string(str(staging_file))} as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')"
    )
    for schema in READER_SCHEMAS:
        con.execute(f"create schema pub.{schema}")
    if tables is not None:
        for table in tables:
            copy_reader_table(con, "build", "pub", table)
    else:
        for schema, table in _tables(con, "build"):
            if schema in READER_SCHEMAS:
                con.execute(f'create table pub.{schema}."{table}" as select * from build.{schema}."{table}"')
    con.execute("create schema pub.meta")
    con.execute(RUN_LOG_DDL)
    con.execute(QUALITY_RESULTS_DDL)
    if warehouse.exists():
        # The run log and quality results are the published file's history: carry them over.
        con.execute(f"attach {sql_string(str(warehouse))} as previous (read_only)")
        previous = _tables(con, "previous")
        for table in ("run_log", "quality_results"):
            if ("meta", table) in previous:
                con.execute(f"insert into pub.meta.{table} by name select * from previous.meta.{table}")
        con.execute("detach previous")
    what = (
        f"{len(tables)} reader tables with keys and comments" if tables is not None else "bare reader tables"
    )
    log.info("published %s: %s written in %.1f s", warehouse, what, time.perf_counter() - started)


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
