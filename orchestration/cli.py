"""`ccw`: the command line of the contact-cost warehouse.

Every command imports what it works with inside its function (the pipeline, the quality
checks, the docs writer, the generator, the benchmark): `--help` and the light commands start
without loading Dagster, dbt, Great Expectations, pandas or DuckDB, seconds of start-up, and a
`ccw run` with nothing to do loads none of Dagster, dbt and Great Expectations
(orchestration/build/quiet.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orchestration import configuration
from orchestration.config import DEFAULT_MEMORY_LIMIT, declared, load_settings, settings_help, text_of
from orchestration.errors import PipelineError
from orchestration.tools import bench as benchmark
from orchestration.tools import contract as contract_files
from orchestration.tools import settings as settings_files


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value}") from exc


def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.tools.generator import generate

    start = args.start or date.today() - timedelta(days=args.days)
    summary = generate(
        out_dir=args.out,
        start=start,
        days=args.days,
        contacts_per_day=args.contacts_per_day,
        agents=args.agents,
        seed=args.seed,
        fmt=args.format,
        defect_rate=args.defect_rate,
        sparse=args.sparse,
    )
    rows = sum(summary.rows_per_source.values())
    print(
        f"Wrote {summary.files_written} files, {rows:,} rows ({summary.interactions:,} interactions) "
        f"to {args.out} in {summary.seconds:.1f} s ({rows / max(summary.seconds, 1e-9):,.0f} rows/s)"
    )
    for source, n in summary.rows_per_source.items():
        print(f"  {source:<24} {n:>12,}")
    if summary.manifest_path:
        print(f"Injected {summary.defects:,} defects; manifest: {summary.manifest_path}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.build.quiet import QuietNight
    from orchestration.pipeline import run

    try:
        settings = load_settings()
        summary = run(
            settings,
            sample_if_empty=args.sample_if_empty,
            full_refresh=args.full_refresh,
            accept_fewer_rows=args.accept_fewer_rows,
            accept_rejections=args.accept_rejections,
        )
    except PipelineError as exc:
        print(f"ccw run stopped: {exc}", file=sys.stderr)
        return 1
    print(summary.render())
    if isinstance(summary, QuietNight):  # nothing published: the report is the one before
        return 0
    from orchestration.report import report_dir

    report = report_dir(settings.warehouse) / "index.html"
    if report.exists():
        print(f"Report (open in a browser): {report}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.report import write_report

    warehouse = args.warehouse or load_settings().warehouse
    try:
        result = write_report(warehouse, args.out)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"ccw report: {exc}", file=sys.stderr)
        return 1
    print(
        f"Wrote {result.path} ({result.bytes / 1024:,.0f} KB in {result.seconds:.1f} s); open it in a browser"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from orchestration.quality.checks import QualityFailed, check_layer
    from orchestration.quality.policy import load_policy

    run_id = "check-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    layers = []
    try:
        settings = load_settings()
        policy = load_policy(args.policy or settings.policy_file)
        for layer in args.layer or ("raw", "staging", "marts"):
            layers.append(check_layer(layer, settings, run_id, policy=policy))
    except PipelineError as exc:
        print(f"ccw check could not run: {exc}", file=sys.stderr)
        return 2
    for layer in layers:
        print(layer.render())
    docs = next((layer.data_docs for layer in layers if layer.data_docs), None)
    if docs:
        print(f"Data docs: {docs / 'index.html'}")
    if not all(layer.passed for layer in layers):
        print(f"ccw check: {QualityFailed(layers)}", file=sys.stderr)
        return 1
    print("ccw check: no stopping failure")
    return 0


def cmd_mappings_check(args: argparse.Namespace) -> int:
    from orchestration.landing.check import check_mappings, unread_folders
    from orchestration.quality.metrics import RuleSettings

    settings = load_settings()
    problems = configuration.validate_folder(settings.configuration_dir)
    if problems:  # the row rules read its FX rates
        print(configuration.configuration_error(settings.configuration_dir, problems), file=sys.stderr)
        return 2
    results = check_mappings(settings.landing_dir, settings.config_dir, RuleSettings.of(settings))
    config = settings.config_dir / "mappings" if settings.config_dir else "(CCW_CONFIG_DIR not set)"
    print(f"Landing {settings.landing_dir}; mappings {config}")
    if not results:
        print("No mapped folder: name a landing folder after a preset (ccw mappings show) or add a mapping.")
    for result in results:
        print(result.render())
    for folder in unread_folders(settings.landing_dir, {r.folder for r in results}):
        print(
            f"{folder}/  NOT READ: neither a contract source nor mapped (name it after a preset, or add "
            f"{config}/{folder}.yml)"
        )
    failed = [r.folder for r in results if not r.ok]
    if failed:
        print(
            f"ccw mappings check: {len(failed)} folder(s) cannot be read as they are: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_mappings_show(args: argparse.Namespace) -> int:
    from orchestration.landing.mappings import MappingError, preset_names, render_preset

    if not args.preset:
        print("Presets (ccw mappings show NAME prints one as a mapping file):")
        for name in preset_names():
            print(f"  {name}")
        return 0
    try:
        print(render_preset(args.preset), end="")
    except MappingError as exc:
        print(f"ccw mappings show: {exc.problem}", file=sys.stderr)
        return 2
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestration.build.dbt import prepare_dbt_project
    from orchestration.publish.docs import write_docs

    settings = load_settings()
    try:
        report = write_docs(settings, prepare_dbt_project().manifest_path)
    except PipelineError as exc:
        print(f"ccw docs could not run: {exc}", file=sys.stderr)
        return 1
    print(report.render())
    return 0


def _scales(value: str) -> list[int]:
    try:
        scales = [int(float(v.replace("_", ""))) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {value}") from exc
    if not scales or min(scales) < 365:
        raise argparse.ArgumentTypeError("scales are interactions per year, at least 365 each")
    return scales


def cmd_bench(args: argparse.Namespace) -> int:
    run = benchmark.bench(
        list(benchmark.QUICK_SCALES) if args.quick else args.scales,
        args.work_dir,
        fmt=args.format,
        threads=args.threads,
        memory_limit=args.memory_limit,
        low_memory_limit=args.low_memory_limit or None,
        markdown=None if args.no_write or args.full_only else args.markdown,
        results=None if args.no_write or args.full_only else args.results,
        keep=args.keep,
        full_only=args.full_only,
    )
    if args.full_only:
        for r in run["scales"]:
            print(
                f"{r['interactions']:>12,} interactions: full {r['full_seconds']} s "
                f"({r['full_interactions_per_second']:,}/s, peak {r['full_peak_tree_mb']:,} MB), "
                f"floor {r['floor_seconds']} s, landing {r['landing_mb']:,} MB, build file {r['build_mb']:,} MB, "
                f"published {r['published_mb']:,} MB, dbt build {r['dbt_seconds']} s\n  steps: "
                + ", ".join(f"{k} {v}" for k, v in r["full_steps"].items())
                + "\n  slowest models: "
                + ", ".join(f"{name} {sec}" for name, sec in r["slowest_models"])
            )
        return 0
    for r in run["scales"]:
        print(
            f"{r['interactions']:>12,} interactions: full {r['full_seconds']} s "
            f"({r['full_interactions_per_second']:,}/s, peak {r['full_peak_tree_mb']:,} MB), "
            f"+1 day {r['incremental_seconds']} s ({r['incremental_share_of_full']:.2f} of full), "
            f"floor {r['floor_seconds']} s (build/floor {r['build_floor_ratio']}x), "
            f"nothing new {r['quiet_seconds']} s, fixed cost {r['fixed_seconds']} s"
            + (
                f", full at {r['low_memory_limit']}: {r['low_memory_seconds']} s"
                if r.get("low_memory_seconds") is not None
                else ""
            )
        )
    print(f"ccw --help: {run['help_seconds']} s")
    for target, measured, met in benchmark.targets(run):
        print(f"  {'met' if met else 'NOT MET' if met is False else '-':>7}  {target}: {measured}")
    if not args.no_write:
        print(f"Written: {args.markdown} and {args.results}")
    # a night that is not what a full build of the same files gives fails the bench
    return 1 if any(r["incremental_differences"] for r in run["scales"]) else 0


def cmd_contract(args: argparse.Namespace) -> int:
    return _generated_files(args.action, contract_files, "landing_contract.yml", "ccw contract generate")


def cmd_config(args: argparse.Namespace) -> int:
    try:
        if args.action == "init":
            written = configuration.init(args.folder)
            print(
                f"wrote {len(written)} files to {args.folder} (README.md explains every column); then "
                f"`export CCW_CONFIG_DIR={args.folder.resolve()}`"
            )
            return 0
        folder = args.folder.resolve() if args.folder else load_settings().configuration_dir
    except PipelineError as exc:
        print(f"ccw config {args.action}: {exc}", file=sys.stderr)
        return 1
    problems = configuration.validate_folder(folder)
    if problems:
        print(configuration.configuration_error(folder, problems), file=sys.stderr)
        return 1
    print(f"the configuration in {folder} is valid")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    if args.action in ("generate", "check"):
        return _generated_files(
            args.action,
            settings_files,
            "the settings declared in orchestration/config.py",
            "ccw settings generate",
        )
    try:
        settings = load_settings()
    except PipelineError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name, spec in declared():
        value = "(secret)" if spec.secret else text_of(getattr(settings, name)) if name else ""
        print(f"{spec.env}={value}")
    return 0


def _generated_files(action: str, module, source: str, command: str) -> int:
    """`generate` or `check` of the files a tools module derives from one declaration."""
    if action == "generate":
        written = module.write()
        print("\n".join(f"wrote {p}" for p in written) or "the generated files are up to date")
        return 0
    stale = module.stale()
    if stale:
        print(f"out of date with {source} (run `{command}`): " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    print(f"the files generated from {source} are up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccw",
        description="Contact-cost warehouse: cost per customer interaction and contact-center KPIs.",
        epilog="Settings are environment variables: `ccw run --help` lists them with their defaults, "
        "`ccw settings` shows their values.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write a realistic sample landing directory",
        description="Write sample exports of every landing source (docs/DATA_CONTRACT.md), "
        "deterministic for a seed. Adds files; never deletes.",
    )
    gen.add_argument("--out", type=Path, required=True, help="landing directory to write into")
    gen.add_argument("--start", type=_date, help="first day (default: DAYS days before today)")
    gen.add_argument("--days", type=int, default=90, help="number of days (default 90)")
    gen.add_argument("--contacts-per-day", type=int, default=4000, help="interactions per day, all channels")
    gen.add_argument("--agents", type=int, default=150, help="agents on the roster (default 150)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)")
    gen.add_argument(
        "--defect-rate", type=float, default=0.0, help="share of rows given one contract defect (default 0)"
    )
    gen.add_argument(
        "--sparse",
        action="store_true",
        help="exports with the gaps real ones have: optional columns left out or empty, unknown waits, "
        "ledger lines without cost centre, the rarer codes (docs/SAMPLE_DATA.md)",
    )
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser(
        "run",
        help="build the warehouse from the landing directory and publish it",
        description="Load CCW_LANDING_DIR (only new or changed files), build the models with their tests "
        "into a private build file (incremental: only what the new files change), and publish it atomically "
        "to CCW_WAREHOUSE. On any failure the published file is unchanged.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload every landing file and rebuild every model (default: incremental, only new or "
        "changed files; a full refresh also happens by itself when needed, docs/decisions/performance.md)",
    )
    run.add_argument(
        "--accept-fewer-rows",
        action="store_true",
        help="publish although a source has fewer landing rows than the published warehouse (its files "
        "were withdrawn or re-delivered shorter); without it such a run stops. Recorded in meta.run_log",
    )
    run.add_argument(
        "--accept-rejections",
        action="store_true",
        help="publish even when a source's rejected share of the files this run loads is above its limit "
        "(quality_policy.yml rejection_limits, default 2%%); meta.run_log records the acceptance",
    )
    run.add_argument(
        "--sample-if-empty",
        action="store_true",
        help="generate the 90-day sample first when the landing directory has no files",
    )
    run.set_defaults(func=cmd_run)

    check = sub.add_parser(
        "check",
        help="run the data-quality suites alone (raw: the landing directory; staging, marts: the build file)",
        description="Run the Great Expectations suites of quality_policy.yml: raw against CCW_LANDING_DIR "
        "(loaded into a temporary database), staging and marts against the last build file of CCW_WAREHOUSE "
        "(read-only). Writes the data docs; publishes nothing. Exit 1 on a stopping failure.",
    )
    check.add_argument(
        "--layer", action="append", choices=("raw", "staging", "marts"), help="only this layer (repeatable)"
    )
    check.add_argument(
        "--policy", type=Path, help="quality policy file (default: CCW_QUALITY_POLICY or quality_policy.yml)"
    )
    check.set_defaults(func=cmd_check)

    mappings = sub.add_parser(
        "mappings",
        help="vendor exports read through mappings: check them, or print a preset to start from",
        description="A landing folder that is not a contract source is read through a mapping: "
        "CCW_CONFIG_DIR/mappings/<folder>.yml, or the shipped preset named like the folder "
        "(docs/MAPPINGS.md).",
    )
    mappings_sub = mappings.add_subparsers(dest="mappings_command", required=True)
    mappings_check = mappings_sub.add_parser(
        "check",
        help="read every mapped folder through its mapping (nothing is written) and report per folder",
        description="Per mapped folder of CCW_LANDING_DIR: the mapping, the contract sources it feeds, the "
        "rows each would get, the records no source reads and the first problems (mapping errors with file "
        "and line, unreadable files, rows staging would quarantine). Exit 1 when a mapping or a file cannot "
        "be read.",
    )
    mappings_check.set_defaults(func=cmd_mappings_check)
    mappings_show = mappings_sub.add_parser(
        "show",
        help="print a preset as a mapping file to start from (no name: list the presets)",
        description="Print a shipped preset: copy it to CCW_CONFIG_DIR/mappings/<folder>.yml and edit it, "
        "or write `preset: NAME` there and override single columns.",
    )
    mappings_show.add_argument("preset", nargs="?", help="preset name")
    mappings_show.set_defaults(func=cmd_mappings_show)

    report = sub.add_parser(
        "report",
        help="write the report (charts of cost and service) of the published warehouse",
        description="Read the published warehouse read-only and write <warehouse>.report/index.html: one file "
        "with every chart, table and the charting library inline, that opens from the file system with no "
        "network. `ccw run` writes it after every publish.",
    )
    report.add_argument("--warehouse", type=Path, help="published DuckDB file (default: CCW_WAREHOUSE)")
    report.add_argument(
        "--out", type=Path, help="folder to write index.html into (default: <warehouse>.report/)"
    )
    report.set_defaults(func=cmd_report)

    docs = sub.add_parser(
        "docs",
        help="write the documentation beside the published warehouse (<warehouse>.docs/, works offline)",
        description="Write <CCW_WAREHOUSE without .duckdb>.docs/: the dbt docs site of the published tables "
        "(descriptions, keys, tests, lineage) and the data-quality docs of the last runs, both readable "
        "offline from the file system. Every `ccw run` writes them too.",
    )
    docs.set_defaults(func=cmd_docs)

    contract = sub.add_parser(
        "contract",
        help="write or check the dbt files generated from landing_contract.yml",
        description="The landing contract is defined once, in landing_contract.yml. `generate` writes the dbt "
        "files derived from it (macros/landing_contract.sql, models/staging/_landing__sources.yml); `check` "
        "exits 1 when they are out of date (the tests and CI run it).",
    )
    contract.add_argument("action", choices=("generate", "check"))
    contract.set_defaults(func=cmd_contract)

    config = sub.add_parser(
        "config",
        help="write or validate an organisation's configuration folder (CCW_CONFIG_DIR)",
        description="`init DIR` writes a starting configuration folder: the sample organisation's "
        "configuration files and a README.md explaining every column (never overwrites). `check [DIR]` "
        "validates a folder (default: CCW_CONFIG_DIR, else the sample's) as a run does; exit 1 naming "
        "every problem.",
    )
    config.add_argument("action", choices=("init", "check"))
    config.add_argument("folder", type=Path, nargs="?", help="the configuration folder")
    config.set_defaults(func=cmd_config)

    settings = sub.add_parser(
        "settings",
        help="show the settings (environment variables) or write the files derived from their declaration",
        description="`show` (default) validates the settings of the environment and prints each value "
        "(exit 1 naming every invalid one). `generate` writes the settings tables of README.md and the "
        "vars block of dbt_project.yml from orchestration/config.py; `check` exits 1 when they are out of "
        "date (the tests and CI run it).",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    settings.add_argument("action", nargs="?", default="show", choices=("show", "generate", "check"))
    settings.set_defaults(func=cmd_settings)

    bench = sub.add_parser(
        "bench",
        help="benchmark full and incremental builds at several scales; writes BENCHMARKS.md",
        description="For each scale (interactions per year): generate a year of daily files, time one "
        "DuckDB query reading them all (the floor), a full build (landing -> published) and a one-day "
        "incremental build, with the peak memory of the whole process tree; at the largest scale also a "
        "full build at a lower memory limit. Replaces the bench section of BENCHMARKS.md and "
        "benchmarks/results.json.",
    )
    bench.add_argument(
        "--scales",
        type=_scales,
        default=list(benchmark.DEFAULT_SCALES),
        help="comma-separated interactions per year (default 100000,1000000,10000000)",
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="the smallest scale alone (" + ",".join(map(str, benchmark.QUICK_SCALES)) + "): every figure, "
        "including the quiet night, the fixed cost and `ccw --help`, in a few minutes",
    )
    bench.add_argument(
        "--work-dir",
        type=Path,
        default=Path("bench_work"),
        help="where data and warehouses go (default bench_work/)",
    )
    bench.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="landing format (default parquet)"
    )
    bench.add_argument("--threads", type=int, help="CCW_THREADS of the builds (default: number of cores)")
    bench.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help=f"CCW_MEMORY_LIMIT of the builds (default {DEFAULT_MEMORY_LIMIT})",
    )
    bench.add_argument(
        "--low-memory-limit",
        default="2GB",
        help="memory limit of the extra full build at the largest scale (default 2GB; empty: skip it)",
    )
    bench.add_argument("--markdown", type=Path, default=Path("BENCHMARKS.md"), help="default BENCHMARKS.md")
    bench.add_argument(
        "--results",
        type=Path,
        default=Path("benchmarks/results.json"),
        help="default benchmarks/results.json",
    )
    bench.add_argument("--no-write", action="store_true", help="print the figures only")
    bench.add_argument("--keep", action="store_true", help="keep the generated data and warehouses")
    bench.add_argument(
        "--full-only",
        action="store_true",
        help="generate, floor and the full build alone at each scale, printed, nothing written (the "
        "stretch: --scales 100000000 --memory-limit 2GB --full-only; BENCHMARKS.md gives the disk a scale needs)",
    )
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Dagster flags the observable source asset API as beta on every load: not the user's business
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    # progress of our own steps; the libraries' (Dagster, Great Expectations, alembic) only with -v
    logging.getLogger("orchestration").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return args.func(args)
    except PipelineError as exc:  # a setting that cannot be right (load_settings), before any work
        print(f"ccw {args.command} stopped: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
