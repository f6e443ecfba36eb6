"""The work directory of a warehouse (<warehouse>.build/): writable, and private to its user.

It holds the raw file (personal data in clear), the build file, dbt's target and logs,
DuckDB's spill files and the data docs. It is created mode 0700, and while a run works
the process creates files 0600 and directories 0700 (umask 077; dbt, started by the run,
inherits it), so no other user of the machine can read them. Only the published file
beside it is meant for others (publish.py gives it PUBLISHED_MODE).
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.config import Settings
from orchestration.errors import PipelineError

PRIVATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no password entry (a container)
        return str(os.getuid())


def _check_writable(folder: Path) -> None:
    """Create and remove a file in `folder`: the one test that also holds for root, read-only
    mounts and access control lists."""
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".ccw-write-test-"):
        pass


def prepare_work_dir(settings: Settings) -> None:
    """Create the work directory (private) beside the published file, or raise a PipelineError
    naming the directory that cannot be written and what to do."""
    folder = settings.warehouse.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _check_writable(folder)
        settings.work_dir.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        settings.work_dir.chmod(PRIVATE_DIR_MODE)  # also a work directory made before it was private
        _check_writable(settings.work_dir)
    except OSError as exc:
        where = exc.filename or folder
        raise PipelineError(
            f"cannot write the warehouse directory {where} ({exc.strerror or exc}): a run writes its "
            f"private build files in {settings.work_dir} and publishes {settings.warehouse} beside "
            f"them. Make {folder} a directory user {_user()} can write, or set CCW_WAREHOUSE "
            "to a file in one; the published warehouse is unchanged."
        ) from exc


@contextmanager
def private_files() -> Iterator[None]:
    """While a run works, everything it creates is private to the user (umask 077)."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
