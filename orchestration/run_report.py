"""What a run tells a controller, read from the published warehouse: where the cost went and what
was set aside.

    cost_report(con)        the in-scope ledger cost allocated and unallocated (share, reasons,
                            months), months with ledger cost but no interactions, and months with
                            interactions but no ledger cost (their interactions carry no cost)
    rejection_report(con)   rows set aside per source with the rules that set most aside, each
                            with its first row as an example

The `warehouse` asset reads both after publishing (the run's log and the asset's metadata,
dagster/assets.py); `ccw run` prints them in its summary (pipeline.RunSummary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

TOP_RULES = 3  # rules shown per source


@dataclass(frozen=True)
class Unallocated:
    reason: str
    amount: Decimal
    months: tuple[str, ...]  # YYYY-MM


@dataclass
class CostReport:
    currency: str
    ledger: Decimal = Decimal(0)  # the in-scope ledger of every month, in the reporting currency
    allocated: Decimal = Decimal(0)
    unallocated: list[Unallocated] = field(default_factory=list)
    months_without_interactions: list[tuple[str, Decimal]] = field(default_factory=list)  # (month, cost)
    months_without_ledger: list[tuple[str, int]] = field(default_factory=list)  # (month, interactions)

    def render(self) -> list[str]:
        if not self.ledger and not self.unallocated:
            lines = [f"Cost ({self.currency}): no in-scope ledger cost"]
        else:
            unallocated = self.ledger - self.allocated
            lines = [
                f"Cost (in-scope ledger, {self.currency}): {_money(self.ledger)}",
                _row("  allocated to interactions", self.allocated, self.ledger),
                _row("  unallocated", unallocated, self.ledger),
            ]
            for u in self.unallocated:
                lines.append(
                    _row(f"    {u.reason}", u.amount, self.ledger) + f"  months {', '.join(u.months)}"
                )
            if self.unallocated:
                lines.append(
                    "    (marts.fct_cost_allocation, channel 'unallocated': pool, category and detail)"
                )
        if self.months_without_interactions:
            months = ", ".join(f"{m} ({_money(c)})" for m, c in self.months_without_interactions)
            lines.append(f"  Months with ledger cost but no interaction: {months}; their cost is unallocated")
        if self.months_without_ledger:
            months = ", ".join(
                f"{m} ({n:,} interaction{'' if n == 1 else 's'})" for m, n in self.months_without_ledger
            )
            lines.append(
                f"  Months with interactions but no in-scope ledger cost: {months}; they carry no cost"
            )
        return lines


def _row(label: str, amount: Decimal, whole: Decimal) -> str:
    return f"{label:<38}{_money(amount):>16}  {_share(amount, whole)}"


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{part / whole:7.1%}" if whole else "      -"


def cost_report(con: duckdb.DuckDBPyConnection, currency: str) -> CostReport:
    report = CostReport(currency)
    by_reason = con.execute(
        """
        select coalesce(unallocated_reason, ''), sum(allocated_amount),
               list(distinct strftime(cost_month, '%Y-%m') order by strftime(cost_month, '%Y-%m'))
        from marts.fct_cost_allocation group by 1 order by 2 desc
        """
    ).fetchall()
    for reason, amount, months in by_reason:
        report.ledger += amount
        if reason:
            report.unallocated.append(Unallocated(reason, amount, tuple(months)))
        else:
            report.allocated += amount
    months = """
        ledger as (select cost_month as month, sum(allocated_amount) as cost
                   from marts.fct_cost_allocation group by 1),
        activity as (select interaction_month as month, count(*) as interactions
                     from marts.fct_interactions group by 1)
    """
    report.months_without_interactions = con.execute(
        f"with {months} select strftime(month, '%Y-%m'), cost from ledger "
        "where month not in (select month from activity) order by 1"
    ).fetchall()
    report.months_without_ledger = con.execute(
        f"with {months} select strftime(month, '%Y-%m'), interactions from activity "
        "where month not in (select month from ledger) order by 1"
    ).fetchall()
    return report


@dataclass(frozen=True)
class RuleCount:
    rule: str
    rows: int
    example: str  # `<file>, row <n>: <detail>` of the first row set aside under the rule


@dataclass(frozen=True)
class SourceRejections:
    source: str
    rows: int
    rules: tuple[RuleCount, ...]  # most rows first


def rejection_report(con: duckdb.DuckDBPyConnection) -> list[SourceRejections]:
    """Per source with rows set aside (most first): the rows, and per rule the rows and an example."""
    found = con.execute(
        """
        select source, rule, count(*) as n,
               arg_min(file_name || ', row ' || row_number || ': ' || coalesce(detail, rule),
                       (file_name, row_number)) as example
        from quarantine.rejected_rows group by 1, 2
        """
    ).fetchall()
    by_source: dict[str, list[RuleCount]] = {}
    for source, rule, n, example in found:
        by_source.setdefault(source, []).append(RuleCount(rule, int(n), example))
    report = [
        SourceRejections(
            source,
            sum(r.rows for r in rules),
            tuple(sorted(rules, key=lambda r: (-r.rows, r.rule))),
        )
        for source, rules in by_source.items()
    ]
    return sorted(report, key=lambda s: (-s.rows, s.source))


def render_rejections(report: list[SourceRejections], landing_rows: dict[str, int]) -> list[str]:
    total = sum(s.rows for s in report)
    lines = [
        f"Quarantined rows (quarantine.rejected_rows): {total:,} of {sum(landing_rows.values()):,} landing rows"
    ]
    for s in report:
        of = landing_rows.get(s.source, 0)
        lines.append(f"  {s.source}: {s.rows:,} of {of:,} rows")
        for r in s.rules[:TOP_RULES]:
            lines.append(f"    {r.rule:<20} {r.rows:>8,}  e.g. {r.example[:160]}")
        others = s.rules[TOP_RULES:]
        if others:
            lines.append(f"    {len(others)} other rule(s) {sum(r.rows for r in others):>5,}")
    return lines
