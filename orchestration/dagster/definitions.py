"""Dagster definitions of the warehouse: `dagster dev -m orchestration.dagster.definitions`.

Assets, blocking quality checks and the publish step: assets.py. The `ccw` and `dbt`
resources and the run config: resources.py and orchestration/build/dbt.py. Schedule and
landing sensor: sensors.py. Settings come from the environment (orchestration/config.py),
as for `ccw run`, which executes the same job in-process (`execute`).
"""

from __future__ import annotations

import contextlib
import shutil

import dagster as dg
from dagster_dbt import DbtProject

from orchestration.build.dbt import DBT_PROJECT, dbt_on_path, dbt_resource, prepare_dbt_project
from orchestration.build.workdir import prepare_work_dir, private_files
from orchestration.config import CHECKOUT_DAGSTER_HOME, Settings, load_settings
from orchestration.dagster.assets import build_assets
from orchestration.dagster.event_log import instance_ref
from orchestration.dagster.job import JOB_NAME, build_job
from orchestration.dagster.resources import LAYERS, RunState, RunStates, WarehouseRun
from orchestration.dagster.sensors import build_schedule, build_sensor
from orchestration.errors import PipelineError
from orchestration.quality.checks import QualityFailed


def build_definitions(
    settings: Settings,
    *,
    project: DbtProject = DBT_PROJECT,
    dbt: dg.ConfigurableResource | None = None,
    runs: RunStates | None = None,
    sensor_settle_seconds: float | None = None,
) -> dg.Definitions:
    """Everything for one warehouse, from the project's prepared manifest.

    dbt: the `dbt` resource (default: dbt itself, DbtCliResource); a test passes a stand-in.
    runs: collects each in-process run's RunState by Dagster run id."""
    job = build_job(settings)
    return dg.Definitions(
        assets=build_assets(project),
        jobs=[job],
        schedules=[build_schedule(settings, job)],
        sensors=[build_sensor(settings, job, settle_seconds=sensor_settle_seconds)],
        resources={
            "ccw": WarehouseRun.of(settings, runs),
            "dbt": dbt if dbt is not None else dbt_resource(settings, project),
        },
    )


def _stop_error(state: RunState | None, result: dg.ExecuteInProcessResult) -> PipelineError:
    """The PipelineError that stopped the run: every failing quality layer, else the first error."""
    if state is not None and state.error is not None:
        layers = [state.layers[layer] for layer in LAYERS if layer in state.layers]
        if any(not layer.passed for layer in layers):
            return QualityFailed(layers)  # every failing layer, in layer order
        return state.error
    failures = [e.message for e in result.all_events if e.is_failure]
    return PipelineError("the run failed; the published warehouse is unchanged.\n" + "\n".join(failures[:5]))


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent Dagster instance of the settings (Settings.dagster_instance_dir), as
    `DagsterInstance.get()` loads it with that DAGSTER_HOME: its dagster.yaml, its storage beside it.
    Created on first use, with the checkout's dagster.yaml; the folder is not private (the instance
    holds no data of the warehouse). Its default SQLite storage writes events through
    ConnectedSqliteStorage (event_log.py).
    """
    home = settings.dagster_instance_dir
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # a new instance starts with the checkout's configuration
        shutil.copyfile(CHECKOUT_DAGSTER_HOME / "dagster.yaml", home / "dagster.yaml")
    # the same storage and files, its event log kept connected for the run (event_log.py)
    return dg.DagsterInstance.from_ref(instance_ref(str(home)))


def execute(
    settings: Settings,
    *,
    instance: dg.DagsterInstance | None = None,
    quiet: bool = False,
    full_refresh: bool = False,
    accept_fewer_rows: bool = False,
    accept_rejections: bool = False,
    dbt: dg.ConfigurableResource | None = None,
) -> tuple[RunState, dg.ExecuteInProcessResult]:
    """Run the job in this process, as the schedule does. Returns (RunState, Dagster result).

    instance: default the Dagster instance of the settings (DAGSTER_HOME, else dagster_home/ of the
    checkout: `dagster_instance`), so the run, its materializations and check results are in the
    history `make dagster` shows, beside the runs of the schedule and the sensor.

    Raises the PipelineError that stopped the run (a readable message; nothing published).
    quiet: dbt's log goes to <work dir>/dbt_last_output.log and Dagster's console log is off
    (the command line prints its own summary or the error).
    full_refresh: run config of the `raw` step: reload every landing file and rebuild every model
    (otherwise the build is incremental unless orchestration/build/plan.py finds a reason for a full refresh).
    accept_fewer_rows: run config of the `raw` step: publish although a source has fewer landing rows
    than in the published warehouse (publish.warehouse.check_fewer_rows); meta.run_log records it.
    accept_rejections: run config of the `raw` step: publish even when a source's rejected share is
    above its limit (quality_policy.yml), recorded in meta.run_log.
    dbt: the `dbt` resource (a test's stand-in); default dbt itself.
    """
    prepare_work_dir(settings)  # before private_files: the published file's folder is not private
    runs = RunStates()
    defs = build_definitions(settings, project=prepare_dbt_project(), dbt=dbt, runs=runs)
    job = defs.resolve_job_def(JOB_NAME)
    build_config = {
        "full_refresh": full_refresh,
        "accept_fewer_rows": accept_fewer_rows,
        "accept_rejections": accept_rejections,
    }
    run_config: dict = {"ops": {"raw": {"config": build_config}}}
    with contextlib.ExitStack() as stack:
        if instance is None:
            instance = stack.enter_context(dagster_instance(settings))
        stack.enter_context(private_files())
        if quiet:
            run_config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
            out = stack.enter_context(open(settings.work_dir / "dbt_last_output.log", "w"))
            stack.enter_context(contextlib.redirect_stdout(out))
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    state = runs.by_run_id.get(result.run_id)
    if result.success and state is not None and state.published_at is not None:
        return state, result
    raise _stop_error(state, result)


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev -m orchestration.dagster.definitions`: the manifest is parsed at load
    under `dagster dev`; elsewhere it must have been prepared (`dagster-dbt project prepare-and-package`
    or a `ccw run`)."""
    with dbt_on_path():
        DBT_PROJECT.prepare_if_dev()
    return build_definitions(load_settings())
