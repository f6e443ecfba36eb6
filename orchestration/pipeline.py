"""The main job: landing files -> build file -> dbt build -> publish.

The published warehouse changes only at the very end, by an atomic rename, and
only when every step before it succeeded (publish.py). A failure anywhere
before leaves it exactly as it was.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_DIR, Settings
from orchestration.contract import SOURCES
from orchestration.errors import PipelineError
from orchestration.ingest import IngestReport, ingest, landing_files
from orchestration.publish import RunRecord, publish
from orchestration.quality import LayerResult, QualityFailed, check_layer, load_policy, quarantine_counts

log = logging.getLogger(__name__)

# The sample `make run` generates when the landing directory is empty: the 90
# days up to yesterday of a mid-size center.
SAMPLE_DAYS = 90
SAMPLE_CONTACTS_PER_DAY = 4000
SAMPLE_AGENTS = 150
SAMPLE_SEED = 42


class BuildFailed(PipelineError):
    pass


@dataclass
class RunSummary:
    run_id: str
    warehouse: Path
    seconds: float
    ingest: IngestReport
    interactions_per_channel: list[tuple[str, int]]
    generated_sample: bool
    quality: list[LayerResult] = field(default_factory=list)
    quarantined: list[tuple[str, str, int]] = field(default_factory=list)  # (source, rule, rows)

    def render(self) -> str:
        lines = [f"Run {self.run_id} published {self.warehouse} in {self.seconds:.1f} s"]
        if self.generated_sample:
            lines.append("(the landing directory was empty: a sample dataset was generated first)")
        lines.append(f"Landing: {self.ingest.files_read} files, {sum(self.ingest.rows.values()):,} rows")
        lines.append("Interactions per channel:")
        width = max((len(c) for c, _ in self.interactions_per_channel), default=8)
        for channel, n in self.interactions_per_channel:
            lines.append(f"  {channel:<{width}}  {n:>10,}")
        lines.append(f"  {'total':<{width}}  {sum(n for _, n in self.interactions_per_channel):>10,}")
        total = sum(n for *_, n in self.quarantined)
        lines.append(f"Quarantined rows (quarantine.rejected_rows): {total:,}")
        for source, rule, n in self.quarantined:
            lines.append(f"  {source:<24} {rule:<20} {n:>10,}")
        if self.quality:
            lines.append("Data-quality checks (meta.quality_results):")
            lines.extend("  " + line for layer in self.quality for line in layer.render().splitlines())
            docs = next((layer.data_docs for layer in self.quality if layer.data_docs), None)
            if docs:
                lines.append(f"  data docs: {docs / 'index.html'}")
        lines.append("Query it (read-only, safe while the nightly run works):")
        lines.append(
            f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{self.warehouse}', read_only=True)"
            ".sql('select channel, count(*) from marts.fct_interactions group by 1'))\""
        )
        return "\n".join(lines)


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    """One build per warehouse at a time: the build file has one writer."""
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.work_dir / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PipelineError(
                f"another run is building {settings.warehouse}; try again when it ends"
            ) from exc
        yield


def landing_is_empty(landing_dir: Path) -> bool:
    return not any(landing_files(landing_dir, s) for s in SOURCES)


def generate_sample(landing_dir: Path, today: date | None = None) -> None:
    from orchestration.generator import generate

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


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(settings: Settings, args: list[str]) -> None:
    """Run a dbt command on the build file; raise BuildFailed naming what failed."""
    env = {**os.environ, **settings.dbt_env()}
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    cmd = [dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    log.info("running %s", " ".join(cmd[:2]))
    proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    (settings.work_dir / "dbt_last_output.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise BuildFailed(
            f"dbt {args[0]} failed; the published warehouse is unchanged.\n{_dbt_failures(settings, proc)}"
        )


def _dbt_failures(settings: Settings, proc: subprocess.CompletedProcess) -> str:
    results_file = settings.dbt_target_dir / "run_results.json"
    failures = []
    if results_file.exists():
        for result in json.loads(results_file.read_text()).get("results", []):
            if result.get("status") in ("error", "fail"):
                failures.append(f"  {result['unique_id']}: {(result.get('message') or '').strip()}")
    if failures:
        return "\n".join(failures)
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
    return "\n".join("  " + line for line in tail)


def interactions_per_channel(database: Path) -> list[tuple[str, int]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select channel, count(*) from marts.fct_interactions group by 1 order by 2 desc"
        ).fetchall()


def run(settings: Settings, *, sample_if_empty: bool = False) -> RunSummary:
    """Build the warehouse from the landing directory and publish it."""
    t0 = time.perf_counter()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = started_at.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    with build_lock(settings):
        generated = False
        if sample_if_empty and landing_is_empty(settings.landing_dir):
            generate_sample(settings.landing_dir)
            generated = True
        policy = load_policy()
        with duckdb.connect(str(settings.build_db)) as con:
            # file issues are recorded, not raised: the raw suite and the policy decide
            report = ingest(con, settings.landing_dir, on_file_issue="record")
            layers = [check_layer("raw", settings, run_id, con=con, policy=policy)]
        if not layers[0].passed:
            raise QualityFailed(layers)
        run_dbt(settings, ["build"])
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            layers += [
                check_layer(layer, settings, run_id, con=con, policy=policy) for layer in ("staging", "marts")
            ]
            quarantined = quarantine_counts(con)
        if not all(layer.passed for layer in layers):
            raise QualityFailed(layers)
        record = RunRecord(
            run_id=run_id,
            started_at=started_at,
            landing_dir=str(settings.landing_dir),
            source_files=report.files,
            rows_per_source=report.rows,
        )
        publish(
            settings.build_db,
            settings.warehouse,
            record,
            quality_results=[row for layer in layers for row in layer.rows()],
        )
    return RunSummary(
        run_id=run_id,
        warehouse=settings.warehouse,
        seconds=time.perf_counter() - t0,
        ingest=report,
        interactions_per_channel=interactions_per_channel(settings.warehouse),
        generated_sample=generated,
        quality=layers,
        quarantined=quarantined,
    )
