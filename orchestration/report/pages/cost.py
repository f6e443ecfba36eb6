"""Cost per interaction: the report month against the benchmark band, the trend by month,
the in-scope cost with its unallocated share (fct_channel_costs_monthly, fct_cost_allocation)."""

from __future__ import annotations

from orchestration.report.blocks import Figure, Page, TableBlock, table_of
from orchestration.report.pages.common import absent, by_channel, chart, months_text, table_chart
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
    select cost_month, channel, interactions, labour_cost_amount, platform_cost_amount, overhead_cost_amount,
           total_cost_amount, cost_per_interaction_amount, benchmark_cost_low_amount,
           benchmark_cost_high_amount, benchmark_position
    from {CHANNEL_COSTS}
), months as (
    select cost_month, sum(labour_cost_amount) as labour, sum(platform_cost_amount) as platform,
           sum(overhead_cost_amount) as overhead, sum(total_cost_amount) as allocated,
           sum(interactions) as interactions,
           sum(total_cost_amount) / nullif(sum(interactions), 0) as cost_per_interaction_amount
    from channels
    group by cost_month
)
select 'month' as row_kind, cost_month, null as channel, coalesce(m.interactions, 0) as interactions,
       coalesce(m.labour, 0) as labour, coalesce(m.platform, 0) as platform,
       coalesce(m.overhead, 0) as overhead, coalesce(l.unallocated, 0) as unallocated,
       coalesce(m.allocated, 0) as total_cost_amount, l.in_scope_total,
       l.unallocated / nullif(l.in_scope_total, 0) as unallocated_share,
       m.cost_per_interaction_amount, null as benchmark_cost_low_amount, null as benchmark_cost_high_amount,
       null as benchmark_position
from months m
full outer join ledger l using (cost_month)
union all
select 'channel', cost_month, channel, interactions, labour_cost_amount, platform_cost_amount,
       overhead_cost_amount, null, total_cost_amount, null, null, cost_per_interaction_amount,
       benchmark_cost_low_amount, benchmark_cost_high_amount, benchmark_position
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
    no_cost = missing or ("" if months else period.no_cost_text(report_month))

    current = next((r for r in months if r["cost_month"] == report_month), {})
    in_month = sorted(
        (r for r in channels if r["cost_month"] == report_month),
        key=lambda r: source.channel_rank(r["channel"]),
    )
    trend_labels, trend_series = by_channel(
        source,
        channels + [{**r, "channel": "all channels"} for r in months],
        "cost_month",
        "cost_per_interaction_amount",
    )
    unallocated = [] if missing else source.rows(UNALLOCATED_SQL)
    all_months = months_text([r["cost_month"] for r in months])

    def month(r: dict) -> str:
        return period.month_label(r["cost_month"])

    return Page(
        "cost",
        "Cost per interaction",
        [
            Figure("in_scope_cost", f"In-scope cost, {month_text}", current.get("in_scope_total"), "money"),
            Figure("interactions", "Interactions", current.get("interactions"), "int"),
            Figure(
                "cost_per_interaction",
                "Cost per interaction, all channels",
                current.get("cost_per_interaction_amount"),
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
            table_chart(
                "unit_cost_vs_benchmark",
                "Cost per interaction by channel, against the published benchmark",
                month_text,
                f"{money} per interaction",
                "bar",
                table_of(
                    in_month,
                    [
                        ("channel", "text", lambda r: source.channel_name(r["channel"])),
                        ("interactions", "int", "interactions"),
                        ("total cost", "money", "total_cost_amount"),
                        ("cost per interaction", "unit_cost", "cost_per_interaction_amount"),
                        ("benchmark low", "unit_cost", "benchmark_cost_low_amount"),
                        ("benchmark high", "unit_cost", "benchmark_cost_high_amount"),
                        ("position", "text", "benchmark_position"),
                    ],
                ),
                ["cost per interaction"],
                markers=("benchmark low", "benchmark high"),
                definition="total_cost_amount / interactions of the channel in the month (fct_channel_costs_monthly); "
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
                definition="total_cost_amount / interactions per channel; all channels: sum of allocated cost / sum "
                "of interactions. A partial month carries a whole month of ledger cost over part of its "
                "contacts: compare complete months.",
                empty=no_cost,
            ),
            table_chart(
                "in_scope_cost_by_month",
                "In-scope cost by month: allocated by type, and unallocated",
                all_months,
                money,
                "stacked",
                table_of(
                    months,
                    [
                        ("month", "text", month),
                        *((part, "money", part) for part in COST_PARTS),
                        ("in-scope total", "money", "in_scope_total"),
                        ("unallocated share", "share", "unallocated_share"),
                    ],
                ),
                list(COST_PARTS),
                definition="labour, platform and overhead cost allocated to the channels "
                "(fct_channel_costs_monthly) plus the cost that could not be allocated (fct_cost_allocation, "
                "channel 'unallocated') = the in-scope ledger total of the month, to the cent.",
                empty=no_cost,
            ),
            TableBlock(
                "unallocated_by_reason",
                "Unallocated cost by reason",
                all_months,
                table_of(
                    unallocated,
                    [
                        ("month", "text", month),
                        ("reason", "text", "unallocated_reason"),
                        ("detail", "text", "unallocated_detail"),
                        ("amount", "money", "amount"),
                    ],
                ),
                definition="fct_cost_allocation rows on channel 'unallocated': cost with no driver activity "
                "in its month, no driver configured, or an account or cost center missing from the seeds.",
                empty=missing or ("" if unallocated else "Every in-scope cost was allocated."),
            ),
        ],
    )
