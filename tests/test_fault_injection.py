"""A run killed at any step leaves the published file as it was, and the next run publishes
exactly what a clean build gives.

A warehouse is built and published from a small landing directory; then the next
night's files arrive. `ccw run` is started as its own process and killed with
SIGKILL (no clean-up of any kind) at one step:

  ingest    inside the ingest's transaction, after the night's rows were written
  dbt       in the middle of the dbt build (dbt dies with the run, PR_SET_PDEATHSIG)
  publish   after the copy of the build beside the published file, before the rename

The kill comes from the process itself, at a fixed point of the code (the
function that runs there, or the stream of the job's `dbt` resource, is replaced
by os.kill(SIGKILL) in that process), so
the moment is exact, not a matter of timing. After each kill the published file
is byte for byte the one before, and the next run (incremental: the killed run
left nothing marked as built) publishes a warehouse equal, table by table and
row for row, to a clean build of the same landing files (the published marts and
quarantine, and the staging and intermediate tables of the build file behind them). Each kill starts from
a copy of the same warehouse, so the three share one clean build. The killed runs
are whole `ccw run`s; the builds in this process (the first one, the runs after a
kill) leave dbt's data and unit tests out: the comparison is the test here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from conftest import clean_build, make_settings, models_only_build_args, published_differences

from orchestration.pipeline import run
from orchestration.tools.generator import generate

pytestmark = [pytest.mark.slow, pytest.mark.nightly]

VOLUME = dict(contacts_per_day=16, agents=6, seed=9)
FIRST_DAY = date(2026, 10, 20)

# `ccw run` in a process that kills itself with SIGKILL where argv[1] says
KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    step = sys.argv[1]
    if step == "ingest":
        import orchestration.landing.ingest as ingest
        ingest.store_file_metrics = die  # the last write of the ingest's transaction
    elif step == "dbt":
        import dagster as dg
        from dagster_dbt import DbtCliResource
        import orchestration.dagster.definitions as definitions

        class DiesMidway:
            def __init__(self, invocation):
                self.invocation = invocation

            def stream(self):
                for n, event in enumerate(self.invocation.stream()):
                    yield event
                    if n == 40:  # some models of the night are written, most are not
                        die()

            def is_successful(self):
                return self.invocation.is_successful()

        class DyingDbt(dg.ConfigurableResource):
            dbt: DbtCliResource

            def cli(self, args, **kwargs):
                return DiesMidway(self.dbt.cli(args, **kwargs))

        real_resource = definitions.dbt_resource  # the job's `dbt` resource: dbt itself
        definitions.dbt_resource = lambda *args, **kwargs: DyingDbt(dbt=real_resource(*args, **kwargs))
    elif step == "publish":
        import orchestration.publish.warehouse as publish
        publish._fsync = die  # the copy is complete beside the published file, not renamed over it
    from orchestration.cli import main
    sys.exit(main(["run"]))
    """
)


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A published warehouse (a copy kept to start each kill from), the next night's files
    delivered, and the clean build of the landing with them."""
    import orchestration.dagster.assets as assets

    root = tmp_path_factory.mktemp("fault_injection")
    landing = root / "landing"
    generate(out_dir=landing, start=FIRST_DAY, days=8, **VOLUME)
    settings = make_settings(root / "wh", landing)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "dbt_build_args", models_only_build_args)
        run(settings)
        before = root / "before-the-night"
        shutil.copytree(settings.warehouse.parent, before)
        generate(out_dir=landing, start=date(2026, 10, 28), days=6, **VOLUME)  # crosses into November
        reference = clean_build(make_settings(root / "clean", landing))
        yield settings, before, reference


@pytest.mark.parametrize("step", ["ingest", "dbt", "publish"])
def test_a_run_killed_at_a_step_changes_nothing_and_the_next_run_publishes_a_clean_build(night, step):
    settings, before, reference = night
    shutil.rmtree(settings.warehouse.parent)
    shutil.copytree(before, settings.warehouse.parent)
    published = _sha256(settings.warehouse)
    env = {
        **os.environ,
        "CCW_LANDING_DIR": str(settings.landing_dir),
        "CCW_WAREHOUSE": str(settings.warehouse),
        "CCW_THREADS": str(settings.threads),
        "CCW_MEMORY_LIMIT": settings.memory_limit,
        "CCW_BUSINESS_TIMEZONE": settings.business_timezone,
    }
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, step], env=env, capture_output=True, text=True, timeout=1200
    )
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-2000:] + killed.stderr[-2000:]
    assert _sha256(settings.warehouse) == published, f"the run killed at {step} changed the published file"
    if step == "publish":  # the copy it was about to rename is left beside the published file
        assert settings.warehouse.with_name(f".{settings.warehouse.name}.publishing").exists()

    again = run(settings)
    assert again.build.startswith("incremental"), again.build
    assert again.ingest.loaded_files or step != "ingest"  # the killed ingest loaded nothing for good
    problems = published_differences(settings, reference)
    assert not problems, f"after a kill at {step}:\n" + "\n".join(problems)
    assert not settings.warehouse.with_name(f".{settings.warehouse.name}.publishing").exists()
