"""Build the warehouse on Spark: raw layer by Spark's readers, then `dbt build --target spark`.

The models, seeds, data tests and unit tests are the DuckDB build's; only the
target differs (profiles.yml `spark`). Each step is its own process (Derby, the
local metastore, has one process at a time): the loader, then dbt, whose
session method starts its own local Spark on the same catalog.

Command line:
  python -m orchestration.spark build [--landing DIR] [--select ...]
  python -m orchestration.spark ingest [--landing DIR]
with CCW_WAREHOUSE / CCW_LANDING_DIR as for `ccw run`. Nothing is published:
the tables stay in the Spark warehouse <warehouse>.build/spark/.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from orchestration.build.workdir import prepare_work_dir, private_files
from orchestration.config import PROJECT_DIR, Settings, load_settings
from orchestration.configuration import prepare_build_seeds
from orchestration.errors import PipelineError
from orchestration.spark.session import dbt_env, spark_dir

log = logging.getLogger(__name__)


class SparkBuildFailed(PipelineError):
    pass


@dataclass(frozen=True)
class SparkBuildTimes:
    ingest_seconds: float
    dbt_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.ingest_seconds + self.dbt_seconds


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def _run(cmd: list[str], settings: Settings, what: str, log_name: str) -> None:
    """Run a step in its own process; what it writes is private to the user (build/workdir.py)."""
    env = {**os.environ, **dbt_env(settings)}
    prepare_work_dir(settings)
    with private_files():
        proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
        (settings.work_dir / log_name).write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SparkBuildFailed(
            f"{what} failed (log: {settings.work_dir / log_name}):\n{_failures(settings, proc)}"
        )


def _failures(settings: Settings, proc: subprocess.CompletedProcess) -> str:
    results = settings.work_dir / "dbt_target_spark" / "run_results.json"
    lines = []
    if results.exists() and "dbt" in proc.args[0]:
        for result in json.loads(results.read_text()).get("results", []):
            if result.get("status") in ("error", "fail"):
                lines.append(f"  {result['unique_id']}: {(result.get('message') or '').strip()[:500]}")
    if lines:
        return "\n".join(lines)
    return "\n".join("  " + line for line in (proc.stdout + proc.stderr).strip().splitlines()[-20:])


def ingest(settings: Settings) -> float:
    """Load raw.<source> on Spark from settings.landing_dir; seconds taken."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "orchestration.spark.ingest", "--landing", str(settings.landing_dir)]
    _run(cmd, settings, "Spark raw load", "spark_ingest.log")
    return time.perf_counter() - t0


def run_dbt(settings: Settings, args: list[str]) -> float:
    """`dbt <args> --target spark` on the build's Spark catalog; seconds taken."""
    t0 = time.perf_counter()
    cmd = [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    _run(cmd, settings, f"dbt {args[0]} on Spark", "dbt_spark_output.log")
    return time.perf_counter() - t0


def build(settings: Settings, dbt_args: list[str] | None = None) -> SparkBuildTimes:
    """Raw layer, then dbt build (models, seeds, data and unit tests) on Spark."""
    spark_dir(settings).mkdir(parents=True, exist_ok=True)
    prepare_build_seeds(settings)
    ingest_seconds = ingest(settings)
    dbt_seconds = run_dbt(settings, ["build", *(dbt_args or [])])
    return SparkBuildTimes(ingest_seconds, dbt_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.spark", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="raw layer + dbt build on Spark")
    p_build.add_argument("--landing", type=Path, help="landing directory (default: CCW_LANDING_DIR)")
    p_build.add_argument(
        "dbt_args", nargs=argparse.REMAINDER, help="extra dbt build arguments, e.g. --select marts"
    )
    p_ingest = sub.add_parser("ingest", help="only the raw layer")
    p_ingest.add_argument("--landing", type=Path, help="landing directory (default: CCW_LANDING_DIR)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.landing:
        settings = replace(settings, landing_dir=args.landing.resolve())
    try:
        if args.command == "ingest":
            print(f"raw layer loaded on Spark in {ingest(settings):.1f} s")
        else:
            times = build(settings, args.dbt_args)
            print(
                f"Spark build of {settings.landing_dir}: raw {times.ingest_seconds:.1f} s + dbt build "
                f"{times.dbt_seconds:.1f} s = {times.total_seconds:.1f} s; tables in {spark_dir(settings)}"
            )
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
