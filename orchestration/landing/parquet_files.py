"""Parquet landing files: read in place by DuckDB's Parquet reader, never copied."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq

from orchestration.contract import Source
from orchestration.landing.files import FileIssue, LandedFile, batches
from orchestration.quality.metrics import RuleSettings, compute_file_metrics
from orchestration.sql import ident, sql_path_list, sql_string


def parquet_columns(item: LandedFile) -> list[str] | FileIssue:
    """The file's column names, or unreadable_file when it is not Parquet (or its footer is cut)."""
    try:
        return list(pq.read_schema(item.path).names)
    except Exception as exc:  # pyarrow: not a Parquet file, cut footer, ...
        return FileIssue(item.source.name, item.file_name, "unreadable_file", str(exc).splitlines()[0])


def parquet_read(items: list[LandedFile], source: Source, columns: set[str]) -> str:
    """Text columns of the contract, lineage, from DuckDB's Parquet reader over exactly these files
    (never a glob, never hive partitions)."""
    select = ", ".join(
        f"cast({ident(c)} as varchar) as {ident(c)}"
        if c in columns
        else f"cast(null as varchar) as {ident(c)}"
        for c in source.column_names
    )
    return (
        f"select {select}, {sql_string(source.name + '/')} || parse_filename(filename) as _file_name, "
        "file_row_number + 1 as _row_number "
        f"from read_parquet({sql_path_list(i.path for i in items)}, filename = true, "
        "file_row_number = true, union_by_name = true, hive_partitioning = false)"
    )


def _metrics_of(con: duckdb.DuckDBPyConnection, items: list[LandedFile], rules: RuleSettings):
    source = items[0].source
    columns = set().union(*(set(i.columns or []) for i in items))
    return compute_file_metrics(con, source, f"({parquet_read(items, source, columns)})", rules)


def validate_parquet(
    con: duckdb.DuckDBPyConnection, items: list[LandedFile], rules: RuleSettings
) -> tuple[dict[str, int | FileIssue], list]:
    """Read the files once, computing the raw suite's per-file metrics: a file that cannot be
    decoded completely (a corrupt page, a cut file) fails here, not in dbt. A failing batch is
    read again file by file to name the file. Returns (rows or issue per file, metric frames)."""
    results: dict[str, int | FileIssue] = {}
    frames = []
    for batch in batches(items):
        try:
            frame = _metrics_of(con, batch, rules)
        except duckdb.Error:
            for item in batch:
                try:
                    one = _metrics_of(con, [item], rules)
                except duckdb.Error as exc:
                    results[item.file_name] = FileIssue(
                        item.source.name, item.file_name, "unreadable_file", str(exc).splitlines()[0]
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
