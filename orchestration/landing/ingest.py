"""Landing files -> the raw layer, incrementally.

Every landing source becomes one relation `raw.<source>`: the contract's
columns as text, exactly as delivered, plus the lineage of each row
(`_file_name` relative to the landing directory, `_row_number` = 1-based data
row in that file). Typing, naming and deduplication happen in dbt staging,
which reads only these relations; keeping raw as text is what lets staging set
a bad value aside with its reason instead of failing a whole file on it.

In the pipeline the raw layer is its own private DuckDB file
(`<work dir>/raw.duckdb`, attached to dbt as catalog `raw`): the build file is
published by copying it, and raw holds personal data in clear
(docs/decisions/performance.md P2, P9). How a source is stored (P3):

  Parquet files are read in place: `raw.<source>` is a view over DuckDB's
      Parquet reader of the loaded files (`file_row_number` gives the row,
      a file name filter prunes the files a query does not need). Nothing is
      copied.
  CSV files are parsed strictly once and their rows copied into
      `raw._csv_<source>` (a CSV reader has no row numbers and a cut or
      malformed file must be found while loading); the view unions them in.
  Mapped vendor folders (a landing folder read through a mapping,
      mappings.py) are read by their own pass (mapped_ingest.py), whose rows
      join the CSV rows in `raw._csv_<source>`, listed with format `mapped`.

Incremental (P2): `raw._landing_files` lists every file with its size,
modification time and content hash. A run loads only files that are new or
whose content changed (a changed file's old rows are replaced); an unchanged
file is not read again. A file that disappeared, or whose rows were loaded and
now changed or became unreadable, has its rows removed and sets
`raw._build_state.full_refresh_required`: dbt's incremental models cannot
un-see a record, so the next dbt build is a full refresh (P4). Each file
carries the `load_id` of the ingest that last loaded it; dbt's incremental
models process the files loaded after the last published build.

A missing or empty source folder gives an empty relation: the company does not
use that channel. Columns beyond the contract are ignored; a missing optional
column is null.

A file that cannot be loaded completely is never loaded in part. Its problem
is a *file issue* with a rule: the file rules of landing_contract.yml
(`file_rules`: what each means) and quality_policy.yml (what each does). DuckDB
reads each file by its exact path: a name with glob characters (`2025-03-0[1].csv`)
is that file, not a pattern.

Before anything is read, presence.py stops the run when the landing directory is
missing, or a source the last ingest loaded rows from has no file any more (unless
retired): an unmounted share must not publish an empty warehouse.

A UTF-8 byte-order mark is accepted. By default the first issue raises
LandingError (file, row, rule); the pipeline records them instead
(`on_file_issue="record"`) and lets the quality policy decide. Either way every
file is listed in `raw._landing_files` (source, file, format, bytes, rows,
rule, row, detail), which the raw-layer quality suite reads. While loading,
the per-file row-rule counts of the raw suite are computed in the same pass
that validates the file (`raw._file_metrics`, orchestration/quality/metrics.py).

The steps: check the mappings and read the mapped vendor files that are new or changed
(mapped_ingest.py), scan the directory against the registry (registry.py), read what is
new or changed into temporary tables (csv_files.py, parquet_files.py), list every file
with its outcome, then apply it all to the raw layer in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import SOURCES
from orchestration.landing import registry
from orchestration.landing.csv_files import csv_header, csv_metrics, load_csv, stage_table
from orchestration.landing.files import (
    ENTRY_RULES,
    FileIssue,
    LandedFile,
    header_issue,
    landing_files,
    sha256_of,
)
from orchestration.landing.mapped_ingest import MappedBatch, stage_mapped
from orchestration.landing.parquet_files import parquet_columns, validate_parquet
from orchestration.landing.presence import check_presence
from orchestration.landing.registry import FILES_TABLE, RegisteredFile
from orchestration.quality.metrics import RuleSettings, store_file_metrics

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """The raw layer after an ingest: every loaded file (not only this run's) and what changed."""

    files: dict[str, list[str]] = field(default_factory=dict)  # loaded files per source
    rows: dict[str, int] = field(default_factory=dict)  # raw rows per source
    issues: list[FileIssue] = field(default_factory=list)  # every file not loaded, with its rule
    load_id: int = 0  # load id of this ingest (0: nothing loaded yet)
    loaded_files: list[str] = field(default_factory=list)  # read by this ingest (new or changed)
    changed_files: list[str] = field(default_factory=list)  # loaded before, content changed
    removed_files: list[str] = field(default_factory=list)  # loaded before, rows now removed
    bytes_read: int = 0

    @property
    def files_read(self) -> int:
        return sum(len(v) for v in self.files.values())


@dataclass
class _Scan:
    """The landing directory against the registry: what to read, what only changed its mtime, what is gone."""

    previous: dict[str, RegisteredFile]
    to_load: list[LandedFile] = field(default_factory=list)  # new, or content changed
    touched: list[tuple[int, str]] = field(default_factory=list)  # (mtime_ns, file): same content
    gone: list[str] = field(default_factory=list)  # registered, no longer in the directory

    @property
    def replaced(self) -> list[str]:
        """Registered files whose rows and listing are removed (gone, or read again)."""
        return self.gone + [i.file_name for i in self.to_load if i.file_name in self.previous]


@dataclass
class _Reads:
    """The new and changed files read into temporary tables (nothing persistent written yet)."""

    outcomes: dict[str, int | FileIssue] = field(default_factory=dict)  # rows, or the file's issue
    csv_sources: list[str] = field(default_factory=list)  # sources with a stage table to move into raw
    metric_frames: list[pd.DataFrame] = field(default_factory=list)


def ingest(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    on_file_issue: str = "raise",
    full_refresh: bool = False,
    rules: RuleSettings | None = None,
    retired_sources: Collection[str] = (),
    allow_symlinks: bool = False,
    config_dir: Path | None = None,
) -> IngestReport:
    """Bring the raw layer up to date with the landing directory (only new or changed files are read).

    on_file_issue: "raise" (LandingError on the first file that cannot be loaded) or
    "record" (skip it, list it in report.issues and raw._landing_files).
    full_refresh: forget every file loaded before and load them all again.
    rules: what the raw suite's row rules read (timezone, reporting currency, FX rates); default:
    the default settings and the sample's FX rates.
    retired_sources: sources that may have no file although rows were loaded from them (presence.py).
    allow_symlinks: read links to files outside the landing directory (else symlink_outside_landing).
    config_dir: the company's configuration folder (CCW_CONFIG_DIR): its mappings/*.yml, and the
    landing folders named after a preset, are read through their mapping (mappings.py).
    Raises LandingMissing (before changing anything) when the directory or a source is missing.
    """
    rules = rules or RuleSettings.defaults()
    if on_file_issue not in ("raise", "record"):
        raise ValueError("on_file_issue must be 'raise' or 'record'")
    registry.ensure_state(con)
    registered = registry.registered_files(con)
    check_presence(landing_dir, registered, retired_sources)
    report = IngestReport()
    load_id = registry.latest_load_id(con) + 1
    # ---- mapped vendor folders (mapped_ingest.py): their mappings checked before any file is
    # read; read into temporary tables now, written in the transaction of _apply
    mapped = stage_mapped(
        con, landing_dir, config_dir, load_id=load_id, full_refresh=full_refresh, rules=rules
    )
    _count_mapped(con, mapped, on_file_issue, report)
    scan = _scan(landing_dir, {} if full_refresh else registered, allow_symlinks, report)
    reads = _read(con, scan.to_load, rules, report)
    listing = _listing(scan.to_load, reads.outcomes, load_id, on_file_issue, report)
    _apply(
        con, landing_dir, scan, reads, listing, mapped, full_refresh=full_refresh, rules=rules, report=report
    )
    _describe_raw_layer(con, on_file_issue, report)
    return report


def _count_mapped(
    con: duckdb.DuckDBPyConnection, mapped: MappedBatch, on_file_issue: str, report: IngestReport
) -> None:
    """The mapped files read, in the report; the first one the mapping cannot read raises unless recorded."""
    if mapped.issues and on_file_issue == "raise":
        mapped.drop(con)
        raise mapped.issues[0].error()
    report.loaded_files += mapped.loaded_files
    report.changed_files += mapped.changed_files
    report.removed_files += mapped.removed_files
    report.bytes_read += mapped.bytes_read


def _scan(
    landing_dir: Path, previous: dict[str, RegisteredFile], allow_symlinks: bool, report: IngestReport
) -> _Scan:
    """A file is read again only when its size or content changed (a new mtime alone is recorded).
    An entry that is not a file to read (files.entry_issue) is judged again on every run."""
    scan = _Scan(previous)
    seen: set[str] = set()
    for source in SOURCES.values():
        for path in landing_files(landing_dir, source.name):
            item = LandedFile.at(landing_dir, source, path, allow_symlinks)
            seen.add(item.file_name)
            old = previous.get(item.file_name)
            if item.issue is not None or (old is not None and old.rule in ENTRY_RULES):
                report.changed_files += [item.file_name] if old is not None and old.loaded else []
                scan.to_load.append(item)
                continue
            if old is not None and old.bytes == item.size and old.mtime_ns == item.mtime_ns:
                continue
            item.sha256 = sha256_of(path)
            if old is not None and old.bytes == item.size and old.sha256 == item.sha256:
                scan.touched.append((item.mtime_ns, item.file_name))
                continue
            if old is not None and old.loaded:  # its rows were loaded: they are replaced
                report.changed_files.append(item.file_name)
            scan.to_load.append(item)
    scan.gone = [name for name in previous if name not in seen]
    report.removed_files += [name for name in scan.gone if previous[name].loaded]
    return scan


def columns_or_issue(item: LandedFile) -> list[str] | FileIssue:
    """The file's columns, or the first file rule it breaks before its rows are read."""
    if item.issue is not None:
        return item.issue
    if item.size == 0:
        return FileIssue(
            item.source.name, item.file_name, "empty_file", "the file is empty (0 bytes, no header)"
        )
    columns = parquet_columns(item) if item.fmt == "parquet" else csv_header(item)
    if isinstance(columns, FileIssue):
        return columns
    return header_issue(item.source, item.file_name, columns) or columns


def _read(
    con: duckdb.DuckDBPyConnection, to_load: list[LandedFile], rules: RuleSettings, report: IngestReport
) -> _Reads:
    """Read the files into temporary tables, with the raw suite's per-file metrics."""
    reads = _Reads()
    csv_items: dict[str, list[LandedFile]] = {}
    parquet_items: dict[str, list[LandedFile]] = {}
    for item in to_load:
        columns = columns_or_issue(item)
        if isinstance(columns, FileIssue):
            reads.outcomes[item.file_name] = columns
            continue
        item.columns = columns
        (parquet_items if item.fmt == "parquet" else csv_items).setdefault(item.source.name, []).append(item)
        report.bytes_read += item.size
    for source_name, items in csv_items.items():
        loaded = load_csv(con, items)
        reads.outcomes.update(loaded)
        reads.csv_sources.append(source_name)
        good = [name for name, n in loaded.items() if not isinstance(n, FileIssue)]
        reads.metric_frames += csv_metrics(con, items[0].source, good, rules) if good else []
    for items in parquet_items.values():
        checked, frames = validate_parquet(con, items, rules)
        reads.outcomes.update(checked)
        reads.metric_frames += frames
    return reads


def _listing(
    to_load: list[LandedFile],
    outcomes: dict[str, int | FileIssue],
    load_id: int,
    on_file_issue: str,
    report: IngestReport,
) -> list[RegisteredFile]:
    """Every file read, in file order, with its rows or its issue; the first issue raises unless recorded."""
    listing = []
    order = {name: i for i, name in enumerate(SOURCES)}
    for item in sorted(to_load, key=lambda i: (order[i.source.name], i.path.name)):
        outcome = outcomes[item.file_name]
        issue = outcome if isinstance(outcome, FileIssue) else None
        if issue is not None:
            if on_file_issue == "raise":
                raise issue.error()
            log.warning("%s", issue.error())
            if item.file_name in report.changed_files:
                report.changed_files.remove(item.file_name)
                report.removed_files.append(item.file_name)
        else:
            report.loaded_files.append(item.file_name)
        listing.append(
            RegisteredFile(
                source=item.source.name,
                file_name=item.file_name,
                format=item.fmt,
                bytes=item.size,
                rows=None if issue else outcome,
                rule=issue.rule if issue else None,
                row_number=issue.row_number if issue else None,
                detail=issue.detail if issue else None,
                mtime_ns=item.mtime_ns,
                sha256=item.sha256,
                columns=json.dumps(item.columns or []),
                load_id=load_id,
            )
        )
    return listing


def _apply(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    scan: _Scan,
    reads: _Reads,
    listing: list[RegisteredFile],
    mapped: MappedBatch,
    *,
    full_refresh: bool,
    rules: RuleSettings,
    report: IngestReport,
) -> None:
    """Everything read, applied to the raw layer in one transaction."""
    con.execute("begin transaction")
    try:
        if full_refresh:
            registry.forget_everything(con)
        registry.forget_files(con, scan.previous, scan.replaced)
        if scan.gone and registry.has_table(con, "_file_metrics"):
            con.execute(
                "delete from raw._file_metrics where file_name in (select unnest(?::varchar[]))", [scan.gone]
            )
        for mtime_ns, name in scan.touched:
            con.execute(f"update {FILES_TABLE} set mtime_ns = ? where file_name = ?", [mtime_ns, name])
        for source_name in reads.csv_sources:
            con.execute(
                f"insert into {registry.csv_table(source_name)} select * from {stage_table(SOURCES[source_name])}"
            )
        registry.register_files(con, listing)
        if report.changed_files or report.removed_files:
            registry.require_full_refresh(con)
        mapped.apply(con)
        registry.create_raw_views(con, landing_dir)
        frames = [f for f in reads.metric_frames if len(f)]
        store_file_metrics(
            con,
            pd.concat(frames, ignore_index=True) if frames else None,
            rules,
            [i.file_name for i in scan.to_load],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for source_name in reads.csv_sources:
            con.execute(f"drop table if exists {stage_table(SOURCES[source_name])}")
        mapped.drop(con)


def _describe_raw_layer(con: duckdb.DuckDBPyConnection, on_file_issue: str, report: IngestReport) -> None:
    """The report's view of the whole raw layer: loaded files and rows per source, file issues."""
    report.load_id = registry.latest_load_id(con)
    order = {s: i for i, s in enumerate(SOURCES)}
    for source in SOURCES:
        report.files[source] = []
        report.rows[source] = 0
    files = sorted(registry.listed_files(con), key=lambda f: (order.get(f.source, 99), f.file_name))
    for f in files:
        if f.loaded:
            report.files[f.source].append(f.file_name)
            report.rows[f.source] += int(f.rows or 0)
            continue
        issue = FileIssue(f.source, f.file_name, f.rule, f.detail, f.row_number)
        if on_file_issue == "raise":
            raise issue.error()
        report.issues.append(issue)
    for source in SOURCES:
        log.info("raw.%s: %d rows from %d files", source, report.rows[source], len(report.files[source]))
    log.info(
        "ingest: %d files read (%d changed), %d removed, load %d",
        len(report.loaded_files),
        len(report.changed_files),
        len(report.removed_files),
        report.load_id,
    )
