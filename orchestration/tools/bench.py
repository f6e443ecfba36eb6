"""`ccw bench`: the benchmark we can rerun (BENCHMARKS.md, benchmarks/results.json).

For each scale (interactions over a year of daily files, default 100k, 1M, 10M):

  generate   `ccw generate` of the year (365 daily deliveries), timed
  floor      one DuckDB query that reads every landing file once and aggregates every
             column (count and total length of each): what any build has to pay at least
  full       `ccw run` from an empty warehouse: landing -> published file
  incremental  the next day is delivered (`ccw generate --start`), `ccw run` again; its fixed
             cost (the run minus dbt's build, run_results.json) and the steps of the run as the
             Dagster instance of the bench recorded them (DAGSTER_HOME under the work dir)
  quiet      `ccw run` once more with nothing new: it must say "nothing to do" and leave the
             published file as it was (same inode, size and mtime)
  2GB        at the largest scale, the full build again with CCW_MEMORY_LIMIT=2GB
  (`--full-only`: generate, floor and the full build alone, e.g. the 100M stretch at 2GB)
  equal      the night's published file against a full build of the same landing files (the 2GB
             build at the largest scale, another full build at the others), every reader table
             row for row (tools/compare.py): incremental equals full refresh at every scale

Once per bench: `ccw --help` (the best of three). The Markdown shows every figure beside the
targets (TARGETS: target, measured, met?).

Each `ccw run` is its own process; its wall time and the peak resident memory of the
whole process tree (ccw, dbt and any other child, summed, sampled every 50 ms from
/proc; plus the largest single process from wait4) are recorded. Results replace
benchmarks/results.json and the section of BENCHMARKS.md between the bench markers.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

from orchestration.config import DEFAULT_MEMORY_LIMIT, PROJECT_DIR
from orchestration.contract import SOURCES

# DuckDB and the generator (pandas) are imported where they are used: `ccw --help` reads
# DEFAULT_SCALES and must not load them.

log = logging.getLogger(__name__)

DEFAULT_SCALES = (100_000, 1_000_000, 10_000_000)
QUICK_SCALES = (100_000,)  # `ccw bench --quick`: the figures of the smallest scale, in minutes
DAYS = 365
# The year ends on the 15th, so the benchmarked night (the 16th) is a mid-month night: it
# rebuilds its own month. In the first repeat_window_days of a month a night also rebuilds
# the month before (P4), up to about twice the work.
START = date(2025, 1, 16)
SEED = 11
BEGIN_MARK = "<!-- ccw bench: begin (this section is replaced by `make bench`) -->"
END_MARK = "<!-- ccw bench: end -->"


# ---------------------------------------------------------------- measuring a process tree
def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    by_parent: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                by_parent.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    while todo:
        for child in by_parent.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Measured:
    seconds: float
    peak_tree_mb: float  # sum of the RSS of the process and its descendants, at its highest
    peak_process_mb: float  # the largest single process (wait4 ru_maxrss of the tree)
    returncode: int
    output_tail: str = ""


def measure(cmd: list[str], env: dict[str, str], log_file: Path | None = None) -> Measured:
    """Run a command; its wall time and the peak memory of its whole process tree."""
    t0 = time.perf_counter()
    out = open(log_file, "w") if log_file else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                total = _rss_kb(proc.pid) + sum(_rss_kb(c) for c in _children(proc.pid))
                peak[0] = max(peak[0], total)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log_file:
            out.close()
    tail = ""
    if log_file and log_file.exists():
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-20:])
    # ru_maxrss of wait4: the child itself; RUSAGE_CHILDREN covers its waited-for descendants
    largest = max(usage.ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return Measured(time.perf_counter() - t0, peak[0] / 1024, largest / 1024, proc.returncode, tail)


# ---------------------------------------------------------------- the floor
def floor_query(landing: Path, threads: int, memory_limit: str) -> tuple[float, int]:
    """Read every landing file once, aggregating every column: (seconds, rows)."""
    import duckdb

    parts = []
    for source in SOURCES.values():
        for fmt in ("parquet", "csv"):
            files = sorted(str(p) for p in (landing / source.name).glob(f"*.{fmt}"))
            if not files:
                continue
            if fmt == "parquet":
                reader = f"read_parquet({files!r}, union_by_name = true)"
            else:
                reader = f"read_csv({files!r}, all_varchar = true, union_by_name = true)"
            lengths = " + ".join(f'coalesce(length(cast("{c}" as varchar)), 0)' for c in source.column_names)
            parts.append(f"select count(*) as n, sum({lengths}) as chars from {reader}")
    sql = "select sum(n), sum(chars) from (" + " union all ".join(parts) + ")"
    with duckdb.connect(config={"threads": str(threads), "memory_limit": memory_limit}) as con:
        t0 = time.perf_counter()
        rows, _ = con.execute(sql).fetchone()
        return time.perf_counter() - t0, int(rows or 0)


# ---------------------------------------------------------------- one scale
@dataclass
class ScaleResult:
    interactions_target: int
    contacts_per_day: int
    agents: int
    days: int
    interactions: int = 0
    landing_rows: int = 0
    landing_files: int = 0
    landing_mb: float = 0.0
    generate_seconds: float = 0.0
    floor_seconds: float = 0.0
    full_seconds: float = 0.0
    full_interactions_per_second: float = 0.0
    full_peak_tree_mb: float = 0.0
    full_peak_process_mb: float = 0.0
    build_floor_ratio: float = 0.0
    published_mb: float = 0.0
    build_mb: float = 0.0  # the private build file after the full build: the disk a build needs
    full_steps: dict[str, float] = field(default_factory=dict)  # as incremental_steps, of the full build
    incremental_seconds: float = 0.0
    incremental_peak_tree_mb: float = 0.0
    incremental_share_of_full: float = 0.0
    incremental_day_interactions: int = 0
    quiet_seconds: float = 0.0  # `ccw run` with nothing new: "nothing to do", nothing published
    fixed_seconds: float = 0.0  # the incremental run minus dbt's build (run_results elapsed_time)
    incremental_dbt_seconds: float = 0.0
    # seconds per step of the incremental run (Dagster's step durations), and "outside the steps":
    # interpreter, imports, definitions, the instance, the summary
    incremental_steps: dict[str, float] = field(default_factory=dict)
    low_memory_limit: str | None = None
    low_memory_seconds: float | None = None
    low_memory_peak_tree_mb: float | None = None
    # the night's published reader tables against a full build of the same files
    compared_tables: int = 0
    incremental_differences: list[str] = field(default_factory=list)
    slowest_models: list[tuple[str, float]] = field(default_factory=list)
    dbt_seconds: float = 0.0


def _env(landing: Path, warehouse: Path, threads: int, memory_limit: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCW_")}
    env.update(
        {
            "CCW_LANDING_DIR": str(landing),
            "CCW_WAREHOUSE": str(warehouse),
            "CCW_THREADS": str(threads),
            "CCW_MEMORY_LIMIT": memory_limit,
            # the bench's own Dagster instance: its runs' steps are read back (step_seconds)
            "DAGSTER_HOME": str(warehouse.parent.parent / "dagster_home"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds of each step of the latest run recorded in the instance (Dagster's step durations)."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return {}
        steps = instance.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_SUCCESS)
        return {
            e.step_key: round(e.dagster_event.event_specific_data.duration_ms / 1000, 1)
            for e in steps
            if e.step_key and e.dagster_event is not None
        }


def _published_identity(warehouse: Path) -> tuple[int, int, int]:
    st = warehouse.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def help_seconds(tries: int = 3) -> float:
    """`ccw --help` as its own process: the best of `tries`."""
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        subprocess.run([*_ccw(), "--help"], cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - t0)
    return round(best, 2)


def _ccw() -> list[str]:
    exe = Path(sys.executable).with_name("ccw")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "orchestration.cli"]


def _build_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.stem + ".build") / "build.duckdb"


def _dbt_elapsed(warehouse: Path) -> float:
    return _slowest(warehouse, 0)[1]


def _slowest(warehouse: Path, n: int = 8) -> tuple[list[tuple[str, float]], float]:
    results = _build_file(warehouse).with_name("dbt_target") / "run_results.json"
    if not results.exists():
        return [], 0.0
    data = json.loads(results.read_text())
    models = sorted(
        (
            (r["unique_id"].split(".")[-1], round(r["execution_time"], 2))
            for r in data["results"]
            if r["unique_id"].startswith("model.")
        ),
        key=lambda x: -x[1],
    )
    return models[:n], round(data.get("elapsed_time", 0.0), 1)


def _check(measured: Measured, what: str) -> None:
    if measured.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {measured.returncode}):\n{measured.output_tail}")


def bench_scale(
    interactions: int,
    work_dir: Path,
    *,
    fmt: str,
    threads: int,
    memory_limit: str,
    low_memory_limit: str | None,
    keep: bool = False,
    full_only: bool = False,
) -> ScaleResult:
    from orchestration.tools.compare import compared_tables, warehouse_differences
    from orchestration.tools.generator import generate

    cpd = max(1, round(interactions / DAYS))
    agents = max(30, cpd // 25)
    result = ScaleResult(interactions, cpd, agents, DAYS)
    base = work_dir / f"scale-{interactions}"
    shutil.rmtree(base, ignore_errors=True)
    landing, warehouse = base / "landing", base / "warehouse" / "contact_cost.duckdb"
    logs = base / "logs"
    logs.mkdir(parents=True)

    log.info("scale %s: generating %d days x %d contacts", f"{interactions:,}", DAYS, cpd)
    summary = generate(
        out_dir=landing, start=START, days=DAYS, contacts_per_day=cpd, agents=agents, seed=SEED, fmt=fmt
    )
    result.generate_seconds = round(summary.seconds, 1)
    result.interactions = summary.interactions
    result.landing_rows = sum(summary.rows_per_source.values())
    result.landing_files = summary.files_written
    result.landing_mb = round(sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6, 1)

    floor_seconds, _ = floor_query(landing, threads, memory_limit)
    result.floor_seconds = round(floor_seconds, 2)

    log.info("scale %s: full build", f"{interactions:,}")
    full = measure([*_ccw(), "run"], _env(landing, warehouse, threads, memory_limit), logs / "full.log")
    _check(full, "full build")
    result.full_seconds = round(full.seconds, 1)
    result.full_interactions_per_second = round(result.interactions / full.seconds)
    result.full_peak_tree_mb = round(full.peak_tree_mb)
    result.full_peak_process_mb = round(full.peak_process_mb)
    result.build_floor_ratio = round(full.seconds / max(floor_seconds, 1e-9), 1)
    result.published_mb = round(warehouse.stat().st_size / 1e6, 1)
    result.build_mb = round(_build_file(warehouse).stat().st_size / 1e6, 1)
    result.slowest_models, result.dbt_seconds = _slowest(warehouse)
    env = _env(landing, warehouse, threads, memory_limit)
    steps = step_seconds(Path(env["DAGSTER_HOME"]))
    result.full_steps = {**steps, "outside the steps": round(full.seconds - sum(steps.values()), 1)}
    if full_only:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
        return result

    log.info("scale %s: one more day, incremental build", f"{interactions:,}")
    day = generate(
        out_dir=landing,
        start=START + timedelta(days=DAYS),
        days=1,
        contacts_per_day=cpd,
        agents=agents,
        seed=SEED,
        fmt=fmt,
    )
    result.incremental_day_interactions = day.interactions
    inc = measure([*_ccw(), "run"], env, logs / "incremental.log")
    _check(inc, "incremental build")
    result.incremental_seconds = round(inc.seconds, 1)
    result.incremental_peak_tree_mb = round(inc.peak_tree_mb)
    result.incremental_share_of_full = round(inc.seconds / full.seconds, 3)
    result.incremental_dbt_seconds = _dbt_elapsed(warehouse)
    result.fixed_seconds = round(inc.seconds - result.incremental_dbt_seconds, 1)
    steps = step_seconds(Path(env["DAGSTER_HOME"]))
    result.incremental_steps = {**steps, "outside the steps": round(inc.seconds - sum(steps.values()), 1)}

    log.info("scale %s: the night after, with nothing new", f"{interactions:,}")
    before = _published_identity(warehouse)
    quiet = measure([*_ccw(), "run"], env, logs / "quiet.log")
    _check(quiet, "the night with nothing new")
    if "nothing to do" not in quiet.output_tail or _published_identity(warehouse) != before:
        raise RuntimeError(f"the night with nothing new built or published:\n{quiet.output_tail}")
    result.quiet_seconds = round(quiet.seconds, 2)

    # a full build of the landing the night read: at the lower memory limit where there is one
    reference = base / "warehouse-full" / "contact_cost.duckdb"
    limit = low_memory_limit or memory_limit
    log.info("scale %s: full build of the same files with CCW_MEMORY_LIMIT=%s", f"{interactions:,}", limit)
    full_again = measure([*_ccw(), "run"], _env(landing, reference, threads, limit), logs / "full_again.log")
    _check(full_again, f"full build with memory_limit={limit}")
    if low_memory_limit:
        result.low_memory_limit = low_memory_limit
        result.low_memory_seconds = round(full_again.seconds, 1)
        result.low_memory_peak_tree_mb = round(full_again.peak_tree_mb)
    log.info("scale %s: the night's published tables against the full build", f"{interactions:,}")
    result.compared_tables = len(compared_tables(reference))
    result.incremental_differences = warehouse_differences(warehouse, reference)
    if result.incremental_differences:
        log.error(
            "scale %s: the night differs from a full build:\n%s",
            f"{interactions:,}",
            "\n".join(result.incremental_differences),
        )
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return result


# ---------------------------------------------------------------- reporting
def machine() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as handle:
            mem_kb = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "dagster"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def _equality(r: dict) -> str:
    """The night against a full build of the same files, as a cell of the table."""
    if not r.get("compared_tables"):
        return "-"
    differences = r.get("incremental_differences") or []
    if not differences:
        return f"yes, {r['compared_tables']} reader tables row for row"
    return f"**no**: {differences[0]}" + (
        f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
    )


def render_markdown(run: dict) -> str:
    m = run["machine"]
    v = ", ".join(f"{k} {val}" for k, val in m["versions"].items())
    lines = [
        BEGIN_MARK,
        f"## {run['date']}: `make bench` ({run['format']}, {run['threads']} threads, "
        f"memory_limit {run['memory_limit']})",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}, {v}.",
        "Each scale is a year (365 daily deliveries) of one generated center; the incremental build is the "
        "next day delivered on top of that year. Wall times of `ccw run` as its own process, landing to "
        "published file; peak memory = the whole process tree (ccw + dbt), summed, sampled every 50 ms. "
        "Floor = one DuckDB query reading every landing file once (count and length of every column).",
        "",
        "| | " + " | ".join(f"{r['interactions_target']:,}" for r in run["scales"]) + " |",
        "|---|" + "---|" * len(run["scales"]),
    ]

    def row(label: str, fmt, key: str | None = None) -> str:
        cells = []
        for r in run["scales"]:
            value = r.get(key) if key else None
            cells.append(fmt(r) if callable(fmt) else (fmt.format(value) if value is not None else "-"))
        return f"| {label} | " + " | ".join(cells) + " |"

    lines += [
        row("interactions (generated)", "{:,}", "interactions"),
        row("landing rows / files", lambda r: f"{r['landing_rows']:,} / {r['landing_files']:,}"),
        row("landing size (MB)", "{:,}", "landing_mb"),
        row("generate (s)", "{}", "generate_seconds"),
        row("**full build (s)**", "**{}**", "full_seconds"),
        row("interactions per second", "{:,}", "full_interactions_per_second"),
        row("peak memory, full (MB)", "{:,}", "full_peak_tree_mb"),
        row("of which `dbt build` (s, run_results)", "{}", "dbt_seconds"),
        row("published file (MB)", "{:,}", "published_mb"),
        row("build file (MB)", lambda r: f"{r['build_mb']:,}" if r.get("build_mb") else "-"),
        row("**incremental, +1 day (s)**", "**{}**", "incremental_seconds"),
        row("incremental / full", lambda r: f"{r['incremental_share_of_full']:.2f}"),
        row("peak memory, incremental (MB)", "{:,}", "incremental_peak_tree_mb"),
        row("floor query (s)", "{}", "floor_seconds"),
        row("full build / floor", "{}x", "build_floor_ratio"),
        row(
            "full build at a lower memory_limit",
            lambda r: (
                f"{r['low_memory_seconds']} s at {r['low_memory_limit']} (peak {r['low_memory_peak_tree_mb']:,} MB)"
                if r.get("low_memory_seconds") is not None
                else "-"
            ),
        ),
    ]
    lines += [
        row("incremental = a full build of the same files", _equality),
        row("**quiet night, nothing new (s)**", "**{}**", "quiet_seconds"),
        row("fixed cost: +1 day minus dbt's build (s)", "{}", "fixed_seconds"),
        row("of the +1 day: dbt's build (s, run_results)", "{}", "incremental_dbt_seconds"),
        row(
            "of the +1 day: steps (s, Dagster)",
            lambda r: ", ".join(f"{k} {v}" for k, v in r.get("incremental_steps", {}).items()) or "-",
        ),
    ]
    if run.get("help_seconds") is not None:
        lines += ["", f"`ccw --help`: {run['help_seconds']} s (the best of three)."]
    lines += ["", *render_targets(run)]
    largest = run["scales"][-1]
    if largest.get("slowest_models"):
        lines += [
            "",
            f"Slowest models of the full build at {largest['interactions_target']:,} (seconds, dbt run_results.json): "
            + ", ".join(f"{name} {sec}" for name, sec in largest["slowest_models"])
            + ".",
        ]
    lines += [
        "",
        "Rerun: `make bench` (or `ccw bench --help`). Raw figures: `benchmarks/results.json`.",
        END_MARK,
    ]
    return "\n".join(lines) + "\n"


TARGET_SCALE = 10_000_000  # the scale the build targets are set at


def targets(run: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met: None when not measured) of every target of the operator's night;
    the quiet night and the fixed cost at the largest scale of the run."""
    largest = run["scales"][-1] if run["scales"] else {}
    at = f" at {largest.get('interactions_target', 0):,}" if largest else ""
    rows: list[tuple[str, str, bool | None]] = []

    def add(target: str, value: float | None, limit: float, unit: str = "s") -> None:
        if value is None:
            rows.append((target, "not measured", None))
        else:
            rows.append((target, f"{value:,} {unit}", value < limit))

    compared = [r for r in run["scales"] if r.get("compared_tables")]
    differing = [r for r in compared if r.get("incremental_differences")]
    rows.append(
        (
            "a night's published tables equal a full build of the same files, row for row, at every scale",
            (
                f"differ at {differing[0]['interactions_target']:,}: {differing[0]['incremental_differences'][0]}"
                if differing
                else "equal at " + ", ".join(f"{r['interactions_target']:,}" for r in compared)
            )
            if compared
            else "not measured",
            (not differing and len(compared) == len(run["scales"])) if compared else None,
        )
    )
    add("a night with nothing new: under 5 s", largest.get("quiet_seconds"), 5)
    add("fixed cost of a run (a night minus dbt's build): under 10 s", largest.get("fixed_seconds"), 10)
    add("`ccw --help`: under 1 s", run.get("help_seconds"), 1)
    big = next((r for r in run["scales"] if r["interactions_target"] == TARGET_SCALE), None)
    if big is None:
        rows += [
            (f"{TARGET_SCALE:,} interactions: {what}", f"not measured (largest scale{at or ' -'})", None)
            for what in (
                "full build under 60 s",
                "one-day night under 15 s",
                "peak memory under 4 GB",
                "completes at memory_limit=2GB",
            )
        ]
        return rows
    add(f"{TARGET_SCALE:,} interactions: full build under 60 s", big["full_seconds"], 60)
    add(f"{TARGET_SCALE:,} interactions: one-day night under 15 s", big["incremental_seconds"], 15)
    peak = max(big["full_peak_tree_mb"], big["incremental_peak_tree_mb"])
    add(f"{TARGET_SCALE:,} interactions: peak memory under 4 GB", peak, 4096, "MB")
    low = big.get("low_memory_seconds")
    rows.append(
        (
            f"{TARGET_SCALE:,} interactions: completes at memory_limit=2GB",
            f"{low} s at {big.get('low_memory_limit')}" if low is not None else "not measured",
            (big.get("low_memory_limit") == "2GB") if low is not None else None,
        )
    )
    return rows


def render_targets(run: dict) -> list[str]:
    marks = {True: "yes", False: "**no**", None: "-"}
    largest = run["scales"][-1]["interactions_target"] if run["scales"] else 0
    lines = [
        f"Targets (the quiet night and the fixed cost at the largest scale, {largest:,}):",
        "",
        "| target | measured | met? |",
        "|---|---|---|",
    ]
    lines += [f"| {target} | {measured} | {marks[met]} |" for target, measured, met in targets(run)]
    return lines


def write_results(run: dict, markdown: Path, results: Path) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(run, indent=2) + "\n")
    section = render_markdown(run)
    text = markdown.read_text() if markdown.exists() else "# Benchmarks\n"
    if BEGIN_MARK in text and END_MARK in text:
        head, rest = text.split(BEGIN_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        text = head + section.rstrip("\n") + tail
    else:
        # the newest figures first, after the title
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{section}\n{body.lstrip()}"
    markdown.write_text(text)


def bench(
    scales: list[int],
    work_dir: Path,
    *,
    fmt: str = "parquet",
    threads: int | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    low_memory_limit: str | None = "2GB",
    markdown: Path | None = None,
    results: Path | None = None,
    keep: bool = False,
    full_only: bool = False,
) -> dict:
    threads = threads or os.cpu_count() or 2
    run = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "format": fmt,
        "threads": threads,
        "memory_limit": memory_limit,
        "scales": [],
        "help_seconds": help_seconds(),
    }
    for i, n in enumerate(sorted(scales)):
        result = bench_scale(
            n,
            work_dir,
            fmt=fmt,
            threads=threads,
            memory_limit=memory_limit,
            low_memory_limit=low_memory_limit if i == len(scales) - 1 else None,
            keep=keep,
            full_only=full_only,
        )
        run["scales"].append(asdict(result))
        log.info("scale %s: %s", f"{n:,}", json.dumps(asdict(result)))
    if markdown is not None and results is not None:
        write_results(run, markdown, results)
    return run
