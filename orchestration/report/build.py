"""Write the report of a published warehouse: <warehouse>.report/index.html."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.publish.warehouse import PUBLISHED_DIR_MODE, readable_like_published
from orchestration.report.pages import PAGES
from orchestration.report.render import render
from orchestration.report.source import ReportSource, read_period

log = logging.getLogger(__name__)

TITLE = "Contact cost and service report"


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    seconds: float


def report_dir(warehouse: Path) -> Path:
    """Beside the published file: contact_cost.duckdb -> contact_cost.duckdb.report/."""
    return warehouse.with_name(warehouse.name + ".report")


def write_report(warehouse: Path, out_dir: Path | None = None) -> ReportResult:
    """Read the published warehouse (read-only) and write index.html into out_dir
    (default report_dir(warehouse)). The file is replaced by a rename: a reader who has it
    open sees the previous report or the new one, never half of one."""
    t0 = time.perf_counter()
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no published warehouse (run `ccw run` first)")
    with ReportSource(warehouse) as source:
        period = read_period(source)
        pages = [page(source, period) for page in PAGES]
        channels = [name for _, name in sorted(source.channels.values())]
        run = {}
        if not source.missing("meta.run_log"):
            run = source.one("select run_id, finished_at from meta.run_log order by finished_at desc limit 1")
    html = render(
        pages,
        {
            "title": TITLE,
            "warehouse": str(warehouse),
            "run_id": run.get("run_id"),
            "published_at": f"{run['finished_at']:%Y-%m-%d %H:%M:%S}" if run else None,
            "span": period.span_text(),
            "report_month": period.report_month_text(),
            "currency": period.currency,
            "built_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "channels": channels,
        },
    )
    out = out_dir or report_dir(warehouse)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    partial = out / ".index.html.writing"
    partial.write_text(html, encoding="utf-8")
    # for the readers of the published file, whatever the umask of the run (a folder of the
    # caller's, --out, keeps its mode)
    readable_like_published(partial)
    if out == report_dir(warehouse):
        out.chmod(PUBLISHED_DIR_MODE)
    os.replace(partial, path)
    return ReportResult(path, path.stat().st_size, time.perf_counter() - t0)


def write_after_publish(warehouse: Path) -> Path | None:
    """The run's last step. The warehouse is already published: a report that cannot be
    written is logged as an error and the run stays successful (the figures are in the file)."""
    try:
        result = write_report(warehouse)
    except Exception:
        log.exception("the report of %s could not be written (the warehouse is published)", warehouse)
        return None
    log.info("report: %s (%.0f KB in %.1f s)", result.path, result.bytes / 1024, result.seconds)
    return result.path
