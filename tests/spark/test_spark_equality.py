"""`make test-spark`: the whole project built on Spark equals the DuckDB build of the same files.

One small generated landing directory (tests/conftest.py SMALL) is built twice
in this run: by DuckDB (orchestration/ingest.py + `dbt build`) and by Spark
(orchestration/spark: Spark's readers + `dbt build --target spark`, data and
unit tests included). Then the raw layer must be identical, and every seed,
every mart (models/marts/) and quarantine.rejected_rows equal row for row
within the tolerance of orchestration/spark/compare.py (numbers: relative
1e-9). The wall time of each build is written to warehouse/spark_equality_report.txt
(`make test-spark` prints it at the end).
"""

from __future__ import annotations

import os
import re
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR, Settings
from orchestration.contract import SOURCES
from orchestration.ingest import ingest as duckdb_ingest
from orchestration.pipeline import run_dbt as duckdb_dbt
from orchestration.spark import build as spark_build
from orchestration.spark.compare import (
    REL_TOL,
    REPORT_FILE,
    Table,
    compare,
    mart_models,
    read_duckdb,
    read_spark,
)
from orchestration.spark.session import get_session, spark_dir

if os.environ.get("CCW_SPARK_TESTS") != "1":
    # needs the `spark` extra and Java 17, and takes minutes: `make test` leaves it out
    pytest.skip("Spark equality runs with `make test-spark` (CCW_SPARK_TESTS=1)", allow_module_level=True)

pytestmark = pytest.mark.slow

SEEDS = sorted(p.stem for p in (PROJECT_DIR / "seeds").glob("*.csv"))


def _settings(root: Path, landing: Path, name: str) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse=root / name / "contact_cost.duckdb",
        business_timezone="America/New_York",
        threads=int(os.environ.get("CCW_THREADS", "2")),
        memory_limit="2GB",
    )


@pytest.fixture(scope="module")
def landing(tmp_path_factory, small_landing) -> Path:
    """The SMALL landing directory; CCW_SPARK_TEST_DEFECT_RATE / CCW_SPARK_TEST_FORMAT=parquet
    generate the same dataset with contract defects (quarantine paths) or as Parquet instead."""
    rate = float(os.environ.get("CCW_SPARK_TEST_DEFECT_RATE", "0"))
    fmt = os.environ.get("CCW_SPARK_TEST_FORMAT", "csv")
    if rate == 0 and fmt == "csv":
        return small_landing
    from orchestration.generator import generate

    out = tmp_path_factory.mktemp("landing_variant")
    generate(
        out_dir=out,
        start=date(2026, 10, 27),
        days=10,
        contacts_per_day=600,
        agents=30,
        seed=7,
        fmt=fmt,
        defect_rate=rate,
    )
    return out


@pytest.fixture(scope="module")
def builds(tmp_path_factory, landing):
    """Both builds of the same landing files, timed; yields (duckdb connection, spark session)."""
    REPORT_FILE.unlink(missing_ok=True)
    small_landing = landing
    root = tmp_path_factory.mktemp("engines")
    duck = _settings(root, small_landing, "duckdb")
    spark_settings = _settings(root, small_landing, "spark")

    t0 = time.perf_counter()
    duck.work_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(duck.build_db)) as con:
        duckdb_ingest(con, small_landing)
    t1 = time.perf_counter()
    duckdb_dbt(duck, ["build"])
    t2 = time.perf_counter()
    times = spark_build.build(spark_settings)
    lines = [
        f"landing: {small_landing} (SMALL: 10 days x 600 contacts, 30 agents, seed 7; format "
        f"{os.environ.get('CCW_SPARK_TEST_FORMAT', 'csv')}, defect rate {os.environ.get('CCW_SPARK_TEST_DEFECT_RATE', '0')})",
        f"DuckDB build: {t2 - t0:7.1f} s  (raw load {t1 - t0:.1f} s + dbt build {t2 - t1:.1f} s)",
        f"Spark build:  {times.total_seconds:7.1f} s  (raw load {times.ingest_seconds:.1f} s "
        f"+ dbt build {times.dbt_seconds:.1f} s; {os.environ.get('CCW_SPARK_MASTER', 'local[2]')}, "
        f"{os.environ.get('CCW_SPARK_THREADS', '4')} dbt threads)",
        f"Spark tables: {spark_dir(spark_settings)}",
        f"tolerance: numbers relative {REL_TOL:g} (raw layer: exact)",
    ]
    REPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
    REPORT_FILE.write_text("\n".join(lines) + "\n")

    spark = get_session(spark_settings)
    con = duckdb.connect(str(duck.build_db), read_only=True)
    yield con, spark
    con.close()
    spark.stop()


def _check(builds, relation: str, exact: bool = False) -> None:
    con, spark = builds
    diff = compare(relation, read_duckdb(con, relation), read_spark(spark, relation), exact=exact)
    assert diff.equal, f"{relation} differs between DuckDB and Spark:\n  " + "\n  ".join(diff.problems)


@pytest.mark.parametrize("source", list(SOURCES))
def test_raw_layer_is_identical(builds, source):
    _check(builds, f"raw.{source}", exact=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_is_equal(builds, seed):
    _check(builds, f"seeds.{seed}")


@pytest.mark.parametrize("model", mart_models())
def test_mart_is_equal(builds, model):
    _check(builds, f"marts.{model}")


RUN_CUTOFF = re.compile(r"\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)")


def _mask_run_cutoff(table: Table) -> Table:
    """future_timestamp details name each build's own run start (+1 day): not an engine difference."""
    i = table.columns.index("detail")
    rows = [
        (*r[:i], RUN_CUTOFF.sub("(run start + 1 day)", r[i]) if r[i] else r[i], *r[i + 1 :])
        for r in table.rows
    ]
    return Table(table.columns, table.types, rows)


def test_quarantine_is_equal(builds):
    con, spark = builds
    relation = "quarantine.rejected_rows"
    duck, other = (_mask_run_cutoff(t) for t in (read_duckdb(con, relation), read_spark(spark, relation)))
    diff = compare(relation, duck, other)
    assert diff.equal, f"{relation} differs between DuckDB and Spark:\n  " + "\n  ".join(diff.problems)


def test_marts_are_not_empty(builds):
    """Equality of two empty builds would prove nothing: the facts have rows."""
    con, _ = builds
    for model in ("fct_interactions", "fct_channel_kpis_daily", "fct_cost_allocation"):
        assert con.execute(f"select count(*) from marts.{model}").fetchone()[0] > 0, model
