"""The manager's report (orchestration/report): written by every run beside the published
warehouse, opened in headless Chromium, its numbers compared with the marts queried here.

Chromium is the Debian package (`apt-get install chromium`; .ci/run installs it); the
browser tests skip, saying so, only where there is none. Screenshots go to the test's
tmp dir (the path is printed; -s shows it)."""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from browser import PageVisit, needs_chromium, open_page, screenshot
from conftest import make_settings

from orchestration.cli import main
from orchestration.pipeline import run
from orchestration.report import report_dir, write_after_publish, write_report
from orchestration.report.blocks import Chart, Column, Series, Table, format_value
from orchestration.report.source import Period

COST_CHARTS = (
    "unit_cost_vs_benchmark",
    "unit_cost_trend",
    "in_scope_cost_by_month",
    "cost_by_reason",
    "cost_by_segment",
)
SERVICE_CHARTS = ("asa", "aht", "abandonment", "service_level", "containment", "offered_by_half_hour")


# ---------------------------------------------------------------- without a browser
@pytest.mark.parametrize(
    ("first", "last", "cost_months", "month", "complete"),
    [
        # 90 days ending on the last day of November: November is whole.
        (date(2026, 9, 2), date(2026, 11, 30), (), date(2026, 11, 1), True),
        # ending one day earlier: November lacks its 30th, October is the latest whole month.
        (date(2026, 9, 2), date(2026, 11, 29), (), date(2026, 10, 1), True),
        # ten days over a month end: no whole month, the latest month, marked partial.
        (date(2026, 10, 27), date(2026, 11, 5), (), date(2026, 11, 1), False),
        # a ledger without contacts: ledger months are whole (postings are monthly).
        (None, None, (date(2026, 9, 1), date(2026, 10, 1)), date(2026, 10, 1), True),
        # nothing at all
        (None, None, (), None, None),
    ],
)
def test_the_report_month_is_the_latest_complete_month(first, last, cost_months, month, complete):
    period = Period(first, last, cost_months, "USD")
    assert period.report_month == month
    if month is not None:
        assert period.is_complete(month) is complete
        assert period.month_label(month).endswith("(partial)") is (not complete)


def test_numbers_are_shown_with_their_unit_and_kept_exact():
    """1148000 as money: '1,148,000.00 USD'; 5.84 as unit cost: '5.8400 USD'; 0.8125 as a share:
    '81.2 %' (Python rounds half to even on the binary value: 81.25 -> 81.2); None: 'n/a'."""
    assert format_value(Decimal("1148000.00"), "money", "USD") == "1,148,000.00 USD"
    assert format_value(Decimal("5.84"), "unit_cost", "USD") == "5.8400 USD"
    assert format_value(0.8125, "share") == "81.2 %"
    assert format_value(42.25, "seconds") == "42.2 s"
    assert format_value(None, "money") == "n/a"


def test_a_chart_cannot_draw_numbers_its_table_does_not_hold():
    table = Table([Column("month"), Column("cost", "money")], [["2026-10", 1.0]])
    with pytest.raises(ValueError, match="differs from its table"):
        Chart("c", "t", "p", "u", "bar", ["2026-10"], [Series("cost", [2.0])], table)
    with pytest.raises(ValueError, match="has no column"):
        Chart("c", "t", "p", "u", "bar", ["2026-10"], [Series("saving", [1.0])], table)
    nothing = Table(table.columns, [["2026-10", None]])
    empty = Chart("c", "t", "p", "u", "bar", ["2026-10"], [Series("cost", [None])], nothing)
    assert empty.empty == "No data for this period."


def test_ccw_report_writes_beside_the_warehouse_and_a_run_did_too(published, tmp_path, capsys):
    """`ccw run` (the `published` fixture) wrote <warehouse>.report/index.html; `ccw report`
    rewrites it from the published file alone, or into --out."""
    settings, _ = published
    index = report_dir(settings.warehouse) / "index.html"
    assert index.exists() and index.stat().st_size > 200_000  # the charting library is inline
    assert main(["report", "--warehouse", str(settings.warehouse), "--out", str(tmp_path)]) == 0
    assert "index.html" in capsys.readouterr().out
    html = (tmp_path / "index.html").read_text()
    assert "Chart.js v4.6.1" in html and "sourceMappingURL" not in html
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb")]) == 1


def test_a_warehouse_without_the_marts_gives_a_report_that_says_so(tmp_path):
    """An (older or partial) warehouse lacking every mart still gives a whole report: each
    chart names the table it misses instead of failing."""
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    html = write_report(warehouse).path.read_text()
    assert "Not in this warehouse: marts.fct_channel_costs_monthly, marts.fct_cost_allocation." in html
    assert "Not in this warehouse: marts.rpt_channel_shift_scenarios." in html
    assert "<canvas" not in html


def test_the_run_is_not_failed_by_a_report_that_cannot_be_written(tmp_path, caplog):
    """The warehouse is already published when the report is written: an error is logged, the
    run goes on (write_after_publish returns None instead of raising)."""
    assert write_after_publish(tmp_path / "missing.duckdb") is None
    assert "could not be written" in caplog.text


# ---------------------------------------------------------------- in Chromium
# What every chart shows: its canvas size, how much of it is drawn, the library's datasets,
# or the sentence that replaces it; and every table cell's exact value.
READ_CHARTS_JS = """
() => Array.from(document.querySelectorAll('figure.chart')).map(figure => {
  const canvas = figure.querySelector('canvas');
  const noData = figure.querySelector('.no-data');
  const out = {id: figure.id.replace(/^chart-/, ''), noData: noData ? noData.textContent : null,
               period: figure.querySelector('.period').textContent,
               unit: figure.querySelector('.unit').textContent};
  if (canvas) {
    const ctx = canvas.getContext('2d');
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) drawn++; }
    const chart = Chart.getChart(canvas);
    out.width = canvas.width; out.height = canvas.height; out.drawn = drawn;
    out.labels = chart ? chart.data.labels : null;
    out.datasets = chart ? chart.data.datasets.map(d => ({label: d.label, data: d.data})) : null;
  }
  return out;
})
"""

READ_TABLES_JS = """
() => Object.fromEntries(Array.from(document.querySelectorAll('figure')).filter(f => f.querySelector('table'))
  .map(figure => [figure.id, {
     headers: Array.from(figure.querySelectorAll('thead th')).map(th => th.textContent),
     rows: Array.from(figure.querySelectorAll('tbody tr')).map(tr => Array.from(tr.children).map(cell =>
       cell.tagName === 'TH' ? cell.textContent : {value: cell.dataset.value, text: cell.textContent}))
  }]))
"""

READ_FIGURES_JS = """
() => Object.fromEntries(Array.from(document.querySelectorAll('.figure')).map(f =>
  [f.id.replace(/^figure-/, ''), {value: f.dataset.value, text: f.querySelector('.value').textContent}]))
"""


def read_charts(visit: PageVisit) -> list[dict[str, Any]]:
    return visit.page.evaluate(READ_CHARTS_JS)


def read_tables(visit: PageVisit) -> dict[str, dict[str, Any]]:
    return visit.page.evaluate(READ_TABLES_JS)


def read_figures(visit: PageVisit) -> dict[str, dict[str, str]]:
    return visit.page.evaluate(READ_FIGURES_JS)


def assert_clean(visit: PageVisit, report: Path) -> None:
    """No console message of level error or warning, no page error, and the only request is
    the file itself: nothing from the network, nothing beside it."""
    problems = [(kind, text) for kind, text in visit.console if kind in ("error", "warning")]
    assert problems == [] and visit.errors == [], (problems, visit.errors)
    assert visit.requests == [report.resolve().as_uri()], visit.requests


def assert_charts_drawn(charts: list[dict], tables: dict) -> None:
    """Each chart either says why it has nothing to draw, or has a canvas of non-zero size
    with pixels drawn, and the library holds exactly the numbers of the chart's table."""
    assert charts
    for c in charts:
        if c["noData"]:
            assert "width" not in c, c["id"]
            continue
        assert c["width"] > 0 and c["height"] > 0, c["id"]
        assert c["drawn"] > 0.01 * c["width"] * c["height"], f"{c['id']}: canvas nearly blank"
        table = tables[f"chart-{c['id']}"]
        assert c["labels"] == [row[0] for row in table["rows"]], c["id"]
        for dataset in c["datasets"]:
            column = table["headers"].index(dataset["label"])
            expected = [_number(row[column]["value"]) for row in table["rows"]]
            assert len(dataset["data"]) == len(expected), c["id"]
            for got, value in zip(dataset["data"], expected, strict=True):
                want = None if value is None else pytest.approx(value, rel=1e-12)
                assert got == want, (c["id"], dataset["label"])


def show(browser, report: Path, png: Path) -> tuple[dict[str, dict], dict, dict]:
    """Open the report, save a screenshot, check it is clean and every chart drawn; return its
    charts by id, its tables by figure id and its headline figures."""
    with open_page(browser, report) as visit:
        print("screenshot:", screenshot(visit, png))
        assert_clean(visit, report)
        charts, tables, figures = read_charts(visit), read_tables(visit), read_figures(visit)
    assert_charts_drawn(charts, tables)
    return {c["id"]: c for c in charts}, tables, figures


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


def column(tables: dict, figure: str, header: str, as_text: bool = False) -> dict[str, float | str | None]:
    """A table column as {row label: exact value} (or the displayed text)."""
    table = tables[figure]
    i = table["headers"].index(header)
    return {row[0]: (row[i]["text"] if as_text else _number(row[i]["value"])) for row in table["rows"]}


def assert_same(shown: dict, expected: dict, what: str) -> None:
    """Every expected row shown with its value; a row shown beyond them is a gap (None): e.g. a
    half-hour with chats and no call has no value for calls, not a zero."""
    assert set(expected) <= set(shown), (what, set(expected) - set(shown))
    assert all(shown[key] is None for key in set(shown) - set(expected)), what
    for key, value in expected.items():
        if value is None:
            assert shown[key] is None, (what, key)
        else:
            assert shown[key] == pytest.approx(float(value), rel=1e-9, abs=1e-9), (what, key)


@needs_chromium
def test_the_report_shows_the_marts_numbers_in_chromium(published, browser, tmp_path):
    """The report of the small sample (10 days, 2026-10-27 to 2026-11-05, every source)
    opened in Chromium: no error, no request, every chart drawn; every figure equal to the
    marts queried here. The sample has no complete month, so the cost pages show November
    2026, partial (by hand: the latest month, since neither October nor November is whole)."""
    settings, _ = published
    report = write_report(settings.warehouse, tmp_path / "report").path
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    names = dict(con.execute("select channel, channel_name from marts.dim_channel").fetchall())
    month = date(2026, 11, 1)

    charts, tables, figures = show(browser, report, tmp_path / "report-small-sample.png")
    assert "; amounts in USD</caption>" in report.read_text()  # cells are plain numbers
    drawn = {id for id, c in charts.items() if not c["noData"]}
    assert drawn >= {*COST_CHARTS, *SERVICE_CHARTS, "channel_shift", "landing_rows", "checks_by_layer"}, drawn
    for id, c in charts.items():
        assert c["period"].startswith("Period: ") and c["unit"].startswith("Unit: "), id
    assert "November 2026, partial" in charts["unit_cost_vs_benchmark"]["period"]

    # cost per interaction by channel, against the benchmark: the mart's row of the month
    rows = con.execute(
        "select channel, interactions, total_cost_amount, cost_per_interaction_amount, benchmark_cost_low_amount "
        "from marts.fct_channel_costs_monthly where cost_month = ?",
        [month],
    ).fetchall()
    shown = "chart-unit_cost_vs_benchmark"
    assert_same(column(tables, shown, "interactions"), {names[r[0]]: r[1] for r in rows}, "interactions")
    assert_same(column(tables, shown, "total cost"), {names[r[0]]: r[2] for r in rows}, "total cost")
    assert_same(column(tables, shown, "cost per interaction"), {names[r[0]]: r[3] for r in rows}, "unit cost")
    assert_same(column(tables, shown, "benchmark low"), {names[r[0]]: r[4] for r in rows}, "benchmark")
    assert column(tables, shown, "benchmark low", as_text=True)[names["inbound_call"]] == "5.8400"

    # the month's headline: in-scope = allocated + unallocated (ledger); per interaction = sum / sum
    allocated, interactions = con.execute(
        "select sum(total_cost_amount), sum(interactions) from marts.fct_channel_costs_monthly "
        "where cost_month = ?",
        [month],
    ).fetchone()
    in_scope, unallocated = con.execute(
        "select sum(allocated_amount), sum(allocated_amount) filter (where channel = 'unallocated') "
        "from marts.fct_cost_allocation where cost_month = ?",
        [month],
    ).fetchone()
    assert float(figures["in_scope_cost"]["value"]) == float(in_scope)
    assert int(figures["interactions"]["value"]) == interactions
    assert float(figures["cost_per_interaction"]["value"]) == pytest.approx(
        float(allocated) / interactions, rel=1e-12
    )
    assert float(figures["unallocated_share"]["value"]) == pytest.approx(
        float(unallocated or 0) / float(in_scope)
    )

    # trend: every month and channel; all channels = sum of cost / sum of interactions
    trend = con.execute(
        "select strftime(cost_month, '%Y-%m') || ' (partial)', channel, cost_per_interaction_amount "
        "from marts.fct_channel_costs_monthly"
    ).fetchall()
    for channel in {r[1] for r in trend}:
        assert_same(
            column(tables, "chart-unit_cost_trend", names[channel]),
            {r[0]: r[2] for r in trend if r[1] == channel},
            channel,
        )
    all_channels = con.execute(
        "select strftime(cost_month, '%Y-%m') || ' (partial)', sum(total_cost_amount) / sum(interactions) "
        "from marts.fct_channel_costs_monthly group by 1"
    ).fetchall()
    assert_same(column(tables, "chart-unit_cost_trend", "all channels"), dict(all_channels), "all channels")

    # in-scope cost by month: the four parts add up to the ledger's in-scope total, to the cent
    for label, parts in {
        r[0]: r[1:]
        for r in con.execute(
            "select strftime(cost_month, '%Y-%m') || ' (partial)', sum(allocated_amount) from "
            "marts.fct_cost_allocation group by 1"
        ).fetchall()
    }.items():
        shown_parts = [
            column(tables, "chart-in_scope_cost_by_month", p)[label]
            for p in ("labour", "platform", "overhead", "unallocated")
        ]
        assert round(sum(shown_parts), 2) == float(parts[0])
        assert column(tables, "chart-in_scope_cost_by_month", "in-scope total")[label] == float(parts[0])

    # cost by reason and by segment in the month: sums over channels / geographies, ratio of sums
    reasons = con.execute(
        "select contact_reason, sum(total_cost_amount), sum(total_cost_amount) / sum(interactions) "
        "from marts.fct_contact_reason_costs_monthly where cost_month = ? group by 1",
        [month],
    ).fetchall()
    assert_same(column(tables, "chart-cost_by_reason", "total cost"), {r[0]: r[1] for r in reasons}, "reason")
    assert_same(
        column(tables, "chart-cost_by_reason", "cost per interaction"),
        {r[0]: r[2] for r in reasons},
        "reason",
    )
    segments = con.execute(
        "select segment, sum(total_cost_amount), sum(customers) from marts.fct_cost_to_serve_segments_monthly "
        "where cost_month = ? group by 1",
        [month],
    ).fetchall()
    assert_same(
        column(tables, "chart-cost_by_segment", "total cost"), {r[0]: r[1] for r in segments}, "segment"
    )
    assert_same(
        column(tables, "chart-cost_by_segment", "customers"), {r[0]: r[2] for r in segments}, "segment"
    )

    # repeats by channel pair, straight from fct_repeat_contacts (the earlier contact's month)
    pairs = con.execute(
        "select earlier_channel, repeat_channel, count(*), sum(repeat_total_cost_amount) "
        "from marts.fct_repeat_contacts "
        "where earlier_interaction_month = ? group by 1, 2",
        [month],
    ).fetchall()
    assert_same(
        column(tables, "table-repeat_channel_pairs", "repeats"),
        {f"{names[a]} → {names[b]}": n for a, b, n, _ in pairs},
        "repeats",
    )
    assert_same(
        column(tables, "table-repeat_channel_pairs", "repeat cost"),
        {f"{names[a]} → {names[b]}": c for a, b, _, c in pairs},
        "repeat cost",
    )

    # service by week, from the interactions themselves (not the KPI marts): ASA of inbound calls
    # = total queue wait of answered calls / answered calls; abandonment = abandoned /
    # (answered + abandoned); self-service containment = completed / sessions. Both weeks,
    # starting Mondays 2026-10-26 and 2026-11-02, are partial (data from Tuesday 27 October to
    # Thursday 5 November).
    def weekly(numerator: str, denominator: str) -> dict[str, float]:
        rows = con.execute(
            f"select cast(date_trunc('week', interaction_date) as date), count(*) filter (where {numerator}) "
            f"/ count(*) filter (where {denominator}) from marts.fct_interactions group by 1"
        ).fetchall()
        assert {w for w, _ in rows} == {date(2026, 10, 26), date(2026, 11, 2)}
        return {f"{w} (partial)": v for w, v in rows}

    answered = "channel = 'inbound_call' and outcome = 'answered'"
    asa = {
        f"{w} (partial)": v
        for w, v in con.execute(
            "select cast(date_trunc('week', interaction_date) as date), sum(wait_seconds) / count(*) "
            f"from marts.fct_interactions where {answered} group by 1"
        ).fetchall()
    }
    assert_same(column(tables, "chart-asa", names["inbound_call"]), asa, "ASA")
    abandonment = weekly(
        "channel = 'inbound_call' and outcome = 'abandoned'",
        "channel = 'inbound_call' and outcome in ('answered', 'abandoned')",
    )
    assert_same(column(tables, "chart-abandonment", names["inbound_call"]), abandonment, "abandonment")
    containment = weekly("channel = 'self_service' and is_contained", "channel = 'self_service'")
    assert_same(column(tables, "chart-containment", names["self_service"]), containment, "containment")

    # busiest half-hours of the month: offered by time of day (summed over the days)
    slots = con.execute(
        "select strftime(interval_start_local, '%H:%M'), sum(offered) from marts.fct_queue_kpis_30min "
        "where channel = 'inbound_call' and interval_date >= ? group by 1",
        [month],
    ).fetchall()
    assert_same(column(tables, "chart-offered_by_half_hour", names["inbound_call"]), dict(slots), "offered")

    # the benchmark document's worked example, as printed: 1,000,000 calls x 5.84 = 5,840,000;
    # 800,000 x 5.84 + 200,000 x 0.10 = 4,692,000; saving 1,148,000
    example = "tv_channel_change_to_app_benchmark"
    assert column(tables, "chart-channel_shift", "baseline cost", as_text=True)[example] == "5,840,000.00"
    assert column(tables, "chart-channel_shift", "scenario cost", as_text=True)[example] == "4,692,000.00"
    assert column(tables, "chart-channel_shift", "saving", as_text=True)[example] == "1,148,000.00"
    scenarios = con.execute(
        "select scenario_id, savings_amount from marts.rpt_channel_shift_scenarios"
    ).fetchall()
    assert_same(column(tables, "chart-channel_shift", "saving"), dict(scenarios), "savings")

    # data quality of the run: rows read per source (run log), quarantined, checks by layer
    run_id, rows_per_source = con.execute(
        "select run_id, rows_per_source from meta.run_log order by finished_at desc limit 1"
    ).fetchone()
    read = {s: n for s, n in json.loads(rows_per_source).items() if n}
    assert_same(column(tables, "chart-landing_rows", "rows read"), read, "rows read")
    quarantined = dict(
        con.execute("select source, count(*) from quarantine.rejected_rows group by 1").fetchall()
    )
    assert_same(
        column(tables, "chart-landing_rows", "quarantined"),
        {s: quarantined.get(s, 0) for s in read},
        "quarantined",
    )
    checks = con.execute(
        "select layer, count(*) filter (where success) from meta.quality_results where run_id = ? group by 1",
        [run_id],
    ).fetchall()
    assert_same(column(tables, "chart-checks_by_layer", "passed"), dict(checks), "checks")
    con.close()


# ---------------------------------------------------------------- one-source landings
# Hand-written in the contract's format (docs/DATA_CONTRACT.md), not by the generator.
# Calls: local times (America/New_York), Wednesday 14 and Thursday 15 October 2026.
TELEPHONY_ONLY = """\
call_id,updated_at,direction,started_at,customer_id,customer_phone,queue,contact_reason,ivr_seconds,queue_seconds,agent_id,talk_seconds,hold_seconds,acw_seconds,outcome,transferred
T1,,inbound,2026-10-14T09:00:00,CU1,+15550000001,billing,billing_question,30,10,A1,300,0,60,answered,false
T2,,inbound,2026-10-14T09:10:00,CU2,,billing,billing_question,20,30,A2,200,0,40,answered,false
T3,,inbound,2026-10-14T09:20:00,,,tech,technical_issue,15,50,,0,0,0,abandoned,false
T4,,inbound,2026-10-14T09:30:00,CU4,,,billing_question,90,0,,0,0,0,ivr_self_served,false
T5,,inbound,2026-10-15T11:00:00-04:00,CU5,,tech,technical_issue,25,50,A1,100,0,20,answered,
"""

# A ledger alone: October 2026, USD and EUR (seed rate 2026-10 EUR 1.1112), one account the
# mapping does not know.
LEDGER_ONLY = """\
journal_id,line_number,posting_date,account_code,account_name,cost_center,amount,currency,description
J1,1,2026-10-31,6000,Salaries,CC4110,1000.00,USD,October salaries
J1,2,2026-10-31,6000,Salaries,CC4110,250.50,USD,October salaries adjustment
J2,1,2026-10-31,6999,Unknown,CC4110,100.00,USD,account missing from the mapping
J3,1,2026-10-31,6300,Outsourcing,CC4190,200.00,EUR,nearshore partner invoice
"""


def run_one_source(root: Path, source: str, file_name: str, text: str):
    folder = root / "landing" / source
    folder.mkdir(parents=True)
    (folder / file_name).write_text(text)
    settings = make_settings(root, root / "landing")
    run(settings)
    return settings


@pytest.mark.slow
@needs_chromium
def test_a_telephony_only_landing_gives_a_report_with_service_and_no_cost(tmp_path, browser):
    """By hand, week starting Monday 2026-10-12 (data 14-15 October, so the week is partial),
    inbound calls T1 T2 T3 T5 (T4 ended in the IVR):
    ASA = (10 + 30 + 50) / 3 answered = 30 s (the average of the daily ASAs, (20 + 50) / 2 = 35,
    would be wrong); AHT = (360 + 240 + 120) / 3 = 240 s; abandonment = 1 / (3 + 1) = 0.25;
    service level (T = 20 s) = T1 / (3 answered + T3 abandoned after 50 s) = 0.25;
    IVR containment = T4 / 5 inbound calls = 0.2. No ledger: the cost charts say so."""
    settings = run_one_source(tmp_path, "telephony_calls", "2026-10-14.csv", TELEPHONY_ONLY)
    report = report_dir(settings.warehouse) / "index.html"
    charts, tables, figures = show(browser, report, tmp_path / "report-telephony-only.png")
    week = "2026-10-12 (partial)"
    assert column(tables, "chart-asa", "Inbound call") == {week: 30.0}
    assert column(tables, "chart-aht", "Inbound call") == {week: 240.0}
    assert column(tables, "chart-abandonment", "Inbound call") == {week: 0.25}
    assert column(tables, "chart-service_level", "Inbound call") == {week: 0.25}
    assert column(tables, "chart-containment", "IVR (self-served)") == {week: 0.2}
    assert column(tables, "chart-asa", "Inbound call", as_text=True) == {week: "30.0 s"}
    for cost_chart in COST_CHARTS:
        assert charts[cost_chart]["noData"], cost_chart
    assert figures["in_scope_cost"]["text"] == "n/a"


@pytest.mark.slow
@needs_chromium
def test_a_ledger_only_landing_gives_a_report_with_cost_and_no_service(tmp_path, browser):
    """By hand, October 2026: 1000.00 + 250.50 + 100.00 USD + 200.00 EUR x 1.1112 = 222.24 USD
    = 1,572.74 USD in scope, none of it allocated (no contact to carry it: no driver activity;
    account 6999 not mapped), so the unallocated share is 100.0 %. No contacts: the service
    charts say so."""
    settings = run_one_source(tmp_path, "gl_journal_lines", "2026-10.csv", LEDGER_ONLY)
    report = report_dir(settings.warehouse) / "index.html"
    charts, tables, figures = show(browser, report, tmp_path / "report-ledger-only.png")
    assert figures["in_scope_cost"]["text"] == "1,572.74 USD"
    assert figures["unallocated_share"]["text"] == "100.0 %"
    assert column(tables, "chart-in_scope_cost_by_month", "unallocated") == {"2026-10": 1572.74}
    reasons = tables["table-unallocated_by_reason"]
    amount = reasons["headers"].index("amount")
    assert math.isclose(sum(float(row[amount]["value"]) for row in reasons["rows"]), 1572.74)
    for service_chart in SERVICE_CHARTS:
        assert charts[service_chart]["noData"], service_chart
    assert not charts["in_scope_cost_by_month"]["noData"]
