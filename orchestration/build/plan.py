"""The build plan: what the next `dbt build` processes, and when it must rebuild everything.

State lives in the private raw file of the warehouse (`raw._build_state`,
`raw._landing_files`), beside the published file, so two warehouses never share
it. Decisions: docs/decisions/performance.md (P1-P8).

  load_id          every ingest that reads files gives them a new load id
  built_load_id    the published build holds every file with load_id <= this; an
                   incremental build processes the files above it (macros/incremental.sql)

A build is a full refresh (every model rebuilt from every file, the build file
recreated) when asked (`ccw run --full-refresh`), on the first build, when a
loaded landing file changed or disappeared, when the dbt project, the organisation's configuration seeds, the quality policy or checks,
the contract or a setting that changes results (every setting dbt reads, the
landing directory) changed since the last successful build (the fingerprint),
or when the last full refresh was not published. Otherwise it is incremental.
A build is done when it is published: a run that fails or is killed anywhere
before (ingest, dbt, a quality check, publish) leaves `built_load_id` where it
was, and the next run processes the same files again (every incremental model
is idempotent, P6, P16).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.config import PROJECT_DIR, Settings
from orchestration.landing.registry import FILES_TABLE, STATE_TABLE, latest_load_id
from orchestration.publish.delta import prepare_build_log
from orchestration.sql import sql_string

if TYPE_CHECKING:  # the ingest (pandas) is not needed to decide that a night has nothing to do
    from orchestration.landing.ingest import IngestReport

log = logging.getLogger(__name__)

# What the warehouse's content depends on besides the landing files (P7).
PROJECT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "landing_contract.yml",
    "orchestration/contract.py",
    "orchestration/landing",
    # a night's staging checks judge the records of its files alone, the others having passed the
    # same checks when they were built (decisions/quality.md Q12): a changed check judges every row
    "orchestration/quality/metrics.py",
    "orchestration/quality/suites.py",
)
FINGERPRINT_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")
BUILD_STORAGE_VERSION = "v1.4.0"  # the build file is published by copying it (P9)
# The row rule whose verdict depends on when the build runs: judged again every run (P5).
TIME_DEPENDENT_RULE = "future_timestamp"


@dataclass
class BuildPlan:
    full_refresh: bool
    reasons: list[str] = field(default_factory=list)
    built_load_id: int = 0  # dbt processes the files with load_id above this
    load_id: int = 0  # the latest load of the raw layer: built_load_id once this build is published
    fingerprint: str = ""
    restaged_files: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.full_refresh:
            return "full refresh (" + "; ".join(self.reasons) + ")"
        if self.load_id <= self.built_load_id:
            return "incremental: no new or re-staged landing file"
        return f"incremental: loads {self.built_load_id + 1}..{self.load_id}"


def files_digest(root: Path, names: tuple[str, ...]) -> str:
    """sha256 of the files (relative path and content) of these files or folders under root."""
    digest = hashlib.sha256()
    for name in names:
        path = root / name
        paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in paths:
            if p.exists() and "__pycache__" not in p.parts:
                digest.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def project_files_digest() -> str:
    """sha256 of every file of the dbt project and of what loads the raw layer (PROJECT_INPUTS)."""
    return files_digest(PROJECT_DIR, PROJECT_INPUTS)


def project_fingerprint(settings: Settings) -> str:
    """sha256 of the project files, the seeds the build reads (the organisation's configuration),
    the quality policy, pinned versions and the settings dbt reads."""
    digest = hashlib.sha256(project_files_digest().encode())
    digest.update(b"seeds\0" + files_digest(settings.build_seeds_dir, (".",)).encode())
    policy = settings.policy_file
    digest.update(b"policy\0" + (policy.read_bytes() if policy.exists() else b""))
    for package in FINGERPRINT_PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:
            pass
    for var, value in sorted(settings.result_settings().items()):
        digest.update(f"{var}={value}\0".encode())
    digest.update(f"landing={settings.landing_dir}\0".encode())
    return digest.hexdigest()


def read_state(raw: duckdb.DuckDBPyConnection) -> dict:
    row = raw.execute(
        f"select built_load_id, project_fingerprint, full_refresh_required, landing_dir from {STATE_TABLE}"
    ).fetchone()
    return {
        "built_load_id": int(row[0] or 0),
        "fingerprint": row[1],
        "full_refresh_required": bool(row[2]),
        "landing_dir": row[3],
    }


def landing_dir_changed(raw: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """The raw layer was loaded from another landing directory (its file list means nothing here)."""
    try:
        previous = read_state(raw)["landing_dir"]
    except duckdb.Error:
        return False
    return previous is not None and previous != str(settings.landing_dir)


def _build_file_ok(settings: Settings) -> bool:
    if not settings.build_db.exists():
        return False
    try:
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            return bool(
                con.execute(
                    "select count(*) from duckdb_tables() where schema_name = 'marts' "
                    "and table_name = 'fct_interactions'"
                ).fetchone()[0]
            )
    except duckdb.Error:
        return False


def plan_build(
    settings: Settings, raw: duckdb.DuckDBPyConnection, report: IngestReport, *, force_full: bool = False
) -> BuildPlan:
    """Decide the mode of this run's dbt build (after the ingest, on the raw connection)."""
    state = read_state(raw)
    fingerprint = project_fingerprint(settings)
    reasons = []
    if force_full:
        reasons.append("asked for (--full-refresh)")
    if state["built_load_id"] == 0:
        reasons.append("no previous build")
    elif not _build_file_ok(settings):
        reasons.append("the build file is missing or incomplete")
    if state["full_refresh_required"]:
        reasons.append(
            "a loaded landing file changed or disappeared, or the last full refresh was not published"
        )
    if state["fingerprint"] is not None and state["fingerprint"] != fingerprint:
        reasons.append("the dbt project, configuration, quality policy, contract or a setting changed")
    plan = BuildPlan(
        full_refresh=bool(reasons),
        reasons=reasons,
        built_load_id=0 if reasons else state["built_load_id"],
        load_id=report.load_id,
        fingerprint=fingerprint,
    )
    if plan.full_refresh:
        # persisted: a full refresh that does not finish is redone by the next run
        raw.execute(
            f"update {STATE_TABLE} set built_load_id = 0, full_refresh_required = true, landing_dir = ?",
            [str(settings.landing_dir)],
        )
    else:
        plan.restaged_files = restage_time_dependent_files(raw, settings)
        plan.load_id = latest_load_id(raw)
    log.info("dbt build: %s", plan.describe())
    return plan


def restage_time_dependent_files(raw: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """Files with rows quarantined as future_timestamp get a new load id: whether a timestamp is in
    the future depends on when the build runs, so their rows are judged again each run (P5)."""
    try:
        with duckdb.connect(str(settings.build_db), read_only=True) as build:
            files = [
                r[0]
                for r in build.execute(
                    "select distinct file_name from quarantine.rejected_rows where rule = ?",
                    [TIME_DEPENDENT_RULE],
                ).fetchall()
            ]
    except duckdb.Error:
        return []
    if files:
        load_id = latest_load_id(raw) + 1
        raw.execute(
            f"update {FILES_TABLE} set load_id = ? where file_name in (select unnest(?::varchar[]))",
            [load_id, files],
        )
        log.info("re-staging %d file(s) with future timestamps", len(files))
    return files


def mark_built(settings: Settings, plan: BuildPlan) -> None:
    """After the build is published: the published models hold every file up to plan.load_id."""
    with duckdb.connect(str(settings.raw_db)) as raw:
        raw.execute(
            f"update {STATE_TABLE} set built_load_id = ?, project_fingerprint = ?, "
            "full_refresh_required = false, landing_dir = ?, built_at = ?",
            [
                plan.load_id,
                plan.fingerprint,
                str(settings.landing_dir),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )


def prepare_build_file(settings: Settings, plan: BuildPlan) -> None:
    """A full refresh starts from a new build file; the build file is written in the storage
    format of the published file (DuckDB 1.4), so publishing is a file copy (P9)."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    if plan.full_refresh:
        for path in (settings.build_db, settings.build_db.with_name(settings.build_db.name + ".wal")):
            path.unlink(missing_ok=True)
    with duckdb.connect() as con:
        if settings.build_db.exists():
            con.execute(f"attach {sql_string(str(settings.build_db))} as build")
        else:
            con.execute(
                f"attach {sql_string(str(settings.build_db))} as build (storage_version '{BUILD_STORAGE_VERSION}')"
            )
        prepare_build_log(con, "build")  # what the build changes since the published file (publish/delta.py)
        con.execute("detach build")


def dbt_build_args(plan: BuildPlan) -> list[str]:
    """`dbt build` of the plan: models, seeds and data tests. Unit tests check the SQL on fixed
    fixtures, not the data: they run in `make test` and CI, never in a run (performance.md P16)."""
    mode = ["--full-refresh"] if plan.full_refresh else []
    return ["build", *mode, "--exclude", "resource_type:unit_test"]
