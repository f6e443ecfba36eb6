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
is a *file issue* with a rule (see quality_policy.yml, `file_rules`):

  empty_file               0 bytes, not even a header (a header-only file is fine: 0 rows)
  unreadable_file          not UTF-8, not a CSV/Parquet DuckDB can read
  wrong_delimiter          the header splits into the contract's columns only on ';' or tab
  missing_required_column  the header lacks a required column
  truncated_file           the last line is cut (no final line break, and that line is
                           short of fields or inside an open quote): an incomplete transfer
  malformed_row            any other row with the wrong number of fields or a broken quote

A UTF-8 byte-order mark is accepted. By default the first issue raises
LandingError (file, row, rule); the pipeline records them instead
(`on_file_issue="record"`) and lets the quality policy decide. Either way every
file is listed in `raw._landing_files` (source, file, format, bytes, rows,
rule, row, detail), which the raw-layer quality suite reads. While loading,
the per-file row-rule counts of the raw suite are computed in the same pass
that validates the file (`raw._file_metrics`, orchestration/quality/metrics.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.contract import SOURCES, Source
from orchestration.errors import PipelineError

log = logging.getLogger(__name__)

LANDING_EXTENSIONS = (".csv", ".parquet")
FILES_TABLE = "raw._landing_files"
STATE_TABLE = "raw._build_state"
_CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
# Files read by one statement (bounded memory; a failing batch is retried file by file).
BATCH_BYTES = 256 << 20
BATCH_FILES = 400

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


class LandingError(PipelineError):
    """A landing file the run cannot read; the message names file, row and rule."""

    def __init__(self, file_name: str, rule: str, detail: str, row_number: int | None = None):
        self.file_name, self.rule, self.detail, self.row_number = file_name, rule, detail, row_number
        where = file_name if row_number is None else f"{file_name}, row {row_number}"
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")


@dataclass(frozen=True)
class FileIssue:
    source: str
    file_name: str
    rule: str
    detail: str
    row_number: int | None = None  # 1-based data row (the header is row 0)

    def error(self) -> LandingError:
        return LandingError(self.file_name, self.rule, self.detail, self.row_number)


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
class _Landed:
    source: Source
    path: Path
    file_name: str
    fmt: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    columns: list[str] | None = None


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


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(_sql_string(v) for v in values) + "]"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_header(path: Path) -> list[str]:
    """The header fields of a CSV file (a UTF-8 byte-order mark is dropped). Raises UnicodeDecodeError."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    return next(csv.reader(io.StringIO(first)), [])


def _csv_columns(header: list[str]) -> str:
    seen: dict[str, int] = {}
    columns = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        unique = name if seen[name] == 1 else f"{name}__{seen[name]}"
        columns.append(f"{_sql_string(unique)}: 'VARCHAR'")
    return "{" + ", ".join(columns) + "}"


def _csv_reader(paths: list[Path] | Path, header: list[str], filename: bool = False) -> str:
    # The header is parsed here, not sniffed: DuckDB's sniffer fails on a cut last line
    # without naming it, while a strict read with known columns reports the line.
    # all VARCHAR: staging types the values, so a bad one is set aside, not fatal.
    target = _sql_string(str(paths)) if isinstance(paths, Path) else _sql_list([str(p) for p in paths])
    return (
        f"read_csv({target}, header = true, auto_detect = false, "
        f"columns = {_csv_columns(header)}, delim = ',', quote = '\"', escape = '\"'"
        + (", filename = true" if filename else "")
        + ")"
    )


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) in (b"\n", b"\r")


def _count_newlines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _csv_row_issue(source: Source, path: Path, file_name: str, exc: duckdb.Error) -> FileIssue:
    """A strict CSV read failed on a row: truncated_file (the cut last line) or malformed_row."""
    message = str(exc)
    match = _CSV_ERROR_LINE.search(message)
    lines = message.splitlines()
    reason = next(
        (
            line.strip()
            for line in lines[1:]
            if line.strip().startswith(("Expected Number of Columns", "Value with unterminated quote"))
        ),
        lines[0],
    )
    if match is None:
        return FileIssue(source.name, file_name, "unreadable_file", lines[0])
    line = int(match.group(1))  # 1 = the header line
    row = line - 1
    if not _ends_with_newline(path) and line == _count_newlines(path) + 1:
        return FileIssue(
            source.name,
            file_name,
            "truncated_file",
            f"the last line is cut ({reason}) and has no line break: the transfer is incomplete; "
            "deliver the whole file again",
            row,
        )
    return FileIssue(source.name, file_name, "malformed_row", reason, row)


def _header_issue(source: Source, file_name: str, header: list[str]) -> FileIssue | None:
    present = set(header)
    missing = [c for c in source.required_columns if c not in present]
    if not missing:
        return None
    if len(header) <= 1 and header:
        for delimiter, label in ((";", "semicolon"), ("\t", "tab")):
            fields = {f.strip() for f in header[0].split(delimiter)}
            if all(c in fields for c in source.required_columns):
                return FileIssue(
                    source.name,
                    file_name,
                    "wrong_delimiter",
                    f"the file is {label}-separated; the contract requires commas (re-export it as CSV "
                    "with ',' between fields and '.' as decimal separator)",
                )
    return FileIssue(
        source.name, file_name, "missing_required_column", f"required column(s) {missing} not in header"
    )


def _schema_prefix(con: duckdb.DuckDBPyConnection) -> None:
    """`raw.x` is schema raw of the current database, or the main schema of a database named raw."""
    if con.execute("select current_database()").fetchone()[0] != "raw":
        con.execute("create schema if not exists raw")


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
            if _has_table(con, source.name):
                con.execute(f"drop table raw.{source.name}")
    con.execute(FILES_DDL)
    con.execute(STATE_DDL)
    if con.execute(f"select count(*) from {STATE_TABLE}").fetchone()[0] == 0:
        con.execute(f"insert into {STATE_TABLE} values (0, null, false, null, null)")
    for source in SOURCES.values():
        create_raw_table(con, source)


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _delete_file_rows(con: duckdb.DuckDBPyConnection, source: str, file_names: list[str]) -> None:
    if file_names:
        con.execute(
            f"delete from {csv_table(source)} where _file_name in (select unnest(?::varchar[]))", [file_names]
        )


def _batches(items: list[_Landed]) -> list[list[_Landed]]:
    batches, current, size = [], [], 0
    for item in items:
        if current and (size + item.size > BATCH_BYTES or len(current) >= BATCH_FILES):
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item.size
    if current:
        batches.append(current)
    return batches


def _stage_table(source: Source) -> str:
    """A temporary table for the CSV rows read by this ingest (moved into raw in one transaction)."""
    return f"_csv_stage_{source.name}"


def _load_csv_one(con: duckdb.DuckDBPyConnection, item: _Landed, header: list[str]) -> int | FileIssue:
    source = item.source
    present = set(header)
    select = ", ".join(
        f"cast({_ident(c)} as varchar)" if c in present else "cast(null as varchar)"
        for c in source.column_names
    )
    # row_number() over () follows the scan order, which DuckDB keeps for one file
    # (preserve_insertion_order): it is the data row's position in the file.
    try:
        return con.execute(
            f"insert into {_stage_table(source)} "
            f"select {select}, {_sql_string(item.file_name)}, row_number() over () "
            f"from {_csv_reader(item.path, header)}"
        ).fetchone()[0]
    except duckdb.Error as exc:
        return _csv_row_issue(source, item.path, item.file_name, exc)


def _load_csv(
    con: duckdb.DuckDBPyConnection, items: list[tuple[_Landed, list[str]]]
) -> dict[str, int | FileIssue]:
    """CSV files with the same header in one strict read each batch; a failing batch file by file.
    The rows go to the source's stage table (autocommit: a failed read leaves nothing behind)."""
    results: dict[str, int | FileIssue] = {}
    source = items[0][0].source
    con.execute(
        f"create or replace temp table {_stage_table(source)} as select * from {csv_table(source)} limit 0"
    )
    by_header: dict[tuple[str, ...], list[_Landed]] = {}
    for item, header in items:
        by_header.setdefault(tuple(header), []).append(item)
    for header_t, group in by_header.items():
        header = list(header_t)
        source = group[0].source
        present = set(header)
        select = ", ".join(
            f"cast({_ident(c)} as varchar) as {_ident(c)}"
            if c in present
            else f"cast(null as varchar) as {_ident(c)}"
            for c in source.column_names
        )
        # A file without a final line break is read alone: a multi-file read can pass over a last
        # line cut inside an open quote that a strict read of the file alone reports.
        alone = [[i] for i in group if not _ends_with_newline(i.path)]
        for batch in _batches([i for i in group if _ends_with_newline(i.path)]) + alone:
            if len(batch) == 1:
                results[batch[0].file_name] = _load_csv_one(con, batch[0], header)
                continue
            names = {str(i.path): i.file_name for i in batch}
            mapping = ", ".join(f"({_sql_string(p)}, {_sql_string(n)})" for p, n in names.items())
            try:
                # One scan over the batch: DuckDB keeps file order and row order (preserve_insertion_order),
                # so a row's position in the scan minus its file's first position is its row in the file.
                con.execute(
                    f"create or replace temp table _csv_batch as select {select}, filename as _path, "
                    f"row_number() over () as _scan_row from {_csv_reader([i.path for i in batch], header, True)}"
                )
                con.execute(
                    f"insert into {_stage_table(source)} select {', '.join(_ident(c) for c in source.column_names)}, "
                    "m.file_name, _scan_row - min(_scan_row) over (partition by _path) + 1 "
                    f"from _csv_batch b join (values {mapping}) m(path, file_name) on m.path = b._path"
                )
                counts = dict(con.execute("select _path, count(*) from _csv_batch group by 1").fetchall())
                for path, name in names.items():
                    results[name] = int(counts.get(path, 0))
            except duckdb.Error:
                con.execute(
                    f"delete from {_stage_table(source)} where _file_name in (select unnest(?::varchar[]))",
                    [list(names.values())],
                )
                for item in batch:
                    results[item.file_name] = _load_csv_one(con, item, header)
            finally:
                con.execute("drop table if exists _csv_batch")
    return results


def _parquet_read(items: list[_Landed], source: Source, columns: set[str]) -> str:
    """Text columns of the contract, lineage, from DuckDB's Parquet reader over these files."""
    select = ", ".join(
        f"cast({_ident(c)} as varchar) as {_ident(c)}"
        if c in columns
        else f"cast(null as varchar) as {_ident(c)}"
        for c in source.column_names
    )
    return (
        f"select {select}, {_sql_string(source.name + '/')} || parse_filename(filename) as _file_name, "
        "file_row_number + 1 as _row_number "
        f"from read_parquet({_sql_list([str(i.path) for i in items])}, filename = true, "
        "file_row_number = true, union_by_name = true)"
    )


def _validate_parquet(
    con: duckdb.DuckDBPyConnection, items: list[_Landed], timezone: str
) -> tuple[dict[str, int | FileIssue], list]:
    """Read the files once, computing the raw suite's per-file metrics: a file that cannot be
    decoded completely (a corrupt page, a cut file) fails here, not in dbt. A failing batch is
    read again file by file to name the file."""
    from orchestration.quality.metrics import compute_file_metrics

    results: dict[str, int | FileIssue] = {}
    frames = []
    if not items:
        return results, frames
    source = items[0].source
    for batch in _batches(items):
        columns = set().union(*(set(i.columns or []) for i in batch))
        try:
            frame = compute_file_metrics(con, source, f"({_parquet_read(batch, source, columns)})", timezone)
        except duckdb.Error:
            for item in batch:
                try:
                    one = compute_file_metrics(
                        con, source, f"({_parquet_read([item], source, set(item.columns or []))})", timezone
                    )
                except duckdb.Error as exc:
                    results[item.file_name] = FileIssue(
                        source.name, item.file_name, "unreadable_file", str(exc).splitlines()[0]
                    )
                    continue
                frames.append(one)
                results[item.file_name] = int(one["rows"].sum()) if len(one) else 0
            continue
        frames.append(frame)
        counts = dict(zip(frame["file_name"], frame["rows"], strict=True))
        for item in batch:
            results[item.file_name] = int(counts.get(item.file_name, 0))
    return results, frames


def _csv_metrics(con: duckdb.DuckDBPyConnection, source: Source, names: list[str], timezone: str) -> list:
    from orchestration.quality.metrics import compute_file_metrics

    frames = []
    for i in range(0, len(names), BATCH_FILES):
        chunk = ", ".join(_sql_string(n) for n in names[i : i + BATCH_FILES])
        relation = f"(select * from {_stage_table(source)} where _file_name in ({chunk}))"
        frames.append(compute_file_metrics(con, source, relation, timezone))
    return frames


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
        cols = ", ".join(_ident(c) for c in source.column_names)
        sql = f"select {cols}, _file_name, _row_number from {csv_table(source)}"
        files = parquet.get(source.name, [])
        if files:
            items = [_Landed(source, landing_dir / n, n, "parquet", 0, 0) for n, _ in files]
            present = set().union(*(set(c) for _, c in files))
            sql += f"\nunion all\n{_parquet_read(items, source, present)}"
        if _has_table(con, source.name):  # an older layout kept raw rows in a table
            con.execute(f"drop table raw.{source.name}")
        con.execute(f"create or replace view raw.{source.name} as {sql}")


def ingest(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    on_file_issue: str = "raise",
    full_refresh: bool = False,
    timezone: str = "America/New_York",
) -> IngestReport:
    """Bring the raw layer up to date with the landing directory (only new or changed files are read).

    on_file_issue: "raise" (LandingError on the first file that cannot be loaded) or
    "record" (skip it, list it in report.issues and raw._landing_files).
    full_refresh: forget every file loaded before and load them all again.
    timezone: the business timezone (the raw suite's metrics type local timestamps in it).
    """
    if on_file_issue not in ("raise", "record"):
        raise ValueError("on_file_issue must be 'raise' or 'record'")
    return _ingest(con, landing_dir, on_file_issue, full_refresh, timezone)


def _ingest(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, on_file_issue: str, full_refresh: bool, timezone: str
) -> IngestReport:
    """Read what changed (temporary tables only: a file that fails to read is set aside), then
    apply everything to the raw layer in one transaction."""
    from orchestration.quality.metrics import store_file_metrics

    ensure_state(con)
    previous = (
        {}
        if full_refresh
        else {
            r[1]: r
            for r in con.execute(
                f"select source, file_name, format, bytes, rows, rule, row_number, detail, mtime_ns, sha256, "
                f"columns, load_id from {FILES_TABLE}"
            ).fetchall()
        }
    )
    report = IngestReport()
    load_id = int(con.execute(f"select coalesce(max(load_id), 0) from {FILES_TABLE}").fetchone()[0]) + 1
    to_load: list[_Landed] = []
    touched: list[tuple[int, str]] = []  # (mtime_ns, file): same content, new modification time
    seen: set[str] = set()
    for source in SOURCES.values():
        for path in landing_files(landing_dir, source.name):
            st = path.stat()
            item = _Landed(
                source,
                path,
                path.relative_to(landing_dir).as_posix(),
                path.suffix.lower().lstrip("."),
                st.st_size,
                st.st_mtime_ns,
            )
            seen.add(item.file_name)
            old = previous.get(item.file_name)
            if old is not None and old[3] == item.size and old[8] == item.mtime_ns:
                continue
            item.sha256 = _sha256(path)
            if old is not None and old[3] == item.size and old[9] == item.sha256:
                touched.append((item.mtime_ns, item.file_name))
                continue
            if old is not None and old[5] is None:  # its rows were loaded: they are replaced
                report.changed_files.append(item.file_name)
            to_load.append(item)
    gone = [name for name in previous if name not in seen]
    report.removed_files += [name for name in gone if previous[name][5] is None]

    # ---- read the new and changed files (nothing persistent is written yet)
    outcomes: dict[str, int | FileIssue] = {}
    csv_items: list[tuple[_Landed, list[str]]] = []
    parquet_items: dict[str, list[_Landed]] = {}
    for item in to_load:
        if item.size == 0:
            outcomes[item.file_name] = FileIssue(
                item.source.name, item.file_name, "empty_file", "the file is empty (0 bytes, no header)"
            )
            continue
        if item.fmt == "parquet":
            try:
                item.columns = _parquet_columns(item.path)
            except Exception as exc:  # pyarrow: not a Parquet file, cut footer, ...
                outcomes[item.file_name] = FileIssue(
                    item.source.name, item.file_name, "unreadable_file", str(exc).splitlines()[0]
                )
                continue
            header = item.columns
        else:
            try:
                header = _csv_header(item.path)
            except UnicodeDecodeError as exc:
                outcomes[item.file_name] = FileIssue(
                    item.source.name, item.file_name, "unreadable_file", f"not UTF-8 text ({exc.reason})"
                )
                continue
            item.columns = header
        issue = _header_issue(item.source, item.file_name, header)
        if issue:
            outcomes[item.file_name] = issue
            continue
        if item.fmt == "parquet":
            parquet_items.setdefault(item.source.name, []).append(item)
        else:
            csv_items.append((item, header))
        report.bytes_read += item.size
    by_source: dict[str, list[tuple[_Landed, list[str]]]] = {}
    for item, header in csv_items:
        by_source.setdefault(item.source.name, []).append((item, header))
    metric_frames: list = []
    for items in by_source.values():
        loaded = _load_csv(con, items)
        outcomes.update(loaded)
        good = [name for name, n in loaded.items() if not isinstance(n, FileIssue)]
        metric_frames += _csv_metrics(con, items[0][0].source, good, timezone) if good else []
    for items in parquet_items.values():
        checked, frames = _validate_parquet(con, items, timezone)
        outcomes.update(checked)
        metric_frames += frames

    # ---- list them, in file order; the first issue raises unless recorded
    listing = []
    for item in sorted(to_load, key=lambda i: (list(SOURCES).index(i.source.name), i.path.name)):
        outcome = outcomes[item.file_name]
        base = (item.source.name, item.file_name, item.fmt, item.size)
        tail = (item.mtime_ns, item.sha256, json.dumps(item.columns or []), load_id)
        if isinstance(outcome, FileIssue):
            if on_file_issue == "raise":
                raise outcome.error()
            log.warning("%s", outcome.error())
            if item.file_name in report.changed_files:
                report.changed_files.remove(item.file_name)
                report.removed_files.append(item.file_name)
            listing.append((*base, None, outcome.rule, outcome.row_number, outcome.detail, *tail))
        else:
            report.loaded_files.append(item.file_name)
            listing.append((*base, outcome, None, None, None, *tail))

    # ---- apply it: one transaction
    replaced = gone + [i.file_name for i in to_load if i.file_name in previous]
    con.execute("begin transaction")
    try:
        if full_refresh:
            con.execute(f"delete from {FILES_TABLE}")
            for source in SOURCES.values():
                con.execute(f"delete from {csv_table(source)}")
            if _has_table(con, "_file_metrics"):
                con.execute("delete from raw._file_metrics")
            con.execute(f"update {STATE_TABLE} set full_refresh_required = true")
        for name in replaced:
            _delete_file_rows(con, previous[name][0], [name])
        if replaced:
            con.execute(
                f"delete from {FILES_TABLE} where file_name in (select unnest(?::varchar[]))", [replaced]
            )
        if gone and _has_table(con, "_file_metrics"):
            con.execute(
                "delete from raw._file_metrics where file_name in (select unnest(?::varchar[]))", [gone]
            )
        for mtime_ns, name in touched:
            con.execute(f"update {FILES_TABLE} set mtime_ns = ? where file_name = ?", [mtime_ns, name])
        for source_name in by_source:
            source = SOURCES[source_name]
            con.execute(f"insert into {csv_table(source)} select * from {_stage_table(source)}")
        if listing:
            con.executemany(f"insert into {FILES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", listing)
        if report.changed_files or report.removed_files:
            con.execute(f"update {STATE_TABLE} set full_refresh_required = true")
        create_raw_views(con, landing_dir)
        frames = [f for f in metric_frames if len(f)]
        store_file_metrics(
            con,
            pd.concat(frames, ignore_index=True) if frames else None,
            timezone,
            [i.file_name for i in to_load],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for source_name in by_source:
            con.execute(f"drop table if exists {_stage_table(SOURCES[source_name])}")

    # ---- the report: the whole raw layer
    report.load_id = int(con.execute(f"select coalesce(max(load_id), 0) from {FILES_TABLE}").fetchone()[0])
    rows = con.execute(
        f"select source, file_name, format, bytes, rows, rule, row_number, detail from {FILES_TABLE} "
        "order by source, file_name"
    ).fetchall()
    order = {s: i for i, s in enumerate(SOURCES)}
    for source in SOURCES:
        report.files[source] = []
        report.rows[source] = 0
    for source, name, _, _, n, rule, row, detail in sorted(rows, key=lambda r: (order.get(r[0], 99), r[1])):
        if rule is None:
            report.files[source].append(name)
            report.rows[source] += int(n or 0)
        else:
            issue = FileIssue(source, name, rule, detail, row)
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
    return report


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and table_name = ? and schema_name = (case when current_database() = 'raw' then 'main' else 'raw' end)",
            [name],
        ).fetchone()[0]
    )
