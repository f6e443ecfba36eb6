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
CCW_RETIRED_SOURCES, CCW_ALLOW_LANDING_SYMLINKS: see the landing block of Settings
CCW_PII_SALT      salt of the one-way hash of personal data (see pii_salt); read from the
                  environment only, never a setting field (the Dagster run config is stored)

Everything the build writes privately (build database, raw database, dbt
target, logs, incremental state) lives in a work directory derived from
CCW_WAREHOUSE, so two warehouses never share build or incremental state; the
work directory is private to the user that runs the build (build/workdir.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

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
# The salt `hash_pii` uses when CCW_PII_SALT is not set. It is public (it is in this file):
# with it, the hash of a known phone number or e-mail address can be recomputed, so a run on
# anything but the generated sample warns (docs/DECISIONS.md D7).
DEFAULT_PII_SALT = "contact-cost-warehouse"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    business_timezone: str
    threads: int
    memory_limit: str
    temp_directory: Path | None = None  # None: <work dir>/tmp
    config_dir: Path | None = None  # the company's configuration folder (CCW_CONFIG_DIR)

    # ---- landing: which sources may be absent, which links may be read
    # CCW_RETIRED_SOURCES (default: none), comma-separated source names: sources the company
    # no longer delivers. A source whose files all disappear while the last build read rows
    # from it stops the run (an unmounted share or a stopped export must not empty its marts),
    # unless it is retired here; its rows then leave the warehouse.
    retired_sources: tuple[str, ...] = ()
    # CCW_ALLOW_LANDING_SYMLINKS (default false): read landing files that are symbolic links to
    # a place outside the landing directory. Off, such a link is refused (file rule
    # symlink_outside_landing): whoever can write a link into the landing directory must not
    # make the warehouse read any file the build's user can read.
    allow_landing_symlinks: bool = False

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


def _names(var: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in os.environ.get(var, "").split(",") if n.strip())


def _flag(var: str) -> bool:
    return os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on")


def pii_salt() -> str:
    """The salt of hash_pii: CCW_PII_SALT, else the public default. It reaches dbt only at run
    time, through the environment (a DuckDB session variable, a Spark setting), never a file."""
    return os.environ.get("CCW_PII_SALT") or DEFAULT_PII_SALT


def pii_salt_is_default() -> bool:
    return pii_salt() == DEFAULT_PII_SALT


def _timezone(var: str, default: str) -> str:
    """An IANA time zone name DuckDB knows (the build types local timestamps in it)."""
    name = os.environ.get(var) or default
    with duckdb.connect() as con:
        known = con.execute("select count(*) from pg_timezone_names() where name = ?", [name]).fetchone()[0]
    if not known:
        raise PipelineError(
            f"{var}={name!r} is not a time zone name: set it to the IANA name of the zone the business "
            f"keeps its local time in, such as America/New_York or Europe/Paris (default {default}); "
            "nothing was read or published"
        )
    return name


def load_settings() -> Settings:
    """The settings from the environment; PipelineError naming a setting that cannot be right."""
    return Settings(
        landing_dir=_path("CCW_LANDING_DIR", "data/landing"),
        warehouse=_path("CCW_WAREHOUSE", "warehouse/contact_cost.duckdb"),
        business_timezone=_timezone("CCW_BUSINESS_TIMEZONE", "America/New_York"),
        threads=int(os.environ.get("CCW_THREADS", str(os.cpu_count() or 2))),
        memory_limit=os.environ.get("CCW_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        temp_directory=_path("CCW_TEMP_DIR", "") if os.environ.get("CCW_TEMP_DIR") else None,
        config_dir=_path("CCW_CONFIG_DIR", "") if os.environ.get("CCW_CONFIG_DIR") else None,
        retired_sources=_names("CCW_RETIRED_SOURCES"),
        allow_landing_symlinks=_flag("CCW_ALLOW_LANDING_SYMLINKS"),
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
