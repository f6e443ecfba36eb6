"""`ccw run`: the main job (landing files -> build file -> dbt build -> checks -> publish).

First `run` asks whether there is anything to do (orchestration/build/quiet.py): when no
landing file, configuration, project file or setting changed since the published build, it
records the run and stops, without loading Dagster, dbt or Great Expectations. Otherwise the
steps are the Dagster assets of orchestration/dagster/assets.py; `run`
executes that job in this process, exactly as the nightly schedule does. The
published warehouse changes only at the very end, by an atomic rename, and only
when every step before it succeeded (orchestration/publish). A failure anywhere before
leaves it exactly as it was.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.build.lock import build_lock
from orchestration.build.quiet import QuietNight, quiet_night
from orchestration.config import Settings
from orchestration.landing.files import landing_is_empty
from orchestration.run_report import CostReport, SourceRejections, render_rejections

if TYPE_CHECKING:  # Dagster, DuckDB's results and the quality suites load only when a run builds
    import dagster as dg
    import duckdb

    from orchestration.landing.ingest import IngestReport
    from orchestration.quality.checks import LayerResult

log = logging.getLogger(__name__)

# The sample `make run` generates when the landing directory is empty: the 90
# days up to yesterday of a mid-size center.
SAMPLE_DAYS = 90
SAMPLE_CONTACTS_PER_DAY = 4000
SAMPLE_AGENTS = 150
SAMPLE_SEED = 42


@dataclass
class RunSummary:
    run_id: str
    warehouse: Path
    seconds: float
    ingest: IngestReport
    interactions_per_channel: list[tuple[str, int]]
    generated_sample: bool
    quality: list[LayerResult] = field(default_factory=list)
    build: str = ""  # BuildPlan.describe(): incremental, or full refresh and why
    cost: CostReport | None = None
    rejections: list[SourceRejections] = field(default_factory=list)
    dbt_log: Path | None = None
    docs: object = None  # publish.docs.DocsReport, or why the docs were not written
    warnings: list[str] = field(default_factory=list)

    @property
    def quarantined(self) -> list[tuple[str, str, int]]:
        """(source, rule, rows) of every rule that set rows aside."""
        return [(s.source, r.rule, r.rows) for s in self.rejections for r in s.rules]

    def render(self) -> str:
        lines = [f"Run {self.run_id} published {self.warehouse} in {self.seconds:.1f} s"]
        if self.generated_sample:
            lines.append("(the landing directory was empty: a sample dataset was generated first)")
        lines.extend(f"WARNING: {warning}" for warning in self.warnings)
        lines.append(f"Landing: {self.ingest.files_read} files, {sum(self.ingest.rows.values()):,} rows")
        lines.append(f"Build: {self.build}; {len(self.ingest.loaded_files)} file(s) read by this run")
        lines.append("Interactions per channel:")
        width = max((len(c) for c, _ in self.interactions_per_channel), default=8)
        for channel, n in self.interactions_per_channel:
            lines.append(f"  {channel:<{width}}  {n:>10,}")
        lines.append(f"  {'total':<{width}}  {sum(n for _, n in self.interactions_per_channel):>10,}")
        if self.cost is not None:
            lines.extend(self.cost.render())
        lines.extend(render_rejections(self.rejections, self.ingest.rows))
        if self.ingest.issues:
            lines.append(
                f"Files not loaded ({len(self.ingest.issues)}; the quality policy let the run go on):"
            )
            lines.extend(f"  {issue.error()}" for issue in self.ingest.issues)
        if self.quality:
            lines.append("Data-quality checks (meta.quality_results):")
            lines.extend("  " + line for layer in self.quality for line in layer.render().splitlines())
            # the copy beside the published file when the docs were written, else the build's
            docs = getattr(self.docs, "quality_site", None) or next(
                (layer.data_docs / "index.html" for layer in self.quality if layer.data_docs), None
            )
            if docs:
                lines.append(f"  data docs: {docs}")
        if self.docs is not None:
            lines.append(self.docs.render() if hasattr(self.docs, "render") else f"Docs: {self.docs}")
        if self.dbt_log is not None:
            lines.append(f"dbt log: {self.dbt_log}")
        lines.append("Query it (read-only, safe while the nightly run works):")
        lines.append(
            f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{self.warehouse}', read_only=True)"
            ".sql('select channel, count(*) from marts.fct_interactions group by 1'))\""
        )
        return "\n".join(lines)


def generate_sample(landing_dir: Path, today: date | None = None) -> None:
    from orchestration.tools.generator import generate

    today = today or date.today()
    log.info("landing directory %s is empty: generating the %d-day sample", landing_dir, SAMPLE_DAYS)
    generate(
        out_dir=landing_dir,
        start=today - timedelta(days=SAMPLE_DAYS),
        days=SAMPLE_DAYS,
        contacts_per_day=SAMPLE_CONTACTS_PER_DAY,
        agents=SAMPLE_AGENTS,
        seed=SAMPLE_SEED,
    )


def interactions_per_channel(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    return con.execute(
        "select channel, count(*) from marts.fct_interactions group by 1 order by 2 desc"
    ).fetchall()


def run(
    settings: Settings,
    *,
    sample_if_empty: bool = False,
    full_refresh: bool = False,
    accept_fewer_rows: bool = False,
    accept_rejections: bool = False,
    dbt: dg.ConfigurableResource | None = None,
) -> RunSummary | QuietNight:
    """Build the warehouse from the landing directory and publish it.

    Incremental unless full_refresh (or orchestration/build/plan.py finds a reason for one):
    only new or changed landing files are read, and the dbt models process them alone.

    This is the Dagster job the nightly schedule and the landing sensor run
    (orchestration/dagster/definitions.py), executed in this process: one code path.
    Raises the PipelineError that stopped the run; the published file is then unchanged.
    accept_fewer_rows: publish although a source has fewer landing rows than the published
    warehouse (vanished files included); meta.run_log records it (publish.warehouse.check_fewer_rows).
    accept_rejections: publish even when a source's rejected share of this run is above its limit
    (quality_policy.yml rejection_limits); meta.run_log records it.
    dbt: the job's `dbt` resource (a test's stand-in; default dbt itself).
    Returns a QuietNight when nothing changed since the published build (not with full_refresh).
    """
    t0 = time.perf_counter()
    generated = False
    if sample_if_empty:
        with build_lock(settings):  # two first runs must not both write the sample
            if landing_is_empty(settings.landing_dir, settings.config_dir):
                generate_sample(settings.landing_dir)
                generated = True
    if not full_refresh:
        quiet = quiet_night(settings)
        if quiet is not None:
            quiet.seconds = time.perf_counter() - t0
            return quiet
    import duckdb

    from orchestration.dagster.definitions import execute

    state, _ = execute(
        settings,
        quiet=True,
        full_refresh=full_refresh,
        accept_fewer_rows=accept_fewer_rows,
        accept_rejections=accept_rejections,
        dbt=dbt,
    )
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return RunSummary(
            run_id=state.run_id,
            warehouse=settings.warehouse,
            seconds=time.perf_counter() - t0,
            ingest=state.ingest,
            interactions_per_channel=interactions_per_channel(con),
            generated_sample=generated,
            quality=[state.layers[layer] for layer in ("raw", "staging", "marts")],
            build=state.plan.describe() if state.plan is not None else "",
            cost=state.cost,
            rejections=state.rejections,
            dbt_log=settings.dbt_log if settings.dbt_log.exists() else None,
            docs=state.docs,
            warnings=state.warnings,
        )
