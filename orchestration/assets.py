"""The nightly job as Dagster assets: landing -> raw -> dbt (staging, intermediate, marts) -> warehouse.

    landing_files  observable source: the landing directory (data version = its fingerprint)
    raw            ingest.py brings raw.* (the private raw file) up to date with the landing
                   files (only new or changed files are read) and incremental.py plans the
                   build: incremental, or a full refresh and why (docs/decisions/performance.md)
      check raw_quality        BLOCKING: the raw Great Expectations suite (file rules)
    dbt models     one `dbt build` (models, seeds, dbt tests), grouped staging / intermediate / marts;
                   incremental models process the files loaded since the last successful build
      check staging_quality    BLOCKING, on quarantine_rejected_rows (the end of staging)
      check marts_quality      BLOCKING, on fct_interactions
    warehouse      publish.py copies the reader tables (with comments and keys) beside the published
                   file and renames it over; docs_site.py writes the docs beside it

A blocking check that fails (ERROR severity) fails its step, so every asset
downstream of the checked asset is skipped: dbt does not run after a raw
failure, and `warehouse` (downstream of every dbt asset) is never
materialized after any failure. `warehouse` also refuses to publish unless
the three layers were checked in the same run and passed, so a partial
selection in the UI cannot publish an unchecked build.

Everything a run shares (settings, run id, ingest report, quality results,
the build lock) lives in the `ccw` resource, created once per run: the job
uses the in-process executor, so `ccw run`, the schedule and the sensor all
execute the job the same way, in one process that holds the build lock.
"""

import graphlib
import json
import logging
import os
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
    define_asset_job,
    in_process_executor,
    observable_source_asset,
    resource,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.config import PROJECT_DIR, Settings
from orchestration.contract import SOURCES
from orchestration.database import duckdb_config, open_build
from orchestration.errors import BuildFailed, PipelineError

log = logging.getLogger(__name__)

JOB_NAME = "ccw_build"
RESOURCE_KEY = "ccw"
RAW_KEY = AssetKey(["raw"])
LANDING_KEY = AssetKey(["landing_files"])
WAREHOUSE_KEY = AssetKey(["warehouse"])
STAGING_GUARD = AssetKey(["quarantine", "quarantine_rejected_rows"])
MARTS_GUARD = AssetKey(["marts", "fct_interactions"])
LAYERS = ("raw", "staging", "marts")
# Files whose change makes the parsed dbt manifest stale.
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


# ---------------------------------------------------------------- landing fingerprint
def landing_fingerprint(landing_dir: Path) -> str:
    """sha256 of (relative path, size, mtime) of every landing file: changes when a file is added or changed."""
    import hashlib

    from orchestration.ingest import landing_files

    digest = hashlib.sha256()
    for source in SOURCES:
        for path in landing_files(landing_dir, source):
            st = path.stat()
            digest.update(
                f"{path.relative_to(landing_dir).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


# ---------------------------------------------------------------- run state (the `ccw` resource)
@dataclass
class RunState:
    settings: Settings
    run_id: str
    started_at: datetime
    ingest: Any = None  # ingest.IngestReport
    plan: Any = None  # incremental.BuildPlan of this run's dbt build
    full_refresh: bool = False  # asked for: reload every landing file and rebuild every model
    layers: dict[str, Any] = field(default_factory=dict)  # layer -> quality.LayerResult
    quarantined: list[tuple[str, str, int]] = field(default_factory=list)
    published_at: datetime | None = None
    docs: Any = None  # docs_site.DocsReport of the docs written after the publish, or why not
    error: PipelineError | None = None  # the first error that stopped the run (readable message)


def make_run_id(started_at: datetime, dagster_run_id: str) -> str:
    return started_at.strftime("%Y%m%dT%H%M%SZ") + "-" + dagster_run_id[:8]


def ccw_resource(settings: Settings, states: dict[str, RunState] | None = None, full_refresh: bool = False):
    """Per-run state; holds the build lock (one writer of the build file) for the whole run.

    `states` (dagster run id -> RunState) lets an in-process caller read the state afterwards.
    full_refresh: this run reloads every landing file and rebuilds every model (`ccw run --full-refresh`).
    """

    @resource(description=f"Run state and build lock of {settings.warehouse}")
    def ccw(init_context) -> Iterator[RunState]:
        from orchestration.pipeline import build_lock

        started_at = datetime.now(UTC).replace(tzinfo=None)
        state = RunState(settings, make_run_id(started_at, init_context.run.run_id), started_at)
        state.full_refresh = full_refresh
        if states is not None:
            states[init_context.run.run_id] = state
        try:
            lock = build_lock(settings)
            lock.__enter__()
        except PipelineError as exc:
            raise _fail(state, exc) from exc
        try:
            yield state
        finally:
            lock.__exit__(None, None, None)

    return ccw


def _fail(state: RunState, error: PipelineError) -> PipelineError:
    if state.error is None:
        state.error = error
    return error


# ---------------------------------------------------------------- dbt project
def _newest_input_mtime() -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = PROJECT_DIR / name
        paths = (
            [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        )
        for p in paths:
            newest = max(newest, p.stat().st_mtime)
    return newest


@contextmanager
def _environ(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_PARSED: dict[float, Path] = {}  # newest project-file mtime -> a manifest parsed after it


def prepare_manifest(settings: Settings, target_dir: Path | None = None) -> Path:
    """`dbt parse` into `<dbt target>/parse` unless its manifest is newer than the project files.

    No network and no database: parse reads the project files only. Its own folder, so a
    build writing the dbt target at the same time never hands a half-written manifest.
    """
    import subprocess

    from orchestration.pipeline import dbt_executable

    target_dir = target_dir or settings.dbt_target_dir / "parse"
    manifest = target_dir / "manifest.json"
    newest = _newest_input_mtime()
    # The graph does not depend on the settings: one parse serves every warehouse of this process.
    cached = _PARSED.get(newest)
    if cached is not None and cached.exists():
        return cached
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        try:
            json.loads(manifest.read_text())
            _PARSED[newest] = manifest
            return manifest
        except ValueError:
            log.warning("unreadable dbt manifest %s: parsing again", manifest)
    target_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **settings.dbt_env(),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir),
    }
    cmd = [dbt_executable(), "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    if proc.returncode != 0 or not manifest.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise PipelineError(f"dbt parse failed; the dbt project does not load:\n{tail}")
    _PARSED[newest] = manifest
    return manifest


class LayerTranslator(DagsterDbtTranslator):
    """Models grouped by layer folder; every landing source is the one `raw` asset."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return RAW_KEY
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn") or []
        if len(fqn) > 2 and fqn[1] in ("staging", "intermediate", "marts"):
            return fqn[1]
        return "dbt"


TRANSLATOR = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


def _dbt_child_executable(settings: Settings) -> Path:
    """A wrapper that execs dbt with PR_SET_PDEATHSIG: if the run is killed hard, dbt dies with it
    instead of writing the build file on as an orphan (the next run would find it locked)."""
    from orchestration.pipeline import dbt_executable

    path = settings.work_dir / "dbt-child"
    text = (
        f"#!{sys.executable}\n"
        "import ctypes, os, signal, sys\n"
        "try:\n"
        "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)\n"
        "except (OSError, AttributeError):\n"
        "    pass\n"
        "parent = os.environ.get('CCW_PARENT_PID')\n"
        "if parent and os.getppid() != int(parent):\n"
        "    sys.exit('ccw: the run that started dbt is gone')\n"
        f"os.execv({dbt_executable()!r}, [{dbt_executable()!r}, *sys.argv[1:]])\n"
    )
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _dbt_failures(target_dir: Path) -> str:
    results_file = target_dir / "run_results.json"
    failures = []
    if results_file.exists():
        for result in json.loads(results_file.read_text()).get("results", []):
            if result.get("status") in ("error", "fail"):
                failures.append(f"  {result['unique_id']}: {(result.get('message') or '').strip()}")
    return "\n".join(failures) or f"  see {target_dir / 'dbt.log'}"


_DBT_CONTEXT: list[AssetExecutionContext] = []  # the dbt op running in this process, if any


@contextmanager
def dbt_context(context: AssetExecutionContext) -> Iterator[None]:
    _DBT_CONTEXT.append(context)
    try:
        yield
    finally:
        _DBT_CONTEXT.remove(context)


def current_dbt_context() -> AssetExecutionContext | None:
    """The dbt asset's context while it runs dbt (run_dbt_in_op streams dbt's events to it)."""
    return _DBT_CONTEXT[-1] if _DBT_CONTEXT else None


def run_dbt_in_op(settings: Settings):
    """`dbt build` for the dbt asset, in the mode of this run's build plan: the events to yield.

    The one seam of the job: a test that builds the build file another way replaces this
    function and returns None (the asset then reports its models as materialized)."""
    from orchestration.incremental import dbt_build_args

    context = current_dbt_context()
    plan = getattr(context.resources, RESOURCE_KEY).plan
    return dbt_build_events(settings, dbt_build_args(plan), context)


def dbt_build_events(settings: Settings, args: list[str], context: AssetExecutionContext) -> Iterator:
    """Run dbt on the private build file through dagster-dbt; yield its events; raise BuildFailed on error."""
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    dbt = DbtCliResource(
        project_dir=str(PROJECT_DIR),
        profiles_dir=str(PROJECT_DIR),
        dbt_executable=str(_dbt_child_executable(settings)),
    )
    log.info(
        "dbt %s on %s (dbt's log: %s)", " ".join(args), settings.build_db, settings.dbt_log_dir / "dbt.log"
    )
    with _environ({**settings.dbt_env(), "CCW_PARENT_PID": str(os.getpid())}):
        invocation = dbt.cli(args, context=context, target_path=settings.dbt_target_dir, raise_on_error=False)
        yield from invocation.stream()
    if not invocation.is_successful():
        raise BuildFailed(
            f"dbt {args[0]} failed; the published warehouse is unchanged.\n{_dbt_failures(settings.dbt_target_dir)}"
        )


# ---------------------------------------------------------------- assets and checks
def _layer_check(state: RunState, layer: str, con: duckdb.DuckDBPyConnection) -> AssetCheckResult:
    from orchestration.quality import check_layer

    result = check_layer(layer, state.settings, state.run_id, con=con)
    state.layers[layer] = result
    failed = [r for r in result.results if not r.success]
    metadata = {
        "expectations": len(result.results),
        "failed": len(failed),
        "stopping": len(result.stopping_failures),
        "summary": MetadataValue.md("```\n" + result.render() + "\n```"),
    }
    if result.data_docs:
        metadata["data_docs"] = MetadataValue.path(str(result.data_docs / "index.html"))
    if not result.passed:
        from orchestration.quality import QualityFailed

        _fail(state, QualityFailed(list(state.layers.values())))
    return AssetCheckResult(
        passed=result.passed,
        severity=AssetCheckSeverity.ERROR if not result.passed else AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def build_assets(settings: Settings, manifest: Path) -> list:
    @observable_source_asset(
        key=LANDING_KEY,
        group_name="landing",
        description=f"Landing exports ({settings.landing_dir}); data version = fingerprint of "
        "(relative path, size, mtime) of every file.",
    )
    def landing_files() -> DataVersion:
        return DataVersion(landing_fingerprint(settings.landing_dir))

    @asset(
        key=RAW_KEY,
        deps=[LANDING_KEY],
        group_name="raw",
        required_resource_keys={RESOURCE_KEY},
        description="raw.<source> in the private raw file: every landing file as text, with file and row "
        "(orchestration/ingest.py; only new or changed files are read), and the plan of this run's "
        "dbt build (incremental or full refresh, orchestration/incremental.py). The dbt sources of catalog raw.",
    )
    def raw(context: AssetExecutionContext) -> MaterializeResult:
        from orchestration.incremental import landing_dir_changed, plan_build
        from orchestration.ingest import ingest

        state: RunState = getattr(context.resources, RESOURCE_KEY)
        settings = state.settings
        try:
            settings.work_dir.mkdir(parents=True, exist_ok=True)
            with duckdb.connect(str(settings.raw_db), config=duckdb_config(settings)) as con:
                reload = state.full_refresh or landing_dir_changed(con, settings)
                # file issues are recorded, not raised: the raw check and the policy decide
                state.ingest = ingest(
                    con,
                    settings.landing_dir,
                    on_file_issue="record",
                    full_refresh=reload,
                    timezone=settings.business_timezone,
                )
                state.plan = plan_build(settings, con, state.ingest, force_full=reload)
        except PipelineError as exc:
            raise _fail(state, exc) from exc
        report, plan = state.ingest, state.plan
        return MaterializeResult(
            metadata={
                "files_read": report.files_read,
                "files_loaded_now": len(report.loaded_files),
                "rows": sum(report.rows.values()),
                "rows_per_source": MetadataValue.json(report.rows),
                "file_issues": len(getattr(report, "issues", [])),
                "build": plan.describe(),
                "landing_fingerprint": landing_fingerprint(settings.landing_dir),
            },
        )

    @asset_check(
        asset=RAW_KEY,
        name="raw_quality",
        blocking=True,
        required_resource_keys={RESOURCE_KEY},
        description="Great Expectations raw suite: every landing file loaded whole (file rules).",
    )
    def raw_quality(context: AssetCheckExecutionContext) -> AssetCheckResult:
        state: RunState = getattr(context.resources, RESOURCE_KEY)
        with duckdb.connect(str(state.settings.raw_db), read_only=True) as con:
            return _layer_check(state, "raw", con)

    @dbt_assets(
        manifest=manifest,
        project=None,
        dagster_dbt_translator=TRANSLATOR,
        required_resource_keys={RESOURCE_KEY},
        name="dbt_build",
    )
    def dbt_models(context: AssetExecutionContext):
        from orchestration.incremental import mark_built, prepare_build_file

        state: RunState = getattr(context.resources, RESOURCE_KEY)
        try:
            prepare_build_file(state.settings, state.plan)
            with dbt_context(context):
                events = run_dbt_in_op(state.settings)
                if events is None:  # the build file was made another way (a test's stand-in for dbt)
                    deps = context.assets_def.asset_deps
                    order = graphlib.TopologicalSorter(
                        {k: deps.get(k, set()) for k in context.selected_asset_keys}
                    )
                    for key in order.static_order():
                        if key in context.selected_asset_keys:
                            yield MaterializeResult(asset_key=key)
                else:
                    yield from events
            mark_built(state.settings, state.plan)
        except PipelineError as exc:
            raise _fail(state, exc) from exc

    dbt_keys = list(dbt_models.keys)
    staging_keys = [k for k in dbt_keys if dbt_models.group_names_by_key.get(k) == "staging"]
    marts_keys = [k for k in dbt_keys if dbt_models.group_names_by_key.get(k) == "marts"]

    @asset_check(
        asset=STAGING_GUARD,
        name="staging_quality",
        blocking=True,
        required_resource_keys={RESOURCE_KEY},
        additional_deps=[k for k in staging_keys if k != STAGING_GUARD],
        description="Great Expectations staging suite on the staging layer (keys, ranges, every landing "
        "row accounted for as staged, superseded or quarantined).",
    )
    def staging_quality(context: AssetCheckExecutionContext) -> AssetCheckResult:
        state: RunState = getattr(context.resources, RESOURCE_KEY)
        with open_build(state.settings) as con:
            return _layer_check(state, "staging", con)

    @asset_check(
        asset=MARTS_GUARD,
        name="marts_quality",
        blocking=True,
        required_resource_keys={RESOURCE_KEY},
        additional_deps=[k for k in marts_keys if k != MARTS_GUARD],
        description="Great Expectations marts suite on the marts layer (cost reconciliation, totals, "
        "rates within bounds).",
    )
    def marts_quality(context: AssetCheckExecutionContext) -> AssetCheckResult:
        from orchestration.quality import quarantine_counts

        state: RunState = getattr(context.resources, RESOURCE_KEY)
        with open_build(state.settings) as con:
            state.quarantined = quarantine_counts(con)
            return _layer_check(state, "marts", con)

    @asset(
        key=WAREHOUSE_KEY,
        deps=[RAW_KEY, *dbt_keys],
        group_name="publish",
        required_resource_keys={RESOURCE_KEY},
        description=f"The published warehouse {settings.warehouse}: the build's reader tables copied and renamed over it "
        "atomically, only when every blocking check of this run passed (orchestration/publish.py).",
    )
    def warehouse(context: AssetExecutionContext) -> MaterializeResult:
        from orchestration.publish import RunRecord, publish

        state: RunState = getattr(context.resources, RESOURCE_KEY)
        missing = [layer for layer in LAYERS if layer not in state.layers]
        failed = [layer for layer in LAYERS if layer in state.layers and not state.layers[layer].passed]
        if missing or failed or state.ingest is None:
            raise _fail(
                state,
                PipelineError(
                    "publish runs only after raw, dbt and every quality check in the same run "
                    f"(not checked: {missing or '-'}, failed: {failed or '-'}); the published warehouse is unchanged"
                ),
            )
        results = [r for layer in LAYERS for r in state.layers[layer].results]
        record = RunRecord(
            run_id=state.run_id,
            started_at=state.started_at,
            landing_dir=str(state.settings.landing_dir),
            source_files=state.ingest.files,
            rows_per_source=state.ingest.rows,
            rows_quarantined=sum(n for *_, n in state.quarantined),
            checks_passed=sum(r.success for r in results),
            checks_failed=sum(not r.success for r in results),
        )
        rows = [row for layer in LAYERS for row in state.layers[layer].rows()]
        state.published_at = publish(
            state.settings.build_db,
            state.settings.warehouse,
            record,
            quality_results=rows,
            manifest=manifest,
        )
        state.docs = write_docs_after_publish(state.settings, manifest)
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(state.settings.warehouse)),
                "run_id": state.run_id,
                "published_at": state.published_at.isoformat() + "Z",
                "rows_quarantined": record.rows_quarantined,
                "checks_passed": record.checks_passed,
                "checks_failed": record.checks_failed,
            }
        )

    return [landing_files, raw, raw_quality, dbt_models, staging_quality, marts_quality, warehouse]


def write_docs_after_publish(settings: Settings, manifest: Path):
    """The docs beside the freshly published file (docs_site.py). The warehouse is published by
    now: docs that cannot be written are reported in the run summary, not a failed run."""
    from orchestration.docs_site import write_docs

    try:
        return write_docs(settings, manifest)
    except (PipelineError, OSError, duckdb.Error) as exc:
        log.warning("docs not written: %s", exc)
        return f"not written: {exc}"


def build_job(settings: Settings):
    return define_asset_job(
        JOB_NAME,
        selection="*",
        executor_def=in_process_executor,
        description="Landing -> raw -> dbt build -> quality checks -> atomic publish. The job `ccw run`, "
        "the nightly schedule and the landing sensor all run.",
        tags=run_tags(settings),
    )


def run_tags(settings: Settings) -> dict[str, str]:
    # One build per warehouse: runs carry the warehouse, for a tag concurrency limit of 1
    # (docs/decisions/orchestration.md); the build lock enforces it regardless.
    return {"ccw/warehouse": str(settings.warehouse)}
