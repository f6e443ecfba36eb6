"""Where the cost goes in the report month: by contact reason, by customer segment, and the
cost of repeat contacts by channel pair (fct_contact_reason_costs_monthly,
fct_cost_to_serve_segments_monthly, rpt_repeat_channel_pairs_monthly)."""

from __future__ import annotations

from orchestration.report.blocks import Page, TableBlock, table_of
from orchestration.report.pages.common import absent, chart, pivot, table_chart
from orchestration.report.source import Period, ReportSource

REASONS = "marts.fct_contact_reason_costs_monthly"
SEGMENTS = "marts.fct_cost_to_serve_segments_monthly"
REPEAT_PAIRS = "marts.rpt_repeat_channel_pairs_monthly"

# Over the channels (reasons) or geographies (segments) of the month: ratios of sums.
REASONS_SQL = f"""
select contact_reason, sum(interactions) as interactions, sum(total_cost_amount) as total_cost_amount,
       sum(total_cost_amount) / nullif(sum(interactions), 0) as cost_per_interaction_amount,
       sum(total_cost_amount) / nullif(sum(resolved_interactions), 0) as cost_per_resolved_contact_amount
from {REASONS}
where cost_month = ?
group by contact_reason
order by total_cost_amount desc, contact_reason
"""

# A customer has one segment and one geography, so customers add up over geographies.
SEGMENTS_SQL = f"""
select segment, sum(customers) as customers, sum(interactions) as interactions,
       sum(total_cost_amount) as total_cost_amount,
       sum(total_cost_amount) / nullif(sum(interactions), 0) as cost_per_interaction_amount,
       sum(total_cost_amount) / nullif(sum(customers), 0) as cost_per_customer_amount
from {SEGMENTS}
where cost_month = ?
group by segment
order by total_cost_amount desc, segment
"""

REPEAT_PAIRS_SQL = f"""
select earlier_channel, repeat_channel, repeats, repeat_total_cost_amount, avg_repeat_after_hours,
       month_repeats_share
from {REPEAT_PAIRS}
where repeat_month = ?
order by repeat_total_cost_amount desc, earlier_channel, repeat_channel
"""


def breakdown_page(source: ReportSource, period: Period) -> Page:
    month, month_text = period.report_month, period.report_month_text()
    money = period.currency or "reporting currency"
    no_cost = period.no_cost_text(month)

    def month_rows(table: str, sql: str) -> tuple[list[dict], str]:
        missing = absent(source, table)
        return ([] if missing or month is None else source.rows(sql, [month])), missing

    reasons, reasons_missing = month_rows(REASONS, REASONS_SQL)
    segments, segments_missing = month_rows(SEGMENTS, SEGMENTS_SQL)
    pairs, pairs_missing = month_rows(REPEAT_PAIRS, REPEAT_PAIRS_SQL)
    no_pairs = pairs_missing or ("" if pairs else "No repeat contacts in this month.")

    # One bar per channel of the first contact (the costliest first), split by the repeat's channel.
    first_cost: dict[str, float] = {}
    for r in pairs:
        first_cost[r["earlier_channel"]] = first_cost.get(r["earlier_channel"], 0) + float(
            r["repeat_total_cost_amount"]
        )
    first_channels = sorted(first_cost, key=lambda c: (-first_cost[c], source.channel_rank(c)))
    _, pair_series = pivot(
        pairs,
        "earlier_channel",
        "repeat_channel",
        "repeat_total_cost_amount",
        sorted({r["repeat_channel"] for r in pairs}, key=source.channel_rank),
        source.channel_name,
        labels=first_channels,
    )
    return Page(
        "breakdown",
        "Where the cost goes",
        [
            table_chart(
                "cost_by_reason",
                "Cost by contact reason",
                month_text,
                money,
                "hbar",
                table_of(
                    reasons,
                    [
                        ("contact reason", "text", "contact_reason"),
                        ("total cost", "money", "total_cost_amount"),
                        ("interactions", "int", "interactions"),
                        ("cost per interaction", "unit_cost", "cost_per_interaction_amount"),
                        ("cost per resolved contact", "unit_cost", "cost_per_resolved_contact_amount"),
                    ],
                ),
                ["total cost"],
                definition="fct_contact_reason_costs_monthly summed over channels; per interaction = sum of "
                "cost / sum of interactions; per resolved contact = sum of cost / sum of resolved contacts. "
                "'unknown': no reason recorded.",
                empty=reasons_missing or no_cost,
            ),
            table_chart(
                "cost_by_segment",
                "Cost to serve by customer segment",
                month_text,
                money,
                "hbar",
                table_of(
                    segments,
                    [
                        ("segment", "text", "segment"),
                        ("total cost", "money", "total_cost_amount"),
                        ("customers", "int", "customers"),
                        ("interactions", "int", "interactions"),
                        ("cost per interaction", "unit_cost", "cost_per_interaction_amount"),
                        ("cost per customer", "unit_cost", "cost_per_customer_amount"),
                    ],
                ),
                ["total cost"],
                definition="fct_cost_to_serve_segments_monthly summed over geographies; 'anonymous': contacts "
                "without a customer, 'unknown': customers not in the CRM export. Per customer = sum of cost / "
                "customers with a contact in the month.",
                empty=segments_missing or no_cost,
            ),
            chart(
                "repeat_cost_by_channel_pair",
                "Cost of repeat contacts: channel of the first contact, by channel of the repeat",
                month_text + "; month of the first contact",
                money,
                "hbar_stacked",
                [source.channel_name(c) for c in first_channels],
                pair_series,
                "money",
                label_header="first contact",
                definition="rpt_repeat_channel_pairs_monthly: a repeat is the same customer's next contact on "
                "any channel within the repeat window (default 7 days) about the same reason; its cost is the "
                "repeat's allocated cost, the cost of duplicated effort. Each bar: the first contact's channel; "
                "its parts: the channel of the repeat.",
                empty=no_pairs or no_cost,
            ),
            TableBlock(
                "repeat_channel_pairs",
                "Repeat contacts by channel pair",
                month_text + "; month of the first contact",
                table_of(
                    pairs,
                    [
                        (
                            "first contact → repeat",
                            "text",
                            lambda r: (
                                f"{source.channel_name(r['earlier_channel'])} → "
                                f"{source.channel_name(r['repeat_channel'])}"
                            ),
                        ),
                        ("repeat cost", "money", "repeat_total_cost_amount"),
                        ("repeats", "int", "repeats"),
                        ("average hours between", "hours", "avg_repeat_after_hours"),
                        ("share of the month's repeats", "share", "month_repeats_share"),
                    ],
                ),
                definition="Average hours between = sum of hours between the two contacts / repeats; share = "
                "repeats of the pair / all repeats of the month.",
                empty=no_pairs,
            ),
        ],
    )
