"""One build per warehouse at a time: the build file has one writer."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.build.workdir import prepare_work_dir
from orchestration.config import Settings
from orchestration.errors import PipelineError


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """An exclusive lock on <work dir>/build.lock; PipelineError when another run holds it (or the
    work directory cannot be written)."""
    prepare_work_dir(settings)
    with open(settings.work_dir / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PipelineError(
                f"another run is building {settings.warehouse}; try again when it ends"
            ) from exc
        yield
