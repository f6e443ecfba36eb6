"""Channel shift: what moving a share of a reason's contacts to another channel costs or saves
(rpt_channel_shift_scenarios, scenarios of seeds/channel_shift_scenarios.csv)."""

from __future__ import annotations

from orchestration.report.blocks import Chart, Column, Page, Series, Table
from orchestration.report.pages.common import absent
from orchestration.report.source import Period, ReportSource

SCENARIOS = "marts.rpt_channel_shift_scenarios"

SQL = f"""
select scenario_id, contact_reason, from_channel, to_channel, shift_share, unit_cost_basis,
       volume_basis, baseline_volume, shifted_volume, from_unit_cost, to_unit_cost,
       baseline_cost, scenario_cost, savings, currency
from {SCENARIOS}
order by scenario_id
"""


def scenarios_page(source: ReportSource, period: Period) -> Page:
    missing = absent(source, SCENARIOS)
    rows = [] if missing else source.rows(SQL)
    currency = (
        next((r["currency"] for r in rows if r["currency"]), "") or period.currency or "reporting currency"
    )
    ids = [r["scenario_id"] for r in rows]
    return Page(
        "scenarios",
        "Channel shift",
        [
            Chart(
                "channel_shift",
                "Channel-shift scenarios: yearly cost today and after the shift",
                "per year: the seed's annual volume, or the observed volume annualised "
                f"(data {period.span_text()})",
                f"{currency} per year",
                "bar",
                ids,
                [
                    Series("baseline cost", [r["baseline_cost"] for r in rows]),
                    Series("scenario cost", [r["scenario_cost"] for r in rows]),
                    Series("saving", [r["savings"] for r in rows]),
                ],
                Table(
                    [
                        Column("scenario"),
                        Column("contact reason"),
                        Column("from"),
                        Column("to"),
                        Column("share moved", "share"),
                        Column("unit costs"),
                        Column("yearly volume", "int"),
                        Column("from unit cost", "unit_cost"),
                        Column("to unit cost", "unit_cost"),
                        Column("baseline cost", "money"),
                        Column("scenario cost", "money"),
                        Column("saving", "money"),
                    ],
                    [
                        [
                            r["scenario_id"],
                            r["contact_reason"],
                            source.channel_name(r["from_channel"]),
                            source.channel_name(r["to_channel"]),
                            r["shift_share"],
                            r["unit_cost_basis"],
                            r["baseline_volume"],
                            r["from_unit_cost"],
                            r["to_unit_cost"],
                            r["baseline_cost"],
                            r["scenario_cost"],
                            r["savings"],
                        ]
                        for r in rows
                    ],
                ),
                definition="rpt_channel_shift_scenarios: baseline = volume x from unit cost; scenario = (volume "
                "- moved) x from unit cost + moved x to unit cost; saving = baseline - scenario. Unit costs "
                "'benchmark': midpoint of the published band; 'actual': this warehouse's cost per interaction "
                "over the data (a full-cost unit cost). Worked example of the benchmark document: 1,000,000 "
                "calls x 5.84 = 5,840,000; 20% to self-service at 0.10 gives 4,692,000, a saving of 1,148,000.",
                empty=missing or ("" if rows else "No scenario in seeds/channel_shift_scenarios.csv."),
            )
        ],
    )
