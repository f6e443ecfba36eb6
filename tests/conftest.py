"""Shared fixtures: one small generated landing directory and one published warehouse per session."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.config import Settings

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
    from orchestration.generator import generate

    landing = tmp_path_factory.mktemp("landing")
    generate(out_dir=landing, **SMALL)
    return landing


@pytest.fixture(scope="session")
def published(tmp_path_factory, small_landing):
    """A warehouse built and published from the small landing directory."""
    from orchestration.pipeline import run

    settings = make_settings(tmp_path_factory.mktemp("published"), small_landing)
    summary = run(settings)
    return settings, summary


@pytest.fixture
def fresh_settings(tmp_path, small_landing) -> Settings:
    """Settings for a test that builds its own warehouse (it may alter its own landing copy)."""
    return replace(make_settings(tmp_path, small_landing))
