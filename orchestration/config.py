"""Settings, from the environment, declared in one place.

Each setting is declared once, as a field of `Settings` made by `setting()`: its
environment variable, default, parser (which validates it and says what is wrong),
description, and the dbt var it feeds, if any. Everything else derives from that
declaration: `load_settings()` (every value validated, all problems in one message),
`Settings.dbt_env()` (what dbt reads), the build fingerprint (the settings dbt reads),
`ccw run --help` and the generated settings table of the README and vars block of
dbt_project.yml (`ccw settings generate`; tests fail when they are out of date).
CONTRIBUTING.md shows how to add a setting.

An empty variable counts as unset. Everything the build writes privately (build
database, raw database, dbt target and log, incremental state) lives in a work
directory derived from CCW_WAREHOUSE, so two warehouses never share build or
incremental state; the work directory is private to the user that runs the build
(build/workdir.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import textwrap
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from orchestration.errors import PipelineError

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The sample organisation's configuration seeds (CCW_CONFIG_DIR unset): seeds/ of the checkout.
SAMPLE_CONFIG_DIR = PROJECT_DIR / "seeds"
DEFAULT_POLICY_FILE = PROJECT_DIR / "quality_policy.yml"
# The Dagster instance of `make dagster` and, by default, of `ccw run` (DAGSTER_HOME)
CHECKOUT_DAGSTER_HOME = PROJECT_DIR / "dagster_home"


class SettingsError(PipelineError):
    """An environment variable holds a value its setting does not accept."""


@dataclass(frozen=True)
class Setting:
    """The declaration of one setting (see `setting()`)."""

    env: str
    default: str  # as the environment would hold it; "" = computed (shown_default says how)
    parse: Callable[[str], Any]  # text -> value; raises ValueError saying what is accepted
    description: str
    group: str = "run"  # "run": read by every run; "schedule": the Dagster schedule and sensor
    dbt_var: str | None = None  # the dbt var it feeds (then it is part of the build fingerprint)
    shown_default: str | None = None  # the default as documented, when it is computed
    example: str = ""  # a valid non-default value (docs; tests run the pipeline with it)
    secret: bool = False  # never printed

    @property
    def documented_default(self) -> str:
        """The default as the docs show it (Markdown)."""
        return self.shown_default or f"`{self.default}`"

    @property
    def plain_default(self) -> str:
        return self.documented_default.replace("`", "")


def setting(
    env: str,
    default: str,
    parse: Callable[[str], Any],
    description: str,
    *,
    required: bool = False,
    **declaration: Any,
) -> Any:
    """A Settings field and its declaration. required: no default in Settings(...) (a caller
    always names it; load_settings() still falls back to `default`)."""
    spec = Setting(env, default, parse, description, **declaration)
    metadata = {"setting": spec}
    if required:
        return field(metadata=metadata)
    return field(default=parse(default), metadata=metadata)


# ---------------------------------------------------------------- parsers: text -> value, or ValueError
def _path(text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def _optional_path(text: str) -> Path | None:
    return _path(text) if text else None


def _timezone(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "not a time zone of the IANA time zone database; use a name such as Europe/Berlin, "
            "America/New_York or Asia/Jerusalem (case as written there)"
        ) from None
    return text


def _optional_timezone(text: str) -> str | None:
    return _timezone(text) if text else None


def _currency(text: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError("not an ISO 4217 currency code (three capital letters, e.g. USD, EUR, ILS)")
    return text


def _share(text: str) -> float:
    if not re.fullmatch(r"0?[.][0-9]+", text) or not 0 < float(text) < 1:
        raise ValueError("not a share between 0 and 1 written with a decimal point, e.g. 0.80")
    return float(text)


def _positive_number(unit: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        if not re.fullmatch(r"[0-9]+([.][0-9]+)?", text) or float(text) <= 0:
            raise ValueError(f"not a number of {unit} above 0, e.g. 160 or 173.33")
        return float(text)

    return parse


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if any(not re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names):
        raise ValueError("not a comma-separated list of landing source names, e.g. chats,surveys")
    return names


def _flag(text: str) -> bool:
    if text.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError("not true or false")
    return text.strip().lower() in ("1", "true", "yes", "on")


def _date(text: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError("not a date written YYYY-MM-DD, e.g. 2015-01-01")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date of the calendar (YYYY-MM-DD)") from None


def _whole_number(minimum: int, unit: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"[0-9]+", text) or int(text) < minimum:
            raise ValueError(f"not a whole number of {unit} of at least {minimum}")
        return int(text)

    return parse


def _threads(text: str) -> int:
    return _whole_number(1, "threads")(text) if text else (os.cpu_count() or 2)


def _memory_limit(text: str) -> str:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text, re.IGNORECASE):
        raise ValueError("not an amount of memory such as 3GB, 2.5GB or 500MB")
    return text


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def _cron(text: str) -> str:
    if len(text.split()) != 5 or not re.fullmatch(r"[0-9A-Za-z*/,\- ]+", text):
        raise ValueError(
            "not a cron expression of five fields (minute hour day month weekday), e.g. 0 2 * * *"
        )
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ValueError("not a number of seconds of at least 0")
    return value


@dataclass(frozen=True)
class Settings:
    landing_dir: Path = setting(
        "CCW_LANDING_DIR",
        "data/landing",
        _path,
        "Landing directory: one folder per source (docs/DATA_CONTRACT.md).",
        required=True,
    )
    warehouse: Path = setting(
        "CCW_WAREHOUSE",
        "warehouse/contact_cost.duckdb",
        _path,
        "The published DuckDB file; the private build area is `<name>.build/` beside it.",
        required=True,
    )
    business_timezone: str = setting(
        "CCW_BUSINESS_TIMEZONE",
        "America/New_York",
        _timezone,
        "IANA time zone of the business: timestamps without an offset are local time here, and "
        "daily and monthly figures are local days and months.",
        dbt_var="business_timezone",
        example="Asia/Jerusalem",
    )
    threads: int = setting(
        "CCW_THREADS",
        "",
        _threads,
        "DuckDB threads and dbt threads of the build.",
        shown_default="number of cores",
    )
    memory_limit: str = setting(
        "CCW_MEMORY_LIMIT",
        "3GB",
        _memory_limit,
        "DuckDB memory limit of the build; a year of 10 million interactions also builds with "
        "2GB, spilling to CCW_TEMP_DIR (docs/decisions/performance.md P10).",
        example="2GB",
    )
    temp_directory: Path | None = setting(
        "CCW_TEMP_DIR",
        "",
        _optional_path,
        "Where DuckDB spills when the memory limit is reached.",
        shown_default="`<warehouse>.build/tmp`",
    )
    config_dir: Path | None = setting(
        "CCW_CONFIG_DIR",
        "",
        _optional_path,
        "The organisation's configuration folder, outside the checkout: its own versions of the "
        "configuration seeds (`ccw config init DIR` writes a starting copy; when set, the "
        "sample's are never used) and `mappings/` of vendor exports (docs/MAPPINGS.md).",
        shown_default="the sample configuration in `seeds/`",
    )
    reporting_currency: str = setting(
        "CCW_REPORTING_CURRENCY",
        "USD",
        _currency,
        "ISO 4217 currency every amount is reported in; fx_rates.csv converts the others.",
        dbt_var="reporting_currency",
        example="EUR",
    )
    service_level_seconds_call: int = setting(
        "CCW_SERVICE_LEVEL_SECONDS_CALL",
        "20",
        _whole_number(0, "seconds"),
        "Service level of calls: answered within this many seconds (<=).",
        dbt_var="service_level_seconds_call",
        example="30",
    )
    service_level_seconds_chat: int = setting(
        "CCW_SERVICE_LEVEL_SECONDS_CHAT",
        "60",
        _whole_number(0, "seconds"),
        "Service level of chats: first agent reply within this many seconds (<=).",
        dbt_var="service_level_seconds_chat",
        example="45",
    )
    short_abandon_seconds: int = setting(
        "CCW_SHORT_ABANDON_SECONDS",
        "5",
        _whole_number(0, "seconds"),
        "An abandon after a wait of at most this many seconds is a short abandon.",
        dbt_var="short_abandon_seconds",
        example="10",
    )
    repeat_window_days: int = setting(
        "CCW_REPEAT_WINDOW_DAYS",
        "7",
        _whole_number(1, "days"),
        "A contact followed by the same customer within this many days (about the same reason, "
        "any when unknown) is a repeat, and the first one not first-contact resolved.",
        dbt_var="repeat_window_days",
        example="3",
    )
    service_level_target_call: float = setting(
        "CCW_SERVICE_LEVEL_TARGET_CALL",
        "0.80",
        _share,
        "Staffing: Erlang C staffs the inbound-call queue for this share of calls answered within "
        "the service level (docs/decisions/staffing.md).",
        dbt_var="service_level_target_call",
        example="0.90",
    )
    service_level_target_chat: float = setting(
        "CCW_SERVICE_LEVEL_TARGET_CHAT",
        "0.80",
        _share,
        "Staffing: likewise for agent chats.",
        dbt_var="service_level_target_chat",
        example="0.85",
    )
    paid_hours_per_fte_month: float = setting(
        "CCW_PAID_HOURS_PER_FTE_MONTH",
        "173.33",
        _positive_number("hours"),
        "Paid hours of one full-time equivalent in a month (40 h x 52 weeks / 12 by default).",
        dbt_var="paid_hours_per_fte_month",
        example="160",
    )
    earliest_date: date = setting(
        "CCW_EARLIEST_DATE",
        "2000-01-01",
        _date,
        "First day of the plausible window of landing dates and timestamps (the window ends one "
        "day after the run starts): an event dated before it is quarantined (rule implausible_date, "
        "docs/decisions/quality.md Q8).",
        dbt_var="earliest_plausible_date",
        example="2020-01-01",
    )
    retired_sources: tuple[str, ...] = setting(
        "CCW_RETIRED_SOURCES",
        "",
        _names,
        "Landing sources the company no longer delivers, comma-separated. A source whose files "
        "all disappear while the last build read rows from it stops the run (an unmounted share "
        "or a stopped export must not empty its marts), unless it is retired here; its rows then "
        "leave the warehouse.",
        shown_default="none",
        example="chats",
    )
    allow_landing_symlinks: bool = setting(
        "CCW_ALLOW_LANDING_SYMLINKS",
        "false",
        _flag,
        "Read landing files that are symbolic links to a place outside the landing directory. "
        "Off, such a link is refused (file rule symlink_outside_landing): whoever can write a "
        "link into the landing directory must not make the warehouse read any file the build's "
        "user can read.",
        example="true",
    )
    quality_policy: Path | None = setting(
        "CCW_QUALITY_POLICY",
        "",
        _optional_path,
        "Quality policy file: which failed check stops a run, quarantines rows or warns.",
        shown_default="`quality_policy.yml` of the checkout",
    )
    schedule_cron: str = setting(
        "CCW_SCHEDULE_CRON",
        "0 2 * * *",
        _cron,
        "When the nightly run starts.",
        group="schedule",
        example="30 3 * * *",
    )
    schedule_timezone: str | None = setting(
        "CCW_SCHEDULE_TIMEZONE",
        "",
        _optional_timezone,
        "Time zone of the schedule.",
        group="schedule",
        shown_default="CCW_BUSINESS_TIMEZONE",
    )
    sensor_interval: int = setting(
        "CCW_SENSOR_INTERVAL",
        "60",
        _whole_number(1, "seconds"),
        "Seconds between two looks of the sensor at the landing directory.",
        group="schedule",
    )
    sensor_settle: float = setting(
        "CCW_SENSOR_SETTLE",
        "60",
        _seconds,
        "Seconds a landing file must be unchanged before it counts (a copy in progress is not picked up).",
        group="schedule",
    )
    dagster_home: Path | None = setting(
        "DAGSTER_HOME",
        "",
        _optional_path,
        "The Dagster instance (Dagster's own variable): the history of every run of `ccw run`, "
        "the schedule and the sensor, with their materializations and check results, which "
        "`make dagster` shows. Its `dagster.yaml` configures it.",
        group="schedule",
        shown_default="`dagster_home/` of the checkout",
    )

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
    def dbt_log(self) -> Path:
        """dbt's log: dagster-dbt writes it into the target folder."""
        return self.dbt_target_dir / "dbt.log"

    @property
    def temp_dir(self) -> Path:
        return self.temp_directory or self.work_dir / "tmp"

    @property
    def configuration_dir(self) -> Path:
        """The folder the configuration seeds are read from: CCW_CONFIG_DIR, else the sample's."""
        return self.config_dir or SAMPLE_CONFIG_DIR

    @property
    def build_seeds_dir(self) -> Path:
        """The seeds this warehouse's builds read: the product's seeds and the validated
        configuration seeds, written by orchestration/configuration.py before each build."""
        return self.work_dir / "seeds"

    @property
    def dbt_seed_path(self) -> str:
        """build_seeds_dir as dbt's seed-paths names it: a link inside the project (dbt writes a
        node's output at <target>/<its path>, so a path outside the project would be written over)."""
        key = hashlib.sha256(str(self.work_dir.resolve()).encode()).hexdigest()[:16]
        return f"target/build_seeds/{self.warehouse.stem}-{key}"

    @property
    def policy_file(self) -> Path:
        return self.quality_policy or DEFAULT_POLICY_FILE

    @property
    def dagster_instance_dir(self) -> Path:
        """DAGSTER_HOME, else dagster_home/ of the checkout (where `make dagster` looks too)."""
        return self.dagster_home or CHECKOUT_DAGSTER_HOME

    @property
    def effective_schedule_timezone(self) -> str:
        return self.schedule_timezone or self.business_timezone

    def dbt_vars(self) -> dict[str, str]:
        """Environment variable -> text of every setting but the secrets that feeds a dbt var."""
        return {s.env: text_of(getattr(self, name)) for name, s in declared() if name and s.dbt_var}

    def result_settings(self) -> dict[str, str]:
        """Every setting dbt reads, the secrets as dbt finds them in the process environment:
        what the warehouse's content depends on besides files (the build fingerprint)."""
        secrets = {s.env: os.environ.get(s.env) or s.default for name, s in declared() if not name}
        return {**self.dbt_vars(), **secrets}

    def dbt_env(self) -> dict[str, str]:
        """Environment variables profiles.yml and dbt_project.yml read."""
        return {
            "CCW_BUILD_DB": str(self.build_db),
            "CCW_RAW_DB": str(self.raw_db),
            "CCW_BUILD_SEEDS": self.dbt_seed_path,
            "CCW_THREADS": str(self.threads),
            "CCW_MEMORY_LIMIT": self.memory_limit,
            "CCW_TEMP_DIR": str(self.temp_dir),
            **self.dbt_vars(),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
            "DBT_LOG_PATH": str(self.dbt_target_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def environment(self) -> dict[str, str]:
        """Every setting but the secrets as the environment variable that gives it this value."""
        return {s.env: text_of(getattr(self, name)) for name, s in declared() if name}


# Settings that dbt reads from the process environment and the pipeline never holds: a secret
# must not reach a file, a log or Dagster's resource configuration.
# The salt `hash_pii` uses when CCW_PII_SALT is not set. It is public (it is in this file): with
# it, the hash of a known phone number or e-mail address can be recomputed, so a run on anything
# but the generated sample warns (docs/DECISIONS.md D7).
DEFAULT_PII_SALT = "contact-cost-warehouse"
SECRETS = (
    Setting(
        "CCW_PII_SALT",
        DEFAULT_PII_SALT,
        _text,
        "Salt of the one-way hash that replaces phone numbers and e-mail addresses in staging: "
        "set a secret of your own (with the default, a known number's hash can be recomputed). "
        "It reaches the SQL only when it runs, never a file (macros/hash_pii.sql).",
        secret=True,
        shown_default="a public sample value",
        example="a-secret-of-your-own",
    ),
)


def pii_salt() -> str:
    """The salt of hash_pii: CCW_PII_SALT, else the public default. It reaches dbt only at run
    time, through the environment (a DuckDB session variable, a Spark setting), never a file."""
    return os.environ.get("CCW_PII_SALT") or DEFAULT_PII_SALT


def pii_salt_is_default() -> bool:
    return pii_salt() == DEFAULT_PII_SALT


def declared() -> list[tuple[str | None, Setting]]:
    """(Settings field, or None for a secret; declaration) of every setting, in declaration order."""
    return [(f.name, f.metadata["setting"]) for f in fields(Settings)] + [(None, s) for s in SECRETS]


def default_text(name: str) -> str:
    """The default of a Settings field, as its environment variable would hold it."""
    return next(s.default for n, s in declared() if n == name)


DEFAULT_MEMORY_LIMIT = default_text("memory_limit")


def text_of(value: Any) -> str:
    """A setting's value as its environment variable holds it ("" = unset)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of the environment, every one validated; SettingsError lists each bad value."""
    environ = os.environ if environ is None else environ
    values, problems = {}, []
    for name, spec in declared():
        text = environ.get(spec.env) or spec.default
        try:
            value = spec.parse(text)
        except ValueError as exc:
            shown = "(the value is secret)" if spec.secret else f"= {text!r}"
            problems.append(f"  {spec.env} {shown}: {exc} (default: {spec.plain_default})")
            continue
        if name:
            values[name] = value
    if problems:
        raise SettingsError(
            "invalid setting(s): set a valid value or unset the variable for its default "
            "(`ccw run --help` lists every setting):\n" + "\n".join(problems)
        )
    return Settings(**values)


GROUPS = {
    "run": "Settings of every run",
    "schedule": "Settings of Dagster: the schedule, the sensor and the run history",
}


def settings_help() -> str:
    """Every setting with its default, for `ccw run --help`."""
    lines = []
    for group, title in GROUPS.items():
        lines.append(f"{title} (environment variables; empty = unset):")
        for _, spec in declared():
            if spec.group == group:
                lines.append(f"  {spec.env} (default: {spec.plain_default})")
                lines += textwrap.wrap(
                    spec.description.replace("`", ""), 88, initial_indent=" " * 6, subsequent_indent=" " * 6
                )
    return "\n".join(lines)
