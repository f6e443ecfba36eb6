"""What a run of the job shares: the `ccw` resource and the run config.

`WarehouseRun` holds one warehouse's settings. For each run Dagster sets it up: it
takes the build lock (one writer of the build file), makes what the run writes private
to its user (build/workdir.py) and starts a RunState that the assets fill in (ingest
report, build plan, quality results, the first error); after the run, successful or
not, it releases the lock. An in-process caller (`ccw run`)
reads the RunState afterwards from the `RunStates` it passed in.
"""

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
from pydantic import PrivateAttr

from orchestration.build.lock import build_lock
from orchestration.build.plan import BuildPlan
from orchestration.build.workdir import private_files
from orchestration.config import Settings, load_settings
from orchestration.errors import PipelineError
from orchestration.landing.ingest import IngestReport
from orchestration.publish.docs import DocsReport
from orchestration.publish.warehouse import make_run_id
from orchestration.quality.checks import LayerResult
from orchestration.quality.policy import Policy, load_policy
from orchestration.run_report import CostReport, SourceRejections

LAYERS = ("raw", "staging", "marts")


class BuildConfig(dg.Config):
    """Run config of the `raw` step (`ccw run --full-refresh --accept-rejections`, or the launchpad
    in the UI)."""

    full_refresh: bool = False  # reload every landing file and rebuild every model
    # accept, for this run, a warehouse with fewer landing rows of a source than the published one
    # (vanished files included), recorded in meta.run_log (publish.warehouse.check_fewer_rows)
    accept_fewer_rows: bool = False
    # publish even when a source's rejected share is above its limit (recorded in meta.run_log)
    accept_rejections: bool = False


@dataclass
class RunState:
    settings: Settings
    run_id: str
    started_at: datetime
    ingest: IngestReport | None = None
    plan: BuildPlan | None = None  # the mode of this run's dbt build
    layers: dict[str, LayerResult] = field(default_factory=dict)
    quarantined: list[tuple[str, str, int]] = field(default_factory=list)  # (source, rule, rows)
    accept_rejections: bool = False  # BuildConfig.accept_rejections of this run
    rejections_accepted: dict[str, dict] = field(default_factory=dict)  # quality.checks.rejections_over_limit
    published_at: datetime | None = None
    docs: DocsReport | str | None = None  # the docs written after the publish, or why not
    cost: CostReport | None = None  # read from the published file (run_report.py)
    rejections: list[SourceRejections] = field(default_factory=list)  # rows set aside, per source
    error: PipelineError | None = None  # the first error that stopped the run (readable message)
    warnings: list[str] = field(default_factory=list)  # what the run summary prints before its figures
    accept_fewer_rows: bool = False  # BuildConfig.accept_fewer_rows of this run
    fewer_rows_accepted: dict[str, list] = field(default_factory=dict)  # publish.warehouse.check_fewer_rows

    def fail(self, error: PipelineError) -> PipelineError:
        """Record the error that stopped the run (the first one wins) and return it, to raise."""
        if self.error is None:
            self.error = error
        return error

    def policy(self) -> Policy:
        """The quality policy of this run: the file's, with an exceeded rejection limit only
        warning when the run accepts rejections."""
        policy = load_policy(self.settings.policy_file)
        return policy.accepting_rejections() if self.accept_rejections else policy


class RunStates:
    """The RunState of each run of this process, by Dagster run id."""

    def __init__(self) -> None:
        self.by_run_id: dict[str, RunState] = {}


class WarehouseRun(dg.ConfigurableResource):
    """One warehouse's settings; during a run, its RunState and the build lock.

    environment: the settings as their environment variables (Settings.environment(): every
    setting but the secrets, which dbt reads from the process environment)."""

    environment: dict[str, str]
    runs: dg.ResourceDependency[RunStates]

    _state: RunState | None = PrivateAttr(default=None)
    _lock: ExitStack | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, settings: Settings, runs: RunStates | None = None) -> "WarehouseRun":
        return cls(environment=settings.environment(), runs=runs or RunStates())

    @property
    def settings(self) -> Settings:
        return load_settings(self.environment)

    @property
    def state(self) -> RunState:
        if self._state is None:
            raise PipelineError("the ccw resource is used outside a run")
        return self._state

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        started_at = datetime.now(UTC).replace(tzinfo=None)
        self._state = RunState(self.settings, make_run_id(started_at, context.run.run_id), started_at)
        self.runs.by_run_id[context.run.run_id] = self._state
        self._lock = ExitStack()
        try:
            self._lock.enter_context(build_lock(self.settings))
        except PipelineError as exc:
            raise self._state.fail(exc) from exc
        self._lock.enter_context(private_files())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.close()
