"""Declarative mappings: a vendor export read as one or more landing-contract sources.

A landing folder that is not a contract source folder can carry any export, when a
mapping says how to read it (docs/MAPPINGS.md has the full language, the shipped
presets and examples):

    CCW_CONFIG_DIR/mappings/<folder>.yml    a company's mapping of <landing>/<folder>/
    orchestration/landing/presets/<name>.yml a shipped preset, used by naming a landing
                                            folder after it, or by `preset: <name>` in a
                                            mapping (whose keys then override the preset's)

A mapping names the export's format (csv, json), the contract source(s) the folder feeds,
and per source an optional filter (`where`), an optional array to unnest, optional named
intermediate expressions (`derived`) and how each contract column is computed: a column
name (a dotted path into a JSON record), a DuckDB SQL expression, a constant, an id
composed of several fields, or null; then optionally a value map, a timestamp format and
zone, or a duration format. Every export value is text (JSON numbers and objects as their
JSON text); the result is the contract's text, so the mapped rows land in the raw layer
exactly as a contract file's rows do and go through the same staging, checks and marts.

A value that a format cannot convert is written as `<value> (not <format>)`: staging then
rejects it with its rule (unparseable_type), quoting the value, with the vendor file and
row. A value map leaves a value it does not list as it is (staging rejects it as
unknown_code unless it already is a contract code).

A mapping is checked before anything is read (load_mapping): YAML, keys, contract sources
and columns, required columns, formats, zones, and every SQL expression parsed and bound
against the export's fields; a problem stops the run with the mapping file, the line and
what is wrong (MappingError).

Interface used by the raw layer (orchestration/landing/mapped_ingest.py):
    landing_mappings(landing_dir, config_dir) -> {folder: FolderMapping}
    mapped_files(landing_dir, mapping)       -> the folder's export files, in delivery order
    read_export(con, mapping, path, name)    -> the export's records as a temporary table
    target_select(mapping, source, table)    -> SQL: the contract text columns + lineage
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from orchestration.config import default_text
from orchestration.contract import SOURCES, Column, Source
from orchestration.errors import PipelineError
from orchestration.sql import ident, sql_path, sql_string, varchar_columns

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
MAPPINGS_SUBDIR = "mappings"
FORMATS = ("csv", "json")
CSV_ENCODINGS = ("utf-8", "utf-16", "latin-1")
# Named timestamp formats besides strptime patterns (docs/MAPPINGS.md "Timestamps").
NAMED_TIME_FORMATS = ("epoch", "epoch_ms", "ms_json")
DURATIONS = ("h:mm:ss", "m:ss", "seconds", "milliseconds", "minutes")
_TOP_KEYS = ("description", "preset", "format", "csv", "records", "fields", "sources")
_SOURCE_KEYS = ("where", "unnest", "derived", "columns")
_SPEC_KEYS = (
    "column",
    "sql",
    "value",
    "join",
    "separator",
    "map",
    "default",
    "format",
    "timezone",
    "duration",
)
_EXPORT_TABLE = "_mapped_export"


class MappingError(PipelineError):
    """A mapping that cannot be used; the message names the mapping file, the line and the problem."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        self.path, self.line, self.problem = str(path), line, problem
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"mapping {where}: {problem}")


# ---------------------------------------------------------------- YAML with line numbers
class _Map(dict):
    """A YAML mapping: values by key, plus the file and the line of the mapping and of each key."""

    def __init__(self, path: Path, line: int):
        super().__init__()
        self.path, self.line = path, line
        self.key_lines: dict[str, int] = {}
        self.origins: dict[str, Path] = {}  # the file of each key, when merged from a preset

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def _scalar(node: yaml.ScalarNode):
    """Plain null/true/false are themselves; every other scalar is text (an export is text)."""
    if node.style is None:
        if node.value in ("", "~", "null", "Null", "NULL"):
            return None
        if node.value.lower() in ("true", "false"):
            return node.value.lower() == "true"
    return node.value


def _convert(node: yaml.Node, path: Path):
    if isinstance(node, yaml.MappingNode):
        out = _Map(path, node.start_mark.line + 1)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise MappingError(path, key_node.start_mark.line + 1, "a key must be a plain name")
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in out:
                raise MappingError(path, line, f"'{key}' appears twice (first on line {out.key_lines[key]})")
            out[key] = _convert(value_node, path)
            out.key_lines[key] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path) for item in node.value]
    return _scalar(node)


def _read_yaml(path: Path) -> _Map:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(path, None, f"cannot be read ({exc})") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingError(path, mark.line + 1 if mark else None, f"not valid YAML ({problem})") from exc
    doc = _convert(node, path) if node is not None else _Map(path, 1)
    if not isinstance(doc, _Map):
        raise MappingError(path, 1, "a mapping file is a YAML mapping (keys format, sources, ...)")
    return doc


# ---------------------------------------------------------------- the model of a mapping
@dataclass(frozen=True)
class Origin:
    path: Path
    line: int

    def error(self, problem: str) -> MappingError:
        return MappingError(self.path, self.line, problem)


@dataclass
class ColumnSpec:
    """How one contract column is computed (exactly one of column, sql, value, join; or null)."""

    column: Column
    origin: Origin
    kind: str  # column | sql | value | join | null
    column_path: tuple[str, ...] = ()
    sql: str = ""
    value: str | None = None
    join: list[tuple[str, ...]] = field(default_factory=list)
    separator: str = ""
    value_map: dict[str, str | None] | None = None
    default: str | None = None
    has_default: bool = False
    time_format: str | None = None
    timezone: str | None = None
    duration: str | None = None


@dataclass
class SourceSpec:
    """What a folder feeds into one contract source."""

    source: Source
    origin: Origin
    where: tuple[str, Origin] | None = None
    unnest: tuple[tuple[str, ...], str, Origin] | None = None  # (path, alias, origin)
    derived: list[tuple[str, str, Origin]] = field(default_factory=list)
    columns: dict[str, ColumnSpec] = field(default_factory=dict)


@dataclass
class FolderMapping:
    """A validated mapping of one landing folder."""

    folder: str
    path: Path  # the mapping file, or the preset file when the folder is named after a preset
    preset: str | None
    format: str
    sources: dict[str, SourceSpec]
    fingerprint: str
    description: str = ""
    csv_delimiter: str = ","
    csv_quote: str = '"'
    csv_encoding: str = "utf-8"
    records: tuple[str, ...] = ()
    field_types: dict[tuple[str, ...], str] = field(default_factory=dict)
    # record-level export fields read -> where the mapping first reads it (for messages)
    referenced: dict[tuple[str, ...], Origin] = field(default_factory=dict)
    record_fields: dict[str, str] = field(default_factory=dict)  # a record's fields read -> DuckDB type
    schema: dict[str, str] = field(default_factory=dict)  # JSON: read_json columns (field -> DuckDB type)


# ---------------------------------------------------------------- SQL expressions
_PARSER = None


def _parser() -> duckdb.DuckDBPyConnection:
    global _PARSER
    if _PARSER is None:
        _PARSER = duckdb.connect()
        set_variables(_PARSER, "UTC", default_text("reporting_currency"))
    return _PARSER


def set_variables(con: duckdb.DuckDBPyConnection, timezone: str, reporting_currency: str) -> None:
    """The settings a mapping expression may read: getvariable('reporting_currency') and
    getvariable('business_timezone')."""
    con.execute("set variable reporting_currency = ?", [reporting_currency])
    con.execute("set variable business_timezone = ?", [timezone])


def _expression_refs(expr: str, origin: Origin, what: str) -> list[tuple[str, ...]]:
    """The column references of a SQL expression (lambda parameters excluded); raises MappingError
    when it does not parse as one expression."""
    if not isinstance(expr, str) or not expr.strip():
        raise origin.error(f"{what}: an SQL expression (text) is expected")
    con = _parser()
    tree = json.loads(
        con.execute("select json_serialize_sql(?)", ["select (\n" + expr + "\n)"]).fetchall()[0][0]
    )
    if tree.get("error"):
        raise origin.error(f"{what} does not parse as SQL: {tree.get('error_message')} in: {expr}")
    statements = tree.get("statements") or []
    node = statements[0]["node"] if len(statements) == 1 else {}
    if (
        len(statements) != 1
        or node.get("from_table", {}).get("type") not in (None, "EMPTY")
        or len(node.get("select_list", [])) != 1
    ):
        raise origin.error(f"{what} must be one SQL expression (no FROM, no ';'): {expr}")
    lambdas: set[str] = set()
    refs: list[tuple[str, ...]] = []

    def walk(item) -> None:
        if isinstance(item, dict):
            kind = item.get("class")
            if kind == "SUBQUERY":
                raise origin.error(f"{what}: a subquery is not supported in a mapping expression: {expr}")
            if kind == "LAMBDA":
                lhs = item.get("lhs") or {}
                for ref in _all_refs(lhs):
                    lambdas.add(ref[0].lower())
            if kind == "COLUMN_REF":
                refs.append(tuple(item.get("column_names") or ()))
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node["select_list"][0])
    return [r for r in refs if r and r[0].lower() not in lambdas]


def _all_refs(item) -> list[tuple[str, ...]]:
    found = []
    if isinstance(item, dict):
        if item.get("class") == "COLUMN_REF":
            found.append(tuple(item.get("column_names") or ()))
        for value in item.values():
            found += _all_refs(value)
    elif isinstance(item, list):
        for value in item:
            found += _all_refs(value)
    return found


def _path_sql(path: tuple[str, ...]) -> str:
    return ".".join(ident(p) for p in path)


def _check_duckdb(sql: str, origin: Origin, problem: str) -> None:
    try:
        _parser().execute(sql)
    except duckdb.Error as exc:
        raise origin.error(f"{problem}: {str(exc).splitlines()[0]}") from exc


# ---------------------------------------------------------------- loading and checking
def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yml"))


def preset_path(name: str) -> Path:
    path = PRESETS_DIR / f"{name}.yml"
    if not path.is_file():
        raise MappingError(name, None, f"no preset named '{name}' (presets: {', '.join(preset_names())})")
    return path


def _merge(base: _Map, override: _Map) -> _Map:
    """The preset's document with the mapping's keys over it: top-level keys replace, a source's
    `columns` merge column by column (its other keys replace), a source set to null is dropped.
    Every key keeps the file and line it comes from."""

    def overlay(old: _Map, new: _Map, nested: tuple[str, ...]) -> _Map:
        out = _Map(new.path, new.line)
        for doc in (old, new):
            for key, value in doc.items():
                if key in nested and isinstance(out.get(key), _Map) and isinstance(value, _Map):
                    value = overlay(out[key], value, ())
                out[key], out.key_lines[key] = value, doc.line_of(key)
                out.origins[key] = doc.origins.get(key, doc.path)
        return out

    merged = overlay(base, override, ())
    merged.pop("preset", None)
    base_sources, over_sources = base.get("sources"), override.get("sources")
    if over_sources is not None and not isinstance(over_sources, _Map):
        raise MappingError(
            override.path, override.line_of("sources"), "sources: a mapping of contract sources"
        )
    if not isinstance(base_sources, _Map) or over_sources is None:
        return merged
    sources = _Map(over_sources.path, over_sources.line)
    for name in list(base_sources) + [n for n in over_sources if n not in base_sources]:
        old, new = base_sources.get(name), over_sources.get(name)
        if name in over_sources and new is None:
            continue  # this folder does not feed that source
        if name not in over_sources or not isinstance(old, _Map) or not isinstance(new, _Map):
            doc = over_sources if name in over_sources else base_sources
            value = new if name in over_sources else old
        else:
            doc, value = over_sources, overlay(old, new, ("columns",))
        sources[name], sources.key_lines[name] = value, doc.line_of(name)
        sources.origins[name] = doc.path
    merged["sources"] = sources
    return merged


def _origin(doc: _Map, key: str) -> Origin:
    return Origin(doc.origins.get(key, doc.path), doc.line_of(key))


def _dotted(value, origin: Origin, what: str) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip() or any(not p for p in value.split(".")):
        raise origin.error(
            f"{what}: a field name is expected (a dotted path into a JSON record), got {value!r}"
        )
    return tuple(value.split("."))


def load_mapping(path: Path, folder: str | None = None) -> FolderMapping:
    """Read and check a mapping file (or a preset file) for landing folder `folder` (default: the file's name)."""
    folder = folder or path.stem
    doc = _read_yaml(path)
    preset = doc.get("preset")
    files = [path]
    if preset is not None:
        if not isinstance(preset, str):
            raise MappingError(path, doc.line_of("preset"), "preset: the name of a shipped preset")
        try:
            base_path = preset_path(preset)
        except MappingError as exc:
            raise MappingError(path, doc.line_of("preset"), exc.problem) from exc
        base = _read_yaml(base_path)
        if base.get("preset") is not None:
            raise MappingError(base_path, base.line_of("preset"), "a preset cannot itself use a preset")
        files.insert(0, base_path)
        doc = _merge(base, doc)
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for item in files:
        digest.update(item.read_bytes())
    mapping = _build(doc, folder, path, preset)
    mapping.fingerprint = digest.hexdigest()[:16]
    return mapping


def _check_keys(doc: _Map, allowed: tuple[str, ...], what: str = "") -> None:
    for key in doc:
        if key not in allowed:
            raise _origin(doc, key).error(f"{what}unknown key '{key}' (expected one of {', '.join(allowed)})")


def _build(doc: _Map, folder: str, path: Path, preset: str | None) -> FolderMapping:
    _check_keys(doc, _TOP_KEYS)
    fmt = doc.get("format")
    if fmt not in FORMATS:
        raise _origin(doc, "format").error(f"format: one of {', '.join(FORMATS)} is required, got {fmt!r}")
    mapping = FolderMapping(folder, path, preset, fmt, {}, "", description=str(doc.get("description") or ""))
    _csv_options(mapping, doc)
    _json_options(mapping, doc)
    sources = doc.get("sources")
    if not isinstance(sources, _Map) or not sources:
        raise _origin(doc, "sources").error(
            f"sources: the contract source(s) this folder feeds ({', '.join(SOURCES)}), each with its columns"
        )
    for name, spec in sources.items():
        origin = _origin(sources, name)
        if name not in SOURCES:
            raise origin.error(f"'{name}' is not a contract source (one of {', '.join(SOURCES)})")
        if not isinstance(spec, _Map):
            raise origin.error(f"{name}: a mapping with `columns` (and optionally where, unnest, derived)")
        mapping.sources[name] = _build_source(SOURCES[name], spec, origin, fmt)
    _infer_schema(mapping)
    _dry_bind(mapping)
    return mapping


def _csv_options(mapping: FolderMapping, doc: _Map) -> None:
    """`csv`: the delimiter, quote and encoding of a csv export."""
    csv_options = doc.get("csv")
    if csv_options is None:
        return
    if mapping.format != "csv" or not isinstance(csv_options, _Map):
        raise _origin(doc, "csv").error("csv: options (delimiter, quote, encoding) of a csv export")
    for key, value in csv_options.items():
        origin = _origin(csv_options, key)
        if key in ("delimiter", "quote"):
            if not isinstance(value, str) or len(value.encode()) != 1:
                raise origin.error(f"csv.{key}: one character, got {value!r}")
            setattr(mapping, f"csv_{key}", value)
        elif key == "encoding":
            if value not in CSV_ENCODINGS:
                raise origin.error(f"csv.encoding: one of {', '.join(CSV_ENCODINGS)}, got {value!r}")
            mapping.csv_encoding = value
        else:
            raise origin.error(f"unknown csv option '{key}' (delimiter, quote, encoding)")


def _json_options(mapping: FolderMapping, doc: _Map) -> None:
    """`records` (the array of a document that holds the records) and `fields` (explicit DuckDB
    types) of a json export."""
    if doc.get("records") is not None:
        if mapping.format != "json":
            raise _origin(doc, "records").error("records: only a json export has records inside a document")
        mapping.records = _dotted(doc["records"], _origin(doc, "records"), "records")
    fields = doc.get("fields")
    if fields is None:
        return
    if mapping.format != "json" or not isinstance(fields, _Map):
        raise _origin(doc, "fields").error("fields: DuckDB types of JSON fields (field: TYPE)")
    for key, value in fields.items():
        origin = _origin(fields, key)
        _check_duckdb(f"select cast(null as {value})", origin, f"fields.{key}: not a DuckDB type")
        mapping.field_types[_dotted(key, origin, "fields")] = str(value)


def _build_source(source: Source, doc: _Map, origin: Origin, fmt: str) -> SourceSpec:
    _check_keys(doc, _SOURCE_KEYS)
    spec = SourceSpec(source, origin)
    if doc.get("where") is not None:
        spec.where = (doc["where"], _origin(doc, "where"))
        _expression_refs(doc["where"], spec.where[1], "where")
    spec.unnest = _unnest(doc, fmt)
    spec.derived = _derived(doc)
    columns = doc.get("columns")
    if not isinstance(columns, _Map):
        raise _origin(doc, "columns").error(f"{source.name}.columns: how each contract column is computed")
    for name, value in columns.items():
        o = _origin(columns, name)
        if name not in source.column_names:
            raise o.error(
                f"'{name}' is not a column of {source.name} (columns: {', '.join(source.column_names)})"
            )
        spec.columns[name] = _build_column(source.column(name), value, o)
    missing = [c for c in source.required_columns if c not in spec.columns]
    if missing:
        raise origin.error(
            f"{source.name} requires {', '.join(missing)}: map each one (write `{missing[0]}: null` "
            "when the export cannot know it; such rows are then quarantined as missing_required)"
        )
    return spec


def _unnest(doc: _Map, fmt: str) -> tuple[tuple[str, ...], str, Origin] | None:
    """`unnest: {path, as}`: one row per element of a JSON array."""
    unnest = doc.get("unnest")
    if unnest is None:
        return None
    o = _origin(doc, "unnest")
    if fmt != "json":
        raise o.error("unnest: only a json export has arrays")
    if not isinstance(unnest, _Map) or set(unnest) != {"path", "as"}:
        raise o.error("unnest: {path: <array field>, as: <name of one element>}")
    alias = unnest["as"]
    if not isinstance(alias, str) or not alias.isidentifier():
        raise o.error(f"unnest.as: a plain name, got {alias!r}")
    return (_dotted(unnest["path"], o, "unnest.path"), alias, o)


def _derived(doc: _Map) -> list[tuple[str, str, Origin]]:
    """`derived`: named SQL expressions the columns may read."""
    derived = doc.get("derived")
    if derived is None:
        return []
    if not isinstance(derived, _Map):
        raise _origin(doc, "derived").error("derived: named SQL expressions (name: expression)")
    out = []
    for name, expr in derived.items():
        o = _origin(derived, name)
        if not name.isidentifier():
            raise o.error(f"derived: '{name}' is not a plain name")
        _expression_refs(expr, o, f"derived {name}")
        out.append((name, expr, o))
    return out


def _text(value) -> str | None:
    """A YAML value as export/contract text (true/false as the contract writes booleans)."""
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _build_column(column: Column, value, origin: Origin) -> ColumnSpec:
    what = f"column {column.name}"
    if value is None:
        return ColumnSpec(column, origin, "null")
    if isinstance(value, str):
        return ColumnSpec(column, origin, "column", column_path=_dotted(value, origin, what))
    if not isinstance(value, _Map):
        raise origin.error(f"{what}: a field name, null, or a mapping ({', '.join(_SPEC_KEYS)})")
    _check_keys(value, _SPEC_KEYS, f"{what}: ")
    spec = _column_source(column, value, origin, what)
    _value_map(spec, value, what)
    _time_options(spec, value, what)
    if "duration" in value:
        if column.type != "integer":
            raise origin.error(
                f"{what}: duration applies to an integer (seconds) column, not to a {column.type}"
            )
        if value["duration"] not in DURATIONS:
            raise origin.error(f"{what}: duration: one of {', '.join(DURATIONS)}, got {value['duration']!r}")
        spec.duration = value["duration"]
    return spec


def _column_source(column: Column, value: _Map, origin: Origin, what: str) -> ColumnSpec:
    """What a column is computed from: exactly one of column, sql, value, join."""
    kinds = [k for k in ("column", "sql", "value", "join") if k in value]
    if len(kinds) != 1:
        raise origin.error(
            f"{what}: exactly one of column, sql, value, join (got {', '.join(kinds) or 'none'})"
        )
    spec = ColumnSpec(column, origin, kinds[0])
    if spec.kind == "column":
        spec.column_path = _dotted(value["column"], origin, what)
    elif spec.kind == "sql":
        _expression_refs(value["sql"], origin, what)
        spec.sql = value["sql"]
    elif spec.kind == "value":
        spec.value = _text(value["value"])
    else:
        parts = value["join"]
        if not isinstance(parts, list) or len(parts) < 2:
            raise origin.error(f"{what}: join: a list of at least two fields")
        spec.join = [_dotted(p, origin, what) for p in parts]
        spec.separator = str(value.get("separator") or "")
    if "separator" in value and spec.kind != "join":
        raise origin.error(f"{what}: separator goes with join")
    return spec


def _value_map(spec: ColumnSpec, value: _Map, what: str) -> None:
    """`map` (export value -> contract value) and its `default`."""
    if "map" in value:
        table = value["map"]
        if not isinstance(table, _Map) or not table:
            raise spec.origin.error(f"{what}: map: export value -> contract value")
        spec.value_map = {str(k): _text(v) for k, v in table.items()}
    if "default" in value:
        if spec.value_map is None:
            raise spec.origin.error(
                f"{what}: default goes with map (the value of an export value not in the map)"
            )
        spec.has_default, spec.default = True, _text(value["default"])


def _time_options(spec: ColumnSpec, value: _Map, what: str) -> None:
    """`format` and `timezone` of a timestamp or date column."""
    origin, column = spec.origin, spec.column
    for key in ("format", "timezone"):
        if key in value and column.type not in ("timestamp", "date"):
            raise origin.error(f"{what}: {key} applies to a timestamp or date column, not to a {column.type}")
    if "format" in value:
        fmt = value["format"]
        if not isinstance(fmt, str) or not fmt:
            raise origin.error(
                f"{what}: format: a strptime pattern or one of {', '.join(NAMED_TIME_FORMATS)}"
            )
        if fmt not in NAMED_TIME_FORMATS:
            _check_duckdb(f"select try_strptime('x', {sql_string(fmt)})", origin, f"{what}: format {fmt!r}")
        spec.time_format = fmt
    if "timezone" in value:
        if column.type == "date":
            raise origin.error(f"{what}: a date has no time zone (timezone applies to timestamps)")
        zone = value["timezone"]
        _check_duckdb(
            f"select timezone({sql_string(str(zone))}, timestamp '2000-01-01')",
            origin,
            f"{what}: timezone {zone!r} is not an IANA zone name",
        )
        spec.timezone = str(zone)


# ---------------------------------------------------------------- the export's fields
class _Field:
    """A node of the fields a mapping reads from a JSON record: a leaf is text, a node a struct,
    a list node an array (of structs when its elements' fields are read)."""

    def __init__(self) -> None:
        self.children: dict[str, _Field] = {}
        self.is_list = False
        self.explicit: str | None = None

    def add(self, path: tuple[str, ...]) -> _Field:
        node = self
        for part in path:
            node = node.children.setdefault(part, _Field())
        return node

    def type(self) -> str:
        if self.explicit:
            return self.explicit
        inner = (
            "STRUCT(" + ", ".join(f"{ident(k)} {v.type()}" for k, v in self.children.items()) + ")"
            if self.children
            else "VARCHAR"
        )
        return inner + "[]" if self.is_list else inner


def _source_refs(spec: SourceSpec) -> tuple[list[tuple[tuple[str, ...], Origin]], list[tuple[str, ...]]]:
    """([(record-level field path, where it is read)], [unnested-element field paths]) of a source mapping."""
    derived = {name.lower() for name, _, _ in spec.derived}
    alias = spec.unnest[1].lower() if spec.unnest else None
    refs: list[tuple[tuple[str, ...], Origin]] = []
    for col in spec.columns.values():
        if col.kind == "column":
            refs.append((col.column_path, col.origin))
        elif col.kind == "join":
            refs += [(path, col.origin) for path in col.join]
        elif col.kind == "sql":
            refs += [(r, col.origin) for r in _expression_refs(col.sql, col.origin, col.column.name)]
    for _, expr, origin in spec.derived:
        refs += [(r, origin) for r in _expression_refs(expr, origin, "derived")]
    if spec.where:
        refs += [(r, spec.where[1]) for r in _expression_refs(spec.where[0], spec.where[1], "where")]
    record, element = [], []
    for ref, origin in refs:
        head = ref[0].lower()
        if head in derived or (alias and head == f"{alias}_position"):
            continue
        if alias and head == alias:
            if len(ref) > 1:
                element.append(ref[1:])
            continue
        record.append((ref, origin))
    if spec.unnest:
        record.append((spec.unnest[0], spec.unnest[2]))
    return record, element


def _infer_schema(mapping: FolderMapping) -> None:
    """The fields every source mapping reads. For JSON: the record's fields as DuckDB types (text
    leaves, structs above them, the unnested arrays as lists) and the read_json columns (the same,
    inside the `records` array when the records are in one)."""
    record = _Field()
    for spec in mapping.sources.values():
        paths, element = _source_refs(spec)
        for ref, origin in paths:
            mapping.referenced.setdefault(ref, origin)
            record.add(ref)
        if spec.unnest:
            array = record.add(spec.unnest[0])
            array.is_list = True
            for ref in element:
                array.add(ref)
    for path, type_ in mapping.field_types.items():
        record.add(path).explicit = type_
    if mapping.format != "json":
        mapping.record_fields = {ref[0]: "VARCHAR" for ref in mapping.referenced}
        return
    mapping.record_fields = {name: node.type() for name, node in record.children.items()}
    document = record
    if mapping.records:
        document = _Field()
        holder = document.add(mapping.records)
        holder.is_list, holder.children = True, record.children
    mapping.schema = {name: node.type() for name, node in document.children.items()}


# ---------------------------------------------------------------- SQL of a source
def _null_if_empty(expr: str) -> str:
    return f"nullif(cast({expr} as varchar), '')"


def _unconvertible(value: str, converted: str, what: str) -> str:
    """The converted text, else (a value the format cannot read) `<value> (not <what>)`, which
    staging rejects as unparseable_type quoting the value."""
    return (
        f"case when {value} is null then null "
        f"else coalesce({converted}, {value} || {sql_string(f' (not {what})')}) end"
    )


_OFFSET = r"([zZ]|[+-][0-9][0-9](:?[0-9][0-9])?)$"
_UTC_TEXT = "'%Y-%m-%dT%H:%M:%SZ'"


def _time_sql(v: str, spec: ColumnSpec) -> str:
    """Timestamp/date text -> ISO text: absolute instants as UTC with Z, wall-clock times as they are."""
    fmt, zone, is_date = spec.time_format, spec.timezone, spec.column.type == "date"
    out_naive = "'%Y-%m-%d'" if is_date else "'%Y-%m-%d %H:%M:%S'"
    out_utc = "'%Y-%m-%d'" if is_date else _UTC_TEXT

    def utc(tstz: str) -> str:
        return f"strftime(timezone('UTC', {tstz}), {out_utc})"

    if fmt == "epoch":
        return _unconvertible(v, utc(f"to_timestamp(try_cast({v} as double))"), "seconds since 1970")
    if fmt == "epoch_ms":
        return _unconvertible(
            v, utc(f"to_timestamp(try_cast({v} as double) / 1000)"), "milliseconds since 1970"
        )
    if fmt == "ms_json":
        ms = f"try_cast(regexp_extract({v}, '^/Date\\((-?[0-9]+)([+-][0-9]{{4}})?\\)/$', 1) as bigint)"
        return _unconvertible(v, utc(f"to_timestamp({ms} / 1000)"), "/Date(milliseconds)/")
    if fmt is not None:
        parsed = f"try_strptime({v}, {sql_string(fmt)})"
        if "%z" in fmt or "%Z" in fmt:
            return _unconvertible(v, utc(parsed), fmt)
        if zone:
            return _unconvertible(v, utc(f"timezone({sql_string(zone)}, {parsed})"), fmt)
        return _unconvertible(v, f"strftime({parsed}, {out_naive})", fmt)
    if zone:
        # ISO text: a value naming its own offset is already absolute; any other is read in `zone`
        local = utc(f"timezone({sql_string(zone)}, try_cast({v} as timestamp))")
        return _unconvertible(
            v, f"case when regexp_matches({v}, {sql_string(_OFFSET)}) then {v} else {local} end", "ISO-8601"
        )
    return v


def _duration_sql(v: str, duration: str) -> str:
    if duration in ("h:mm:ss", "m:ss"):
        parts = 3 if duration == "h:mm:ss" else 2
        pattern = "[0-9]+" + ":[0-5][0-9]" * (parts - 1)
        seconds = " + ".join(
            f"cast(split_part({v}, ':', {i + 1}) as bigint) * {60 ** (parts - 1 - i)}" for i in range(parts)
        )
        return _unconvertible(
            v, f"case when regexp_full_match({v}, '{pattern}') then cast({seconds} as varchar) end", duration
        )
    factor = {"seconds": "1", "milliseconds": "0.001", "minutes": "60"}[duration]
    return _unconvertible(
        v,
        f"cast(cast(round(try_cast({v} as double) * {factor}) as bigint) as varchar)",
        f"a number of {duration}",
    )


def _map_sql(v: str, spec: ColumnSpec) -> str:
    whens = " ".join(
        f"when {sql_string(k)} then {'null' if val is None else sql_string(val)}"
        for k, val in (spec.value_map or {}).items()
    )
    other = v if not spec.has_default else ("null" if spec.default is None else sql_string(spec.default))
    return f"case {v} {whens} else {other} end"


def _column_sql(spec: ColumnSpec) -> str:
    """The SQL of one contract column: its text, from the export's fields of the current row."""
    if spec.kind == "null":
        return "cast(null as varchar)"
    if spec.kind == "value":
        return "cast(null as varchar)" if spec.value is None else sql_string(spec.value)
    if spec.kind == "column":
        v = _null_if_empty(_path_sql(spec.column_path))
    elif spec.kind == "sql":
        v = _null_if_empty(f"(\n{spec.sql}\n)")
    else:
        v = f" || {sql_string(spec.separator)} || ".join(_null_if_empty(_path_sql(p)) for p in spec.join)
    if spec.value_map is not None:
        v = f"({_map_sql(v, spec)})"
    if spec.column.type in ("timestamp", "date"):
        v = _time_sql(v, spec)
    if spec.duration:
        v = _duration_sql(v, spec.duration)
    return v


def target_select(
    mapping: FolderMapping, source: str, table: str = _EXPORT_TABLE, *, record: bool = False
) -> str:
    """SQL of the rows a folder feeds into `source`, from the export's records in `table` (its
    fields, `_file_name` and `_record_number`): the contract's columns as text, `_file_name` and
    `_row_number` (the record's position in the file; with unnest, the element's position among
    all elements of the file, in reading order); `_record_number` too when `record`."""
    spec = mapping.sources[source]
    relation = f"select * from {table}"
    order = "_record_number"
    if spec.unnest:
        path, alias, _ = spec.unnest
        relation = (
            f"select *, unnest({_path_sql(path)}) as {ident(alias)}, "
            f"generate_subscripts({_path_sql(path)}, 1) as {ident(alias + '_position')} from ({relation})"
        )
        order = f"_record_number, {ident(alias + '_position')}"
    relation = f"select *, row_number() over (order by {order}) as _row_number from ({relation})"
    for name, expr, _ in spec.derived:
        relation = f"select *, (\n{expr}\n) as {ident(name)} from ({relation})"
    columns = ",\n    ".join(
        f"{_column_sql(spec.columns[c.name])} as {ident(c.name)}"
        if c.name in spec.columns
        else f"cast(null as varchar) as {ident(c.name)}"
        for c in spec.source.columns
    )
    where = f"\nwhere (\n{spec.where[0]}\n)" if spec.where else ""
    lineage = "_file_name,\n    _row_number" + (",\n    _record_number" if record else "")
    return f"select\n    {columns},\n    {lineage}\nfrom ({relation}) as _rows{where}"


def _empty_export(mapping: FolderMapping) -> str:
    """A zero-row relation with the export's fields, to bind a mapping's SQL before reading any file."""
    select = "".join(f"cast(null as {t}) as {ident(n)}, " for n, t in mapping.record_fields.items())
    return f"(select {select}cast(null as varchar) as _file_name, 0::bigint as _record_number from range(0))"


def _dry_bind(mapping: FolderMapping) -> None:
    """Bind every expression of the mapping against the export's fields (no file is read): an unknown
    function, a type error or a reference to nothing stops here, at the expression's line."""
    con = _parser()
    empty = _empty_export(mapping)
    for name, spec in mapping.sources.items():
        try:
            con.execute(f"select count(*) from ({target_select(mapping, name, empty)})")
            continue
        except duckdb.Error as exc:
            first_error = str(exc).splitlines()[0]
        # find the expression at fault, to name its line
        probe = SourceSpec(spec.source, spec.origin, unnest=spec.unnest)
        for derived_name, expr, origin in spec.derived:
            probe.derived.append((derived_name, expr, origin))
            _bind_or_raise(con, mapping, name, probe, empty, origin, f"derived {derived_name}")
        for col in spec.columns.values():
            probe.columns[col.column.name] = col
            _bind_or_raise(con, mapping, name, probe, empty, col.origin, f"column {col.column.name}")
        if spec.where:
            probe.where = spec.where
            _bind_or_raise(con, mapping, name, probe, empty, spec.where[1], "where")
        raise spec.origin.error(f"{name}: {first_error}")


def _bind_or_raise(
    con, mapping: FolderMapping, name: str, probe: SourceSpec, empty: str, origin: Origin, what: str
):
    original = mapping.sources[name]
    mapping.sources[name] = probe
    try:
        con.execute(f"select count(*) from ({target_select(mapping, name, empty)})")
    except duckdb.Error as exc:
        raise origin.error(f"{what}: {str(exc).splitlines()[0]}") from exc
    finally:
        mapping.sources[name] = original


# ---------------------------------------------------------------- which folders are mapped
def mapping_files(landing_dir: Path, config_dir: Path | None) -> dict[str, Path]:
    """Mapped folder -> its mapping file: the company's mappings (CCW_CONFIG_DIR/mappings/<folder>.yml)
    and, for a landing folder named after a preset without a company mapping, the preset."""
    found: dict[str, Path] = {}
    if config_dir is not None:
        folder = Path(config_dir) / MAPPINGS_SUBDIR
        if folder.is_dir():
            for path in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")):
                if path.stem in found:
                    raise MappingError(
                        path, None, f"a second mapping of folder '{path.stem}' ({found[path.stem]})"
                    )
                found[path.stem] = path
    if landing_dir.is_dir():
        for name in preset_names():
            if name not in found and (landing_dir / name).is_dir():
                found[name] = preset_path(name)
    return dict(sorted(found.items()))


def landing_mappings(landing_dir: Path, config_dir: Path | None) -> dict[str, FolderMapping]:
    """Every mapped landing folder, checked. Raises MappingError on the first mapping that cannot be used."""
    mappings = {}
    for name, path in mapping_files(landing_dir, config_dir).items():
        if name in SOURCES:
            raise MappingError(
                path,
                None,
                f"'{name}' is a contract source folder, read as the contract; a mapping names another "
                "folder (e.g. after the vendor's export)",
            )
        mappings[name] = load_mapping(path, name)
    return mappings


def _export_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        (
            p
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
        ),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def mapped_files(landing_dir: Path, mapping: FolderMapping) -> list[Path]:
    """The export files of a mapped folder, in delivery order (relative path order). Subfolders are
    read too (Kinesis Data Firehose writes YYYY/MM/DD/HH/); names starting with '.' or '_' (hidden
    files, _SUCCESS markers) are not exports."""
    return _export_files(landing_dir / mapping.folder)


def mapped_inputs(landing_dir: Path, config_dir: Path | None) -> list[Path]:
    """The files a run's mapped folders depend on (mapping files and export files), without checking
    the mappings: what the landing sensor and fingerprint watch."""
    try:
        found = mapping_files(landing_dir, config_dir)
    except MappingError:
        found = {}
    inputs = []
    for name, path in found.items():
        inputs.append(path)
        inputs += _export_files(landing_dir / name)
    return inputs


# ---------------------------------------------------------------- reading one export file
class ExportIssue(Exception):
    """An export file the mapping cannot read; `rule` is a file rule of the quality policy."""

    def __init__(self, rule: str, detail: str, row_number: int | None = None):
        self.rule, self.detail, self.row_number = rule, detail, row_number
        super().__init__(detail)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _csv_header(mapping: FolderMapping, path: Path) -> list[str]:
    encoding = "utf-8-sig" if mapping.csv_encoding == "utf-8" else mapping.csv_encoding
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", encoding=encoding, newline="") as handle:
            first = handle.readline()
    except (UnicodeDecodeError, OSError) as exc:
        raise ExportIssue("unreadable_file", f"not {mapping.csv_encoding} text ({exc})") from exc
    return next(
        csv.reader(io.StringIO(first), delimiter=mapping.csv_delimiter, quotechar=mapping.csv_quote), []
    )


def read_export(con: duckdb.DuckDBPyConnection, mapping: FolderMapping, path: Path, file_name: str) -> int:
    """The records of one export file as the temporary table _mapped_export (their fields,
    `_file_name`, `_record_number` = 1-based position in the file); returns the number of records.
    Raises ExportIssue (empty_file, unreadable_file, missing_required_column, ...)."""
    if path.stat().st_size == 0:
        raise ExportIssue("empty_file", "the file is empty (0 bytes)")
    compression = "gzip" if _is_gzip(path) else "none"
    if mapping.format == "csv":
        header = _csv_header(mapping, path)
        present = {h.lower() for h in header}
        missing = sorted({ref[0] for ref in mapping.referenced if ref[0].lower() not in present})
        if missing:
            origin = next(o for r, o in mapping.referenced.items() if r[0] == missing[0])
            used = f" (used by {origin.path}, line {origin.line})"
            raise ExportIssue(
                "missing_required_column",
                f"column(s) {missing} not in the header{used}; the header has: {', '.join(header)}",
            )
        reader = (
            f"read_csv({sql_path(path)}, header = true, auto_detect = false, "
            f"columns = {varchar_columns(header)}, delim = {sql_string(mapping.csv_delimiter)}, "
            f"quote = {sql_string(mapping.csv_quote)}, escape = {sql_string(mapping.csv_quote)}, "
            f"encoding = {sql_string(mapping.csv_encoding)}, compression = '{compression}')"
        )
        records = f"select *, row_number() over () as _record_number from {reader}"
    else:
        columns = (
            "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in mapping.schema.items()) + "}"
        )
        reader = (
            f"read_json({sql_path(path)}, format = 'auto', records = true, columns = {columns}, "
            f"compression = '{compression}', maximum_object_size = 268435456)"
        )
        records = f"select *, row_number() over () as _record_number from {reader}"
        if mapping.records:
            holder = _path_sql(mapping.records)
            records = (
                "select unnest(_record), row_number() over (order by _document, _position) as _record_number "
                f"from (select _record_number as _document, unnest({holder}) as _record, "
                f"generate_subscripts({holder}, 1) as _position from ({records}))"
            )
    try:
        con.execute(
            f"create or replace temp table {_EXPORT_TABLE} as "
            f"select *, {sql_string(file_name)} as _file_name from ({records})"
        )
    except duckdb.Error as exc:
        raise ExportIssue(
            "unreadable_file",
            f"not a {mapping.format} export the mapping can read: {str(exc).splitlines()[0]}",
        ) from exc
    return int(con.execute(f"select count(*) from {_EXPORT_TABLE}").fetchall()[0][0])


def drop_export(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {_EXPORT_TABLE}")


def render_preset(name: str) -> str:
    """A preset as a mapping file to start from (its text, with the line that says where to put it)."""
    text = preset_path(name).read_text(encoding="utf-8")
    return (
        f"# Preset {name}: copy to $CCW_CONFIG_DIR/mappings/<landing folder>.yml and edit; or keep the\n"
        f"# preset and override single columns: `preset: {name}` plus the columns that differ.\n" + text
    )
