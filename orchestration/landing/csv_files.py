"""CSV landing files: parsed strictly once, their rows copied into the raw layer.

The header is parsed here, not sniffed: DuckDB's sniffer fails on a cut last line
without naming it, while a strict read with known columns reports the line. Every
column is read as VARCHAR: staging types the values, so a bad one is set aside,
not fatal.
"""

from __future__ import annotations

import csv
import io
import mmap
import re
from pathlib import Path

import duckdb

from orchestration.contract import CONTRACT, Source
from orchestration.landing.files import BATCH_FILES, FileIssue, LandedFile, batches
from orchestration.landing.registry import csv_table
from orchestration.quality.metrics import RuleSettings, compute_file_metrics
from orchestration.sql import ident, sql_path, sql_path_list, sql_string, varchar_columns

_CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
_LINE_SIZE = re.compile(r"Maximum line size of \d+ bytes exceeded\. Actual Size: ?(\d+)")
_LINE_BREAK_OR_QUOTE = re.compile(rb'"|\r\n|\r|\n')
_BREAK_NAMES = {b"\r\n": "CRLF (\\r\\n)", b"\n": "LF (\\n)", b"\r": "CR (\\r)"}


def csv_header(item: LandedFile) -> list[str] | FileIssue:
    """The header fields (a UTF-8 byte-order mark is dropped), or unreadable_file when not UTF-8."""
    try:
        with open(item.path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except UnicodeDecodeError as exc:
        return FileIssue(
            item.source.name, item.file_name, "unreadable_file", f"not UTF-8 text ({exc.reason})"
        )
    return next(csv.reader(io.StringIO(first)), [])


def csv_reader(paths: list[Path] | Path, header: list[str], filename: bool = False) -> str:
    """DuckDB's strict CSV reader over exactly these files (never a glob, never hive partitions)."""
    target = sql_path(paths) if isinstance(paths, Path) else sql_path_list(paths)
    return (
        f"read_csv({target}, header = true, auto_detect = false, "
        f"columns = {varchar_columns(header)}, delim = ',', quote = '\"', escape = '\"', "
        f"max_line_size = {CONTRACT.csv_max_line_bytes}, hive_partitioning = false"
        + (", filename = true" if filename else "")
        + ")"
    )


def ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) in (b"\n", b"\r")


def _count_newlines(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def line_break_change(path: Path) -> tuple[int, str, str] | None:
    """(data row, the header's line break, that row's) of the first row whose line break mixes a
    lone CR (old Mac style) with another kind: DuckDB reads LF and CRLF mixed, not a lone CR mixed
    with either. Line breaks inside quoted values do not count. None when there is no such row."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        kinds: list[bytes] = []  # the kinds of line break seen, the header's first
        row, quoted = 0, False
        for match in _LINE_BREAK_OR_QUOTE.finditer(data):
            kind = match.group()
            if kind == b'"':  # a doubled quote inside a quoted value toggles twice
                quoted = not quoted
                continue
            if quoted:
                continue
            if kind not in kinds:
                kinds.append(kind)
                if len(kinds) > 1 and b"\r" in kinds:
                    return row, _BREAK_NAMES[kinds[0]], _BREAK_NAMES[kind]
            row += 1
    return None


def _mixed_line_endings(source: Source, path: Path, file_name: str) -> FileIssue | None:
    change = line_break_change(path)
    if change is None:
        return None
    row, header_break, row_break = change
    return FileIssue(
        source.name,
        file_name,
        "mixed_line_endings",
        f"the header line ends with {header_break} but this row with {row_break}: the file mixes "
        "line breaks and cannot be read; re-export it with one kind of line break (LF or CRLF)",
        row,
    )


def _csv_row_issue(source: Source, path: Path, file_name: str, exc: duckdb.Error) -> FileIssue:
    """A strict CSV read failed: mixed_line_endings, line_too_long, truncated_file (the cut last
    line), malformed_row, or unreadable_file when DuckDB names no line."""
    mixed = _mixed_line_endings(source, path, file_name)
    if mixed:
        return mixed
    message = str(exc)
    match = _CSV_ERROR_LINE.search(message)
    too_long = _LINE_SIZE.search(message)
    if match and too_long:
        return FileIssue(
            source.name,
            file_name,
            "line_too_long",
            f"the row is {int(too_long.group(1)):,} bytes, longer than the {CONTRACT.csv_max_line_bytes:,} a CSV row "
            "may have: usually a value whose quote is never closed, or binary data; fix the row and "
            "deliver the file again",
            int(match.group(1)) - 1,
        )
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
    if not ends_with_newline(path) and line == _count_newlines(path) + 1:
        return FileIssue(
            source.name,
            file_name,
            "truncated_file",
            f"the last line is cut ({reason}) and has no line break: the transfer is incomplete; "
            "deliver the whole file again",
            row,
        )
    return FileIssue(source.name, file_name, "malformed_row", reason, row)


def stage_table(source: Source) -> str:
    """A temporary table for the CSV rows read by this ingest (moved into raw in one transaction)."""
    return f"_csv_stage_{source.name}"


def _contract_select(source: Source, header: list[str]) -> str:
    """The contract's columns as text, in contract order; a column the file lacks is null."""
    present = set(header)
    return ", ".join(
        f"cast({ident(c)} as varchar) as {ident(c)}"
        if c in present
        else f"cast(null as varchar) as {ident(c)}"
        for c in source.column_names
    )


def _load_one(con: duckdb.DuckDBPyConnection, item: LandedFile, header: list[str]) -> int | FileIssue:
    source = item.source
    # row_number() over () follows the scan order, which DuckDB keeps for one file
    # (preserve_insertion_order): it is the data row's position in the file.
    try:
        return con.execute(
            f"insert into {stage_table(source)} "
            f"select {_contract_select(source, header)}, {sql_string(item.file_name)}, row_number() over () "
            f"from {csv_reader(item.path, header)}"
        ).fetchone()[0]
    except duckdb.Error as exc:
        return _csv_row_issue(source, item.path, item.file_name, exc)


def _load_batch(con: duckdb.DuckDBPyConnection, batch: list[LandedFile], header: list[str]) -> dict:
    """Files of one header in one scan; when the scan fails, file by file (to name the file)."""
    if len(batch) == 1:
        return {batch[0].file_name: _load_one(con, batch[0], header)}
    source = batch[0].source
    names = {str(i.path): i.file_name for i in batch}
    mapping = ", ".join(f"({sql_string(p)}, {sql_string(n)})" for p, n in names.items())
    try:
        # One scan over the batch: DuckDB keeps file order and row order (preserve_insertion_order),
        # so a row's position in the scan minus its file's first position is its row in the file.
        con.execute(
            f"create or replace temp table _csv_batch as select {_contract_select(source, header)}, "
            f"filename as _path, row_number() over () as _scan_row "
            f"from {csv_reader([i.path for i in batch], header, True)}"
        )
        con.execute(
            f"insert into {stage_table(source)} select {', '.join(ident(c) for c in source.column_names)}, "
            "m.file_name, _scan_row - min(_scan_row) over (partition by _path) + 1 "
            f"from _csv_batch b join (values {mapping}) m(path, file_name) on m.path = b._path"
        )
        counts = dict(con.execute("select _path, count(*) from _csv_batch group by 1").fetchall())
        return {name: int(counts.get(path, 0)) for path, name in names.items()}
    except duckdb.Error:
        con.execute(
            f"delete from {stage_table(source)} where _file_name in (select unnest(?::varchar[]))",
            [list(names.values())],
        )
        return {item.file_name: _load_one(con, item, header) for item in batch}
    finally:
        con.execute("drop table if exists _csv_batch")


def load_csv(con: duckdb.DuckDBPyConnection, items: list[LandedFile]) -> dict[str, int | FileIssue]:
    """CSV files of one source (item.columns: the header) into its stage table, strictly:
    files with the same header in one read each batch; a failing batch file by file.
    Autocommit: a failed read leaves nothing behind. Returns rows or the issue per file."""
    source = items[0].source
    con.execute(
        f"create or replace temp table {stage_table(source)} as select * from {csv_table(source)} limit 0"
    )
    by_header: dict[tuple[str, ...], list[LandedFile]] = {}
    for item in items:
        by_header.setdefault(tuple(item.columns or []), []).append(item)
    results: dict[str, int | FileIssue] = {}
    for header, group in by_header.items():
        # A file without a final line break is read alone: a multi-file read can pass over a last
        # line cut inside an open quote that a strict read of the file alone reports.
        alone = [[i] for i in group if not ends_with_newline(i.path)]
        for batch in batches([i for i in group if ends_with_newline(i.path)]) + alone:
            results.update(_load_batch(con, batch, list(header)))
    return results


def csv_metrics(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[str], rules: RuleSettings
) -> list:
    """The raw suite's per-file metrics of CSV files just staged."""
    frames = []
    for i in range(0, len(names), BATCH_FILES):
        chunk = ", ".join(sql_string(n) for n in names[i : i + BATCH_FILES])
        relation = f"(select * from {stage_table(source)} where _file_name in ({chunk}))"
        frames.append(compute_file_metrics(con, source, relation, rules))
    return frames
