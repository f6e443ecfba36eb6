"""Landing files -> raw.<source> on Spark, with Spark's own readers (docs/DECISIONS.md D2; spark.md S2).

The tables are those of orchestration/landing/ingest.py, value for value: the
contract's columns as text exactly as delivered (missing optional column =
null, columns beyond the contract ignored), `_file_name` relative to the
landing directory and `_row_number` the 1-based data row in that file; an
absent or empty folder gives an empty table. tests/spark compares them with
the DuckDB raw tables.

How: the files of a source are grouped by header (read here in Python, as the
DuckDB loader does; normally one group per source) and each group is read by
one Spark reader with an explicit all-string schema:
  CSV      header skipped, schema by position (the group shares the header), RFC 4180
           quoting ('"' escaped by '"'), empty field = null, FAILFAST on a row with the
           wrong number of fields, multiLine so a quoted line break stays in its value.
           multiLine also makes a file one unsplittable task, so the order of
           monotonically_increasing_id() within a file is the file's row order.
  Parquet  `_metadata.row_index` is the row's position in its file.
The file name comes from `_metadata.file_name` (files are read from the top
level of the source folder only, so the name is unique within a source).

File issues are found as in orchestration/landing/ingest.py where they depend on the
header or size (empty_file, unreadable_file, wrong_delimiter,
missing_required_column); a group that Spark cannot read is retried file by
file and the failing file is a `malformed_row` (or `unreadable_file`) issue
without a row number. on_file_issue="raise" (default) stops on the first.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.config import load_settings
from orchestration.contract import SOURCES, Source
from orchestration.landing.files import FileIssue, LandedFile, LandingError, landing_files
from orchestration.landing.ingest import IngestReport, columns_or_issue
from orchestration.landing.registry import FILES_TABLE
from orchestration.spark.session import get_session
from orchestration.sql import unique_column_names

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)
_HADOOP_GLOB = re.compile(r"([\\{}\[\]*?])")


def _exact(path: Path) -> str:
    """A path Spark's readers read as exactly that file: they take it as a Hadoop glob pattern, so
    its pattern characters are escaped (a file named 2025-03-0[1].csv is not 2025-03-01.csv)."""
    return _HADOOP_GLOB.sub(r"\\\1", str(path.absolute()))


def _read_group(spark: SparkSession, source: Source, fmt: str, header: tuple[str, ...], paths: list[Path]):
    """One reader over files sharing format and header: contract columns, _file_name, _row_number."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    names = unique_column_names(list(header))
    locations = [_exact(p) for p in paths]
    if fmt == "csv":
        schema = StructType([StructField(n, StringType()) for n in names])
        df = spark.read.csv(
            locations,
            schema=schema,
            header=True,
            enforceSchema=True,
            sep=",",
            quote='"',
            escape='"',
            multiLine=True,
            mode="FAILFAST",
            encoding="UTF-8",
            nullValue="",
            ignoreLeadingWhiteSpace=False,
            ignoreTrailingWhiteSpace=False,
        )
        df = df.select("*", F.col("_metadata.file_name").alias("_base_name"))
        order = Window.partitionBy("_base_name").orderBy(F.monotonically_increasing_id())
        df = df.withColumn("_row_number", F.row_number().over(order).cast("bigint"))
    else:
        df = spark.read.parquet(*locations)
        df = df.select(
            "*",
            F.col("_metadata.file_name").alias("_base_name"),
            (F.col("_metadata.row_index") + 1).cast("bigint").alias("_row_number"),
        )
    present = set(names)
    return df.select(
        *[
            (F.col(f"`{c}`").cast("string") if c in present else F.lit(None).cast("string")).alias(c)
            for c in source.column_names
        ],
        F.concat(F.lit(source.name + "/"), F.col("_base_name")).alias("_file_name"),
        F.col("_row_number"),
    )


def _empty(spark: SparkSession, source: Source) -> DataFrame:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    fields = [StructField(c, StringType()) for c in [*source.column_names, "_file_name"]]
    return spark.createDataFrame([], StructType([*fields, StructField("_row_number", LongType())]))


def _file_counts(frame: DataFrame) -> dict[str, int]:
    return {
        r["_file_name"]: r["n"]
        for r in frame.groupBy("_file_name").count().withColumnRenamed("count", "n").collect()
    }


def ingest(spark: SparkSession, landing_dir: Path, *, on_file_issue: str = "raise") -> IngestReport:
    """Reload every raw.<source> table (Parquet, in the Spark warehouse) from the landing directory."""
    if on_file_issue not in ("raise", "record"):
        raise ValueError("on_file_issue must be 'raise' or 'record'")
    report = IngestReport()
    spark.sql("create database if not exists raw")
    listing: list[tuple] = []
    for source in SOURCES.values():
        groups: dict[tuple[str, tuple[str, ...]], list[Path]] = defaultdict(list)
        report.files[source.name], report.rows[source.name] = [], 0
        sizes: dict[str, tuple[str, int]] = {}
        for path in landing_files(landing_dir, source.name):
            item = LandedFile.at(landing_dir, source, path)
            sizes[item.file_name] = (item.fmt, item.size)
            header = columns_or_issue(item)
            if isinstance(header, FileIssue):
                _issue(header, on_file_issue, report, listing, sizes)
                continue
            groups[(item.fmt, tuple(header))].append(path)
        table = _empty(spark, source)
        for (fmt, header), paths in sorted(groups.items()):
            table = table.unionByName(_read_group(spark, source, fmt, header, paths))
        try:
            table.write.mode("overwrite").format("parquet").saveAsTable(f"raw.{source.name}")
        except Exception:  # noqa: BLE001 - a file Spark cannot read: find it, name it
            table = _empty(spark, source)
            for (fmt, header), paths in sorted(groups.items()):
                for path in paths:
                    single = _read_group(spark, source, fmt, header, [path])
                    try:
                        single.write.format("noop").mode("overwrite").save()
                    except Exception as exc:  # noqa: BLE001
                        rule = "malformed_row" if fmt == "csv" else "unreadable_file"
                        file_name = path.relative_to(landing_dir).as_posix()
                        _issue(
                            FileIssue(source.name, file_name, rule, _first_line(exc)),
                            on_file_issue,
                            report,
                            listing,
                            sizes,
                        )
                        continue
                    table = table.unionByName(single)
            table.write.mode("overwrite").format("parquet").saveAsTable(f"raw.{source.name}")
        counts = _file_counts(spark.table(f"raw.{source.name}")) if groups else {}
        loaded = [f for f, _ in sorted(sizes.items()) if f not in {i.file_name for i in report.issues}]
        for file_name in loaded:
            fmt, size = sizes[file_name]
            rows = counts.get(file_name, 0)
            report.files[source.name].append(file_name)
            report.rows[source.name] += rows
            listing.append((source.name, file_name, fmt, size, rows, None, None, None))
        log.info("raw.%s: %d rows from %d files", source.name, report.rows[source.name], len(sizes))
    _write_listing(spark, listing)
    return report


def _first_line(exc: Exception) -> str:
    text = str(exc)
    for line in text.splitlines():
        if "Malformed" in line or "MALFORMED" in line:
            return line.strip()[:300]
    return (text.splitlines() or [type(exc).__name__])[0].strip()[:300]


def _issue(issue: FileIssue, on_file_issue: str, report: IngestReport, listing: list, sizes: dict) -> None:
    if on_file_issue == "raise":
        raise issue.error()
    log.warning("%s", issue.error())
    report.issues.append(issue)
    fmt, size = sizes[issue.file_name]
    listing.append(
        (issue.source, issue.file_name, fmt, size, None, issue.rule, issue.row_number, issue.detail)
    )


def _write_listing(spark: SparkSession, listing: list[tuple]) -> None:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType(
        [
            StructField("source", StringType()),
            StructField("file_name", StringType()),
            StructField("format", StringType()),
            StructField("bytes", LongType()),
            StructField("rows", LongType()),
            StructField("rule", StringType()),
            StructField("row_number", LongType()),
            StructField("detail", StringType()),
        ]
    )
    spark.createDataFrame(sorted(listing, key=lambda r: (r[0], r[1])), schema).write.mode("overwrite").format(
        "parquet"
    ).saveAsTable(FILES_TABLE)


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.spark.ingest`: load the raw layer of the configured build on Spark."""
    parser = argparse.ArgumentParser(prog="python -m orchestration.spark.ingest", description=main.__doc__)
    parser.add_argument("--landing", type=Path, help="landing directory (default: CCW_LANDING_DIR)")
    parser.add_argument(
        "--record-file-issues", action="store_true", help="skip unreadable files instead of stopping"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    landing = (args.landing or settings.landing_dir).resolve()
    spark = get_session(settings)
    try:
        report = ingest(spark, landing, on_file_issue="record" if args.record_file_issues else "raise")
    except LandingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    print(f"raw layer on Spark: {report.files_read} files, {sum(report.rows.values()):,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
