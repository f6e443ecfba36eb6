"""The dbt project and the dbt command line of a build.

`DBT_PROJECT` is dagster-dbt's DbtProject of this repository. Its manifest (`dbt parse`,
no database, no network) is what the Dagster assets are made from: `dagster dev` prepares
it when the code loads (`prepare_if_dev`), `ccw run` prepares it with `prepare_dbt_project`
when a project file changed since it was last prepared, and a deployment can ship it
prepared (`dagster-dbt project prepare-and-package`).

`dbt_resource(settings)` is the DbtCliResource of a warehouse's build: dbt runs through a
small wrapper that dies with the run (`child_executable`), on the settings' private files.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from importlib import metadata
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.build.plan import project_files_digest
from orchestration.build.workdir import PRIVATE_DIR_MODE
from orchestration.config import PROJECT_DIR, Settings
from orchestration.errors import BuildFailed, PipelineError

DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target_path="target")
_PREPARED_DIGEST = "manifest.digest"  # beside the manifest: the project files it was parsed from


def prepare_dbt_project(project: DbtProject = DBT_PROJECT) -> DbtProject:
    """The project with a manifest parsed from the project files as they are now.

    Parses (the project's preparer: `dbt parse`) unless the manifest was parsed from files
    with the same digest; concurrent preparations are guarded by dagster-dbt."""
    digest_file = project.manifest_path.with_name(_PREPARED_DIGEST)
    digest = project_files_digest()
    if project.manifest_path.exists() and digest_file.exists() and digest_file.read_text() == digest:
        return project
    try:
        with dbt_on_path():
            project.preparer.prepare(project)
        json.loads(project.manifest_path.read_text())
    except Exception as exc:  # dbt's own error, or a manifest that is not there or not whole
        raise PipelineError(f"dbt parse failed; the dbt project does not load: {exc}") from exc
    digest_file.write_text(digest)
    return project


@contextmanager
def dbt_on_path() -> Iterator[None]:
    """dbt of this Python environment first on PATH (the project's preparer runs `dbt` by name),
    also when the environment is not activated (`.venv/bin/ccw`, `.venv/bin/dagster dev`)."""
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), saved])
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def child_executable(settings: Settings) -> Path:
    """A wrapper that execs dbt with PR_SET_PDEATHSIG: if the run is killed hard, dbt dies with it
    instead of writing the build file on as an orphan (the next run would find it locked)."""
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
    settings.work_dir.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    path.chmod(stat.S_IRWXU)  # private like everything in the work directory
    return path


class BuildDbt(DbtCliResource):
    """dagster-dbt's DbtCliResource without two start-up costs the build does not use: it asks the
    dbt executable its version (`dbt --version`, a process of its own) and opens a dbt adapter in
    this process (dbt's imports, the profile and project loaded again) for row counts and column
    metadata that dagster-dbt would fetch while dbt writes the build file. The executable is this
    environment's dbt (the `dbt-child` wrapper execs it), so its version is the installed
    dbt-core's; row counts are read once dbt has ended (dagster/assets.py)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(settings: Settings, project: DbtProject = DBT_PROJECT) -> DbtCliResource:
    """dbt for the build of this warehouse (the `dbt` resource of the Dagster job)."""
    return BuildDbt(
        project_dir=project,
        profiles_dir=str(project.profiles_dir),
        dbt_executable=str(child_executable(settings)),
    )


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[None]:
    """The variables profiles.yml and dbt_project.yml read, for the duration of a dbt call
    (DbtCliResource passes the process environment to dbt)."""
    extra: Mapping[str, str] = {**settings.dbt_env(), "CCW_PARENT_PID": str(os.getpid())}
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


def dbt_failures(target_dir: Path) -> str:
    """One line per failed node of the last invocation's run_results.json, then where dbt's log is."""
    results_file = target_dir / "run_results.json"
    failures = []
    if results_file.exists():
        for result in json.loads(results_file.read_text()).get("results", []):
            if result.get("status") in ("error", "fail"):
                failures.append(f"  {result['unique_id']}: {(result.get('message') or '').strip()}")
    return "\n".join([*failures, f"  dbt log: {target_dir / 'dbt.log'}"])


def build_failed(args: list[str], settings: Settings) -> BuildFailed:
    return BuildFailed(
        f"dbt {args[0]} failed; the published warehouse is unchanged.\n{dbt_failures(settings.dbt_target_dir)}"
    )
