"""Shared fixtures: one small generated landing directory and one published warehouse per session."""

from __future__ import annotations

import graphlib
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import Settings
from orchestration.pipeline import run
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

# Small but complete: every channel, every source, a month boundary.
SMALL = dict(start=date(2026, 10, 27), days=10, contacts_per_day=600, agents=30, seed=7)


# Fixtures that build a warehouse with dbt: a test that uses one (directly or through
# another fixture) is marked `build`, which `make test-fast` leaves out.
BUILD_FIXTURES = {"published", "fresh_settings", "built", "hand_written_day"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


def make_settings(root: Path, landing: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        warehouse=root / "warehouse" / "contact_cost.duckdb",
        business_timezone="America/New_York",
        threads=2,
        memory_limit="2GB",
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
