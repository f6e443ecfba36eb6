"""Small metric frames, computed in DuckDB SQL, that the suites validate.

Nothing big ever reaches pandas: each function aggregates a layer in SQL (one
scan per table) into a frame of one row per landing file, table, column,
month or reference, and the Great Expectations suites (suites.py) test those
rows. Every frame has a `key` column naming what a row is about (a file name,
`table.column`, a month, ...): a failed expectation lists the keys it failed on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.config import PROJECT_DIR, SAMPLE_CONFIG_DIR, Settings, default_text
from orchestration.contract import CONTRACT_FILE, INTERACTION_SOURCES, ROW_RULES, SOURCES, VALUE_FORMS, Source
from orchestration.quality.policy import Policy
from orchestration.sql import sql_path
from orchestration.sql import sql_string as _q


@dataclass(frozen=True)
class RuleSettings:
    """What the row rules read besides the row, as staging gets it from the build's dbt vars and
    seeds: the business timezone (local timestamps), the reporting currency, the FX rates and
    currency decimals of the organisation's configuration, and the earliest plausible date."""

    timezone: str
    reporting_currency: str
    fx_rates: Path
    earliest_date: date  # the first plausible day of a landing event (rule implausible_date)
    minor_units: Path  # currency_minor_units.csv of the configuration (rule too_many_decimals)

    @classmethod
    def of(cls, settings: Settings) -> RuleSettings:
        return cls(
            settings.business_timezone,
            settings.reporting_currency,
            settings.configuration_dir / "fx_rates.csv",
            settings.earliest_date,
            settings.configuration_dir / "currency_minor_units.csv",
        )

    @classmethod
    def defaults(cls) -> RuleSettings:
        return cls(
            default_text("business_timezone"),
            default_text("reporting_currency"),
            SAMPLE_CONFIG_DIR / "fx_rates.csv",
            date.fromisoformat(default_text("earliest_date")),
            SAMPLE_CONFIG_DIR / "currency_minor_units.csv",
        )


def future_cutoff(now: datetime | None = None) -> datetime:
    """Run start + 1 day, naive UTC (as macros/timestamps.sql future_cutoff)."""
    return (now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0) + timedelta(days=1)


# ---------------------------------------------------------------- raw layer
def _matches(c: str, form: str) -> str:
    return f"regexp_full_match({c}, {_q(VALUE_FORMS[form])})"


def _timestamp_utc(c: str, timezone: str) -> str:
    """Landing text -> naive UTC timestamp, in the accepted forms only (macros/timestamps.sql)."""
    offset = _q(VALUE_FORMS["zone_offset"])
    minutes = (
        f"coalesce(case when regexp_extract({c}, {offset}, 1) = '-' then -1 else 1 end "
        f"* (cast(nullif(regexp_extract({c}, {offset}, 2), '') as int) * 60 "
        f"+ coalesce(cast(nullif(regexp_extract({c}, {offset}, 3), '') as int), 0)), 0)"
    )
    date_time = f"try_cast(regexp_extract({c}, {_q('^' + VALUE_FORMS['local_timestamp'])}, 0) as timestamp)"
    return (
        f"case when {_matches(c, 'local_timestamp')} "
        f"then timezone('UTC', timezone({_q(timezone)}, try_cast({c} as timestamp))) "
        f"when {_matches(c, 'zoned_timestamp')} then {date_time} - to_minutes(cast({minutes} as bigint)) end"
    )


def typed_value(col: str, type_: str, timezone: str) -> str:
    c = f'"{col}"'
    if type_ == "integer":
        return f"case when regexp_full_match({c}, '[+-]?[0-9]+') then try_cast({c} as integer) end"
    if type_ == "decimal":
        return f"try_cast({c} as decimal(18, 4))"
    if type_ == "date":
        return f"case when {_matches(c, 'date')} then try_cast({c} as date) end"
    if type_ == "boolean":
        return (
            f"case when lower({c}) in ('true', 't', '1', 'yes', 'y') then true "
            f"when lower({c}) in ('false', 'f', '0', 'no', 'n') then false end"
        )
    if type_ == "timestamp":
        return _timestamp_utc(c, timezone)
    return f"nullif({c}, '')"


def decimal_places(col: str) -> str:
    """The decimals a number's text carries, trailing zeros not counted (macros/parsing.sql)."""
    return f"length(regexp_replace(regexp_extract({col}, '[.]([0-9]+)', 1), '0+$', ''))"


def _column_rule_conditions(source: Source, cutoff: datetime, earliest: date) -> dict[str, list[str]]:
    """The rules the contract's columns imply: rule -> SQL conditions over raw `c` and typed `_t_c`."""
    rules: dict[str, list[str]] = {}
    bound = f"timestamp '{cutoff:%Y-%m-%d %H:%M:%S}'"
    for col in source.columns:
        c, t = f'"{col.name}"', f'"_t_{col.name}"'
        typed = col.type != "string"  # a typed value of spaces only is empty (macros/validation.sql)
        blank = f" or ({t} is null and trim({c}) = '')" if typed else ""
        found = {
            "missing_required": f"(nullif({c}, '') is null{blank})" if col.required else None,
            "unparseable_type": f"nullif({c}, '') is not null and {t} is null and trim({c}) <> ''"
            if typed
            else None,
            "unknown_code": f"{t} not in ({', '.join(_q(v) for v in col.codes)})" if col.codes else None,
            "negative_duration": f"{t} < 0" if col.is_duration else None,
            "future_timestamp": (
                f"{t} > {bound if col.type == 'timestamp' else f'cast({bound} as date)'}"
                if col.type in ("timestamp", "date") and col.name not in source.future_exempt
                else None
            ),
            "implausible_date": (
                f"{t} < {col.type} '{earliest:%Y-%m-%d}'"
                if col.type in ("timestamp", "date") and col.name not in source.past_exempt
                else None
            ),
        }
        for rule, condition in found.items():
            if condition:
                rules.setdefault(rule, []).append(condition)
    return rules


def _row_rule_conditions(source: Source, cutoff: datetime, settings: RuleSettings) -> dict[str, list[str]]:
    """rule -> SQL conditions (true when a row breaks it), over raw text `c` and typed `_t_c`."""
    rules: dict[str, list[str]] = {rule: [] for rule in ROW_RULES if rule != "duplicate_id"}
    for rule, conditions in _column_rule_conditions(source, cutoff, settings.earliest_date).items():
        rules[rule] += conditions
    for r in source.ranges:
        t = f'"_t_{r.column}"'
        parts = [f"{t} {'<=' if r.exclusive_min else '<'} {r.min}"] if r.min is not None else []
        parts += [f"{t} > {r.max}"] if r.max is not None else []
        rules["out_of_range"].append("(" + " or ".join(parts) + ")")
    for pair in source.end_before_start:
        rules["end_before_start"].append(f'"_t_{pair.end}" < "_t_{pair.start}"')
    if source.too_many_decimals:
        amount = f'"{source.too_many_decimals.amount}"'
        rules["too_many_decimals"].append(f"{decimal_places(amount)} > _minor_units")
    if source.unknown_currency:
        rules["unknown_currency"].append(
            f'"_t_{source.unknown_currency.currency}" <> {_q(settings.reporting_currency)} and not _has_fx_rate'
        )
    return rules


def file_metrics_sql(
    source: Source, relation: str, settings: RuleSettings, now: datetime | None = None
) -> str:
    """Per landing file of `relation` (rows of one source: contract columns as text, _file_name,
    _row_number): rows, and per row rule the rows breaking it and the first such row."""
    cutoff = future_cutoff(now)
    rules = _row_rule_conditions(source, cutoff, settings)
    typed = ", ".join(
        f'{typed_value(c.name, c.type, settings.timezone)} as "_t_{c.name}"' for c in source.columns
    )
    raw_cols = ", ".join(f'"{c}"' for c in source.column_names)
    fx_join = ""
    if source.unknown_currency:
        rule = source.unknown_currency
        fx_join = (
            f"left join (select distinct cast(month as date) as fx_month, currency as fx_currency "
            f"from read_csv({sql_path(settings.fx_rates)}, header = true, all_varchar = true) "
            "where nullif(rate_to_reporting, '') is not null) fx "
            f"on fx.fx_month = date_trunc('month', typed._t_{rule.date}) and fx.fx_currency = typed._t_{rule.currency}"
        )
    has_fx = ", fx.fx_month is not null as _has_fx_rate" if fx_join else ""
    if source.too_many_decimals:
        currency_col = source.too_many_decimals.currency
        fx_join += (
            f" left join (select currency as units_currency, cast(minor_units as integer) as minor_units "
            f"from read_csv({sql_path(settings.minor_units)}, header = true, all_varchar = true)) units "
            f'on units.units_currency = typed."_t_{currency_col}"'
        )
        has_fx += ", coalesce(units.minor_units, 2) as _minor_units"
    flags = ", ".join(
        f"coalesce({' or '.join(f'({c})' for c in conds)}, false) as r_{rule}"
        if conds
        else f"false as r_{rule}"
        for rule, conds in rules.items()
    )
    any_flag = " or ".join(f"r_{rule}" for rule in rules)
    # (expression over `flagged`, alias in `ties`): key, file, updated_at (null = 1900)
    tie = [(f'flagged."_t_{k}"', f'"_t_{k}"') for k in source.key] + [("flagged._file_name", "_file_name")]
    if "updated_at" in source.column_names:
        tie.append(("coalesce(flagged.\"_t_updated_at\", timestamp '1900-01-01')", None))
    tie = [(expr, f"_tie{i}") for i, (expr, _) in enumerate(tie)]
    tie_select = ", ".join(f"{expr} as {alias}" for expr, alias in tie)
    tie_join = " and ".join(f"ties.{alias} = {expr}" for expr, alias in tie)
    sums = ", ".join(
        f"count(*) filter (where r_{rule}) as {rule}, min(_row_number) filter (where r_{rule}) as {rule}_first_row"
        for rule in ROW_RULES
    )
    return f"""
        with typed as (
            select _file_name, _row_number, hash({raw_cols}) as _fp, {raw_cols}, {typed}
            from {relation}
        ),
        flagged as materialized (
            select typed.*{has_fx}, {flags}
            from typed {fx_join}
        ),
        ties as (
            select {tie_select}
            from flagged where not ({any_flag})
            group by all having min(_fp) <> max(_fp)
        ),
        judged as (
            select flagged.*, (not ({any_flag}) and ties._tie0 is not null) as r_duplicate_id
            from flagged left join ties on {tie_join}
        )
        select {_q(source.name)} as source, _file_name as file_name, count(*) as rows, {sums}
        from judged group by _file_name
    """


METRICS_TABLE = "raw._file_metrics"
_METRIC_COLUMNS = ["rows"] + [c for rule in ROW_RULES for c in (rule, f"{rule}_first_row")]


def metrics_key(settings: RuleSettings) -> str:
    """What the per-file metrics depend on besides the file (and the clock, see raw_row_metrics)."""
    digest = hashlib.sha256(
        f"{settings.timezone}\0{settings.reporting_currency}\0{settings.earliest_date}\0".encode()
    )
    for path in (
        Path(__file__),
        PROJECT_DIR / "orchestration" / "contract.py",
        CONTRACT_FILE,
        settings.fx_rates,
        settings.minor_units,
    ):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def _metrics_ddl() -> str:
    cols = ", ".join(f"{c} bigint" for c in _METRIC_COLUMNS)
    return f"create table if not exists {METRICS_TABLE} (source varchar, file_name varchar, {cols}, metrics_key varchar)"


def compute_file_metrics(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    relation: str,
    settings: RuleSettings,
    now: datetime | None = None,
) -> pd.DataFrame:
    return con.execute(file_metrics_sql(source, relation, settings, now)).df()


def store_file_metrics(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame | None, settings: RuleSettings, file_names: list[str]
) -> None:
    """Keep the per-file metrics of the files just loaded (computed in the pass that validated them).

    file_names: files whose metrics the frame holds (a file with 0 rows has no row in it)."""
    # a catalog query, which cannot fail (this runs inside the ingest's transaction)
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = '_file_metrics' "
            "and (database_name = 'raw' or schema_name = 'raw') order by column_index"
        ).fetchall()
    ]
    if columns and columns != ["source", "file_name", *_METRIC_COLUMNS, "metrics_key"]:
        # the metrics of another set of rules: computed again when needed (raw_row_metrics)
        con.execute(f"drop table {METRICS_TABLE}")
    con.execute(_metrics_ddl())
    if file_names:
        con.execute(
            f"delete from {METRICS_TABLE} where file_name in (select unnest(?::varchar[]))", [file_names]
        )
    if frame is not None and len(frame):
        key = metrics_key(settings)
        rows = frame.assign(metrics_key=key)[["source", "file_name", *_METRIC_COLUMNS, "metrics_key"]]
        con.register("_metrics_frame", rows)
        try:
            con.execute(f"insert into {METRICS_TABLE} select * from _metrics_frame")
        finally:
            con.unregister("_metrics_frame")


def _has_metrics_table(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute(f"select 1 from {METRICS_TABLE} limit 0")
        return True
    except duckdb.Error:
        return False


def raw_row_metrics(
    con: duckdb.DuckDBPyConnection, settings: RuleSettings, now: datetime | None = None
) -> pd.DataFrame:
    """One row per loaded landing file: rows, and per row rule the rows breaking it and the first such row.

    Rules are counted independently (a row may break two); staging records only the
    first one a row breaks. duplicate_id counts the rows passing every other rule that
    share key, file and updated_at with a row of different content (as staging does).

    Incremental (docs/decisions/performance.md P5): the ingest computes a file's metrics in the
    pass that validates it and keeps them in raw._file_metrics; here they are reused, except
    for files with a future timestamp (that rule depends on the clock) or metrics computed
    under another contract, FX rates, reporting currency or timezone, which are computed again
    from raw.<source>.
    """
    key = metrics_key(settings)
    cached = (
        con.execute(
            f"select * exclude (metrics_key) from {METRICS_TABLE} where metrics_key = ? and future_timestamp = 0",
            [key],
        ).df()
        if _has_metrics_table(con)
        else pd.DataFrame(columns=["source", "file_name", *_METRIC_COLUMNS])
    )
    files = con.execute(
        "select source, file_name, rows as loaded_rows from raw._landing_files where rule is null order by 1, 2"
    ).df()
    known = set(cached["file_name"])
    frames = [cached] if len(cached) else []
    for source in SOURCES.values():
        todo = [
            f
            for f, n in zip(
                files.loc[files["source"] == source.name, "file_name"],
                files.loc[files["source"] == source.name, "loaded_rows"],
                strict=True,
            )
            if f not in known and n
        ]
        if not todo:
            continue
        names = ", ".join(_q(f) for f in todo)
        relation = f"(select * from raw.{source.name} where _file_name in ({names}))"
        frames.append(compute_file_metrics(con, source, relation, settings, now))
    frames = [f for f in frames if len(f)]
    metrics = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["source", "file_name", "rows"])
    )
    frame = files.merge(
        metrics.drop(columns=["rows"], errors="ignore"), on=["source", "file_name"], how="left"
    )
    for rule in ROW_RULES:
        if rule not in frame:
            frame[rule] = 0
            frame[f"{rule}_first_row"] = None
        frame[rule] = frame[rule].fillna(0).astype("int64")
    frame["rows"] = frame["loaded_rows"].astype("int64")
    frame.insert(0, "key", frame["file_name"])
    return frame.drop(columns=["loaded_rows"])


def raw_file_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per landing file with the file rule it broke (null when it loaded)."""
    return con.execute(
        "select file_name as key, source, file_name, format, bytes, rows, rule as file_rule, "
        "row_number as file_row, detail as file_detail from raw._landing_files order by source, file_name"
    ).df()


def raw_source_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per contract source: files and rows delivered (0 files: the source is absent)."""
    counts = dict(
        (s, (f, r))
        for s, f, r in con.execute(
            "select source, count(*), coalesce(sum(rows), 0) from raw._landing_files group by 1"
        ).fetchall()
    )
    return pd.DataFrame(
        [
            {"key": s, "source": s, "files": counts.get(s, (0, 0))[0], "rows": int(counts.get(s, (0, 0))[1])}
            for s in SOURCES
        ]
    )


# ---------------------------------------------------------------- staging layer
# The files of this run's batch: loaded (no file rule) since the published build, every file in a
# full refresh (built_load_id 0). The dbt macro batch_files (macros/incremental.sql) selects the same.
BATCH_FILES_SQL = (
    "select source, file_name from raw._landing_files "
    "where rule is null and load_id > (select max(built_load_id) from raw._build_state)"
)


def _is_night(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the staging keys and references are checked in the scope of a night: the records
    the batch delivers a version of (`_batch_keys`; the rows the incremental staging models
    replaced), not every row. True when the staging tables hold an earlier build's rows and the
    batch adds files to them. The rows of the earlier files were checked by the run that built
    them, and a changed project, configuration, policy or check is a full refresh, whose batch
    is every file (decisions/quality.md Q12). False in a full refresh and when no file is
    unbuilt (`ccw check` after a publish): every row is checked."""
    built, files = con.execute(
        f"select (select max(built_load_id) from raw._build_state), (select count(*) from ({BATCH_FILES_SQL}))"
    ).fetchone()
    return bool(built) and files > 0


def _batch_keys(source: Source) -> str:
    """The keys of `source` of which the batch delivers a version (any, rejected or not), as a
    query: the keys the staging model ranked again this run (dbt macro batch_keys_filter)."""
    keys = ", ".join(source.key)
    return (
        f"select {keys} from staging.{source.base_model} where _file_name in "
        f"(select file_name from ({BATCH_FILES_SQL}) where source = {_q(source.name)})"
    )


def _count(con, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def staging_key_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per staging model: its rows, the rows with a null key, and the rows beyond the first of each
    key (duplicates). On a night (`_is_night`), duplicates are looked for among the keys the
    batch delivers."""
    night = _is_night(con)
    rows = []
    for source in SOURCES.values():
        stg = source.staging_model
        key = ", ".join(source.key)
        nulls = " or ".join(f"{k} is null" for k in source.key)
        in_scope = f"({key}) in ({_batch_keys(source)})" if night else "true"
        n, null_keys, duplicate_keys = con.execute(
            f"select count(*), count(*) filter (where {nulls}), "
            f"(select coalesce(sum(n - 1), 0) from (select count(*) as n from staging.{stg} "
            f"where {in_scope} group by {key}) where n > 1) "
            f"from staging.{stg}"
        ).fetchone()
        rows.append(
            {
                "key": f"staging.{stg}({key})",
                "rows": n,
                "null_keys": null_keys,
                "duplicate_keys": int(duplicate_keys),
            }
        )
    return pd.DataFrame(rows)


REFERENCES = [
    # (child model, child column, parent model, parent column)
    ("stg_telephony__calls", "agent_id", "stg_hr__agents", "agent_id"),
    ("stg_ticketing__tickets", "agent_id", "stg_hr__agents", "agent_id"),
    ("stg_chat__chats", "agent_id", "stg_hr__agents", "agent_id"),
    ("stg_wfm__agent_activity", "agent_id", "stg_hr__agents", "agent_id"),
    ("stg_telephony__calls", "customer_id", "stg_crm__customers", "customer_id"),
    ("stg_ticketing__tickets", "customer_id", "stg_crm__customers", "customer_id"),
    ("stg_chat__chats", "customer_id", "stg_crm__customers", "customer_id"),
    ("stg_self_service__sessions", "customer_id", "stg_crm__customers", "customer_id"),
]
# interaction source -> (staging model, key): what a survey's (interaction_source, interaction_id) names
INTERACTION_KEYS = {name: (SOURCES[name].staging_model, SOURCES[name].key[0]) for name in INTERACTION_SOURCES}


def _references(con: duckdb.DuckDBPyConnection, checked: str, parent: str, columns: list[str], example: str):
    """(rows checked, rows unresolved, the smallest unresolved `example`) of the child rows
    `checked` (a query) against the `parent` (a query of the same `columns`). An anti join: the
    rows checked, few on a night, are looked up among the parent's, as many as the history."""
    on = " and ".join(f"parent.{c} = checked.{c}" for c in columns)
    return con.execute(
        f"with checked as materialized ({checked}), "
        f"unresolved as materialized (select checked.* from checked anti join ({parent}) parent on {on}) "
        f"select (select count(*) from checked), (select count(*) from unresolved), "
        f"(select min({example}) from unresolved)"
    ).fetchone()


def staging_reference_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per reference: the child rows checked, those whose value the parent does not hold, the
    smallest such value. On a night (`_is_night`), the child rows checked are those the batch
    delivers a version of: a night adds parent keys and never removes one (a staging model ranks
    a delivered key again over all its kept versions), so a row built before stays resolved."""
    night = _is_night(con)
    by_model = {s.staging_model: s for s in SOURCES.values()}
    rows = []
    for child, col, parent, pcol in REFERENCES:
        keys = ", ".join(f"c.{k}" for k in by_model[child].key)
        in_scope = f"({keys}) in ({_batch_keys(by_model[child])})" if night else "true"
        checked, unresolved, example = _references(
            con,
            f"select c.{col} from staging.{child} c where c.{col} is not null and {in_scope}",
            f"select {pcol} as {col} from staging.{parent}",
            [col],
            col,
        )
        parent_rows = _count(con, f"select count(*) from staging.{parent}")
        rows.append(
            {
                "key": f"staging.{child}.{col} -> staging.{parent}",
                "checked": checked,
                "unresolved": unresolved,
                "parent_rows": parent_rows,
                "example": example,
            }
        )
    union = " union all ".join(
        f"select {_q(s)} as interaction_source, {k} as interaction_id from staging.{m}"
        for s, (m, k) in INTERACTION_KEYS.items()
    )
    surveys = SOURCES["surveys"]
    survey_keys = ", ".join(f"s.{k}" for k in surveys.key)
    in_scope = f"({survey_keys}) in ({_batch_keys(surveys)})" if night else "true"
    checked, unresolved, example = _references(
        con,
        f"select s.interaction_source, s.interaction_id from staging.{surveys.staging_model} s where {in_scope}",
        union,
        ["interaction_source", "interaction_id"],
        "interaction_source || ':' || interaction_id",
    )
    parent_rows = _count(con, f"select count(*) from ({union})")
    rows.append(
        {
            "key": f"staging.{surveys.staging_model}.(interaction_source, interaction_id) -> staged interactions",
            "checked": checked,
            "unresolved": unresolved,
            "parent_rows": parent_rows,
            "example": example,
        }
    )
    return pd.DataFrame(rows)


# (model, column, min, max, exclusive_min): the contract's ranges, every duration >= 0, and
# reopen_count >= 0 (not a contract rule: a negative count stops the run instead).
STAGING_RANGES = [
    *[(s.staging_model, r.column, r.min, r.max, r.exclusive_min) for s in SOURCES.values() for r in s.ranges],
    *[
        (s.staging_model, c.name, 0, None, False)
        for s in SOURCES.values()
        for c in s.columns
        if c.is_duration
    ],
    (SOURCES["tickets"].staging_model, "reopen_count", 0, None, False),
]


def staging_range_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    rows = []
    for model, col, lo, hi, exclusive in STAGING_RANGES:
        parts = [f"{col} {'<=' if exclusive else '<'} {lo}"] + ([f"{col} > {hi}"] if hi is not None else [])
        bad, low, high = con.execute(
            f"select count(*) filter (where {' or '.join(parts)}), min({col}), max({col}) from staging.{model}"
        ).fetchone()
        bounds = f"{'above' if exclusive else 'from'} {lo}" + (f" to {hi}" if hi is not None else "")
        rows.append(
            {
                "key": f"staging.{model}.{col}",
                "allowed": bounds,
                "out_of_range": bad,
                "min_value": None if low is None else float(low),
                "max_value": None if high is None else float(high),
            }
        )
    return pd.DataFrame(rows)


def staging_lineage_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per landing file: the rows the ingest read from it (raw._landing_files) = staged + superseded
    versions + quarantined rows ("nothing lost").

    Per file, not per source: rows counted under the wrong file of a source (one file read twice,
    another never) balance out in a source's total, not in its files'. A file staging holds rows
    of but the ingest never listed counts as a file with 0 landing rows."""
    counts = [
        "select source, file_name, rows as landing, 0 as good, 0 as staged, 0 as quarantined "
        "from raw._landing_files where rule is null",
        "select source, file_name, 0, 0, 0, count(*) from quarantine.rejected_rows group by all",
    ]
    for s in SOURCES.values():
        counts += [
            f"select {_q(s.name)}, _file_name, 0, count(*) filter (where _rejection_rule is null), 0, 0 "
            f"from staging.{s.base_model} group by all",
            f"select {_q(s.name)}, _file_name, 0, 0, count(*), 0 from staging.{s.staging_model} group by all",
        ]
    return con.execute(
        f"""
        with counts as ({" union all ".join(counts)}),
        files as (
            select source, file_name, sum(landing) as landing, sum(good) as good,
                   sum(staged) as staged, sum(quarantined) as quarantined
            from counts group by all
        )
        select file_name as key, source,
               cast(landing as bigint) as landing_rows,
               cast(staged as bigint) as staged_rows,
               cast(good - staged as bigint) as superseded_rows,
               cast(quarantined as bigint) as quarantined_rows,
               cast(landing - good - quarantined as bigint) as unaccounted_rows
        from files order by source, file_name
        """
    ).df()


TOP_RULES = 3  # rules named, with an example row each, when a source's rejected share is too high
REJECTION_FRAME_COLUMNS = ["key", "rows", "rejected", "share", "limit", "over_limit", "top_rules"]


def staging_rejection_frame(con: duckdb.DuckDBPyConnection, policy: Policy) -> pd.DataFrame:
    """Per source: the rows of this run's files (the batch, BATCH_FILES_SQL), how many were
    quarantined, their share, the policy's limit, and the rules most of them broke, each with its
    first row (file, row, detail). Judged on the batch, not the history (decisions/quality.md Q10)."""
    batch: dict[str, list[str]] = {}
    for source, file_name in con.execute(
        f"select distinct source, file_name from ({BATCH_FILES_SQL})"
    ).fetchall():
        batch.setdefault(source, []).append(file_name)
    rules: dict[str, list[tuple[str, int, str]]] = {}
    for source, rule, n, example in con.execute(
        f"""
        select q.source, q.rule, count(*),
               arg_min(q.file_name || ', row ' || q.row_number || ': ' || q.detail, (q.file_name, q.row_number))
        from quarantine.rejected_rows q
        inner join ({BATCH_FILES_SQL}) b on b.source = q.source and b.file_name = q.file_name
        group by 1, 2
        order by 1, 3 desc, 2
        """
    ).fetchall():
        rules.setdefault(source, []).append((rule, int(n), example))
    rows = []
    for source in SOURCES:
        files = batch.get(source, [])
        landing = (
            con.execute(
                f"select count(*) from raw.{source} where _file_name in (select unnest(?::varchar[]))",
                [files],
            ).fetchone()[0]
            if files
            else 0
        )
        rejected = sum(n for _, n, _ in rules.get(source, []))
        share = rejected / landing if landing else 0.0
        limit = policy.rejection_limit(source)
        top = rules.get(source, [])[:TOP_RULES]
        rows.append(
            {
                "key": source,
                "rows": landing,
                "rejected": rejected,
                "share": share,
                "limit": limit,
                "over_limit": int(share > limit),
                "top_rules": "; ".join(f"{rule} {n} row(s), e.g. {example}" for rule, n, example in top),
            }
        )
    return pd.DataFrame(rows, columns=REJECTION_FRAME_COLUMNS)


# ---------------------------------------------------------------- marts layer
def mart_reconciliation_frame(con: duckdb.DuckDBPyConnection, settings: RuleSettings) -> pd.DataFrame:
    """Per month: the in-scope ledger (recomputed from staging and seeds, as C7; a line without
    cost centre by its account's default pool) against the marts."""
    currency = settings.reporting_currency
    return con.execute(
        f"""
        with gl as (
            select l.posting_month as cost_month,
                   round(cast(l.amount as decimal(19, 4)) * case when l.currency = {_q(currency)} then cast(1 as decimal(18, 8))
                                         else cast(fx.rate_to_reporting as decimal(18, 8)) end, 2) as amount
            from staging.stg_erp__gl_journal_lines l
            left join seeds.fx_rates fx on cast(fx.month as date) = l.posting_month and fx.currency = l.currency
            left join seeds.account_mapping a on cast(a.account_code as varchar) = l.account_code
            left join seeds.cost_centers c on c.cost_center = l.cost_center
            left join (select cost_pool, min(pool_type) as pool_type from seeds.cost_centers group by 1) d
                on l.cost_center is null and d.cost_pool = a.default_cost_pool  -- a line without cost centre
            where coalesce(c.pool_type, d.pool_type, '') <> 'out_of_scope'
              and coalesce(cast(a.in_scope as varchar), 'true') not in ('false', 'False', 'FALSE', '0')
        ),
        ledger as (select cost_month, sum(amount) as ledger_total from gl group by 1),
        allocation as (
            select cost_month, sum(allocated_amount) as allocation_total,
                   sum(allocated_amount) filter (where is_unallocated) as unallocated
            from marts.fct_cost_allocation group by 1
        ),
        interactions as (
            select interaction_month as cost_month, sum(total_cost_amount) as interaction_cost
            from marts.fct_interactions group by 1
        ),
        months as (
            select cost_month from ledger union select cost_month from allocation
            union select cost_month from interactions
        )
        select strftime(m.cost_month, '%Y-%m') as key,
               cast(coalesce(ledger_total, 0) as double) as ledger_total,
               cast(coalesce(allocation_total, 0) as double) as allocation_total,
               cast(coalesce(interaction_cost, 0) + coalesce(unallocated, 0) as double) as interactions_plus_unallocated,
               cast(coalesce(allocation_total, 0) - coalesce(ledger_total, 0) as double) as allocation_difference,
               cast(coalesce(interaction_cost, 0) + coalesce(unallocated, 0) - coalesce(ledger_total, 0) as double)
                   as interactions_difference
        from months m
        left join ledger using (cost_month) left join allocation using (cost_month)
        left join interactions using (cost_month)
        order by 1
        """
    ).df()


def mart_totals_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per (month, channel): interactions and cost of fct_interactions against the monthly marts."""
    return con.execute(
        """
        with fi as (
            select interaction_month as cost_month, channel, count(*) as interactions, sum(total_cost_amount) as cost
            from marts.fct_interactions group by all
        ),
        ch as (
            select cost_month, channel, sum(interactions) as interactions, sum(total_cost_amount) as cost
            from marts.fct_channel_costs_monthly group by all
        ),
        reason as (
            select cost_month, channel, sum(interactions) as interactions, sum(total_cost_amount) as cost
            from marts.fct_contact_reason_costs_monthly group by all
        ),
        seg as (
            select cost_month, sum(interactions) as interactions, sum(total_cost_amount) as cost
            from marts.fct_cost_to_serve_segments_monthly group by all
        ),
        cust as (
            select cost_month, sum(interactions) as interactions, sum(total_cost_amount) as cost
            from marts.fct_cost_to_serve_customers_monthly group by all
        ),
        fi_month as (
            select interaction_month as cost_month, count(*) as interactions, sum(total_cost_amount) as cost,
                   -- cost to serve per customer leaves anonymous interactions out
                   count(*) filter (where customer_id is not null) as known_interactions,
                   sum(total_cost_amount) filter (where customer_id is not null) as known_cost
            from marts.fct_interactions group by all
        ),
        keys as (select cost_month, channel from fi union select cost_month, channel from ch
                 union select cost_month, channel from reason)
        select strftime(k.cost_month, '%Y-%m') || ' ' || k.channel as key,
               coalesce(fi.interactions, 0) as interactions,
               coalesce(ch.interactions, 0) - coalesce(fi.interactions, 0) as interactions_difference_a,
               coalesce(reason.interactions, 0) - coalesce(fi.interactions, 0) as interactions_difference_b,
               cast(coalesce(ch.cost, 0) - coalesce(fi.cost, 0) as double) as cost_difference_a,
               cast(coalesce(reason.cost, 0) - coalesce(fi.cost, 0) as double) as cost_difference_b,
               'a = fct_channel_costs_monthly, b = fct_contact_reason_costs_monthly' as compared
        from keys k
        left join fi using (cost_month, channel) left join ch using (cost_month, channel)
        left join reason using (cost_month, channel)
        union all
        select strftime(m.cost_month, '%Y-%m') || ' all channels' as key,
               coalesce(m.interactions, 0),
               coalesce(seg.interactions, 0) - coalesce(m.interactions, 0),
               coalesce(cust.interactions, 0) - coalesce(m.known_interactions, 0),
               cast(coalesce(seg.cost, 0) - coalesce(m.cost, 0) as double),
               cast(coalesce(cust.cost, 0) - coalesce(m.known_cost, 0) as double),
               'a = fct_cost_to_serve_segments_monthly, b = fct_cost_to_serve_customers_monthly (known customers)'
        from fi_month m left join seg using (cost_month) left join cust using (cost_month)
        order by 1
        """
    ).df()


# A share in 0..1 is named ..._rate or ..._share (CONTRIBUTING.md, "Column names").
RATE_COLUMN = r"(_rate|_share)$"


def mart_rate_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Min and max of every rate or share column of the marts (found by name, see RATE_COLUMN)."""
    columns = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
        "and database_name = current_database() and data_type in ('DOUBLE', 'FLOAT') "
        "and regexp_matches(column_name, ?) order by 1, 2",
        [RATE_COLUMN],
    ).fetchall()
    rows = []
    for table, col in columns:
        low, high = con.execute(f'select min("{col}"), max("{col}") from marts."{table}"').fetchone()
        rows.append({"key": f"marts.{table}.{col}", "min_value": low, "max_value": high})
    return pd.DataFrame(rows, columns=["key", "min_value", "max_value"])


NON_NEGATIVE = {
    "fct_interactions": [
        "ivr_seconds",
        "wait_seconds",
        "handle_seconds",
        "talk_seconds",
        "hold_seconds",
        "acw_seconds",
        "productive_handle_seconds",
        "reopen_count",
    ],
    "fct_cost_allocation": ["driver_quantity"],
    "fct_channel_costs_monthly": ["interactions", "handled_interactions", "handle_minutes"],
    "fct_agent_daily": ["handled_contacts", "handle_seconds", "paid_seconds"],
    "fct_channel_kpis_daily": ["offered", "handled", "abandoned"],
}
COST_COLUMNS = ["labour_cost_amount", "platform_cost_amount", "overhead_cost_amount", "total_cost_amount"]


def mart_negative_frame(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for table, cols in columns.items():
        counts = con.execute(
            f"select {', '.join(f'count(*) filter (where {c} < 0), min({c})' for c in cols)} from marts.{table}"
        ).fetchone()
        for i, col in enumerate(cols):
            low = counts[2 * i + 1]
            rows.append(
                {
                    "key": f"marts.{table}.{col}",
                    "negative_rows": counts[2 * i],
                    "min_value": None if low is None else float(low),
                }
            )
    return pd.DataFrame(rows)


def mart_row_count_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per interaction source: fct_interactions rows against the staged rows of that source. The
    tickets that are no customer contact of their own (deleted, merged, opened from a call or a
    chat) are in fct_cases instead, and count there."""
    in_mart = dict(con.execute("select source, count(*) from marts.fct_interactions group by 1").fetchall())
    not_contacts = _count(con, "select count(*) from marts.fct_cases where not is_customer_contact")
    in_mart["tickets"] = int(in_mart.get("tickets", 0)) + not_contacts
    rows = []
    for source, (model, _) in INTERACTION_KEYS.items():
        staged = _count(con, f"select count(*) from staging.{model}")
        mart = int(in_mart.get(source, 0))
        rows.append({"key": source, "staged_rows": staged, "mart_rows": mart, "difference": mart - staged})
    return pd.DataFrame(rows)
