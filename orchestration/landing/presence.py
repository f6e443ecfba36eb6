"""Is the landing directory there, with every source the last build read rows from?

A nightly run that finds no file for a source removes that source's rows from the
warehouse: right when the company stopped using the channel, a disaster when the
export silently stopped, the share is not mounted, or CCW_LANDING_DIR points at the
wrong folder. The ingest therefore stops, before it changes anything, when:

  - the landing directory does not exist (or is not a directory);
  - a source whose files the last ingest loaded rows from has no file now (all of them,
    for an empty mount point), unless the source is declared retired
    (CCW_RETIRED_SOURCES; its rows then leave the warehouse) or the operator accepts it for
    one run (`ccw run --accept-fewer-rows`, which passes every source as retired).

A source that never delivered (or only empty files) may stay absent: the raw suite
warns (absent_source), as for a channel the company does not use.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from orchestration.contract import SOURCES
from orchestration.errors import PipelineError
from orchestration.landing.files import landing_files
from orchestration.landing.registry import RegisteredFile


class LandingMissing(PipelineError):
    """The landing directory, or a source the last build read rows from, is not there."""


def _rows_per_source(registered: dict[str, RegisteredFile]) -> dict[str, tuple[int, int]]:
    """(files, rows) per source of the loaded files with rows."""
    found: dict[str, tuple[int, int]] = {}
    for f in registered.values():
        if f.loaded and f.rows:
            files, rows = found.get(f.source, (0, 0))
            found[f.source] = (files + 1, rows + int(f.rows))
    return found


def check_presence(
    landing_dir: Path, registered: dict[str, RegisteredFile], retired: Collection[str] = ()
) -> None:
    """Raise LandingMissing when the landing directory or a source loaded before is missing.

    registered: the raw layer's files (raw._landing_files) before this ingest.
    retired: sources that may disappear (CCW_RETIRED_SOURCES)."""
    unknown = sorted(set(retired) - set(SOURCES))
    if unknown:
        raise LandingMissing(
            f"CCW_RETIRED_SOURCES names unknown source(s) {unknown}; the sources are {', '.join(SOURCES)}"
        )
    previous = _rows_per_source(registered)
    before = (
        f" The last build read {sum(r for _, r in previous.values()):,} rows from "
        f"{sum(f for f, _ in previous.values())} file(s) there: is the share mounted?"
        if previous
        else ""
    )
    if not landing_dir.is_dir():
        what = "is not a directory" if landing_dir.exists() else "does not exist"
        raise LandingMissing(
            f"the landing directory {landing_dir} {what}.{before} Nothing was read or published: "
            "set CCW_LANDING_DIR to the folder the exports are delivered to (`ccw run --sample-if-empty` "
            "writes a sample into an empty or new one)."
        )
    gone = {s: n for s, n in previous.items() if s not in retired and not landing_files(landing_dir, s)}
    if not gone:
        return
    if not any(landing_files(landing_dir, s) for s in SOURCES):
        raise LandingMissing(
            f"the landing directory {landing_dir} has no landing file.{before} Nothing was read or "
            "published: mount the share (or point CCW_LANDING_DIR at the delivery folder) and run again."
        )
    names = ", ".join(sorted(gone, key=list(SOURCES).index))
    detail = "; ".join(f"{s}: {rows:,} rows from {files} file(s)" for s, (files, rows) in gone.items())
    raise LandingMissing(
        f"source(s) {names} have no file in {landing_dir}, but the last build read rows from them "
        f"({detail}). Nothing was read or published: restore the files, or, if the company no longer "
        f"delivers them, declare them retired (CCW_RETIRED_SOURCES={','.join(sorted(gone))}) and run "
        "again, or accept it for one run (`ccw run --accept-fewer-rows`): their rows then leave the "
        "warehouse."
    )
