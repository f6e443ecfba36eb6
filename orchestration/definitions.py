"""Dagster definitions of the warehouse: `dagster dev -m orchestration.definitions`.

Assets, blocking quality checks and the publish step: orchestration/assets.py.
Schedule and landing sensor: orchestration/sensors.py. Settings come from the
environment (orchestration/config.py), as for `ccw run`, which executes the
same job in-process (orchestration.definitions.execute).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import dagster
from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

from orchestration.assets import (
    JOB_NAME,
    LAYERS,
    RESOURCE_KEY,
    RunState,
    build_assets,
    build_job,
    ccw_resource,
    prepare_manifest,
)
from orchestration.config import Settings, load_settings
from orchestration.errors import PipelineError
from orchestration.sensors import build_schedule, build_sensor


def build_definitions(
    settings: Settings,
    *,
    manifest: Path | None = None,
    states: dict[str, RunState] | None = None,
    sensor_settle_seconds: float | None = None,
    full_refresh: bool = False,
) -> Definitions:
    """Everything for one warehouse. `states` collects each in-process run's RunState by run id.
    full_refresh: the job reloads every landing file and rebuilds every model."""
    manifest = manifest or prepare_manifest(settings)
    job = build_job(settings)
    return Definitions(
        assets=build_assets(settings, manifest),
        jobs=[job],
        schedules=[build_schedule(settings, job)],
        sensors=[build_sensor(settings, job, settle_seconds=sensor_settle_seconds)],
        resources={RESOURCE_KEY: ccw_resource(settings, states, full_refresh=full_refresh)},
    )


def execute(
    settings: Settings,
    *,
    manifest: Path | None = None,
    instance: DagsterInstance | None = None,
    quiet: bool = False,
    full_refresh: bool = False,
) -> tuple[RunState, ExecuteInProcessResult]:
    """Run the job in this process, as the schedule does. Returns (RunState, Dagster result).

    Raises the PipelineError that stopped the run (a readable message; nothing published).
    quiet: dbt's log goes to <work dir>/dbt_last_output.log and Dagster's console log is off
    (the command line prints its own summary or the error).
    full_refresh: reload every landing file and rebuild every model (otherwise the build is
    incremental unless orchestration/incremental.py finds a reason for a full refresh).
    """
    states: dict[str, RunState] = {}
    defs = build_definitions(settings, manifest=manifest, states=states, full_refresh=full_refresh)
    job = defs.resolve_job_def(JOB_NAME)
    if quiet:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
        run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
        with (
            open(settings.work_dir / "dbt_last_output.log", "w") as out,
            contextlib.redirect_stdout(out),
        ):
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    else:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    state = states.get(result.run_id)
    if result.success and state is not None and state.published_at is not None:
        return state, result
    if state is not None and state.error is not None:
        layers = [state.layers[layer] for layer in LAYERS if layer in state.layers]
        if any(not layer.passed for layer in layers):
            from orchestration.quality import QualityFailed

            raise QualityFailed(layers)  # every failing layer, in layer order
        raise state.error
    failures = [e.message for e in result.all_events if e.is_failure]
    raise PipelineError("the run failed; the published warehouse is unchanged.\n" + "\n".join(failures[:5]))


@dagster.definitions
def defs() -> Definitions:
    """Loaded lazily by `dagster dev -m orchestration.definitions` (parses the dbt project once)."""
    return build_definitions(load_settings())
