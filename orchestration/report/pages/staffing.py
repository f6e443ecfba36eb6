"""Staffing: the agents Erlang C requires beside the agents logged, by half-hour of the report
month, and the what-if scenarios priced on the average and the marginal cost basis
(fct_staffing_30min, rpt_scenarios; docs/decisions/staffing.md).

Agents per half-hour are summed over the queued channels and teams of each day, then divided
by the days of the month the mart has rows for: the agents of an average day of the month.
"""

from __future__ import annotations

from orchestration.report.blocks import Page, Series, table_of
from orchestration.report.pages.common import absent, chart, table_chart
from orchestration.report.source import Period, ReportSource, month_end

INTERVALS = "marts.fct_staffing_30min"
SCENARIOS = "marts.rpt_scenarios"

AGENTS_SQL = f"""
with month as (
    select * from {INTERVALS} where interval_date between ? and ?
)
select interval_time as slot,
       sum(required_agents) / (select count(distinct interval_date) from month) as required_agents,
       sum(observed_agents) / (select count(distinct interval_date) from month) as observed_agents
from month
group by all
order by slot
"""

# one row per scenario, its two cost bases side by side
SCENARIOS_SQL = f"""
select scenario_id, max(scenario_type) as scenario_type, max(volume_basis) as volume_basis,
       max(months) as months, max(baseline_fte) as baseline_fte,
       max(scenario_fte) filter (where cost_basis = 'average') as average_fte,
       max(scenario_fte) filter (where cost_basis = 'marginal') as marginal_fte,
       max(savings_per_month_amount) filter (where cost_basis = 'average') as average_savings,
       max(savings_per_month_amount) filter (where cost_basis = 'marginal') as marginal_savings,
       max(baseline_service_level_rate) as baseline_service_level,
       max(scenario_service_level_rate) filter (where cost_basis = 'average') as average_service_level,
       max(scenario_service_level_rate) filter (where cost_basis = 'marginal') as marginal_service_level,
       max(currency) as currency
from {SCENARIOS}
group by scenario_id
order by scenario_id
"""

AVERAGE, MARGINAL = "saving per month, average cost", "saving per month, marginal cost"


def staffing_page(source: ReportSource, period: Period) -> Page:
    page = Page("staffing", "Staffing and scenarios")
    month = period.report_month
    missing = absent(source, INTERVALS)
    agents = [] if missing or month is None else source.rows(AGENTS_SQL, [month, month_end(month)])
    page.blocks.append(
        chart(
            "agents_by_half_hour",
            "Agents required and agents logged by half-hour of the day",
            period.report_month_text(),
            "agents on an average day of the month",
            "line",
            [r["slot"] for r in agents],
            [
                Series("required agents", [r["required_agents"] for r in agents]),
                Series("logged agents", [r["observed_agents"] for r in agents]),
            ],
            "number",
            label_header="half-hour starting (local time)",
            definition="fct_staffing_30min, inbound calls and agent chats, every team: required = the fewest "
            "agents whose Erlang C service level reaches the channel's target (offered contacts x AHT; chats "
            "divided by concurrency), before shrinkage; logged = ready agent positions estimated from the "
            "daily workforce states. Summed per half-hour over the month's days, divided by those days.",
            empty=missing,
        )
    )

    missing = absent(source, SCENARIOS)
    rows = [] if missing else source.rows(SCENARIOS_SQL)
    currency = (
        next((r["currency"] for r in rows if r["currency"]), "") or period.currency or "reporting currency"
    )
    page.blocks.append(
        table_chart(
            "scenarios_two_bases",
            "What-if scenarios: saving per month on two cost bases",
            f"the months of the data ({period.span_text()}), or a given yearly volume / 12",
            f"{currency} per month",
            "bar",
            table_of(
                rows,
                [
                    ("scenario", "text", "scenario_id"),
                    ("type", "text", "scenario_type"),
                    ("priced on", "text", "volume_basis"),
                    ("months", "int", "months"),
                    ("FTE today", "number", "baseline_fte"),
                    ("FTE, average basis", "number", "average_fte"),
                    ("FTE, marginal basis", "number", "marginal_fte"),
                    (AVERAGE, "money", "average_savings"),
                    (MARGINAL, "money", "marginal_savings"),
                    ("service level today", "share", "baseline_service_level"),
                    ("service level, average basis", "share", "average_service_level"),
                    ("service level, marginal basis", "share", "marginal_service_level"),
                ],
            ),
            [AVERAGE, MARGINAL],
            definition="rpt_scenarios. Average cost (the seed method): each contact that leaves a channel saves "
            "the channel's cost per contact, platforms and overhead included; agents scale with the traffic. "
            "Marginal cost: the queues are staffed again by Erlang C interval by interval; only the paid hours "
            "that go are saved, at each team's cost per paid hour; platforms and overhead stay. Whole agents "
            "per half-hour and fixed pools make the marginal saving of moving a share of contacts smaller, and "
            "that of closing quiet hours larger. A given yearly volume has no intervals to staff: average only.",
            empty=missing or ("" if rows else "No scenario in seeds/scenarios.csv."),
        )
    )
    return page
