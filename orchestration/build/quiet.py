"""A quiet night: nothing changed since the published build, so the run builds and publishes nothing.

After every publish the run writes `<work dir>/published_inputs.json` (write_published_inputs):

  inputs          sha256 of everything the published file was built from: the landing files
                  (relative path, size, mtime of every contract file, mapped vendor export and
                  mapping file: landing_fingerprint), the project fingerprint that forces a full
                  refresh (plan.project_fingerprint: project files, configuration seeds as the
                  build read them, quality policy, pinned versions, the settings dbt reads, the
                  landing directory), the files of the configuration folder (CCW_CONFIG_DIR) as
                  they are, and every setting of a run (CCW_THREADS included: a changed one costs
                  a build, never a wrong "nothing to do")
  published       inode, size and mtime of the published file it describes
  time_dependent  rows of the published build set aside by the time-dependent rule
                  (future_timestamp, plan.TIME_DEPENDENT_RULE), which a later run may judge otherwise

A run has nothing to do (quiet_night) when that file exists, the published file is the one it
describes, the inputs digest of now is the same and no row was time-dependent. The run then
appends its row (status 'nothing to do') to the run log beside the published file
(publish/warehouse.py) and stops; the published file is not opened (docs/decisions/orchestration.md
O10). A file changed back to its published bytes but with another mtime is a change here: the run
builds, finds nothing new (the registry compares content, landing/registry.py) and publishes.

This module imports no Dagster, dbt or Great Expectations: `ccw run` decides before loading them.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.build.lock import build_lock
from orchestration.build.plan import TIME_DEPENDENT_RULE, files_digest, project_fingerprint
from orchestration.build.workdir import private_files
from orchestration.config import Settings, declared, pii_salt_is_default, text_of
from orchestration.landing.files import landing_fingerprint
from orchestration.publish.delta import identity
from orchestration.publish.warehouse import NOTHING_TO_DO, append_run_beside, make_run_id

INPUTS_FILE = "published_inputs.json"


def inputs_digest(settings: Settings) -> str:
    """sha256 of everything a published build depends on (the module's docstring)."""
    digest = hashlib.sha256()
    digest.update(b"landing\0" + landing_fingerprint(settings.landing_dir, settings.config_dir).encode())
    digest.update(b"\0project\0" + project_fingerprint(settings).encode())
    digest.update(b"\0configuration\0" + files_digest(settings.configuration_dir, (".",)).encode())
    for name, spec in declared():
        if name and spec.group == "run":
            digest.update(f"\0{spec.env}={text_of(getattr(settings, name))}".encode())
    return digest.hexdigest()


def _published(settings: Settings) -> list[int] | None:
    """The published file's identity as the JSON record keeps it (a list)."""
    found = identity(settings.warehouse)
    return list(found) if found else None


def write_published_inputs(settings: Settings, run_id: str, time_dependent_rows: int | None) -> None:
    """After a publish (the build lock held): what the published file was built from."""
    path = settings.work_dir / INPUTS_FILE
    record = {
        "run_id": run_id,
        "inputs": inputs_digest(settings),
        "published": _published(settings),
        "time_dependent_rows": time_dependent_rows,
        "time_dependent_rule": TIME_DEPENDENT_RULE,
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(temporary, path)


def forget_published_inputs(settings: Settings) -> None:
    """A run that builds: until it publishes, no run may find nothing to do."""
    (settings.work_dir / INPUTS_FILE).unlink(missing_ok=True)


def _published_inputs(settings: Settings) -> dict | None:
    try:
        return json.loads((settings.work_dir / INPUTS_FILE).read_text())
    except (OSError, ValueError):
        return None


def has_nothing_to_do(settings: Settings) -> dict | None:
    """The record of the published build when nothing changed since it (else None)."""
    record = _published_inputs(settings)
    if (
        record is None
        or record.get("time_dependent_rows") != 0
        or record.get("published") != _published(settings)
    ):
        return None
    try:
        same = record.get("inputs") == inputs_digest(settings)
    except OSError:  # a landing or configuration folder that cannot be read: the build says why
        return None
    return record if same else None


@dataclass
class QuietNight:
    """A run that found nothing to do: what `ccw run` prints."""

    run_id: str
    warehouse: Path
    published_run_id: str
    run_log: Path
    seconds: float = 0.0

    def render(self) -> str:
        return "\n".join(
            [
                f"Run {self.run_id}: nothing to do ({self.seconds:.2f} s). No landing file, configuration, "
                "project file or setting changed since the published build",
                f"  ({self.published_run_id}); {self.warehouse} is unchanged.",
                f"Recorded as '{NOTHING_TO_DO}' in {self.run_log} (meta.run_log gets it at the next publish).",
            ]
        )


def quiet_night(settings: Settings) -> QuietNight | None:
    """When nothing changed since the published build: record the run ('nothing to do') and return
    it; else None (the caller builds). Raises PipelineError when another run is building."""
    started_at = datetime.now(UTC).replace(tzinfo=None)
    with private_files(), build_lock(settings):  # the lock file is private like the work dir
        record = has_nothing_to_do(settings)
        if record is None:
            return None
        run_id = make_run_id(started_at, uuid.uuid4().hex)
        run_log = append_run_beside(
            settings.warehouse,
            {
                "run_id": run_id,
                "started_at": started_at.isoformat(),
                "finished_at": datetime.now(UTC).replace(tzinfo=None).isoformat(),
                "landing_dir": str(settings.landing_dir),
                "status": NOTHING_TO_DO,
                "default_pii_salt": pii_salt_is_default(),
            },
        )
    return QuietNight(run_id, settings.warehouse, record.get("run_id", "?"), run_log)
