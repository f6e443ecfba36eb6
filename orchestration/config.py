"""Configuration from the environment, in one place.

CCW_LANDING_DIR   landing directory (default data/landing)
CCW_WAREHOUSE     published DuckDB file (default warehouse/contact_cost.duckdb)
CCW_THREADS       DuckDB threads and dbt threads of the build (default: number of cores)
CCW_MEMORY_LIMIT  DuckDB memory limit of the build (default 3GB: the whole run stays under 4GB at
                  10M interactions; 2GB is enough, DuckDB spills to CCW_TEMP_DIR)
CCW_TEMP_DIR      where DuckDB spills when the memory limit is reached (default <work dir>/tmp)
CCW_CONFIG_DIR    the company's configuration folder, outside the checkout (default: none); its
                  mappings/<folder>.yml say how to read a vendor export landed in <landing>/<folder>/
                  (docs/MAPPINGS.md)
CCW_EARLIEST_DATE the first day of the plausible window of landing dates and timestamps (default
                  2000-01-01; the window ends one day after the run starts): an event dated
                  before it is quarantined (rule implausible_date)

Everything the build writes privately (build database, raw database, dbt
target, logs, incremental state) lives in a work directory derived from
CCW_WAREHOUSE, so two warehouses never share build or incremental state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.errors import PipelineError

PROJECT_DIR = Path(__file__).resolve().parent.parent
# DuckDB's memory limit for the build. The run's other processes (Python, Dagster, Great
# Expectations) need memory too: 3GB keeps a 10M-interaction build under 4 GB in all, and
# a lower limit still completes, spilling (docs/decisions/performance.md P10).
DEFAULT_MEMORY_LIMIT = "3GB"
# The first plausible day of a landing event (dbt var earliest_plausible_date reads the same
# variable with the same default, dbt_project.yml).
EARLIEST_DATE_VARIABLE = "CCW_EARLIEST_DATE"
DEFAULT_EARLIEST_DATE = "2000-01-01"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    business_timezone: str
    threads: int
    memory_limit: str
    temp_directory: Path | None = None  # None: <work dir>/tmp
    config_dir: Path | None = None  # the company's configuration folder (CCW_CONFIG_DIR)

    @property
    def work_dir(self) -> Path:
        """Private build area beside the published file: <name>.build/."""
        return self.warehouse.with_name(self.warehouse.stem + ".build")

    @property
    def build_db(self) -> Path:
        """dbt's database: what is published (a file copy of it, docs/decisions/performance.md P9)."""
        return self.work_dir / "build.duckdb"

    @property
    def raw_db(self) -> Path:
        """The raw layer and the incremental state (private, never published; attached as `raw`)."""
        return self.work_dir / "raw.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        return self.work_dir / "dbt_target"

    @property
    def dbt_log_dir(self) -> Path:
        return self.work_dir / "dbt_logs"

    @property
    def temp_dir(self) -> Path:
        return self.temp_directory or self.work_dir / "tmp"

    def dbt_env(self) -> dict[str, str]:
        """Environment variables profiles.yml and dbt_project.yml read."""
        return {
            "CCW_BUILD_DB": str(self.build_db),
            "CCW_RAW_DB": str(self.raw_db),
            "CCW_THREADS": str(self.threads),
            "CCW_MEMORY_LIMIT": self.memory_limit,
            "CCW_TEMP_DIR": str(self.temp_dir),
            "CCW_BUSINESS_TIMEZONE": self.business_timezone,
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.dbt_log_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }


def _path(var: str, default: str) -> Path:
    value = Path(os.environ.get(var) or default)
    return value if value.is_absolute() else (Path.cwd() / value)


def load_settings() -> Settings:
    return Settings(
        landing_dir=_path("CCW_LANDING_DIR", "data/landing"),
        warehouse=_path("CCW_WAREHOUSE", "warehouse/contact_cost.duckdb"),
        business_timezone=os.environ.get("CCW_BUSINESS_TIMEZONE", "America/New_York"),
        threads=int(os.environ.get("CCW_THREADS", str(os.cpu_count() or 2))),
        memory_limit=os.environ.get("CCW_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        temp_directory=_path("CCW_TEMP_DIR", "") if os.environ.get("CCW_TEMP_DIR") else None,
        config_dir=_path("CCW_CONFIG_DIR", "") if os.environ.get("CCW_CONFIG_DIR") else None,
    )


def earliest_plausible_date() -> date:
    """CCW_EARLIEST_DATE, else 2000-01-01: a landing date or timestamp of an event before this day
    is quarantined as implausible_date (docs/decisions/quality.md Q8)."""
    value = os.environ.get(EARLIEST_DATE_VARIABLE) or DEFAULT_EARLIEST_DATE
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PipelineError(
            f"{EARLIEST_DATE_VARIABLE}={value!r} is not a date: set it to the first plausible day of "
            f"your exports as YYYY-MM-DD (default {DEFAULT_EARLIEST_DATE}), or unset it"
        ) from exc
