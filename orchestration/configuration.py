"""The organisation's configuration: the configuration seeds, validated, and the seeds a build reads.

Each seed of seeds/_seeds.yml says who supplies it (`config: meta: supplied_by`):
  product        the product's own, read from seeds/ of the checkout (the channel taxonomy);
  organisation   the organisation's configuration, read from CCW_CONFIG_DIR when it is set
                 (never from the checkout then), else the sample organisation's in seeds/.

Before a build, `prepare_build_seeds` validates every configuration file against the
declaration of its seed (column types, not_null, unique, accepted values and ranges, key
combinations) and writes the build's private seeds folder (Settings.build_seeds_dir, which
dbt's seed-paths reaches through CCW_BUILD_SEEDS and a link in the project's target/): the
product's seeds and YAML, and the configuration files as validated (byte-order mark, blank lines and line endings normalised). A missing or malformed
file stops the run before anything is read, naming the file, the line and what is wrong.
docs/decisions/settings.md CF3-CF4 say why all or nothing, and why a copy rather than reading
the folder in place.

`init(folder)` writes a starting copy: the sample's configuration files and a README.md that
explains every file and column (from the seeds' YAML descriptions); it never overwrites.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from orchestration.config import PROJECT_DIR, SAMPLE_CONFIG_DIR, Settings
from orchestration.errors import PipelineError

SEEDS_DIR = PROJECT_DIR / "seeds"
SEEDS_YAML = SEEDS_DIR / "_seeds.yml"
MAX_PROBLEMS_PER_FILE = 10


class ConfigurationError(PipelineError):
    """A configuration file is missing or malformed."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str  # string | boolean | date | integer | decimal(p,s)
    description: str = ""
    required: bool = False  # not_null
    unique: bool = False
    accepted_values: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    min_inclusive: bool = True
    first_day_of_month: bool = False  # meta: a month, written as its first day
    absent_means_empty: bool = False  # meta: a file without the column (added later) reads as empty
    references: tuple[str, str] | None = None  # relationships: (seed, column) its values must be in


@dataclass(frozen=True)
class SeedSpec:
    name: str
    supplied_by: str  # product | organisation
    description: str
    columns: tuple[ColumnSpec, ...]
    unique_combinations: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def _tests(node: dict) -> list[tuple[str, dict]]:
    """(test name, arguments) of a node's data_tests."""
    found = []
    for test in node.get("data_tests") or []:
        if isinstance(test, str):
            found.append((test, {}))
        else:
            name, body = next(iter(test.items()))
            found.append((name, (body or {}).get("arguments") or {}))
    return found


def _reference(arguments: dict) -> tuple[str, str] | None:
    """(seed, column) of a relationships test (`to: ref('seed')`, `field: column`)."""
    if not arguments:
        return None
    seed = re.fullmatch(r"ref\(\s*['\"]([A-Za-z0-9_]+)['\"]\s*\)", str(arguments["to"]).strip())
    if seed is None:
        raise ConfigurationError(f"{SEEDS_YAML}: relationships `to: {arguments['to']}` must be ref('<seed>')")
    return seed.group(1), str(arguments["field"])


def _column(node: dict, column_type: str) -> ColumnSpec:
    tests = dict(_tests(node))
    accepted = tests.get("accepted_values", {}).get("values") or ()
    bounds = tests.get("accepted_range", {})
    meta = node.get("meta") or {}
    return ColumnSpec(
        name=node["name"],
        type=column_type,
        description=" ".join(str(node.get("description") or "").split()),
        required="not_null" in tests,
        unique="unique" in tests,
        accepted_values=tuple(str(v) for v in accepted),
        min_value=bounds.get("min_value"),
        max_value=bounds.get("max_value"),
        min_inclusive=bounds.get("inclusive", True),
        first_day_of_month=bool(meta.get("first_day_of_month")),
        absent_means_empty=bool(meta.get("absent_means_empty")),
        references=_reference(tests.get("relationships", {})),
    )


@cache
def seed_specs() -> dict[str, SeedSpec]:
    """Every seed of seeds/_seeds.yml, by name."""
    specs = {}
    for node in yaml.safe_load(SEEDS_YAML.read_text())["seeds"]:
        config = node.get("config") or {}
        supplied_by = (config.get("meta") or {}).get("supplied_by")
        if supplied_by not in ("product", "organisation"):
            raise ConfigurationError(
                f"{SEEDS_YAML}: seed {node['name']} must say `config: meta: supplied_by:` product or organisation"
            )
        types = config.get("column_types") or {}
        columns = tuple(_column(c, types.get(c["name"], "string")) for c in node.get("columns") or [])
        combos = tuple(
            tuple(args["combination_of_columns"])
            for name, args in _tests(node)
            if name == "unique_combination_of_columns"
        )
        specs[node["name"]] = SeedSpec(
            node["name"], supplied_by, " ".join(str(node.get("description") or "").split()), columns, combos
        )
    return specs


def configuration_seeds() -> list[SeedSpec]:
    return [s for s in seed_specs().values() if s.supplied_by == "organisation"]


# ---------------------------------------------------------------- validation
def _date_problem(col: ColumnSpec, value: str) -> str | None:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return "is not a date written YYYY-MM-DD"
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "is not a date of the calendar"
    if col.first_day_of_month and day.day != 1:
        return "is not the first day of a month (a month is written as its first day, e.g. 2025-03-01)"
    return None


def _number(kind: str, value: str) -> Decimal | str:
    """The value of an integer or decimal(p,s) column, or what is wrong with it."""
    if kind == "integer":
        return Decimal(value) if re.fullmatch(r"-?[0-9]+", value) else "is not a whole number"
    precision, scale = (int(n) for n in re.findall(r"[0-9]+", kind)) if "(" in kind else (18, 0)
    match = re.fullmatch(r"-?([0-9]+)(\.([0-9]+))?", value)
    if not match:
        return "is not a number written with digits and an optional decimal point (e.g. 1.0951)"
    if len(match.group(3) or "") > scale:
        return f"has more than {scale} decimals (it would be rounded)"
    if len(match.group(1).lstrip("0")) > precision - scale:
        return f"has more than {precision - scale} digits before the decimal point"
    return Decimal(value)


def _range_problem(col: ColumnSpec, number: Decimal) -> str | None:
    low = None if col.min_value is None else Decimal(str(col.min_value))
    if low is not None and (number < low or (not col.min_inclusive and number == low)):
        return f"is {'below' if col.min_inclusive else 'not above'} {col.min_value}"
    if col.max_value is not None and number > Decimal(str(col.max_value)):
        return f"is above {col.max_value}"
    return None


def _value_problem(col: ColumnSpec, value: str) -> str | None:
    """What is wrong with a non-empty value of this column, or None."""
    kind = col.type.lower()
    if value != value.strip():
        return "has leading or trailing spaces"
    if kind == "boolean" and value.lower() not in ("true", "false"):
        return "is not true or false"
    if kind == "date":
        return _date_problem(col, value)
    if col.accepted_values and value not in col.accepted_values:
        return "is not one of " + ", ".join(col.accepted_values)
    if kind == "integer" or kind.startswith("decimal"):
        number = _number(kind, value)
        return number if isinstance(number, str) else _range_problem(col, number)
    return None


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]] | str:
    """(header, [(line, fields)]) of a CSV file, blank lines left out; or what makes it unreadable."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return "the file is not UTF-8 text (save it as `CSV UTF-8`)"
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        return f"the file cannot be read as CSV: {exc}"
    lines = [(n, row) for n, row in lines if any(v.strip() for v in row)]
    if not lines:
        return "the file is empty (it needs a header row)"
    return lines[0][1], lines[1:]


def _header_problems(spec: SeedSpec, header: list[str]) -> list[str]:
    expected = [c.name for c in spec.columns]
    problems = []
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        return [
            f"the header is one column {header[0]!r}: the file is not comma-separated "
            "(save it as CSV with commas)"
        ]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        problems.append("the header repeats " + ", ".join(repeated))
    missing = [c.name for c in spec.columns if c.name not in header and not c.absent_means_empty]
    if missing:
        problems.append("the header lacks " + ", ".join(missing))
    unknown = [h for h in header if h not in expected]
    if unknown:
        problems.append(
            "the header has unknown column(s) "
            + ", ".join(repr(h) for h in unknown)
            + f" (expected: {', '.join(expected)})"
        )
    return problems


def _duplicates(spec: SeedSpec, header: list[str], rows: list[tuple[int, list[str]]]) -> list[str]:
    keys = [(c.name,) for c in spec.columns if c.unique] + list(spec.unique_combinations)
    problems = []
    for key in keys:
        seen: dict[tuple[str, ...], int] = {}
        for line, row in rows:
            value = tuple(row[header.index(c)] for c in key)
            if value in seen:
                shown = ", ".join(f"{c} = {v!r}" for c, v in zip(key, value, strict=True))
                problems.append(f"lines {seen[value]} and {line}: {shown} twice (it must be unique)")
            else:
                seen[value] = line
    return problems


def validate_file(spec: SeedSpec, path: Path) -> list[str]:
    """What is wrong with one configuration file ([] when nothing); each problem names its line."""
    if not path.is_file():
        return ["the file is missing (every configuration file must be there)"]
    read = _rows(path)
    if isinstance(read, str):
        return [read]
    header, rows = read
    problems = _header_problems(spec, header)
    if problems:
        return problems
    for line, row in rows:
        if len(row) != len(header):
            problems.append(f"line {line}: {len(row)} fields, the header has {len(header)}")
            continue
        for col in spec.columns:
            value = row[header.index(col.name)] if col.name in header else ""
            if not value.strip():
                if col.required:
                    problems.append(f"line {line}: {col.name} is empty (it is required)")
                continue
            wrong = _value_problem(col, value)
            if wrong:
                problems.append(f"line {line}: {col.name} = {value!r} {wrong}")
    if not problems:
        problems = _duplicates(spec, header, rows)
    return problems


def _column_values(path: Path, column: str) -> list[tuple[int, str]]:
    """(line, value) of one column of a valid file, empty values left out."""
    header, rows = _rows(path)  # type: ignore[misc]  # validated: readable
    if column not in header:
        return []
    return [(line, row[header.index(column)]) for line, row in rows if row[header.index(column)]]


def _reference_problems(folder: Path, spec: SeedSpec) -> list[str]:
    """Values of a valid file that name no row of the file they refer to (relationships)."""
    problems = []
    for col in spec.columns:
        if col.references is None:
            continue
        seed, field_name = col.references
        home = SEEDS_DIR if seed_specs()[seed].supplied_by == "product" else folder
        known = {v for _, v in _column_values(home / f"{seed}.csv", field_name)}
        for line, value in _column_values(folder / spec.file_name, col.name):
            if value not in known:
                problems.append(
                    f"line {line}: {col.name} = {value!r} is not a {field_name} of {seed}.csv "
                    f"(its values: {', '.join(sorted(known))})"
                )
    return problems


def validate_folder(folder: Path) -> list[str]:
    """Every problem of the configuration files of a folder, each starting with its file name.
    References between files are checked once every file is valid on its own."""
    if not folder.is_dir():
        return [f"{folder}: no such folder"]
    found = []
    for spec in configuration_seeds():
        problems = validate_file(spec, folder / spec.file_name)
        shown = problems[:MAX_PROBLEMS_PER_FILE]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        found += [f"{spec.file_name}: {p}" for p in shown]
    if found:
        return found
    for spec in configuration_seeds():
        problems = _reference_problems(folder, spec)
        found += [f"{spec.file_name}: {p}" for p in problems[:MAX_PROBLEMS_PER_FILE]]
    return found


def configuration_error(folder: Path, problems: list[str]) -> ConfigurationError:
    return ConfigurationError(
        f"the configuration in {folder} is not valid: nothing was built and the published warehouse "
        "is unchanged. Fix the files (README.md of `ccw config init` explains every column; "
        "`ccw config check` validates the folder alone):\n" + "\n".join("  " + p for p in problems)
    )


# ---------------------------------------------------------------- the build's seeds folder
def _normalised(spec: SeedSpec, path: Path) -> str:
    """The validated file as dbt reads it: no byte-order mark, no blank line, `\\n` line ends, a
    column the file may leave out (absent_means_empty) added empty."""
    header, rows = _rows(path)  # type: ignore[misc]  # validated: readable
    added = [c.name for c in spec.columns if c.name not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + added)
    writer.writerows(row + [""] * len(added) for _, row in rows)
    return out.getvalue()


def prepare_build_seeds(settings: Settings) -> Path:
    """Validate the configuration (ConfigurationError naming every problem) and write the seeds
    folder of the build: the product's seeds and YAML from the checkout, the configuration files
    from Settings.configuration_dir."""
    folder = settings.configuration_dir
    problems = validate_folder(folder)
    if problems:
        raise configuration_error(folder, problems)
    target = settings.build_seeds_dir
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    organisation = {s.file_name for s in configuration_seeds()}
    for path in sorted(SEEDS_DIR.iterdir()):
        if path.is_file() and path.name not in organisation:
            shutil.copyfile(path, target / path.name)
    for spec in configuration_seeds():
        (target / spec.file_name).write_text(_normalised(spec, folder / spec.file_name))
    link = PROJECT_DIR / settings.dbt_seed_path
    if not (link.is_symlink() and link.resolve() == target.resolve()):
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(target.resolve(), target_is_directory=True)
    return target


# ---------------------------------------------------------------- ccw config init
def _markdown(text: str) -> str:
    return text.replace("|", "\\|")


def folder_readme() -> str:
    """README.md of a configuration folder: every file and column, from the seeds' YAML."""
    lines = [
        "# The organisation's configuration of the contact-cost warehouse",
        "",
        "This folder is what `CCW_CONFIG_DIR` points at. The warehouse reads the files below from",
        "here and never from its checkout, so upgrading the warehouse never touches them. Each run",
        "validates them first: a missing file, a missing or unknown column, a value of the wrong",
        "type, an empty required value, a value outside its list or a duplicate key stops the run",
        "before anything is built, naming the file and line. `ccw config check` validates the",
        "folder without building. A changed file makes the next run a full rebuild.",
        "",
        "Every file: CSV, UTF-8, comma-separated, one header row with exactly the columns below",
        "(in any order; a column whose meaning says so may be left out: it is then empty), one row",
        "per line; an empty field is empty. Dates are written YYYY-MM-DD,",
        "booleans true or false, numbers with digits and a `.` as the decimal point (no thousands",
        "separator, no more decimals than the type allows: they would be rounded). No value may",
        "begin or end with a space. Amounts are in the reporting currency (`CCW_REPORTING_CURRENCY`)",
        "unless a column says otherwise.",
        "",
        "The subfolder `mappings/` holds the mappings of vendor exports, one `<landing folder>.yml`",
        "each (docs/MAPPINGS.md of the warehouse).",
        "",
        "This file is written by `ccw config init` from the descriptions in the warehouse's",
        "seeds/_seeds.yml; it is not read by the warehouse.",
    ]
    for spec in configuration_seeds():
        lines += ["", f"## {spec.file_name}", "", spec.description, ""]
        keys = [(c.name,) for c in spec.columns if c.unique] + list(spec.unique_combinations)
        if keys:
            lines += ["Unique: " + "; ".join(" + ".join(k) for k in keys) + ".", ""]
        lines += ["| column | type | required | allowed values | meaning |", "|---|---|---|---|---|"]
        for c in spec.columns:
            allowed = ", ".join(f"`{v}`" for v in c.accepted_values)
            if c.min_value is not None or c.max_value is not None:
                low = "" if c.min_value is None else f"{'>' if not c.min_inclusive else '>='} {c.min_value}"
                high = "" if c.max_value is None else f"<= {c.max_value}"
                allowed = " and ".join(p for p in (low, high) if p)
            if c.first_day_of_month:
                allowed = "the first day of a month"
            lines.append(
                f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | {_markdown(allowed)} | {_markdown(c.description)} |"
            )
    return "\n".join(lines) + "\n"


def init(folder: Path) -> list[Path]:
    """Write a starting configuration folder: the sample's files and README.md. Never overwrites:
    ConfigurationError names the files that are already there."""
    names = [s.file_name for s in configuration_seeds()] + ["README.md"]
    existing = [folder / n for n in names if (folder / n).exists()]
    if existing:
        raise ConfigurationError(
            f"{folder} already holds {', '.join(p.name for p in existing)}: nothing was written "
            "(ccw config init never overwrites; choose a new folder)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in configuration_seeds():
        shutil.copyfile(SAMPLE_CONFIG_DIR / spec.file_name, folder / spec.file_name)
        written.append(folder / spec.file_name)
    (folder / "README.md").write_text(folder_readme())
    return [*written, folder / "README.md"]
