"""Service: ASA, AHT, abandonment, service level and containment per channel by week, and the
busiest half-hours of the report month (fct_channel_kpis_daily, fct_queue_kpis_30min).

Weeks (Monday to Sunday, business-local) are rolled up from the daily mart's components:
every ratio is sum(numerator) / sum(denominator) over the days of the week, never an
average of daily ratios (the rule of the KPI marts' YAML).
"""

from __future__ import annotations

from datetime import timedelta

from orchestration.report.blocks import Page, TableBlock, table_of
from orchestration.report.pages.common import absent, by_channel, chart
from orchestration.report.source import Period, ReportSource, month_end

DAILY = "marts.fct_channel_kpis_daily"
INTERVALS = "marts.fct_queue_kpis_30min"

WEEKLY_SQL = f"""
select cast(date_trunc('week', kpi_date) as date) as week, channel,  -- ISO week: Monday
       sum(asa_wait_seconds_sum) / nullif(sum(asa_answered_count), 0) as asa_seconds,
       sum(aht_handle_seconds_sum) / nullif(sum(aht_handled_count), 0) as aht_seconds,
       sum(abandoned) / nullif(sum(abandonment_denominator), 0) as abandonment_rate,
       sum(sl_answered_within_threshold) / nullif(sum(sl_denominator), 0) as service_level_rate,
       max(sl_threshold_seconds) as sl_threshold_seconds,
       sum(containment_contained) / nullif(sum(containment_denominator), 0) as containment_rate
from {DAILY}
group by all
order by week, channel
"""

SLOTS_SQL = f"""
select strftime(interval_start_local, '%H:%M') as slot, channel, sum(offered) as offered
from {INTERVALS}
where interval_date between ? and ?
group by all
order by slot, channel
"""

BUSIEST_SQL = f"""
select interval_start_local, channel, offered, answered, abandoned, asa_seconds, service_level_rate
from {INTERVALS}
where interval_date between ? and ?
order by offered desc, interval_start_local, channel
limit 10
"""

# (id, column, title, unit, format, definition)
WEEKLY_KPIS = [
    (
        "asa",
        "asa_seconds",
        "Average speed of answer (ASA)",
        "seconds",
        "seconds",
        "Total queue wait of answered contacts / answered contacts (calls and agent chats).",
    ),
    (
        "aht",
        "aht_seconds",
        "Average handle time (AHT)",
        "seconds",
        "seconds",
        "(talk + hold + after-call work) / handled contacts; chats and cases: logged handle time.",
    ),
    (
        "abandonment",
        "abandonment_rate",
        "Abandonment rate",
        "share of queued contacts",
        "share",
        "abandoned / (answered + abandoned).",
    ),
    (
        "service_level",
        "service_level_rate",
        "Service level",
        "share of queued contacts",
        "share",
        "answered within T / (answered + abandoned after T); T: {thresholds}.",
    ),
    (
        "containment",
        "containment_rate",
        "Containment",
        "share of contacts",
        "share",
        "IVR: self-served / all inbound calls; chatbot: bot-resolved / all chats; self-service: "
        "completed / sessions.",
    ),
]


def service_page(source: ReportSource, period: Period) -> Page:
    page = Page("service", "Service")
    missing = absent(source, DAILY)
    weekly = [] if missing else source.rows(WEEKLY_SQL)
    weeks_text = f"{period.span_text()}, by week (Monday to Sunday)"
    no_contacts = (
        "" if weekly else "No contacts in this warehouse (no call, ticket, chat or session delivered)."
    )
    thresholds = ", ".join(
        sorted(
            {
                f"{source.channel_name(r['channel'])} {r['sl_threshold_seconds']:g} s"
                for r in weekly
                if r["sl_threshold_seconds"] is not None
            }
        )
    )
    for id, column, title, unit, fmt, definition in WEEKLY_KPIS:
        labels, series = by_channel(source, weekly, "week", column)
        page.blocks.append(
            chart(
                id,
                f"{title} by week",
                weeks_text,
                unit,
                "line",
                [_week_label(w, period) for w in labels],
                series,
                fmt,
                label_header="week starting",
                definition=definition.format(thresholds=thresholds or "none")
                + " Sum of the daily numerators / sum of the daily denominators (fct_channel_kpis_daily).",
                empty=missing or no_contacts,
            )
        )

    month = period.report_month
    missing = absent(source, INTERVALS)
    bounds = [month, month_end(month)] if month else None
    slots = [] if missing or not bounds else source.rows(SLOTS_SQL, bounds)
    busiest = [] if missing or not bounds else source.rows(BUSIEST_SQL, bounds)
    labels, series = by_channel(source, slots, "slot", "offered")
    page.blocks.append(
        chart(
            "offered_by_half_hour",
            "Contacts offered by half-hour of the day",
            period.report_month_text(),
            "contacts offered in the month",
            "stacked",
            labels,
            series,
            "int",
            label_header="half-hour starting (local time)",
            definition="fct_queue_kpis_30min: queued contacts (inbound calls, agent chats) by the half-hour "
            "they arrived in, summed over the days of the month.",
            empty=missing,
        )
    )
    page.blocks.append(
        TableBlock(
            "busiest_half_hours",
            "The ten busiest half-hours",
            period.report_month_text(),
            table_of(
                busiest,
                [
                    (
                        "half-hour starting (local time)",
                        "text",
                        lambda r: f"{r['interval_start_local']:%Y-%m-%d %H:%M}",
                    ),
                    ("channel", "text", lambda r: source.channel_name(r["channel"])),
                    ("offered", "int", "offered"),
                    ("answered", "int", "answered"),
                    ("abandoned", "int", "abandoned"),
                    ("ASA", "seconds", "asa_seconds"),
                    ("service level", "share", "service_level_rate"),
                ],
            ),
            definition="fct_queue_kpis_30min, the intervals with the most contacts offered.",
            empty=missing or ("" if busiest else "No queued contacts in this month."),
        )
    )
    return page


def _week_label(week, period: Period) -> str:
    complete = (
        period.has_contacts and period.first_day <= week and week + timedelta(days=6) <= period.last_day
    )
    return week.isoformat() + ("" if complete else " (partial)")
