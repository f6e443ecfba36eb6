"""Run the Great Expectations suites of a layer and judge the results by the quality policy.

    check_layer(layer, settings, run_id) -> LayerResult   (.passed, .stopping_failures, .results)

How (docs/decisions/quality.md): Great Expectations 1.x has no DuckDB data
source, and pulling a 10-million-row table into pandas would cost more than the
build. So each suite's metrics are computed in DuckDB SQL on the build file
(read-only) - one row per landing file, table, column, month - and those small
frames are validated by Great Expectations (pandas data source, ephemeral
context, suites defined in suites.py). Each expectation names a rule of
quality_policy.yml; the policy says whether its failure stops the run.

Results: `<work dir>/data_docs/index.html` (Great Expectations data docs, the
last KEEP_RUNS runs) and rows for meta.quality_results (LayerResult.rows()).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from orchestration.build.workdir import PRIVATE_DIR_MODE
from orchestration.config import Settings
from orchestration.database import open_build
from orchestration.errors import PipelineError
from orchestration.landing.ingest import ingest
from orchestration.quality import metrics
from orchestration.quality.metrics import RuleSettings
from orchestration.quality.policy import Policy, load_policy
from orchestration.quality.suites import LAYERS, SUITES, Suite

log = logging.getLogger(__name__)

KEEP_RUNS = 30  # runs whose validation results the data docs keep
MAX_DETAILS = 20  # failing items listed per expectation


@dataclass(frozen=True)
class Failure:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class CheckResult:
    layer: str
    suite: str
    expectation: str  # e.g. expect_column_values_to_be_between(unknown_code)
    rule: str
    action: str  # stop | quarantine | warn (the policy's, for this rule)
    success: bool
    observed: str
    failures: list[Failure] = field(default_factory=list)
    notes: str = ""

    @property
    def stops(self) -> bool:
        return not self.success and self.action == "stop"

    def messages(self) -> list[str]:
        """One readable line per failing item: where (file, row), the rule, what."""
        return [f"{f.where}: rule '{self.rule}' broken: {f.what}" for f in self.failures]


@dataclass
class LayerResult:
    layer: str
    run_id: str
    results: list[CheckResult] = field(default_factory=list)
    data_docs: Path | None = None
    checked_at: datetime | None = None

    @property
    def stopping_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.stops]

    @property
    def passed(self) -> bool:
        return not self.stopping_failures

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and not r.stops]

    def rows(self) -> list[tuple]:
        """Rows for meta.quality_results (see publish.QUALITY_RESULTS_DDL)."""
        return [
            (
                self.run_id,
                self.checked_at,
                self.layer,
                r.suite,
                r.expectation,
                r.rule,
                r.action,
                r.success,
                r.observed,
                json.dumps([{"where": f.where, "what": f.what} for f in r.failures]) if r.failures else None,
            )
            for r in self.results
        ]

    def render(self) -> str:
        ok = sum(r.success for r in self.results)
        lines = [
            f"{self.layer}: {ok}/{len(self.results)} expectations met"
            + (f", {len(self.stopping_failures)} STOP" if self.stopping_failures else "")
        ]
        for r in self.results:
            if r.success:
                continue
            lines.append(f"  [{r.action}] {r.suite} {r.rule}: {r.observed}")
            for message in r.messages()[:3]:
                lines.append(f"      {message}")
            if len(r.failures) > 3:
                lines.append(f"      ... {len(r.failures) - 3} more (meta.quality_results, data docs)")
        return "\n".join(lines)


class QualityFailed(PipelineError):
    """A stopping data-quality failure: names file, row and rule; nothing was published."""

    def __init__(self, layers: list[LayerResult]):
        self.layers = layers
        failures = [r for layer in layers for r in layer.stopping_failures]
        lines = [m for r in failures for m in r.messages()] or [f"{r.suite}: {r.rule}" for r in failures]
        shown = lines[:10] + ([f"... and {len(lines) - 10} more"] if len(lines) > 10 else [])
        docs = next((layer.data_docs for layer in layers if layer.data_docs), None)
        text = "\n".join(shown)
        if len(lines) == 1:
            message = f"{text} (data-quality check, {failures[0].layer} layer); the published warehouse is unchanged"
        else:
            message = (
                f"{len(lines)} data-quality failures stop the run; the published warehouse is unchanged:\n"
                + "\n".join("  " + s for s in shown)
            )
        if docs:
            message += f"\nData docs: {docs / 'index.html'}"
        super().__init__(message)


# ---------------------------------------------------------------- Great Expectations
def data_docs_dir(settings: Settings) -> Path:
    return settings.work_dir / "data_docs"


def validations_dir(settings: Settings) -> Path:
    return settings.work_dir / "quality" / "validations"


def _context(settings: Settings):
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    # results on disk, so the data docs list every layer and the last runs, not only this call's
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(validations_dir(settings)),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        data_docs_sites={
            "ccw": {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs_dir(settings)),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _expectation_label(config) -> str:
    column = config.kwargs.get("column")
    return f"{config.type}({column})" if column else config.type


def _observed(result: dict, unit: str, success: bool) -> str:
    total = result.get("element_count", 0)
    bad = result.get("unexpected_count", 0) or 0
    if success:
        return f"all {total} {unit} pass"
    return f"{bad} of {total} {unit} fail"


def _run_suite(
    ctx, suite: Suite, frame: pd.DataFrame, run_id: str, layer: str, policy: Policy
) -> list[CheckResult]:
    source = ctx.data_sources.add_or_update_pandas(f"ccw_{layer}")
    batch = source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("metrics")
    gx_suite = ctx.suites.add(gx.ExpectationSuite(name=suite.name))
    for check in suite.checks:
        gx_suite.add_expectation(check.expectation())
    definition = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validation = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["key"]},
            run_id=RunIdentifier(run_name=run_id),
        )
    by_key = {row["key"]: row for row in frame.to_dict("records")} if len(frame) else {}
    results = []
    for check, expectation_result in zip(suite.checks, validation.results, strict=True):
        config = expectation_result.expectation_config
        outcome = expectation_result.result or {}
        success = bool(expectation_result.success)
        if expectation_result.exception_info and expectation_result.exception_info.get("raised_exception"):
            success = False
            outcome = {"element_count": len(frame), "unexpected_count": len(frame)}
        failures = []
        for item in (outcome.get("unexpected_index_list") or [])[:MAX_DETAILS]:
            row = by_key.get(item.get("key"))
            if row is not None:
                where, what = check.describe(row)
                failures.append(Failure(where, what))
        results.append(
            CheckResult(
                layer=layer,
                suite=suite.name,
                expectation=_expectation_label(config),
                rule=check.rule,
                action=policy.action(check.rule),
                success=success,
                observed=_observed(outcome, suite.unit, success),
                failures=failures,
                notes=config.notes or "",
            )
        )
    return results


def _prune(settings: Settings) -> None:
    """Keep the validation results (store and docs pages) of the last KEEP_RUNS runs."""
    store = validations_dir(settings)
    if not store.is_dir():
        return
    runs = sorted(
        {p.name for suite_dir in store.iterdir() if suite_dir.is_dir() for p in suite_dir.iterdir()}
    )
    for old in runs[:-KEEP_RUNS]:
        for root in (store, data_docs_dir(settings) / "validations"):
            for path in root.glob(f"*/{old}"):
                shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- public API
def build_data_docs(settings: Settings, ctx=None) -> Path | None:
    """The data docs of every stored validation (the last KEEP_RUNS runs, every layer); None when
    they cannot be built (the docs are a report: they never fail a run)."""
    try:
        _prune(settings)
        with contextlib.redirect_stdout(io.StringIO()):  # GX prints the site's resource list
            (ctx or _context(settings)).build_data_docs()
    except Exception as exc:
        log.warning("could not build the data docs: %s", exc)
        return None
    return data_docs_dir(settings)


def run_suites(
    layer: str,
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    policy: Policy | None = None,
    *,
    data_docs: bool = True,
) -> LayerResult:
    """Validate one layer on an open connection (the build file, or a raw-only check database)."""
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {LAYERS}")
    policy = policy or load_policy(settings.policy_file)
    ctx = _context(settings)
    outcome = LayerResult(layer, run_id, checked_at=datetime.now(UTC).replace(tzinfo=None))
    for suite in SUITES[layer]:
        frame = suite.frame(con, RuleSettings.of(settings), policy)
        outcome.results.extend(_run_suite(ctx, suite, frame, run_id, layer, policy))
    if data_docs:
        outcome.data_docs = build_data_docs(settings, ctx)
    level = logging.INFO if outcome.passed else logging.ERROR
    log.log(
        level,
        "quality %s: %d expectations, %d failed, %d stop",
        layer,
        len(outcome.results),
        sum(not r.success for r in outcome.results),
        len(outcome.stopping_failures),
    )
    return outcome


def check_layer(
    layer: str,
    settings: Settings,
    run_id: str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    policy: Policy | None = None,
    data_docs: bool = True,
) -> LayerResult:
    """Run one layer's suites.

    With `con`, on that connection (the pipeline passes its raw or build connection). Without:
    raw loads the landing directory into a temporary database (the build is not touched);
    staging and marts open the build file read-only, with the raw file attached.
    """
    if con is not None:
        return run_suites(layer, con, settings, run_id, policy, data_docs=data_docs)
    if layer == "raw":
        settings.temp_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.temp_dir) as tmp:
            with duckdb.connect(str(Path(tmp) / "raw_check.duckdb")) as raw_con:
                ingest(
                    raw_con,
                    settings.landing_dir,
                    on_file_issue="record",
                    rules=RuleSettings.of(settings),
                    config_dir=settings.config_dir,
                    allow_symlinks=settings.allow_landing_symlinks,
                )
                return run_suites(layer, raw_con, settings, run_id, policy, data_docs=data_docs)
    if not settings.build_db.exists():
        raise PipelineError(f"no build file at {settings.build_db}: run `ccw run` first")
    with open_build(settings) as build:
        return run_suites(layer, build, settings, run_id, policy, data_docs=data_docs)


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(source, rule, rows) of quarantine.rejected_rows, for the run summary."""
    return con.execute(
        "select source, rule, count(*) from quarantine.rejected_rows group by 1, 2 order by 1, 3 desc, 2"
    ).fetchall()


def rejections_over_limit(con: duckdb.DuckDBPyConnection, policy: Policy) -> dict[str, dict]:
    """The sources whose rejected share of this run's rows is above their limit: source ->
    rejected, rows, share, limit (what meta.run_log records when a run publishes anyway)."""
    frame = metrics.staging_rejection_frame(con, policy)
    return {
        row["key"]: {
            "rejected": int(row["rejected"]),
            "rows": int(row["rows"]),
            "share": float(row["share"]),
            "limit": float(row["limit"]),
        }
        for row in frame[frame["over_limit"] == 1].to_dict("records")
    }


__all__ = [
    "CheckResult",
    "LayerResult",
    "QualityFailed",
    "check_layer",
    "load_policy",
    "quarantine_counts",
    "rejections_over_limit",
    "run_suites",
]
