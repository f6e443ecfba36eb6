"""Cost per interaction: the report month against the benchmark band, the trend by month,
the in-scope cost with its unallocated share (fct_channel_costs_monthly, fct_cost_allocation)."""

from __future__ import annotations

from orchestration.report.blocks import Chart, Column, Figure, Page, Series, Table, TableBlock
from orchestration.report.pages.common import absent, by_channel, chart, months_text
from orchestration.report.source import Period, ReportSource

CHANNEL_COSTS = "marts.fct_channel_costs_monthly"
ALLOCATION = "marts.fct_cost_allocation"

# One query for the page: per month and channel the mart's own row (its unit cost, its
# benchmark), and per month the ledger's in-scope total and unallocated part. Across
# channels a unit cost is a ratio of sums, never an average of unit costs.
SQL = f"""
with ledger as (
    select cost_month,
           sum(case when is_unallocated then allocated_amount else 0 end) as unallocated,
           sum(allocated_amount) as in_scope_total
    from {ALLOCATION}
    group by cost_month
), channels as (
    select cost_month, channel, interactions, labour_cost, platform_cost, overhead_cost, total_cost,
           cost_per_interaction, benchmark_cost_low, benchmark_cost_high, benchmark_position
    from {CHANNEL_COSTS}
), months as (
    select cost_month, sum(labour_cost) as labour, sum(platform_cost) as platform,
           sum(overhead_cost) as overhead, sum(total_cost) as allocated, sum(interactions) as interactions,
           sum(total_cost) / nullif(sum(interactions), 0) as cost_per_interaction
    from channels
    group by cost_month
)
select 'month' as row_kind, cost_month, null as channel, coalesce(m.interactions, 0) as interactions,
       coalesce(m.labour, 0) as labour, coalesce(m.platform, 0) as platform,
       coalesce(m.overhead, 0) as overhead, coalesce(l.unallocated, 0) as unallocated,
       coalesce(m.allocated, 0) as total_cost, l.in_scope_total,
       l.unallocated / nullif(l.in_scope_total, 0) as unallocated_share,
       m.cost_per_interaction, null as benchmark_cost_low, null as benchmark_cost_high,
       null as benchmark_position
from months m
full outer join ledger l using (cost_month)
union all
select 'channel', cost_month, channel, interactions, labour_cost, platform_cost, overhead_cost, null,
       total_cost, null, null, cost_per_interaction, benchmark_cost_low, benchmark_cost_high,
       benchmark_position
from channels
order by cost_month, row_kind desc
"""

UNALLOCATED_SQL = f"""
select cost_month, unallocated_reason, unallocated_detail, sum(allocated_amount) as amount
from {ALLOCATION}
where is_unallocated
group by all
order by cost_month, amount desc, unallocated_reason
"""

COST_PARTS = ("labour", "platform", "overhead", "unallocated")


def cost_page(source: ReportSource, period: Period) -> Page:
    missing = absent(source, CHANNEL_COSTS, ALLOCATION)
    rows = [] if missing else source.rows(SQL)
    # Months without ledger cost have interactions but nothing allocated: left out.
    months = [r for r in rows if r["row_kind"] == "month" and r["cost_month"] in period.cost_months]
    channels = [r for r in rows if r["row_kind"] == "channel" and r["cost_month"] in period.cost_months]
    report_month = period.report_month
    month_text = period.report_month_text()
    money = period.currency or "reporting currency"

    current = next((r for r in months if r["cost_month"] == report_month), {})
    in_month = sorted(
        (r for r in channels if r["cost_month"] == report_month),
        key=lambda r: source.channel_rank(r["channel"]),
    )
    month_labels = [period.month_label(r["cost_month"]) for r in months]
    trend_labels, trend_series = by_channel(
        source,
        channels + [{**r, "channel": "all channels"} for r in months],
        "cost_month",
        "cost_per_interaction",
    )
    unallocated = [] if missing else source.rows(UNALLOCATED_SQL)
    all_months = months_text([r["cost_month"] for r in months])

    return Page(
        "cost",
        "Cost per interaction",
        [
            Figure("in_scope_cost", f"In-scope cost, {month_text}", current.get("in_scope_total"), "money"),
            Figure("interactions", "Interactions", current.get("interactions"), "int"),
            Figure(
                "cost_per_interaction",
                "Cost per interaction, all channels",
                current.get("cost_per_interaction"),
                "unit_cost",
                "allocated cost / interactions",
            ),
            Figure(
                "unallocated_share",
                "Unallocated share",
                current.get("unallocated_share"),
                "share",
                "unallocated / in-scope cost",
            ),
            Chart(
                "unit_cost_vs_benchmark",
                "Cost per interaction by channel, against the published benchmark",
                month_text,
                f"{money} per interaction",
                "bar",
                [source.channel_name(r["channel"]) for r in in_month],
                [
                    Series("cost per interaction", [r["cost_per_interaction"] for r in in_month]),
                    Series("benchmark low", [r["benchmark_cost_low"] for r in in_month], "marker"),
                    Series("benchmark high", [r["benchmark_cost_high"] for r in in_month], "marker"),
                ],
                Table(
                    [
                        Column("channel"),
                        Column("interactions", "int"),
                        Column("total cost", "money"),
                        Column("cost per interaction", "unit_cost"),
                        Column("benchmark low", "unit_cost"),
                        Column("benchmark high", "unit_cost"),
                        Column("position"),
                    ],
                    [
                        [
                            source.channel_name(r["channel"]),
                            r["interactions"],
                            r["total_cost"],
                            r["cost_per_interaction"],
                            r["benchmark_cost_low"],
                            r["benchmark_cost_high"],
                            r["benchmark_position"],
                        ]
                        for r in in_month
                    ],
                ),
                definition="total_cost / interactions of the channel in the month (fct_channel_costs_monthly); "
                "benchmark: seed channel_benchmarks (published 2016, USD), its low and high end.",
                empty=missing or period.no_cost_text(report_month),
            ),
            chart(
                "unit_cost_trend",
                "Cost per interaction by month",
                all_months,
                f"{money} per interaction",
                "line",
                [period.month_label(m) for m in trend_labels],
                trend_series,
                "unit_cost",
                label_header="month",
                definition="total_cost / interactions per channel; all channels: sum of allocated cost / sum "
                "of interactions. A partial month carries a whole month of ledger cost over part of its "
                "contacts: compare complete months.",
                empty=missing or ("" if months else period.no_cost_text(report_month)),
            ),
            Chart(
                "in_scope_cost_by_month",
                "In-scope cost by month: allocated by type, and unallocated",
                all_months,
                money,
                "stacked",
                month_labels,
                [Series(p, [r[p] for r in months]) for p in COST_PARTS],
                Table(
                    [
                        Column("month"),
                        *(Column(p, "money") for p in COST_PARTS),
                        Column("in-scope total", "money"),
                        Column("unallocated share", "share"),
                    ],
                    [
                        [label, *(r[p] for p in COST_PARTS), r["in_scope_total"], r["unallocated_share"]]
                        for label, r in zip(month_labels, months, strict=True)
                    ],
                ),
                definition="labour, platform and overhead cost allocated to the channels "
                "(fct_channel_costs_monthly) plus the cost that could not be allocated (fct_cost_allocation, "
                "channel 'unallocated') = the in-scope ledger total of the month, to the cent.",
                empty=missing or ("" if months else period.no_cost_text(report_month)),
            ),
            TableBlock(
                "unallocated_by_reason",
                "Unallocated cost by reason",
                all_months,
                Table(
                    [Column("month"), Column("reason"), Column("detail"), Column("amount", "money")],
                    [
                        [
                            period.month_label(r["cost_month"]),
                            r["unallocated_reason"],
                            r["unallocated_detail"],
                            r["amount"],
                        ]
                        for r in unallocated
                    ],
                ),
                definition="fct_cost_allocation rows on channel 'unallocated': cost with no driver activity "
                "in its month, no driver configured, or an account or cost center missing from the seeds.",
                empty=missing or ("" if unallocated else "Every in-scope cost was allocated."),
            ),
        ],
    )
