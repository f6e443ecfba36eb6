"""Dagster orchestration (orchestration/dagster/): the job `ccw run`, the schedule and the sensor run.

Three full builds on the small landing, in order on one warehouse: the first
materializes the whole graph, the second runs while a reader queries the
published file, the third follows a run killed hard during the dbt build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)

from orchestration.build.dbt import prepare_dbt_project
from orchestration.build.lock import build_lock
from orchestration.config import PROJECT_DIR
from orchestration.dagster import assets
from orchestration.dagster.assets import MARTS_GUARD, RAW_KEY, STAGING_GUARD, WAREHOUSE_KEY
from orchestration.dagster.definitions import build_definitions, execute
from orchestration.dagster.job import JOB_NAME
from orchestration.dagster.resources import RunStates
from orchestration.errors import PipelineError
from orchestration.quality.checks import CheckResult, Failure

# the job's runs record into the persistent instance of DAGSTER_HOME (conftest: dagster_history)
pytestmark = [pytest.mark.slow, pytest.mark.dagster_history]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_ids(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute("select run_id from meta.run_log order by finished_at").fetchall()]


@pytest.fixture(scope="module")
def orch(tmp_path_factory, small_landing):
    """One warehouse the module's runs share, built once by the job (full build 1 of 3)."""
    settings = make_settings(tmp_path_factory.mktemp("orch"), small_landing)
    project = prepare_dbt_project()  # as `ccw run` does
    state, result = execute(settings, quiet=True)
    return settings, project, state, result


def test_definitions_graph_checks_schedule_and_sensor(orch, tmp_path):
    settings, project, *_ = orch
    settings = replace(settings, schedule_cron="30 3 * * 1-5")
    other = replace(settings, warehouse=tmp_path / "never_built.duckdb")  # a first night: work to do
    defs = build_definitions(other, project=project)
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    groups = {graph.get(k).group_name for k in keys}
    assert {"landing", "raw", "seeds", "staging", "intermediate", "marts", "publish"} <= groups
    dbt_keys = {k for k in keys if graph.get(k).group_name in ("seeds", "staging", "intermediate", "marts")}
    assert AssetKey(["marts", "fct_channel_costs_monthly"]) in dbt_keys
    # every dbt model reads raw through its sources; publish is downstream of all of it
    assert RAW_KEY in graph.get(AssetKey(["staging", "base_telephony__calls"])).parent_keys
    assert dbt_keys | {RAW_KEY} <= graph.get(WAREHOUSE_KEY).parent_keys
    quality = {k for k in graph.asset_check_keys if k.name.endswith("_quality")}
    assert {(k.asset_key, k.name) for k in quality} == {
        (RAW_KEY, "raw_quality"),
        (STAGING_GUARD, "staging_quality"),
        (MARTS_GUARD, "marts_quality"),
    }
    assert all(graph.get_check_spec(k).blocking for k in quality)

    schedule = defs.resolve_schedule_def("ccw_nightly")
    assert schedule.cron_schedule == "30 3 * * 1-5"
    assert schedule.execution_timezone == settings.business_timezone
    assert schedule.job_name == JOB_NAME
    with instance_for_test() as instance:
        tick = schedule.evaluate_tick(
            build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 23, 3, 30))
        )
        # a night with nothing new since the published build: the tick is skipped, saying why
        before = sha256(settings.warehouse)
        quiet = build_definitions(settings, project=project).resolve_schedule_def("ccw_nightly")
        skipped = quiet.evaluate_tick(build_schedule_context(instance=instance))
    assert len(tick.run_requests) == 1
    assert tick.run_requests[0].tags["ccw/warehouse"] == str(other.warehouse)
    assert not skipped.run_requests and skipped.skip_message.startswith("nothing to do")
    assert sha256(settings.warehouse) == before
    assert defs.resolve_sensor_def("ccw_landing_sensor").job_name == JOB_NAME


def test_sensor_one_run_per_new_set_of_files(orch, tmp_path, small_landing):
    settings, project, *_ = orch
    landing = tmp_path / "landing"
    (landing / "telephony_calls").mkdir(parents=True)
    first = sorted((small_landing / "telephony_calls").iterdir())[0]
    shutil.copy2(first, landing / "telephony_calls" / first.name)
    defs = build_definitions(make_settings(tmp_path, landing), project=project, sensor_settle_seconds=0)
    sensor = defs.resolve_sensor_def("ccw_landing_sensor")
    instance = DagsterInstance.ephemeral()

    tick = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=None))
    assert len(tick.run_requests) == 1
    first_key, cursor = tick.run_requests[0].run_key, tick.cursor
    assert first_key == cursor

    again = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    assert again.run_requests == [] and again.skip_message

    shutil.copy2(first, landing / "telephony_calls" / ("z_" + first.name))  # a new delivery
    new = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    assert len(new.run_requests) == 1 and new.run_requests[0].run_key not in (first_key, None)

    # never two runs at once: while a run of the job is in progress the sensor waits (cursor kept)
    from dagster._core.test_utils import create_run_for_test

    create_run_for_test(instance, job_name=JOB_NAME, status=DagsterRunStatus.STARTED)
    busy = sensor.evaluate_tick(build_sensor_context(instance=instance, cursor=cursor))
    assert busy.run_requests == [] and "in progress" in busy.skip_message

    # a file still being written is not picked up until it settles
    settling = build_definitions(
        make_settings(tmp_path, landing), project=project, sensor_settle_seconds=3600
    )
    wait = settling.resolve_sensor_def("ccw_landing_sensor").evaluate_tick(
        build_sensor_context(instance=DagsterInstance.ephemeral(), cursor=cursor)
    )
    assert wait.run_requests == [] and "settle" in wait.skip_message


def test_job_materializes_the_whole_graph(orch):
    settings, project, state, result = orch
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    defs = build_definitions(settings, project=project)
    graph = defs.resolve_asset_graph()
    assert materialized == {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations["raw_quality"] and evaluations["staging_quality"] and evaluations["marts_quality"]
    assert all(evaluations.values()), [k for k, v in evaluations.items() if not v]
    assert run_ids(settings.warehouse) == [state.run_id]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_interactions").fetchone()[0] > 0
        assert (
            con.execute(
                "select count(*) from meta.quality_results where run_id = ?", [state.run_id]
            ).fetchone()[0]
            > 0
        )


def test_the_run_is_recorded_in_the_dagster_instance_of_dagster_home(orch):
    """`ccw run` executes the job on the persistent instance (DAGSTER_HOME; the tests' own, set in
    conftest), so `make dagster` shows the run, each model's materialization with its row count and
    dbt's timing, and the quality checks."""
    settings, project, state, result = orch
    assert settings.dagster_instance_dir == Path(os.environ["DAGSTER_HOME"])
    with DagsterInstance.from_config(str(settings.dagster_instance_dir)) as instance:
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        assert state.run_id.endswith(result.run_id[:8])
        logs = instance.all_logs(result.run_id)
    materialized = {
        e.dagster_event.asset_key: e.dagster_event.step_materialization_data.materialization.metadata
        for e in logs
        if e.dagster_event is not None
        and e.dagster_event.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        interactions = con.execute("select count(*) from marts.fct_interactions").fetchone()[0]
    facts = materialized[MARTS_GUARD]
    assert facts["dagster/row_count"].value == interactions > 0
    assert facts["Execution Duration"].value > 0
    assert materialized[RAW_KEY]["rows"].value > 0 and WAREHOUSE_KEY in materialized
    checks = {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.passed
        for e in logs
        if e.dagster_event is not None
        and e.dagster_event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    }
    assert checks["raw_quality"] and checks["staging_quality"] and checks["marts_quality"]


def test_failing_blocking_check_stops_dbt_and_publish(orch, monkeypatch):
    settings, project, *_ = orch
    real = assets.check_layer

    def failing(layer, *args, **kwargs):
        result = real(layer, *args, **kwargs)
        result.results.append(
            CheckResult(
                layer=layer,
                suite="injected",
                expectation="expect_injected",
                rule="unreadable_file",
                action="stop",
                success=False,
                observed="1 of 1 files fail",
                failures=[Failure("telephony_calls/injected.csv", "injected failure")],
            )
        )
        return result

    monkeypatch.setattr(assets, "check_layer", failing)
    before = sha256(settings.warehouse)
    runs = RunStates()
    defs = build_definitions(settings, project=project, runs=runs)
    result = defs.resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert not result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {RAW_KEY}  # dbt and the publish step never ran
    state = runs.by_run_id[result.run_id]
    assert isinstance(state.error, PipelineError) and "injected failure" in str(state.error)
    assert sha256(settings.warehouse) == before
    with pytest.raises(PipelineError, match="injected failure"):
        execute(settings, quiet=True)
    assert sha256(settings.warehouse) == before


def test_a_second_run_while_one_builds_stops_at_once(orch):
    """The build file has one writer: a run that finds the build lock taken touches nothing."""
    settings, project, *_ = orch
    before = sha256(settings.warehouse)
    with build_lock(settings):
        with pytest.raises(PipelineError, match="another run is building"):
            execute(settings, quiet=True)
    assert sha256(settings.warehouse) == before


READER = textwrap.dedent(
    """
    import duckdb, json, os, sys, time
    con = duckdb.connect(sys.argv[1], read_only=True)
    n, errors, seen = 0, [], set()
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        try:
            con.execute("select channel, count(*) from marts.fct_interactions group by 1").fetchall()
            seen.add(con.execute("select max(run_id) from meta.run_log").fetchone()[0])
            n += 1
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.02)
    print(json.dumps({"queries": n, "errors": errors, "seen": sorted(seen)}), flush=True)
    """
)


def test_reader_never_errors_during_a_run(orch, tmp_path):
    """Full build 2 of 3: a BI reader holds the published file open and queries it throughout."""
    settings, project, *_ = orch
    previous = run_ids(settings.warehouse)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.warehouse), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "ready"
        state, result = execute(settings, quiet=True)
        assert result.success
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["queries"] > 50
    assert report["seen"] == [max(previous)]  # a connected reader keeps the warehouse it opened
    assert run_ids(settings.warehouse) == [*previous, state.run_id]  # a new connection sees the new run


# what a `ccw run` does (orchestration.dagster.definitions.execute with the environment's settings)
RUN_CMD = [
    sys.executable,
    "-c",
    "from orchestration.config import load_settings; from orchestration.dagster.definitions import execute; "
    "execute(load_settings(), quiet=True)",
]


def _dbt_children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat_fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat_fields[1]) == pid and any(b"dbt" in c for c in cmdline) and b"build" in cmdline:
            found.append(int(proc.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the dbt process through /proc")
def test_run_killed_during_dbt_leaves_published_file_and_next_run_succeeds(orch, tmp_path):
    """SIGKILL of a `ccw run` process during the dbt build; then full build 3 of 3."""
    settings, project, *_ = orch
    before = sha256(settings.warehouse)
    previous = run_ids(settings.warehouse)
    env = {
        **os.environ,
        "CCW_LANDING_DIR": str(settings.landing_dir),
        "CCW_WAREHOUSE": str(settings.warehouse),
        "CCW_THREADS": str(settings.threads),
        "CCW_MEMORY_LIMIT": settings.memory_limit,
        "CCW_BUSINESS_TIMEZONE": settings.business_timezone,
    }
    output = tmp_path / "run.log"
    with open(output, "wb") as log:
        proc = subprocess.Popen(RUN_CMD, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        children: list[int] = []
        while not children and time.monotonic() < deadline and proc.poll() is None:
            children = _dbt_children(proc.pid)
            time.sleep(0.2)
        assert children, (
            f"no dbt build process appeared (the run's exit status {proc.poll()}); its output ends:\n"
            + output.read_text(errors="replace")[-3000:]
        )
        time.sleep(8)  # well inside the build (models are being written to the build file)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # dbt dies with the run (PR_SET_PDEATHSIG) instead of writing on as an orphan
    deadline = time.monotonic() + 20
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(c) for c in children)
    assert sha256(settings.warehouse) == before
    # a leftover of a run killed while publishing is cleared by the next publish
    leftover = settings.warehouse.with_name(f".{settings.warehouse.name}.publishing")
    leftover.write_bytes(b"half a file")

    state, result = execute(settings, quiet=True)
    assert result.success
    assert run_ids(settings.warehouse) == [*previous, state.run_id]
    assert not leftover.exists()


def test_dagster_home_caps_runs_per_warehouse_at_one(tmp_path, monkeypatch):
    """`make dagster` uses dagster_home/dagster.yaml: it must load and queue a second run of a warehouse."""
    home = tmp_path / "dagster_home"  # a copy: the instance writes its storage beside the file
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.from_config(str(home)) as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": "ccw/warehouse", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
