"""Mapped vendor exports -> the raw layer, incrementally (the mapped counterpart of ingest.py).

A mapped folder's files (orchestration/landing/mappings.py) are read through their mapping,
and the rows each file feeds into a contract source go to the same raw table as that
source's CSV rows (`raw._csv_<source>`, hence `raw.<source>`): the contract's columns as
text, `_file_name` = the vendor file relative to the landing directory, `_row_number` = the
record's position in it. Staging, checks and marts cannot tell them from contract rows.

Bookkeeping is that of the contract files (`raw._landing_files`), with format `mapped`: one
row per (contract source, vendor file) the file feeds, its row count for that source, and
`columns` = the mapping and its fingerprint. A file is read again when its content or its
mapping changed (the mapping file, the preset, or this engine); its old rows are then
replaced and, as for any changed or removed file, the next dbt build is a full refresh. A file
the mapping cannot read is listed once, under the first source the folder feeds, with its file
rule (empty_file, unreadable_file, missing_required_column) and never loaded in part.

Interface (called by ingest.py, in its two phases):
    batch = stage_mapped(con, landing_dir, config_dir, load_id=..., full_refresh=..., rules=...)
        reads what changed into temporary tables (nothing persistent is written)
    batch.apply(con)   inside the ingest's transaction: replaces rows and listings, stores metrics
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import SOURCES
from orchestration.landing.files import FileIssue, sha256_of
from orchestration.landing.mappings import (
    ExportIssue,
    FolderMapping,
    drop_export,
    landing_mappings,
    mapped_files,
    read_export,
    set_variables,
    target_select,
)
from orchestration.landing.registry import (
    FILES_TABLE,
    MAPPED_FORMAT,
    RegisteredFile,
    csv_table,
    listed_files,
    register_files,
    require_full_refresh,
)
from orchestration.quality.metrics import RuleSettings, compute_file_metrics, store_file_metrics
from orchestration.sql import sql_string

log = logging.getLogger(__name__)


def _stage(source: str) -> str:
    return f"_mapped_stage_{source}"


@dataclass
class MappedBatch:
    """What an ingest changes in the raw layer for the mapped folders."""

    listing: list[RegisteredFile] = field(default_factory=list)  # new rows of raw._landing_files
    delete: dict[str, list[str]] = field(default_factory=dict)  # source -> files whose rows go
    unlisted: list[str] = field(default_factory=list)  # files whose listing rows go
    touched: list[tuple[int, str]] = field(default_factory=list)  # (mtime_ns, file): same content
    staged: set[str] = field(default_factory=set)  # sources with rows in their stage table
    metric_frames: list[pd.DataFrame] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    loaded_files: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    bytes_read: int = 0
    rules: RuleSettings = field(default_factory=RuleSettings.defaults)

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write the batch (call inside the ingest's transaction)."""
        for source, names in self.delete.items():
            con.execute(
                f"delete from {csv_table(source)} where _file_name in (select unnest(?::varchar[]))", [names]
            )
        if self.unlisted:
            con.execute(
                f"delete from {FILES_TABLE} where format = '{MAPPED_FORMAT}' "
                "and file_name in (select unnest(?::varchar[]))",
                [self.unlisted],
            )
        for mtime_ns, name in self.touched:
            con.execute(f"update {FILES_TABLE} set mtime_ns = ? where file_name = ?", [mtime_ns, name])
        for source in self.staged:
            con.execute(f"insert into {csv_table(source)} select * from {_stage(source)}")
        register_files(con, self.listing)
        if self.changed_files or self.removed_files:
            require_full_refresh(con)
        frames = [f for f in self.metric_frames if len(f)]
        store_file_metrics(
            con,
            pd.concat(frames, ignore_index=True) if frames else None,
            self.rules,
            sorted(set(self.unlisted)),
        )

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        for source in SOURCES:
            con.execute(f"drop table if exists {_stage(source)}")


def _previous(con: duckdb.DuckDBPyConnection) -> dict[str, list[RegisteredFile]]:
    """Listed mapped files: file -> its rows of raw._landing_files (one per source it feeds)."""
    out: dict[str, list[RegisteredFile]] = {}
    for listed in listed_files(con):
        if listed.format == MAPPED_FORMAT:
            out.setdefault(listed.file_name, []).append(listed)
    return out


def stage_mapped(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    config_dir: Path | None,
    *,
    load_id: int,
    full_refresh: bool,
    rules: RuleSettings,
) -> MappedBatch:
    """Read the mapped files that are new or changed (content or mapping) into temporary stage
    tables, one per contract source. Raises MappingError when a mapping cannot be used."""
    mappings = landing_mappings(landing_dir, config_dir)
    set_variables(con, rules.timezone, rules.reporting_currency)
    previous = {} if full_refresh else _previous(con)
    batch = MappedBatch(rules=rules)
    seen: set[str] = set()
    for source in SOURCES:
        con.execute(
            f"create or replace temp table {_stage(source)} as select * from {csv_table(source)} limit 0"
        )
    for mapping in mappings.values():
        version = json.dumps({"mapping": str(mapping.path), "fingerprint": mapping.fingerprint})
        for path in mapped_files(landing_dir, mapping):
            name = path.relative_to(landing_dir).as_posix()
            seen.add(name)
            st = path.stat()
            old = previous.get(name)
            same_version = old is not None and all(r.columns == version for r in old)
            if same_version and old[0].bytes == st.st_size and old[0].mtime_ns == st.st_mtime_ns:
                continue
            sha = sha256_of(path)
            if same_version and old[0].bytes == st.st_size and old[0].sha256 == sha:
                batch.touched.append((st.st_mtime_ns, name))
                continue
            _load_file(con, batch, mapping, path, name, st, sha, version, load_id, old)
    for name, rows in previous.items():
        if name not in seen:
            batch.unlisted.append(name)
            for listed in rows:
                if listed.loaded:
                    batch.delete.setdefault(listed.source, []).append(name)
            if any(r.loaded for r in rows):
                batch.removed_files.append(name)
    return batch


def _load_file(
    con: duckdb.DuckDBPyConnection,
    batch: MappedBatch,
    mapping: FolderMapping,
    path: Path,
    name: str,
    st,
    sha: str,
    version: str,
    load_id: int,
    old: list[RegisteredFile] | None,
) -> None:
    """Read one vendor file through its mapping into the stage tables, or record its file issue."""
    tail = (st.st_mtime_ns, sha, version, load_id)
    if old is not None:
        batch.unlisted.append(name)
        for listed in old:
            if listed.loaded:
                batch.delete.setdefault(listed.source, []).append(name)
    loaded_before = old is not None and any(r.loaded for r in old)
    first = next(iter(mapping.sources))
    try:
        read_export(con, mapping, path, name)
        counts = {}
        for source in mapping.sources:
            counts[source] = con.execute(
                f"insert into {_stage(source)} select * from ({target_select(mapping, source)})"
            ).fetchall()[0][0]
    except ExportIssue as issue:
        _unstage(con, mapping, name)
        found = FileIssue(first, name, issue.rule, issue.detail, issue.row_number)
        batch.issues.append(found)
        batch.listing.append(
            RegisteredFile(
                first,
                name,
                MAPPED_FORMAT,
                st.st_size,
                None,
                issue.rule,
                issue.row_number,
                issue.detail,
                *tail,
            )
        )
        if loaded_before:
            batch.removed_files.append(name)
        log.warning("%s", found.error())
        return
    except duckdb.Error as exc:  # a mapping expression that fails on this file's values
        _unstage(con, mapping, name)
        detail = f"the mapping {mapping.path} fails on this file: {str(exc).splitlines()[0]}"
        batch.issues.append(FileIssue(first, name, "unreadable_file", detail))
        batch.listing.append(
            RegisteredFile(
                first, name, MAPPED_FORMAT, st.st_size, None, "unreadable_file", None, detail, *tail
            )
        )
        if loaded_before:
            batch.removed_files.append(name)
        return
    finally:
        drop_export(con)
    for source, rows in counts.items():
        batch.staged.add(source)
        batch.listing.append(
            RegisteredFile(source, name, MAPPED_FORMAT, st.st_size, rows, None, None, None, *tail)
        )
        if rows:
            batch.metric_frames.append(
                compute_file_metrics(
                    con,
                    SOURCES[source],
                    f"(select * from {_stage(source)} where _file_name = {sql_string(name)})",
                    batch.rules,
                )
            )
    if name not in batch.unlisted:
        batch.unlisted.append(name)  # its metrics are replaced
    batch.loaded_files.append(name)
    if loaded_before:
        batch.changed_files.append(name)
    batch.bytes_read += st.st_size


def _unstage(con, mapping: FolderMapping, name: str) -> None:
    for source in mapping.sources:
        con.execute(f"delete from {_stage(source)} where _file_name = ?", [name])
