"""Connections to the private files of a warehouse: the build file (dbt's database) and the raw file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from orchestration.build.workdir import PRIVATE_DIR_MODE
from orchestration.config import Settings


def duckdb_config(settings: Settings) -> dict[str, str]:
    """The DuckDB settings of the build (profiles.yml gives dbt the same ones)."""
    settings.temp_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)  # spill files: private
    return {
        "threads": str(settings.threads),
        "memory_limit": settings.memory_limit,
        "temp_directory": str(settings.temp_dir),
    }


@contextmanager
def open_build(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The build file read-only, with the raw file attached read-only as catalog `raw`
    (so `raw.<source>` and `raw._landing_files` resolve as they do for dbt)."""
    con = duckdb.connect(str(settings.build_db), read_only=True)
    try:
        if settings.raw_db.exists():
            con.execute(f"attach '{settings.raw_db}' as raw (read_only)")
        yield con
    finally:
        con.close()
