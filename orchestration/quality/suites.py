"""The Great Expectations suites of the three layers, kept as code.

A suite is a metric frame (metrics.py: one row per file / table / column / month,
computed in DuckDB SQL) and the expectations that frame must meet. Each
expectation names the policy rule it enforces (quality_policy.yml) in its
`meta`; `describe` turns a failing frame row into "where" (file and row, table,
month) and "what" for the readable message and meta.quality_results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import great_expectations as gx
import pandas as pd

from orchestration.quality import metrics
from orchestration.quality.policy import FILE_RULES, REJECTED_SHARE_RULE, Policy

LAYERS = ("raw", "staging", "marts")
TOLERANCE = 0.005  # money: to the cent


@dataclass(frozen=True)
class Check:
    rule: str
    expectation: Callable[[], gx.expectations.Expectation]
    describe: Callable[[dict], tuple[str, str]]  # failing frame row -> (where, what)


@dataclass(frozen=True)
class Suite:
    name: str
    layer: str
    unit: str  # what a frame row is: "files", "tables", ...
    # (connection, what the row rules read, policy) -> one row per file / table / column / month / source
    frame: Callable[[duckdb.DuckDBPyConnection, metrics.RuleSettings, Policy], pd.DataFrame]
    checks: list[Check] = field(default_factory=list)


def _between(
    column: str, rule: str, notes: str, lo=None, hi=None
) -> Callable[[], gx.expectations.Expectation]:
    return lambda: gx.expectations.ExpectColumnValuesToBeBetween(
        column=column, min_value=lo, max_value=hi, meta={"rule": rule}, notes=notes
    )


def _zero(column: str, rule: str, notes: str) -> Callable[[], gx.expectations.Expectation]:
    return _between(column, rule, notes, 0, 0)


def _near_zero(column: str, rule: str, notes: str) -> Callable[[], gx.expectations.Expectation]:
    return _between(column, rule, notes, -TOLERANCE, TOLERANCE)


# ---------------------------------------------------------------- raw
def _file_where(row: dict) -> str:
    n = row.get("file_row")
    return row["file_name"] if n is None or pd.isna(n) else f"{row['file_name']}, row {int(n)}"


def _file_check(rule: str) -> Check:
    return Check(
        rule,
        lambda: gx.expectations.ExpectColumnValuesToNotBeInSet(
            column="file_rule", value_set=[rule], meta={"rule": rule}, notes=f"no landing file breaks {rule}"
        ),
        lambda row: (_file_where(row), str(row["file_detail"])),
    )


def _row_check(rule: str) -> Check:
    def describe(row: dict) -> tuple[str, str]:
        first = row.get(f"{rule}_first_row")
        where = (
            row["file_name"] if first is None or pd.isna(first) else f"{row['file_name']}, row {int(first)}"
        )
        return where, f"{int(row[rule])} of {int(row['rows'])} rows break {rule}"

    return Check(rule, _zero(rule, rule, f"no row of a landing file breaks {rule}"), describe)


RAW = [
    Suite(
        "raw.sources",
        "raw",
        "sources",
        lambda con, _rules, _policy: metrics.raw_source_frame(con),
        [
            Check(
                "absent_source",
                _between("files", "absent_source", "every source delivered at least one file", lo=1),
                lambda row: (
                    f"{row['source']}/",
                    "no file delivered: the source is absent, its channel has no rows and references to it warn",
                ),
            )
        ],
    ),
    Suite(
        "raw.files",
        "raw",
        "files",
        lambda con, _rules, _policy: metrics.raw_file_frame(con),
        [_file_check(rule) for rule in FILE_RULES],
    ),
    Suite(
        "raw.rows",
        "raw",
        "files",
        lambda con, rules, _policy: metrics.raw_row_metrics(con, rules),
        [_row_check(rule) for rule in metrics.ROW_RULES],
    ),
]


# ---------------------------------------------------------------- staging
def _rejections_described(row: dict) -> tuple[str, str]:
    what = (
        f"{int(row['rejected'])} of {int(row['rows'])} rows of the files loaded by this run rejected "
        f"({row['share']:.1%}), more than the limit of {row['limit']:.1%}; top rules: {row['top_rules']}. "
        "The rows are in quarantine.rejected_rows of the build file. Fix the export and deliver it "
        f"again, or raise rejection_limits.{row['key']} in the quality policy, or publish anyway "
        "with `ccw run --accept-rejections`"
    )
    return row["key"], what


STAGING = [
    Suite(
        "staging.keys",
        "staging",
        "tables",
        lambda con, _rules, _policy: metrics.staging_key_frame(con),
        [
            Check(
                "key_not_unique",
                _zero("null_keys", "key_not_unique", "no staging key is null"),
                lambda r: (r["key"], f"{r['null_keys']} rows with a null key"),
            ),
            Check(
                "key_not_unique",
                _zero("duplicate_keys", "key_not_unique", "every staging key is unique after deduplication"),
                lambda r: (r["key"], f"{r['duplicate_keys']} duplicated keys after deduplication"),
            ),
        ],
    ),
    Suite(
        "staging.references",
        "staging",
        "references",
        lambda con, _rules, _policy: metrics.staging_reference_frame(con),
        [
            Check(
                "unresolved_reference",
                _zero(
                    "unresolved",
                    "unresolved_reference",
                    "agents, customers and surveyed interactions resolve",
                ),
                lambda r: (
                    r["key"],
                    f"{r['unresolved']} of {r['checked']} values not found"
                    + (
                        " (the referenced source is absent)"
                        if r["parent_rows"] == 0
                        else f", e.g. {r['example']}"
                    ),
                ),
            )
        ],
    ),
    Suite(
        "staging.ranges",
        "staging",
        "columns",
        lambda con, _rules, _policy: metrics.staging_range_frame(con),
        [
            Check(
                "value_out_of_range",
                _zero("out_of_range", "value_out_of_range", "staged values lie in the contract's ranges"),
                lambda r: (
                    r["key"],
                    f"{r['out_of_range']} values not {r['allowed']} (min {r['min_value']}, max {r['max_value']})",
                ),
            )
        ],
    ),
    Suite(
        "staging.lineage",
        "staging",
        "files",
        lambda con, _rules, _policy: metrics.staging_lineage_frame(con),
        [
            Check(
                "rows_unaccounted",
                _zero(
                    "unaccounted_rows",
                    "rows_unaccounted",
                    "per landing file: rows read = staged + superseded + quarantined",
                ),
                lambda r: (
                    r["key"],
                    f"{r['landing_rows']} rows read from the file but {r['staged_rows']} staged + "
                    f"{r['superseded_rows']} superseded + {r['quarantined_rows']} quarantined under its name",
                ),
            )
        ],
    ),
    Suite(
        "staging.rejections",
        "staging",
        "sources",
        lambda con, _rules, policy: metrics.staging_rejection_frame(con, policy),
        [
            Check(
                REJECTED_SHARE_RULE,
                _zero(
                    "over_limit",
                    REJECTED_SHARE_RULE,
                    "no source has more of the rows of this run's files rejected than its limit",
                ),
                _rejections_described,
            )
        ],
    ),
]


# ---------------------------------------------------------------- marts
def _diff(column: str, rule: str, notes: str, label: str) -> Check:
    return Check(
        rule, _near_zero(column, rule, notes), lambda r: (r["key"], f"{label} differs by {r[column]:,.6f}")
    )


MARTS = [
    Suite(
        "marts.reconciliation",
        "marts",
        "months",
        lambda con, rules, _policy: metrics.mart_reconciliation_frame(con, rules),
        [
            _diff(
                "allocation_difference",
                "cost_reconciliation",
                "fct_cost_allocation (allocated + unallocated) equals the in-scope ledger, per month, to the cent",
                "fct_cost_allocation against the in-scope ledger",
            ),
            _diff(
                "interactions_difference",
                "cost_reconciliation",
                "fct_interactions cost + unallocated equals the in-scope ledger, per month, to the cent",
                "fct_interactions cost + unallocated against the in-scope ledger",
            ),
        ],
    ),
    Suite(
        "marts.totals",
        "marts",
        "months",
        lambda con, _rules, _policy: metrics.mart_totals_frame(con),
        [
            Check(
                "totals_disagree",
                _zero(c, "totals_disagree", f"interaction counts agree between marts ({c})"),
                lambda r, c=c: (r["key"], f"interactions differ by {r[c]:,.0f} ({r['compared']})"),
            )
            for c in ("interactions_difference_a", "interactions_difference_b")
        ]
        + [
            _diff(c, "totals_disagree", f"costs agree between marts to the cent ({c})", "cost")
            for c in ("cost_difference_a", "cost_difference_b")
        ],
    ),
    Suite(
        "marts.rates",
        "marts",
        "columns",
        lambda con, _rules, _policy: metrics.mart_rate_frame(con),
        [
            Check(
                "rate_out_of_bounds",
                _between("min_value", "rate_out_of_bounds", "every rate and share is at least 0", lo=0),
                lambda r: (r["key"], f"minimum {r['min_value']} is below 0"),
            ),
            Check(
                "rate_out_of_bounds",
                _between("max_value", "rate_out_of_bounds", "every rate and share is at most 1", hi=1),
                lambda r: (r["key"], f"maximum {r['max_value']} is above 1"),
            ),
        ],
    ),
    Suite(
        "marts.non_negative",
        "marts",
        "columns",
        lambda con, _rules, _policy: metrics.mart_negative_frame(con, metrics.NON_NEGATIVE),
        [
            Check(
                "negative_value",
                _zero(
                    "negative_rows",
                    "negative_value",
                    "durations, counts and driver quantities are not negative",
                ),
                lambda r: (r["key"], f"{r['negative_rows']} negative values (min {r['min_value']})"),
            )
        ],
    ),
    Suite(
        "marts.costs",
        "marts",
        "columns",
        lambda con, _rules, _policy: metrics.mart_negative_frame(
            con, {"fct_interactions": metrics.COST_COLUMNS}
        ),
        [
            Check(
                "negative_cost",
                _zero(
                    "negative_rows",
                    "negative_cost",
                    "interaction costs are not negative (net credits may make them so)",
                ),
                lambda r: (
                    r["key"],
                    f"{r['negative_rows']} interactions with a negative cost (min {r['min_value']})",
                ),
            )
        ],
    ),
    Suite(
        "marts.row_counts",
        "marts",
        "sources",
        lambda con, _rules, _policy: metrics.mart_row_count_frame(con),
        [
            Check(
                "row_count_mismatch",
                _zero(
                    "difference", "row_count_mismatch", "fct_interactions has one row per staged interaction"
                ),
                lambda r: (
                    r["key"],
                    f"fct_interactions has {r['mart_rows']} rows, staging {r['staged_rows']}",
                ),
            )
        ],
    ),
]

SUITES: dict[str, list[Suite]] = {"raw": RAW, "staging": STAGING, "marts": MARTS}
