"""`make test-spark`: the whole project built on Spark equals the DuckDB build of the same files.

One small generated landing directory (tests/conftest.py SMALL) is built twice
in this run: by DuckDB as the first `ccw run` builds it (orchestration/landing/ingest.py
into the raw file, the build plan's `dbt build --full-refresh`) and by Spark
(orchestration/spark: Spark's readers + `dbt build --target spark`, data and
unit tests included; not a full refresh: on Spark the incremental models are
tables, docs/decisions/spark.md S4). Then the raw layer must be identical, and
every seed, every mart (models/marts/) and quarantine.rejected_rows equal row
for row within the tolerance of orchestration/spark/compare.py (numbers:
relative 1e-9), and no SQL that dbt ran on Spark may read the incremental
state (ccw_state sources), which only the DuckDB ingest writes. The wall time
of each build is written to warehouse/spark_equality_report.txt (`make
test-spark` prints it at the end).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.build.plan import dbt_build_args, mark_built, plan_build, prepare_build_file
from orchestration.config import PROJECT_DIR, Settings
from orchestration.configuration import prepare_build_seeds
from orchestration.contract import SOURCES
from orchestration.database import open_build
from orchestration.landing.ingest import ingest as duckdb_ingest
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
    from orchestration.tools.generator import generate

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


def _duckdb_build(settings: Settings) -> tuple[float, float]:
    """The first `ccw run`'s build, without publishing or the quality suites: the raw file, the
    build plan (a first build is a full refresh), `dbt build` on the build file. (raw, dbt) seconds."""
    t0 = time.perf_counter()
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    prepare_build_seeds(settings)
    with duckdb.connect(str(settings.raw_db)) as raw:
        plan = plan_build(settings, raw, duckdb_ingest(raw, settings.landing_dir))
    t1 = time.perf_counter()
    prepare_build_file(settings, plan)
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    project = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    cmd = [str(Path(sys.executable).with_name("dbt")), *dbt_build_args(plan), *project]
    proc = subprocess.run(
        cmd, env={**os.environ, **settings.dbt_env()}, cwd=PROJECT_DIR, capture_output=True, text=True
    )
    (settings.work_dir / "dbt_output.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"DuckDB dbt {cmd[1]} failed:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"
    mark_built(settings, plan)
    return t1 - t0, time.perf_counter() - t1


@pytest.fixture(scope="module")
def engines(tmp_path_factory, landing) -> tuple[Settings, Settings]:
    """The settings of the DuckDB build and of the Spark build (each its own warehouse folder)."""
    root = tmp_path_factory.mktemp("engines")
    return _settings(root, landing, "duckdb"), _settings(root, landing, "spark")


@pytest.fixture(scope="module")
def builds(engines, landing):
    """Both builds of the same landing files, timed; yields (duckdb connection, spark session)."""
    REPORT_FILE.unlink(missing_ok=True)
    small_landing = landing
    duck, spark_settings = engines

    raw_seconds, dbt_seconds = _duckdb_build(duck)
    times = spark_build.build(spark_settings)
    lines = [
        f"landing: {small_landing} (SMALL: 10 days x 600 contacts, 30 agents, seed 7; format "
        f"{os.environ.get('CCW_SPARK_TEST_FORMAT', 'csv')}, defect rate {os.environ.get('CCW_SPARK_TEST_DEFECT_RATE', '0')})",
        f"DuckDB build: {raw_seconds + dbt_seconds:7.1f} s  (raw load {raw_seconds:.1f} s "
        f"+ dbt build --full-refresh {dbt_seconds:.1f} s; {duck.threads} threads)",
        f"Spark build:  {times.total_seconds:7.1f} s  (raw load {times.ingest_seconds:.1f} s "
        f"+ dbt build {times.dbt_seconds:.1f} s; {os.environ.get('CCW_SPARK_MASTER', 'local[2]')}, "
        f"{os.environ.get('CCW_SPARK_THREADS', '4')} dbt threads)",
        f"Spark tables: {spark_dir(spark_settings)}",
        f"tolerance: numbers relative {REL_TOL:g} (raw layer: exact)",
    ]
    REPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
    REPORT_FILE.write_text("\n".join(lines) + "\n")

    spark = get_session(spark_settings)
    with open_build(duck) as con:  # the build file, the raw file attached as catalog raw
        yield con, spark
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


def test_spark_sql_never_reads_the_incremental_state(engines, builds):
    """On Spark every incremental model is a table rebuilt whole (ccw_incremental_materialization):
    no SQL that dbt ran there reads raw._landing_files or raw._build_state (the ccw_state sources,
    written by the DuckDB ingest only), and int_refresh__months is empty."""
    _, spark_settings = engines
    target = spark_settings.work_dir / "dbt_target_spark"
    sql_files = [p for d in ("compiled", "run") for p in (target / d).rglob("*.sql")]
    assert len(sql_files) > 400, f"only {len(sql_files)} SQL files under {target}"
    reading = sorted(
        str(p.relative_to(target))
        for p in sql_files
        if re.search(r"_landing_files|_build_state", p.read_text(), flags=re.IGNORECASE)
    )
    assert reading == [], "SQL run on Spark reads the incremental state:\n  " + "\n  ".join(reading)
    _, spark = builds
    assert spark.sql("select count(*) from intermediate.int_refresh__months").collect()[0][0] == 0
