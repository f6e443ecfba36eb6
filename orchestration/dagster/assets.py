"""The job as Dagster assets: landing -> raw -> dbt (staging, intermediate, marts) -> warehouse.

    landing_files  observable source: the landing directory (data version = its fingerprint)
    raw            orchestration/landing brings raw.* (the private raw file) up to date with the
                   landing files (only new or changed files are read) and orchestration/build/plan.py
                   plans the build: incremental, or a full refresh and why (docs/decisions/performance.md)
      check raw_quality        BLOCKING: the raw Great Expectations suite (file rules)
    dbt models     one `dbt build` (models, seeds, dbt tests) by the `dbt` resource, grouped
                   staging / intermediate / marts; incremental models process the files loaded
                   since the last published build
      check staging_quality    BLOCKING, on quarantine_rejected_rows (the end of staging)
      check marts_quality      BLOCKING, on fct_interactions
    warehouse      orchestration/publish writes the reader tables (with comments and keys) beside
                   the published file, or only the build's changes into a copy of it (delta.py),
                   and renames it over (warehouse.py); then the build is marked
                   done (build/plan.py mark_built), the docs are written beside it (docs.py) and
                   orchestration/report writes <warehouse>.report/index.html

A blocking check that fails (ERROR severity) fails its step, so every asset
downstream of the checked asset is skipped: dbt does not run after a raw
failure, and `warehouse` (downstream of every dbt asset) is never
materialized after any failure. `warehouse` also refuses to publish unless
the three layers were checked in the same run and passed, so a partial
selection in the UI cannot publish an unchecked build.

Everything a run shares (settings, run id, ingest report, quality results, the
build lock) is the `ccw` resource (resources.py), set up once per run: the job
uses the in-process executor, so `ccw run`, the schedule and the sensor all
execute the job the same way, in one process that holds the build lock.
"""

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.build.dbt import build_failed, dbt_environment
from orchestration.build.plan import (
    TIME_DEPENDENT_RULE,
    dbt_build_args,
    landing_dir_changed,
    mark_built,
    plan_build,
    prepare_build_file,
)
from orchestration.build.quiet import forget_published_inputs, write_published_inputs
from orchestration.config import Settings, pii_salt_is_default
from orchestration.configuration import prepare_build_seeds
from orchestration.contract import SOURCES
from orchestration.dagster.resources import LAYERS, BuildConfig, RunState, WarehouseRun
from orchestration.database import duckdb_config, open_build
from orchestration.errors import PipelineError
from orchestration.landing.files import is_generated_sample, landing_fingerprint
from orchestration.landing.ingest import ingest
from orchestration.publish.docs import DocsReport, write_docs
from orchestration.publish.warehouse import RunRecord, check_fewer_rows, publish
from orchestration.quality.checks import (
    QualityFailed,
    build_data_docs,
    check_layer,
    quarantine_counts,
    rejections_over_limit,
)
from orchestration.quality.metrics import RuleSettings
from orchestration.report import write_after_publish
from orchestration.run_report import cost_report, rejection_report, render_rejections
from orchestration.sql import ident, sql_string

log = logging.getLogger(__name__)

RAW_KEY = dg.AssetKey(["raw"])
LANDING_KEY = dg.AssetKey(["landing_files"])
WAREHOUSE_KEY = dg.AssetKey(["warehouse"])
STAGING_GUARD = dg.AssetKey(["quarantine", "quarantine_rejected_rows"])
MARTS_GUARD = dg.AssetKey(["marts", "fct_interactions"])
log = logging.getLogger(__name__)


class LayerTranslator(DagsterDbtTranslator):
    """Models grouped by layer folder; every landing source is the one `raw` asset."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
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


# dbt's tests run inside `dbt build` (a failed one fails the build) and are summed up on their
# model's materialization (`dbt_tests`), not loaded as one Dagster asset check each: every check
# costs Dagster two stored events, about 1,000 events a night (orchestration.md O12).
TRANSLATOR = LayerTranslator(
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True, enable_asset_checks=False)
)


# ---------------------------------------------------------------- landing and raw
@dg.observable_source_asset(
    key=LANDING_KEY,
    group_name="landing",
    description="Landing exports (CCW_LANDING_DIR); data version = fingerprint of (relative path, size, "
    "mtime) of every file.",
)
def landing_files(ccw: WarehouseRun) -> dg.DataVersion:
    return dg.DataVersion(landing_fingerprint(ccw.settings.landing_dir, ccw.settings.config_dir))


DEFAULT_SALT_WARNING = (
    "personal data is hashed with the default salt, which is public (CCW_PII_SALT is not set): "
    "anyone can recompute the hash of a known phone number or e-mail address. Set CCW_PII_SALT to a "
    "secret of your own (the next run is then a full refresh)."
)


def _warn_of_default_salt(state: RunState) -> None:
    """The public default salt is fine on the generated sample only (meta.run_log records it always)."""
    if pii_salt_is_default() and not is_generated_sample(state.settings.landing_dir):
        log.warning("%s", DEFAULT_SALT_WARNING)
        state.warnings.append(DEFAULT_SALT_WARNING)


def _load_raw(state: RunState, config: BuildConfig) -> None:
    """Validate the organisation's configuration into the build's seeds folder, ingest (file
    issues are recorded, not raised: the raw check and the policy decide), then plan."""
    settings = state.settings
    _warn_of_default_salt(state)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    forget_published_inputs(settings)  # no run finds "nothing to do" until this one publishes
    prepare_build_seeds(settings)
    with duckdb.connect(str(settings.raw_db), config=duckdb_config(settings)) as con:
        reload = config.full_refresh or landing_dir_changed(con, settings)
        state.ingest = ingest(
            con,
            settings.landing_dir,
            on_file_issue="record",
            full_refresh=reload,
            rules=RuleSettings.of(settings),
            config_dir=settings.config_dir,
            # the operator's --accept-fewer-rows also lets sources whose files vanished go, this run
            retired_sources=tuple(SOURCES) if config.accept_fewer_rows else settings.retired_sources,
            allow_symlinks=settings.allow_landing_symlinks,
        )
        state.plan = plan_build(settings, con, state.ingest, force_full=reload)
    state.accept_fewer_rows = config.accept_fewer_rows


def _refuse_an_emptier_warehouse(state: RunState) -> None:
    """Before dbt, after the raw checks (a broken re-delivery is better named by its file rule):
    stop when the warehouse would hold fewer landing rows of a source than the published one,
    unless the source is retired or the operator accepts it (publish.warehouse.check_fewer_rows)."""
    settings = state.settings
    state.fewer_rows_accepted = check_fewer_rows(
        settings.warehouse,
        state.ingest.rows,
        retired=settings.retired_sources,
        accept=state.accept_fewer_rows,
    )
    for source, (before, now, how) in state.fewer_rows_accepted.items():
        state.warnings.append(f"{source}: {before:,} -> {now:,} landing rows, accepted ({how})")


@dg.asset(
    key=RAW_KEY,
    deps=[LANDING_KEY],
    group_name="raw",
    description="The organisation's configuration validated into the build's seeds (orchestration/"
    "configuration.py); raw.<source> in the private raw file: every landing file as text, with file and row "
    "(orchestration/landing; only new or changed files are read), and the plan of this run's dbt build "
    "(incremental or full refresh, orchestration/build/plan.py). The dbt sources of catalog raw.",
)
def raw(config: BuildConfig, ccw: WarehouseRun) -> dg.MaterializeResult:
    state = ccw.state
    state.accept_rejections = config.accept_rejections
    try:
        _load_raw(state, config)
    except PipelineError as exc:
        raise state.fail(exc) from exc
    report, plan = state.ingest, state.plan
    return dg.MaterializeResult(
        metadata={
            "files_read": report.files_read,
            "files_loaded_now": len(report.loaded_files),
            "rows": sum(report.rows.values()),
            "rows_per_source": dg.MetadataValue.json(report.rows),
            "file_issues": len(report.issues),
            "build": plan.describe(),
            "landing_fingerprint": landing_fingerprint(state.settings.landing_dir, state.settings.config_dir),
        },
    )


# ---------------------------------------------------------------- quality checks
def _layer_check(state: RunState, layer: str, con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    policy = state.policy()
    # the data docs are built once a run: by the publish, or here when the layer stops the run
    result = check_layer(layer, state.settings, state.run_id, con=con, policy=policy, data_docs=False)
    if not result.passed:
        result.data_docs = build_data_docs(state.settings)
    if layer == "staging" and state.accept_rejections:
        state.rejections_accepted = rejections_over_limit(con, policy)
    state.layers[layer] = result
    failed = [r for r in result.results if not r.success]
    metadata = {
        "expectations": len(result.results),
        "failed": len(failed),
        "stopping": len(result.stopping_failures),
        "summary": dg.MetadataValue.md("```\n" + result.render() + "\n```"),
    }
    if result.data_docs:
        metadata["data_docs"] = dg.MetadataValue.path(str(result.data_docs / "index.html"))
    if not result.passed:
        state.fail(QualityFailed(list(state.layers.values())))
    return dg.AssetCheckResult(
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR if not result.passed else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


@dg.asset_check(
    asset=RAW_KEY,
    name="raw_quality",
    blocking=True,
    description="Great Expectations raw suite: every landing file loaded whole (file rules).",
)
def raw_quality(ccw: WarehouseRun) -> dg.AssetCheckResult:
    with duckdb.connect(str(ccw.settings.raw_db), read_only=True) as con:
        return _layer_check(ccw.state, "raw", con)


def _layer_quality(layer: str, guard: dg.AssetKey, layer_keys: list[dg.AssetKey], description: str):
    """The blocking check of a dbt layer: on the model that closes the layer, after all of its models."""

    @dg.asset_check(
        asset=guard,
        name=f"{layer}_quality",
        blocking=True,
        additional_deps=[k for k in layer_keys if k != guard],
        description=description,
    )
    def layer_quality(ccw: WarehouseRun) -> dg.AssetCheckResult:
        with open_build(ccw.settings) as con:
            if layer == "marts":  # the run summary's quarantine counts, read once the build is whole
                ccw.state.quarantined = quarantine_counts(con)
            return _layer_check(ccw.state, layer, con)

    return layer_quality


# ---------------------------------------------------------------- dbt
def _dbt_models(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR, name="dbt_build"
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, ccw: WarehouseRun):
        """`dbt build` on the private build file, in the mode of this run's build plan."""
        state = ccw.state
        settings = state.settings
        args = dbt_build_args(state.plan)
        try:
            _refuse_an_emptier_warehouse(state)
            prepare_build_file(settings, state.plan)
            with dbt_environment(settings):
                invocation = dbt.cli(
                    args, context=context, target_path=settings.dbt_target_dir, raise_on_error=False
                )
                # held until dbt ends: the build file is dbt's alone while it writes (one writer)
                events = list(invocation.stream())
            yield from _with_table_metadata(events, settings, project.manifest_path)
            if not invocation.is_successful():
                raise build_failed(args, settings)
        except PipelineError as exc:
            raise state.fail(exc) from exc

    return dbt_models


ROW_COUNT = "dagster/row_count"  # the metadata key the Dagster UI shows as a table's row count


def _row_counts(build_db: Path) -> dict[tuple[str, str], int]:
    """(schema, table) -> rows of every table of the build file, in one query."""
    try:
        with duckdb.connect(str(build_db), read_only=True) as con:
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
            ).fetchall()
            if not tables:
                return {}
            counts = con.execute(
                " union all ".join(
                    f"select {sql_string(s)}, {sql_string(t)}, count(*) from {ident(s)}.{ident(t)}"
                    for s, t in tables
                )
            ).fetchall()
    except duckdb.Error as exc:  # the counts are for the UI: never a failed run
        log.warning("row counts of the build not read: %s", exc)
        return {}
    return {(schema, table): rows for schema, table, rows in counts}


def _tests_by_model(nodes: Mapping[str, Any], run_results: Path) -> dict[str, dict[str, int]]:
    """model unique id -> {dbt test status: tests} of the last dbt invocation (run_results.json)."""
    if not run_results.exists():
        return {}
    tests: dict[str, dict[str, int]] = {}
    for result in json.loads(run_results.read_text()).get("results", []):
        test = nodes.get(result.get("unique_id", ""), {})
        model = test.get("attached_node") or next(iter(test.get("depends_on", {}).get("nodes", [])), None)
        if test.get("resource_type") == "test" and model:
            status = tests.setdefault(model, {})
            status[result["status"]] = status.get(result["status"], 0) + 1
    return tests


def _with_table_metadata(events: list, settings: Settings, manifest: Path) -> Iterator:
    """dagster-dbt's events, each model's materialization with the rows of its table in the build
    file (dagster/row_count) and its dbt tests by status (dbt_tests), read once dbt has ended; the
    observation dagster-dbt makes of each dbt test is left out (its model's dbt_tests counts it)."""
    nodes = json.loads(manifest.read_text()).get("nodes", {}) if manifest.exists() else {}
    counts = _row_counts(settings.build_db)
    tests = _tests_by_model(nodes, settings.dbt_target_dir / "run_results.json")
    for event in events:
        unique_id = (getattr(event, "metadata", None) or {}).get("unique_id")
        unique_id = getattr(unique_id, "value", unique_id)
        node = nodes.get(unique_id) if unique_id is not None else None
        if isinstance(event, dg.AssetObservation) and str(unique_id).startswith("test."):
            continue  # a dbt test's result: in its model's dbt_tests
        if node and isinstance(event, dg.Output | dg.AssetMaterialization):
            extra: dict[str, Any] = {}
            rows = counts.get((node.get("schema"), node.get("alias") or node.get("name")))
            if rows is not None:
                extra[ROW_COUNT] = dg.MetadataValue.int(rows)
            if unique_id in tests:
                extra["dbt_tests"] = dg.MetadataValue.json(tests[unique_id])
            event = event.with_metadata({**event.metadata, **extra})
        yield event


# ---------------------------------------------------------------- publish
def _publish(state: RunState, manifest: Path) -> RunRecord:
    missing = [layer for layer in LAYERS if layer not in state.layers]
    failed = [layer for layer in LAYERS if layer in state.layers and not state.layers[layer].passed]
    if missing or failed or state.ingest is None:
        raise state.fail(
            PipelineError(
                "publish runs only after raw, dbt and every quality check in the same run "
                f"(not checked: {missing or '-'}, failed: {failed or '-'}); the published warehouse is unchanged"
            )
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
        default_pii_salt=pii_salt_is_default(),
        fewer_rows_accepted=state.fewer_rows_accepted,
        rejections_accepted=state.rejections_accepted,
    )
    rows = [row for layer in LAYERS for row in state.layers[layer].rows()]
    state.published_at = publish(
        state.settings.build_db,
        state.settings.warehouse,
        record,
        quality_results=rows,
        manifest=manifest,
    )
    # only a published build is done: after a failed check or publish the next run builds the
    # same files again (docs/decisions/performance.md P16)
    mark_built(state.settings, state.plan)
    write_published_inputs(state.settings, state.run_id, _time_dependent_rows(state.settings.warehouse))
    return record


def _time_dependent_rows(warehouse: Path) -> int | None:
    """Rows of the published file set aside by the rule a later run may judge otherwise (P5);
    None when it cannot be told (then no later run finds "nothing to do")."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select count(*) from quarantine.rejected_rows where rule = ?", [TIME_DEPENDENT_RULE]
            ).fetchone()[0]
    except duckdb.Error:
        return None


def _write_docs_after_publish(settings: Settings, manifest: Path) -> DocsReport | str:
    """The docs beside the freshly published file (orchestration/publish/docs.py). The warehouse
    is published by now: docs that cannot be written are reported in the run summary, not a
    failed run."""
    try:
        return write_docs(settings, manifest)
    except (PipelineError, OSError, duckdb.Error) as exc:
        log.warning("docs not written: %s", exc)
        return f"not written: {exc}"


def _controller_summary(state: RunState) -> str:
    """Where the published cost went and what was set aside (run_report.py), for the run's log and
    the asset's metadata; the warehouse is published by now, so a failure here is only logged."""
    try:
        with duckdb.connect(str(state.settings.warehouse), read_only=True) as con:
            state.cost = cost_report(con, state.settings.reporting_currency)
            state.rejections = rejection_report(con)
    except duckdb.Error as exc:
        log.warning("cost and rejection summary not read: %s", exc)
        return f"not read: {exc}"
    rows = state.ingest.rows if state.ingest is not None else {}
    summary = "\n".join([*state.cost.render(), *render_rejections(state.rejections, rows)])
    log.info("%s", summary)
    return summary


def _warehouse(dbt_keys: list[dg.AssetKey], manifest: Path) -> dg.AssetsDefinition:
    @dg.asset(
        key=WAREHOUSE_KEY,
        deps=[RAW_KEY, *dbt_keys],
        group_name="publish",
        description="The published warehouse (CCW_WAREHOUSE): the build's reader tables copied and renamed "
        "over it atomically, only when every blocking check of this run passed (orchestration/publish/warehouse.py).",
    )
    def warehouse(ccw: WarehouseRun) -> dg.MaterializeResult:
        state = ccw.state
        record = _publish(state, manifest)
        data_docs = build_data_docs(state.settings)  # every layer of this run, once
        for layer in state.layers.values():
            layer.data_docs = data_docs
        state.docs = _write_docs_after_publish(state.settings, manifest)
        report = write_after_publish(state.settings.warehouse)  # logs, never fails the published run
        summary = _controller_summary(state)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(state.settings.warehouse)),
                "run_id": state.run_id,
                "published_at": state.published_at.isoformat() + "Z",
                "rows_quarantined": record.rows_quarantined,
                "checks_passed": record.checks_passed,
                "checks_failed": record.checks_failed,
                "report": dg.MetadataValue.path(str(report)) if report else "not written (see the log)",
                "cost_and_rejections": dg.MetadataValue.md(f"```\n{summary}\n```"),
            }
        )

    return warehouse


def build_assets(project: DbtProject) -> list:
    """The assets and checks of the job, the dbt ones from the project's prepared manifest."""
    dbt_models = _dbt_models(project)
    dbt_keys = list(dbt_models.keys)
    staging_keys = [k for k in dbt_keys if dbt_models.group_names_by_key.get(k) == "staging"]
    marts_keys = [k for k in dbt_keys if dbt_models.group_names_by_key.get(k) == "marts"]
    return [
        landing_files,
        raw,
        raw_quality,
        dbt_models,
        _layer_quality(
            "staging",
            STAGING_GUARD,
            staging_keys,
            "Great Expectations staging suite on the staging layer (keys, ranges, every landing "
            "row accounted for as staged, superseded or quarantined).",
        ),
        _layer_quality(
            "marts",
            MARTS_GUARD,
            marts_keys,
            "Great Expectations marts suite on the marts layer (cost reconciliation, totals, "
            "rates within bounds).",
        ),
        _warehouse(dbt_keys, project.manifest_path),
    ]
