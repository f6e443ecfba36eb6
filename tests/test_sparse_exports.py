"""The whole pipeline on sparse exports (`ccw generate --sparse`): optional columns left out or
empty, abandoned calls of unknown wait, surveys without a response time, ledger lines without a
cost centre, the rarer codes. Nothing of it is rejected, the build publishes, and the cost
reconciles to the cent with the ledger summed here, independently, from the generated CSV and
the shipped seeds. One small run (a few hundred rows), about a minute.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings, open_with_build

from orchestration.configuration import init
from orchestration.pipeline import run
from orchestration.tools.generator import generate

SPARSE = dict(start=date(2025, 3, 1), days=3, contacts_per_day=60, agents=8, seed=1, sparse=True)
CENT = Decimal("0.01")


def _seed(config: Path, name: str) -> list[dict]:
    with open(config / f"{name}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def ledger_by_hand(landing: Path, config: Path) -> dict[str, Decimal]:
    """The generated ledger, summed from its CSV with the configuration's files: each line in USD
    at its month's rate (fx_rates), rounded to the cent; out of scope when its account is
    in_scope = false or its pool (its cost centre's, else its account's default_cost_pool) is
    out_of_scope. Returns the in-scope total, the in-scope lines without cost centre by their
    default pool, and those whose account has none ('no_cost_center')."""
    accounts = {r["account_code"]: r for r in _seed(config, "account_mapping")}
    centers = {r["cost_center"]: r for r in _seed(config, "cost_centers")}
    pool_types = {r["cost_pool"]: r["pool_type"] for r in _seed(config, "cost_centers")}
    rates = {
        (r["month"][:7], r["currency"]): Decimal(r["rate_to_reporting"]) for r in _seed(config, "fx_rates")
    }
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for path in sorted((landing / "gl_journal_lines").glob("*.csv")):
        with open(path, newline="") as handle:
            for line in csv.DictReader(handle):
                rate = (
                    Decimal(1)
                    if line["currency"] == "USD"
                    else rates[(line["posting_date"][:7], line["currency"])]
                )
                amount = (Decimal(line["amount"]) * rate).quantize(CENT, ROUND_HALF_UP)
                account = accounts[line["account_code"]]
                center = line.get("cost_center") or ""
                pool = centers[center]["cost_pool"] if center else account["default_cost_pool"]
                if account["in_scope"] != "true" or pool_types.get(pool) == "out_of_scope":
                    continue
                sums["in_scope"] += amount
                if not center:
                    sums[pool or "no_cost_center"] += amount
    return dict(sums)


@pytest.fixture(scope="module")
def sparse_run(tmp_path_factory):
    """The sample configuration, but energy (6410) defaults to the out-of-scope pool `sales`:
    its lines without cost centre leave the cost base, rent's (6400) go to shared_overhead."""
    root = tmp_path_factory.mktemp("sparse")
    generate(out_dir=root / "landing", **SPARSE)
    config = root / "config"
    init(config)
    mapping = config / "account_mapping.csv"
    mapping.write_text(
        mapping.read_text().replace("6410,energy,true,shared_overhead", "6410,energy,true,sales")
    )
    settings = replace(make_settings(root, root / "landing"), config_dir=config)
    summary = run(settings)
    with open_with_build(settings) as con:
        yield con, summary, root / "landing", config


def test_the_sparse_landing_has_every_gap(sparse_run):
    """The generator wrote what the run must survive: a call file without the IVR, hold and
    after-call columns and one with them empty, abandoned calls without a queue wait, IVR
    hang-ups, a survey file without responded_at, tickets opened from a call or a chat, deleted
    or merged tickets, ledger lines without a cost centre."""
    con, *_, landing, _ = sparse_run
    headers = {
        p.name: p.read_text().splitlines()[0].split(",") for p in (landing / "telephony_calls").glob("*.csv")
    }
    assert any("hold_seconds" not in h for h in headers.values())
    assert any("hold_seconds" in h for h in headers.values())
    surveys = [p.read_text().splitlines()[0] for p in (landing / "surveys").glob("*.csv")]
    assert any("responded_at" not in h for h in surveys)
    calls = con.execute(
        "select count(*) filter (where hold_seconds is null), "
        "count(*) filter (where outcome = 'abandoned' and queue_seconds is null), "
        "count(*) filter (where outcome = 'ivr_abandoned') from staging.stg_telephony__calls"
    ).fetchone()
    assert all(n > 0 for n in calls), calls
    tickets = con.execute(
        "select count(*) filter (where channel in ('phone', 'chat')), "
        "count(*) filter (where status in ('deleted', 'merged')) from staging.stg_ticketing__tickets"
    ).fetchone()
    assert all(n > 0 for n in tickets), tickets
    assert con.execute(
        "select count(*) from staging.stg_surveys__responses where responded_at_utc is null"
    ).fetchone()[0]
    assert con.execute(
        "select count(*) from staging.stg_erp__gl_journal_lines where cost_center is null"
    ).fetchone()[0]


def test_nothing_of_the_gaps_is_rejected_and_the_build_publishes(sparse_run):
    con, summary, *_ = sparse_run
    assert summary.build.startswith("full refresh")
    assert con.execute("select count(*) from quarantine.rejected_rows").fetchone()[0] == 0
    assert summary.rejections == []


def test_ledger_lines_without_cost_centre_reconcile_to_the_cent(sparse_run):
    """By hand from the CSV (ledger_by_hand): allocated + unallocated = the in-scope ledger; the
    rent line without a cost centre (6400, default pool shared_overhead) is in that pool, the
    energy line (6410, default pool sales) out of scope; the onboarding line (6100, no default
    pool) is unallocated as no_cost_center, as the run summary says."""
    con, summary, landing, config = sparse_run
    by_hand = ledger_by_hand(landing, config)
    assert set(by_hand) == {"in_scope", "shared_overhead", "no_cost_center"}
    total = con.execute("select sum(allocated_amount) from marts.fct_cost_allocation").fetchone()[0]
    assert total == by_hand["in_scope"] == summary.cost.ledger
    defaulted = dict(
        con.execute(
            "select cost_pool, sum(amount_reporting) from int_costs__gl_lines "
            "where cost_center is null and is_in_scope and scope_status = 'in_scope' group by 1"
        ).fetchall()
    )
    assert defaulted == {"shared_overhead": by_hand["shared_overhead"]}
    energy = con.execute(
        "select distinct cost_pool, scope_status from int_costs__gl_lines "
        "where account_code = '6410' and cost_center is null"
    ).fetchall()
    assert energy == [("sales", "out_of_scope_cost_center")]
    unallocated = con.execute(
        "select sum(allocated_amount), min(unallocated_detail) from marts.fct_cost_allocation "
        "where unallocated_reason = 'no_cost_center'"
    ).fetchone()
    assert unallocated == (by_hand["no_cost_center"], "account 6100 without cost center")
    reported = {u.reason: u.amount for u in summary.cost.unallocated}
    assert reported["no_cost_center"] == by_hand["no_cost_center"]
    assert summary.cost.allocated + sum(reported.values()) == summary.cost.ledger


def test_the_default_sample_is_unchanged_by_the_sparse_option(tmp_path):
    """--sparse draws from its own random streams and changes only the files of the sources with
    gaps; agents, activity, chats, sessions and customers are the same bytes with or without it,
    and without it every ledger line has its cost centre."""
    plain, sparse = tmp_path / "plain", tmp_path / "sparse"
    small = {k: v for k, v in SPARSE.items() if k != "sparse"}
    generate(out_dir=plain, **small)
    generate(out_dir=sparse, **SPARSE)
    changed = {
        p.relative_to(plain).parts[0]
        for p in plain.rglob("*.csv")
        if p.read_bytes() != (sparse / p.relative_to(plain)).read_bytes()
    }
    assert changed == {"telephony_calls", "tickets", "surveys", "gl_journal_lines"}
    with duckdb.connect() as con:  # the plain ledger: every line has its cost centre
        assert not con.execute(
            f"select count(*) from read_csv('{plain}/gl_journal_lines/*.csv') where cost_center is null"
        ).fetchone()[0]
