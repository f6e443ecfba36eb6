"""The Spark tests (`make test-spark`): collected only when CCW_SPARK_TESTS=1.

They need the `spark` extra (pyspark, dbt-spark) and Java 17, and take minutes,
so `make test` (the default suite, CI) leaves this folder out.
"""

from __future__ import annotations

import os

from orchestration.spark.compare import REPORT_FILE

if os.environ.get("CCW_SPARK_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter):
    if os.environ.get("CCW_SPARK_TESTS") == "1" and REPORT_FILE.exists():
        terminalreporter.section("DuckDB vs Spark build (same landing files, same run)")
        for line in REPORT_FILE.read_text().splitlines():
            terminalreporter.write_line(line)
