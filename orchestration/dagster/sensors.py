"""When the job runs: a nightly schedule and a sensor on the landing directory.

Their settings (CCW_SCHEDULE_CRON, CCW_SCHEDULE_TIMEZONE, CCW_SENSOR_INTERVAL,
CCW_SENSOR_SETTLE) are declared in orchestration/config.py with the others. A file
must be unchanged for CCW_SENSOR_SETTLE seconds before it counts: a file still being
copied is not picked up half-written.

The schedule skips its tick when there is nothing to do (orchestration/build/quiet.py: no landing
file, configuration, project file or setting changed since the published build): the tick's
skip reason in the Dagster UI is the record of that night. It writes nothing (Dagster evaluates a
schedule also to test it); `ccw run` on such a night records a row in the run log beside the
published file.

Both start stopped; turn them on in the UI (Automation) or with `dagster schedule start` /
`dagster sensor start`. Neither starts a run while another run of the job is queued or in
progress: the build file has one writer (the build lock enforces it as well).
"""

from __future__ import annotations

import time

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)

from orchestration.build.quiet import has_nothing_to_do
from orchestration.config import Settings
from orchestration.dagster.job import JOB_NAME, run_tags
from orchestration.landing.files import landing_fingerprint, newest_landing_mtime

ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def run_in_progress(instance) -> bool:
    return bool(instance.get_run_records(RunsFilter(job_name=JOB_NAME, statuses=ACTIVE), limit=1))


def build_schedule(settings: Settings, job):
    @schedule(
        name="ccw_nightly",
        job=job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.effective_schedule_timezone,
        default_status=DefaultScheduleStatus.STOPPED,
        description="Nightly build and publish (CCW_SCHEDULE_CRON, CCW_SCHEDULE_TIMEZONE).",
    )
    def ccw_nightly(context: ScheduleEvaluationContext):
        if run_in_progress(context.instance):
            return SkipReason("a build of the warehouse is in progress")
        published = has_nothing_to_do(settings)
        if published is not None:
            return SkipReason(
                "nothing to do: no landing file, configuration, project file or setting changed since "
                f"the published build {published.get('run_id')}; {settings.warehouse} is unchanged"
            )
        tick = context.scheduled_execution_time
        return RunRequest(
            run_key=f"nightly-{tick.isoformat() if tick else time.time()}",
            tags={**run_tags(settings), "ccw/trigger": "schedule"},
        )

    return ccw_nightly


def build_sensor(settings: Settings, job, *, settle_seconds: float | None = None):
    settle = settings.sensor_settle if settle_seconds is None else settle_seconds

    @sensor(
        name="ccw_landing_sensor",
        job=job,
        minimum_interval_seconds=settings.sensor_interval,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"A run when files in {settings.landing_dir} are new or changed "
        "(cursor: fingerprint of relative path, size and mtime of every landing file).",
    )
    def ccw_landing_sensor(context: SensorEvaluationContext):
        fingerprint = landing_fingerprint(settings.landing_dir, settings.config_dir)
        if fingerprint == context.cursor:
            return SkipReason("no new or changed landing files")
        if newest_landing_mtime(settings.landing_dir, settings.config_dir) == 0.0:
            return SkipReason(f"no landing files in {settings.landing_dir}")
        if time.time() - newest_landing_mtime(settings.landing_dir, settings.config_dir) < settle:
            return SkipReason(
                f"a landing file changed less than {settle:.0f} s ago; waiting for it to settle"
            )
        if run_in_progress(context.instance):
            # cursor not advanced: the next tick after the run looks again
            return SkipReason("a build of the warehouse is in progress")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=fingerprint, tags={**run_tags(settings), "ccw/trigger": "landing_sensor"})

    return ccw_landing_sensor
