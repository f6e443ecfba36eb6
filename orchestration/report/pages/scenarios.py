"""Channel shift: what moving a share of a reason's contacts to another channel costs or saves
(rpt_channel_shift_scenarios, the channel_shift rows of seeds/scenarios.csv)."""

from __future__ import annotations

from orchestration.report.blocks import Page, table_of
from orchestration.report.pages.common import absent, table_chart
from orchestration.report.source import Period, ReportSource

SCENARIOS = "marts.rpt_channel_shift_scenarios"

SQL = f"""
select scenario_id, contact_reason, from_channel, to_channel, shift_share, unit_cost_basis,
       volume_basis, baseline_volume, shifted_volume, from_unit_cost_amount, to_unit_cost_amount,
       baseline_cost_amount, scenario_cost_amount, savings_amount, currency
from {SCENARIOS}
order by scenario_id
"""


def scenarios_page(source: ReportSource, period: Period) -> Page:
    missing = absent(source, SCENARIOS)
    rows = [] if missing else source.rows(SQL)
    currency = (
        next((r["currency"] for r in rows if r["currency"]), "") or period.currency or "reporting currency"
    )
    return Page(
        "scenarios",
        "Channel shift",
        [
            table_chart(
                "channel_shift",
                "Channel-shift scenarios: yearly cost today and after the shift",
                "per year: the seed's annual volume, or the observed volume annualised "
                f"(data {period.span_text()})",
                f"{currency} per year",
                "bar",
                table_of(
                    rows,
                    [
                        ("scenario", "text", "scenario_id"),
                        ("contact reason", "text", "contact_reason"),
                        ("from", "text", lambda r: source.channel_name(r["from_channel"])),
                        ("to", "text", lambda r: source.channel_name(r["to_channel"])),
                        ("share moved", "share", "shift_share"),
                        ("unit costs", "text", "unit_cost_basis"),
                        ("yearly volume", "int", "baseline_volume"),
                        ("from unit cost", "unit_cost", "from_unit_cost_amount"),
                        ("to unit cost", "unit_cost", "to_unit_cost_amount"),
                        ("baseline cost", "money", "baseline_cost_amount"),
                        ("scenario cost", "money", "scenario_cost_amount"),
                        ("saving", "money", "savings_amount"),
                    ],
                ),
                ["baseline cost", "scenario cost", "saving"],
                definition="rpt_channel_shift_scenarios: baseline = volume x from unit cost; scenario = (volume "
                "- moved) x from unit cost + moved x to unit cost; saving = baseline - scenario. Unit costs "
                "'benchmark': midpoint of the published band; 'actual': this warehouse's cost per interaction "
                "over the data (a full-cost unit cost). Worked example of the benchmark document: 1,000,000 "
                "calls x 5.84 = 5,840,000; 20% to self-service at 0.10 gives 4,692,000, a saving of 1,148,000.",
                empty=missing or ("" if rows else "No channel_shift scenario in seeds/scenarios.csv."),
            )
        ],
    )
