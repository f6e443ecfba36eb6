"""Landing files -> raw tables in the build database.

Every landing source becomes one table `raw.<source>`: the contract's columns
as text, exactly as delivered, plus the lineage of each row (`_file_name`
relative to the landing directory, `_row_number` = 1-based data row in that
file). Typing, naming and deduplication happen in dbt staging, which reads
only these tables; keeping raw as text is what lets staging set a bad value
aside with its reason instead of failing a whole file on it.

A missing or empty source folder gives an empty table: the company does not
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
file read is listed in `raw._landing_files` (source, file, format, bytes,
rows, rule, row, detail), which the raw-layer quality suite reads.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import SOURCES, Source
from orchestration.errors import PipelineError

log = logging.getLogger(__name__)

LANDING_EXTENSIONS = (".csv", ".parquet")
FILES_TABLE = "raw._landing_files"
_CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")


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
    files: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    issues: list[FileIssue] = field(default_factory=list)

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


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _csv_header(path: Path) -> list[str]:
    """The header fields of a CSV file (a UTF-8 byte-order mark is dropped). Raises UnicodeDecodeError."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    return next(csv.reader(io.StringIO(first)), [])


def _csv_reader(path: Path, header: list[str]) -> str:
    # The header is parsed here, not sniffed: DuckDB's sniffer fails on a cut last line
    # without naming it, while a strict read with known columns reports the line.
    # all VARCHAR: staging types the values, so a bad one is set aside, not fatal.
    seen: dict[str, int] = {}
    columns = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        unique = name if seen[name] == 1 else f"{name}__{seen[name]}"
        columns.append(f"{_sql_string(unique)}: 'VARCHAR'")
    return (
        f"read_csv({_sql_string(str(path))}, header = true, auto_detect = false, "
        f"columns = {{{', '.join(columns)}}}, delim = ',', quote = '\"', escape = '\"')"
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


def create_raw_table(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    columns = ", ".join(f'"{c}" varchar' for c in source.column_names)
    con.execute(
        f"create or replace table raw.{source.name} ({columns}, _file_name varchar, _row_number bigint)"
    )


def load_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, file_name: str) -> int | FileIssue:
    """Append one landing file to raw.<source>: its row count, or the FileIssue that stopped it."""
    if path.stat().st_size == 0:
        return FileIssue(source.name, file_name, "empty_file", "the file is empty (0 bytes, no header)")
    if path.suffix.lower() == ".parquet":
        reader = f"read_parquet({_sql_string(str(path))})"
        try:
            header = [row[0] for row in con.execute(f"describe select * from {reader}").fetchall()]
        except duckdb.Error as exc:
            return FileIssue(source.name, file_name, "unreadable_file", str(exc).splitlines()[0])
    else:
        try:
            header = _csv_header(path)
        except UnicodeDecodeError as exc:
            return FileIssue(source.name, file_name, "unreadable_file", f"not UTF-8 text ({exc.reason})")
        reader = _csv_reader(path, header)
    issue = _header_issue(source, file_name, header)
    if issue:
        return issue
    present = set(header)
    select = ", ".join(
        f"cast({_ident(c)} as varchar)" if c in present else "cast(null as varchar)"
        for c in source.column_names
    )
    # row_number() over () follows the scan order, which DuckDB keeps for one file
    # (preserve_insertion_order): it is the data row's position in the file.
    try:
        return con.execute(
            f"insert into raw.{source.name} "
            f"select {select}, {_sql_string(file_name)}, row_number() over () from {reader}"
        ).fetchone()[0]
    except duckdb.Error as exc:
        if path.suffix.lower() == ".parquet":
            return FileIssue(source.name, file_name, "unreadable_file", str(exc).splitlines()[0])
        return _csv_row_issue(source, path, file_name, exc)


def ingest(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, *, on_file_issue: str = "raise"
) -> IngestReport:
    """Reload every raw table from the landing directory.

    on_file_issue: "raise" (LandingError on the first file that cannot be loaded) or
    "record" (skip it, list it in report.issues and raw._landing_files).
    """
    if on_file_issue not in ("raise", "record"):
        raise ValueError("on_file_issue must be 'raise' or 'record'")
    report = IngestReport()
    con.execute("create schema if not exists raw")
    listing: list[tuple] = []
    for source in SOURCES.values():
        create_raw_table(con, source)
        files = landing_files(landing_dir, source.name)
        report.files[source.name] = []
        report.rows[source.name] = 0
        for path in files:
            file_name = path.relative_to(landing_dir).as_posix()
            loaded = load_file(con, source, path, file_name)
            fmt, size = path.suffix.lower().lstrip("."), path.stat().st_size
            if isinstance(loaded, FileIssue):
                if on_file_issue == "raise":
                    raise loaded.error()
                log.warning("%s", loaded.error())
                report.issues.append(loaded)
                listing.append(
                    (source.name, file_name, fmt, size, None, loaded.rule, loaded.row_number, loaded.detail)
                )
                continue
            report.rows[source.name] += loaded
            report.files[source.name].append(file_name)
            listing.append((source.name, file_name, fmt, size, loaded, None, None, None))
        log.info("raw.%s: %d rows from %d files", source.name, report.rows[source.name], len(files))
    con.execute(
        f"create or replace table {FILES_TABLE} (source varchar, file_name varchar, format varchar, "
        "bytes bigint, rows bigint, rule varchar, row_number bigint, detail varchar)"
    )
    if listing:
        con.executemany(f"insert into {FILES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)", listing)
    return report
