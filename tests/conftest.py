"""Shared fixtures: one small generated landing directory and one published warehouse per session,
the comparison of a warehouse with a clean build of the same landing files, and a headless
browser (`browser`, from browser.py)."""

from __future__ import annotations

import graphlib
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from browser import browser  # noqa: F401  (the fixture, for every test module)

from orchestration.config import PROJECT_DIR, Settings
from orchestration.dagster import definitions
from orchestration.pipeline import run
from orchestration.publish.schema import READER_SCHEMAS
from orchestration.tools import compare
from orchestration.tools.generator import generate

# The channel taxonomy of docs/DOMAIN.md, in dim_channel's order.
CHANNELS = [
    "inbound_call",
    "outbound_call",
    "ivr",
    "email",
    "web_form",
    "social",
    "chat",
    "chatbot",
    "self_service",
]

# The pipeline's own instance factory (a persistent instance under DAGSTER_HOME).
PERSISTENT_DAGSTER_INSTANCE = definitions.dagster_instance

# Small but complete: every channel, every source, a month boundary.
SMALL = dict(start=date(2026, 10, 27), days=10, contacts_per_day=600, agents=30, seed=7)


# Fixtures that build a warehouse with dbt: a test that uses one (directly or through
# another fixture) is marked `build`, which `make test-fast` leaves out.
BUILD_FIXTURES = {"published", "fresh_settings", "built", "hand_written_day", "three_variants", "sparse_run"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """The Dagster instance the session's runs record into (DAGSTER_HOME, inherited by the `ccw`
    processes the tests start), not the checkout's dagster_home/."""
    home = tmp_path_factory.mktemp("dagster_home")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@pytest.fixture(scope="session", autouse=True)
def in_memory_dagster_history():
    """The runs of this process record into an in-memory Dagster instance: every event of a run
    is committed to the SQLite event log of a persistent instance, a sixth of a build's time on
    the test sample, and only a module marked `dagster_history` reads that history (it gets the
    persistent instance of DAGSTER_HOME back: `dagster_history` below). The events are stored
    the same way (an in-memory SQLite database), so what cannot be recorded still fails the run.
    `ccw` processes the tests start use DAGSTER_HOME (docs/DECISIONS.md D21)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(definitions, "dagster_instance", lambda settings: dg.DagsterInstance.ephemeral())
        yield


@pytest.fixture(scope="module", autouse=True)
def dagster_history(request):
    """The persistent Dagster instance for the runs of a module marked `dagster_history`."""
    if request.node.get_closest_marker("dagster_history") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(definitions, "dagster_instance", PERSISTENT_DAGSTER_INSTANCE)
        yield


def make_settings(root: Path, landing: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse=root / "warehouse" / "contact_cost.duckdb",
        business_timezone="America/New_York",
        threads=2,
        memory_limit="2GB",
        dagster_home=Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else None,
    )


def open_with_build(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The published file read-only, with the build file attached read-only behind it.

    The published file holds only what readers need (marts, quarantine, meta); staging,
    intermediate models and seeds stay in the build file. With the build's schemas on the
    search path, `marts.x` reads the published table and `staging.x`, `intermediate.x` and
    `seeds.x` the build's, so a test compares the published marts with their inputs.
    """
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    con.execute(f"attach '{settings.build_db}' as build (read_only)")
    catalog = settings.warehouse.stem
    con.execute(f"set search_path = '{catalog}.main,build.staging,build.intermediate,build.seeds'")
    return con


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    generate(out_dir=landing, **SMALL)
    return landing


@pytest.fixture(scope="session")
def published(tmp_path_factory, small_landing):
    """A warehouse built and published from the small landing directory."""
    settings = make_settings(tmp_path_factory.mktemp("published"), small_landing)
    summary = run(settings)
    return settings, summary


@pytest.fixture
def fresh_settings(tmp_path, small_landing) -> Settings:
    """Settings for a test that builds its own warehouse (it may alter its own landing copy)."""
    return replace(make_settings(tmp_path, small_landing))


# ---------------------------------------------------------------- stand-ins for the job's `dbt` resource
class _Materialized:
    """What a successful dbt invocation streams: every selected model materialized, in graph order."""

    def __init__(self, context: dg.AssetExecutionContext):
        self.context = context

    def stream(self):
        deps = self.context.assets_def.asset_deps
        selected = self.context.selected_asset_keys
        for key in graphlib.TopologicalSorter({k: deps.get(k, set()) for k in selected}).static_order():
            if key in selected:
                yield dg.MaterializeResult(asset_key=key)

    def is_successful(self) -> bool:
        return True


class RecordingDbt(dg.ConfigurableResource):
    """dbt that must not run: a call writes its arguments to `called_file` (the run then fails)."""

    called_file: str

    def cli(self, args: list[str], **_) -> _Materialized:
        Path(self.called_file).write_text(" ".join(args))
        raise AssertionError(f"dbt {args} ran")


class CopiedBuild(dg.ConfigurableResource):
    """Stands in for `dbt build`: the build file is a copy of `source_build` with `tamper_sql` run on it."""

    source_build: str
    build_db: str
    tamper_sql: str = ""

    def cli(self, args: list[str], *, context: dg.AssetExecutionContext, **_) -> _Materialized:
        shutil.copy(self.source_build, self.build_db)
        if self.tamper_sql:
            with duckdb.connect(self.build_db) as con:
                con.execute(self.tamper_sql)
        return _Materialized(context)


# ---------------------------------------------------------------- warehouse against a clean build
# Bookkeeping of an incremental build (empty after a full refresh by design): not compared.
NOT_COMPARED = frozenset({("intermediate", "int_refresh__months")})
COMPARED_SCHEMAS = ("staging", "intermediate", "marts", "quarantine", "seeds")
# what only the private build file holds (the published file holds READER_SCHEMAS and meta)
BUILD_ONLY_SCHEMAS = tuple(s for s in COMPARED_SCHEMAS if s not in READER_SCHEMAS)


def models_only_build_args(plan) -> list[str]:
    """orchestration.build.plan.dbt_build_args without dbt's data and unit tests, for a test that
    builds many warehouses and compares them itself (monkeypatch it in where the dbt asset looks it
    up: orchestration.dagster.assets.dbt_build_args). One --exclude value:
    dagster-dbt passes a single one on, and dbt splits it at the spaces."""
    args = ["build", "--exclude", "resource_type:unit_test resource_type:test"]
    return [*args, "--full-refresh"] if plan.full_refresh else args


def run_dbt(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`dbt <args>` on this project as its own process (the venv's dbt), with `env` and the output
    captured."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), *args, "--project-dir", str(PROJECT_DIR)]
        + ["--profiles-dir", str(PROJECT_DIR)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )


def clean_build(settings: Settings) -> Path:
    """The reference of a comparison: the landing directory built from nothing, as a first run
    does (a new raw file reading every landing file, `dbt build --full-refresh`), without the
    data and unit tests (other tests run them). Returns the build file (what publish copies).
    dbt's target stays beside the work dir, so a second clean build parses the project again only
    when it changed."""
    from orchestration.configuration import prepare_build_seeds
    from orchestration.landing.ingest import ingest
    from orchestration.quality.metrics import RuleSettings

    shutil.rmtree(settings.work_dir, ignore_errors=True)
    settings.temp_dir.mkdir(parents=True)
    prepare_build_seeds(settings)
    with duckdb.connect(str(settings.raw_db)) as con:
        ingest(
            con,
            settings.landing_dir,
            on_file_issue="record",
            full_refresh=True,
            rules=RuleSettings.of(settings),
            config_dir=settings.config_dir,
        )
    target = settings.warehouse.parent / "clean_build_target"
    env = {**os.environ, **settings.dbt_env(), "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    proc = run_dbt(
        ["build", "--full-refresh", "--exclude", "resource_type:test", "resource_type:unit_test"], env
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return settings.build_db


def warehouse_differences(
    actual: Path, expected: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS
) -> list[str]:
    """Every difference, table by table and row for row, between the `schemas` of two warehouse
    files (a published warehouse or a build file); by default staging, intermediate, marts,
    quarantine and seeds. The comparison `ccw bench` makes (orchestration/tools/compare.py:
    doubles within 1e-9, the cutoff a rejection detail names normalised)."""
    return compare.warehouse_differences(actual, expected, schemas, excluded=NOT_COMPARED)


def published_differences(settings: Settings, reference: Path) -> list[str]:
    """Every difference between a published warehouse and `reference` (the build file of a clean
    build): the published file's marts and quarantine, and the staging, intermediate and seeds
    tables the build file behind it keeps (the next incremental build starts from them)."""
    return warehouse_differences(settings.warehouse, reference, READER_SCHEMAS) + warehouse_differences(
        settings.build_db, reference, BUILD_ONLY_SCHEMAS
    )
