"""The sample-data generator writes the landing contract, realistically and reproducibly."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from orchestration.contract import SOURCES
from orchestration.tools.generator import generate

ROOT = Path(__file__).resolve().parent.parent
ARGS = dict(start=dt.date(2026, 10, 30), days=4, contacts_per_day=500, agents=30, seed=11)
EVENT_SOURCES = ("telephony_calls", "tickets", "chats", "self_service_sessions", "surveys", "agent_activity")
TZ = "America/New_York"


def read(landing: Path, source: str) -> pd.DataFrame:
    frames = []
    for path in sorted((landing / source).glob("*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        df["_file"] = path.relative_to(landing).as_posix()
        df["_row"] = np.arange(1, len(df) + 1)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def latest(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.sort_values(["updated_at", "_file"]).drop_duplicates(key, keep="last")


def local_date(values: pd.Series) -> pd.Series:
    """Business-local date of timestamps in any of the contract's styles."""

    def one(v):
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        return t if t.tzinfo is None else t.astimezone(dt.UTC)

    parsed = values.map(one)
    aware = parsed.map(lambda t: t.tzinfo is not None)
    out = pd.Series(index=values.index, dtype=object)
    if aware.any():
        out[aware] = pd.to_datetime(parsed[aware], utc=True).dt.tz_convert(TZ).dt.date
    if (~aware).any():
        out[~aware] = pd.to_datetime(parsed[~aware]).dt.date
    return out.astype(str)


def digest(landing: Path) -> dict[str, str]:
    return {
        p.relative_to(landing).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(landing.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_csv")
    generate(out_dir=out, **ARGS)
    return out


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("gen_defects")
    summary = generate(out_dir=out, defect_rate=0.05, **ARGS)
    return out, summary


def test_every_source_has_exactly_the_contract_columns_in_order(landing):
    for name, source in SOURCES.items():
        files = sorted((landing / name).glob("*.csv"))
        assert files, f"no files for {name}"
        for path in files:
            with path.open(newline="", encoding="utf-8") as fh:
                assert next(csv.reader(fh)) == source.column_names, path
    assert not (landing / "_defects").exists()


def test_file_naming(landing):
    assert sorted(p.name for p in (landing / "telephony_calls").iterdir()) == [
        f"{ARGS['start'] + dt.timedelta(days=i)}.csv" for i in range(ARGS["days"])
    ]
    assert [p.name for p in (landing / "customers").iterdir()] == [f"customers_{ARGS['start']}.csv"]
    assert [p.name for p in (landing / "agents").iterdir()] == [f"agents_{ARGS['start']}.csv"]
    assert sorted(p.name for p in (landing / "gl_journal_lines").iterdir()) == ["2026-10.csv", "2026-11.csv"]


def test_codes_types_and_durations_are_clean_without_defects(landing):
    for name, source in SOURCES.items():
        df = read(landing, name)
        for col in source.columns:
            values = df[col.name]
            if col.required:
                assert values.notna().all(), f"{name}.{col.name} has nulls"
            present = values.dropna()
            if col.codes:
                assert set(present) <= set(col.codes), f"{name}.{col.name}: {set(present) - set(col.codes)}"
            if col.type == "integer":
                ints = present.astype(int)
                if col.name.endswith("seconds") or col.name in ("reopen_count", "agent_replies"):
                    assert (ints >= 0).all(), f"{name}.{col.name} negative"
            elif col.type == "boolean":
                assert set(present) <= {"true", "false"}
            elif col.type == "decimal":
                assert present.str.fullmatch(r"-?\d+\.\d+").all(), f"{name}.{col.name}"
            elif col.type == "date":
                assert present.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    # the contract's timestamp styles
    calls, tickets, chats = read(landing, "telephony_calls"), read(landing, "tickets"), read(landing, "chats")
    assert calls["started_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert tickets["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00").all()
    # Local time without offset, except in the hour repeated when DST ends (2026-11-01 01:xx in
    # New York), which names no single instant: there the offset is written.
    local = chats["started_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
    repeated_hour = chats["started_at"].str.fullmatch(r"2026-11-01T01:\d\d:\d\d-0[45]:00")
    assert (local | repeated_hour).all()
    # DST: 2026-11-01 ends daylight saving time in New York
    assert {"-04:00", "-05:00"} <= set(tickets["created_at"].str[-6:])
    assert read(landing, "gl_journal_lines")["amount"].str.fullmatch(r"-?\d+\.\d\d").all()
    # ends after starts
    for df, end, start in (
        (tickets, "solved_at", "created_at"),
        (tickets, "first_response_at", "created_at"),
        (chats, "ended_at", "started_at"),
    ):
        both = df[df[end].notna()]
        assert (_instant(both[end]) >= _instant(both[start])).all()


def _instant(values: pd.Series) -> pd.Series:
    """Landing timestamps as UTC instants: with Z/offset absolute, without one New York local time."""
    has_offset = values.str.contains(r"(?:Z|[+-]\d\d:\d\d)$")
    absolute = pd.to_datetime(values.where(has_offset), utc=True, format="ISO8601")
    local = pd.to_datetime(values.where(~has_offset), format="ISO8601")
    return absolute.fillna(local.dt.tz_localize("America/New_York").dt.tz_convert("UTC"))


def test_volumes_and_channel_mix_are_plausible(landing):
    calls, chats = read(landing, "telephony_calls"), read(landing, "chats")
    tickets = latest(read(landing, "tickets"), "ticket_id")
    sessions = read(landing, "self_service_sessions")
    total = len(calls) + len(tickets) + len(chats) + len(sessions)
    assert 0.8 * 500 * 4 < total < 1.25 * 500 * 4
    assert 0.30 < (calls["direction"] == "inbound").sum() / total < 0.46
    assert 0.10 < len(sessions) / total < 0.32
    inbound = calls[calls["direction"] == "inbound"]
    assert 0.08 < (inbound["outcome"] == "ivr_self_served").mean() < 0.25
    assert 0.2 < (chats["outcome"] == "bot_resolved").mean() < 0.4
    answered = inbound[inbound["outcome"] == "answered"]
    aht = (answered[["talk_seconds", "hold_seconds", "acw_seconds"]].astype(int).sum(axis=1)).mean() / 60
    assert 4.5 < aht < 8.5
    assert (
        answered["agent_id"].notna().all()
        and inbound[inbound["outcome"] != "answered"]["agent_id"].isna().all()
    )
    # some tickets are re-delivered later with a newer updated_at and a new status
    raw = read(landing, "tickets")
    again = raw[raw.duplicated("ticket_id", keep=False)].sort_values(["ticket_id", "_file"])
    assert len(again) > 0
    first, last = again.groupby("ticket_id").first(), again.groupby("ticket_id").last()
    assert (
        pd.to_datetime(last["updated_at"], utc=True) > pd.to_datetime(first["updated_at"], utc=True)
    ).all()
    assert (last["status"] != first["status"]).any()
    assert (last["_file"] > first["_file"]).all()


def test_same_seed_gives_identical_bytes(tmp_path):
    args = dict(ARGS, days=2, contacts_per_day=200)
    generate(out_dir=tmp_path / "a", **args)
    generate(out_dir=tmp_path / "b", **args)
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert a == b and len(a) > 10
    generate(out_dir=tmp_path / "c", **dict(args, seed=12))
    assert digest(tmp_path / "c") != a


def test_appending_the_next_day_adds_files_and_no_id_collides(tmp_path, landing):
    out = tmp_path / "landing"
    shutil.copytree(landing, out)
    before = digest(out)
    nxt = ARGS["start"] + dt.timedelta(days=ARGS["days"])
    summary = generate(out_dir=out, **dict(ARGS, start=nxt, days=1))
    after = digest(out)
    assert {k: after[k] for k in before} == before, "an existing file changed"
    added = set(after) - set(before)
    assert f"telephony_calls/{nxt}.csv" in added and len(added) == summary.files_written
    assert any(f.startswith("gl_journal_lines/2026-11") for f in added)
    for name, source in SOURCES.items():
        if name in ("customers", "agents"):
            continue
        old = read(landing, name)
        new = read(out, name)
        new = new[new["_file"].isin(added)]
        key = list(source.key)
        old_keys = set(map(tuple, old[key].astype(str).values))
        new_keys = set(map(tuple, new[key].astype(str).values))
        assert new_keys and not (old_keys & new_keys), name
    # the roster stays consistent: same agent ids, same hire dates
    a0 = read(landing, "agents").set_index("agent_id")["hired_on"]
    a1 = read(out, "agents")
    a1 = a1[a1["_file"].isin(added)].set_index("agent_id")["hired_on"]
    common = a0.index.intersection(a1.index)
    assert len(common) > 0.8 * len(a0) and (a0[common] == a1[common]).all()


def test_agent_states_add_up_and_match_the_assigned_work(landing):
    act = read(landing, "agent_activity")
    act["seconds"] = act["seconds"].astype(int)
    agents = read(landing, "agents").set_index("agent_id")
    wide = act.pivot_table(
        index=["agent_id", "activity_date"], columns="state", values="seconds", aggfunc="sum", fill_value=0
    )
    assert not act.duplicated(["agent_id", "activity_date", "state"]).any()
    paid = wide.sum(axis=1)
    nominal = agents.loc[wide.index.get_level_values(0), "fte"].astype(float).to_numpy() * 8 * 3600
    # 8 h x FTE (a half shift on a quiet day), more with overtime
    assert (paid.to_numpy() >= np.rint(nominal / 2) - 1).all()
    assert (paid.to_numpy() >= np.rint(nominal) - 1).mean() > 0.8
    assert (paid.to_numpy() < nominal * 1.6).all()

    calls = read(landing, "telephony_calls").dropna(subset=["agent_id"])
    calls["day"] = local_date(calls["started_at"])
    calls["on"] = calls["talk_seconds"].astype(int) + calls["hold_seconds"].astype(int)
    calls["acw"] = calls["acw_seconds"].astype(int)
    tickets = latest(read(landing, "tickets"), "ticket_id").dropna(subset=["agent_id"])
    tickets["day"] = local_date(tickets["first_response_at"])
    tickets["on"] = tickets["handle_seconds"].astype(int)
    chats = read(landing, "chats").dropna(subset=["agent_id"])
    chats["day"] = local_date(chats["started_at"])
    chats["on"] = np.rint(chats["handle_seconds"].astype(int) / chats["concurrency"].astype(float))
    work = (
        pd.concat(
            [
                calls.groupby(["agent_id", "day"])[["on", "acw"]].sum(),
                tickets.groupby(["agent_id", "day"])[["on"]].sum(),
                chats.groupby(["agent_id", "day"])[["on"]].sum(),
            ]
        )
        .fillna(0)
        .groupby(level=[0, 1])
        .sum()
    )
    n_chats = chats.groupby(["agent_id", "day"]).size()
    work.index.names = ["agent_id", "activity_date"]
    joined = wide.join(work, how="outer").fillna(0)
    assert (joined["after_contact_work"] == joined["acw"]).all()
    tolerance = n_chats.reindex(joined.index.rename(["agent_id", "day"])).fillna(0).to_numpy()
    assert (np.abs(joined["on_contact"] - joined["on"]).to_numpy() <= tolerance).all()
    busy = wide["on_contact"] + wide["after_contact_work"]
    occupancy = busy.sum() / (busy.sum() + wide["available"].sum())
    shrink_states = [s for s in ("break", "training", "meeting", "coaching", "absence") if s in wide]
    shrinkage = wide[shrink_states].sum().sum() / paid.sum()
    assert 0.72 < occupancy < 0.93
    assert 0.2 < shrinkage < 0.4
    # each agent works for the team of his cost center: nearshore agents take calls and chats only
    teams = agents["team"]
    assert set(teams[tickets["agent_id"]]) == {"Digital Care"}


def test_repeat_contacts_cross_channels(landing):
    parts = []
    for name, ts in (
        ("telephony_calls", "started_at"),
        ("chats", "started_at"),
        ("self_service_sessions", "started_at"),
    ):
        df = read(landing, name).dropna(subset=["customer_id"])
        parts.append(pd.DataFrame({"customer_id": df["customer_id"], "day": local_date(df[ts]), "src": name}))
    t = latest(read(landing, "tickets"), "ticket_id").dropna(subset=["customer_id"])
    parts.append(
        pd.DataFrame({"customer_id": t["customer_id"], "day": local_date(t["created_at"]), "src": "tickets"})
    )
    contacts = pd.concat(parts)
    per_customer = contacts.groupby("customer_id")["src"].nunique()
    assert (per_customer >= 2).sum() > 0.03 * contacts["customer_id"].nunique()
    repeated = contacts.groupby("customer_id").size()
    # 4 days only: repeats scheduled 1-7 days later are still warming up (steady state ~15-20%)
    assert 0.04 < (repeated[repeated > 1] - 1).sum() / len(contacts) < 0.35


def test_surveys_reference_existing_interactions(landing):
    surveys = read(landing, "surveys")
    assert len(surveys) > 0
    for source, ids in surveys.groupby("interaction_source")["interaction_id"]:
        known = set(read(landing, source)[SOURCES[source].key[0]])
        assert set(ids) <= known, source
    assert surveys["survey_id"].is_unique
    handled = (
        read(landing, "telephony_calls")["agent_id"].notna().sum()
        + read(landing, "chats")["agent_id"].notna().sum()
    )
    assert 0.03 < len(surveys) / handled < 0.2
    assert surveys["csat"].isna().any() or surveys["nps"].isna().any()


def test_customer_pii_matches_the_interactions(landing):
    customers = read(landing, "customers").set_index("customer_id")
    assert customers.index.is_unique
    calls = read(landing, "telephony_calls").dropna(subset=["customer_id"])
    assert set(calls["customer_id"]) <= set(customers.index)
    assert (
        calls["customer_phone"].to_numpy() == customers.loc[calls["customer_id"], "phone"].to_numpy()
    ).all()
    tickets = read(landing, "tickets").dropna(subset=["customer_id"])
    assert (
        tickets["customer_email"].to_numpy() == customers.loc[tickets["customer_id"], "email"].to_numpy()
    ).all()
    assert read(landing, "telephony_calls")["customer_id"].isna().mean() > 0.05


def test_gl_accounts_are_mapped_and_currencies_have_rates(landing):
    gl = read(landing, "gl_journal_lines")
    mapping = pd.read_csv(ROOT / "seeds" / "account_mapping.csv", dtype=str)
    assert list(mapping.columns) == ["account_code", "cost_category", "in_scope", "default_cost_pool"]
    assert set(gl["account_code"]) <= set(mapping["account_code"])
    allowed = {
        "salaries",
        "overtime",
        "benefits",
        "commissions",
        "training",
        "software",
        "telephony",
        "outsourcing",
        "rent",
        "energy",
        "other_overhead",
        "out_of_scope",
    }
    assert set(mapping["cost_category"]) <= allowed and set(mapping["in_scope"]) == {"true", "false"}
    fx = pd.read_csv(ROOT / "seeds" / "fx_rates.csv", dtype=str)
    assert list(fx.columns) == ["month", "currency", "rate_to_reporting"]
    rates = set(zip(fx["month"], fx["currency"], strict=True))
    foreign = gl[gl["currency"] != "USD"]
    assert len(foreign) > 0
    for month, cur in zip(foreign["posting_date"].str[:7] + "-01", foreign["currency"], strict=True):
        assert (month, cur) in rates
    for cur in set(fx["currency"]):
        months = set(fx.loc[fx["currency"] == cur, "month"])
        assert len(months) == 60 and {"2024-01-01", "2028-12-01"} <= months
    assert (gl["amount"].astype(float) < 0).any()
    assert not gl.duplicated(["journal_id", "line_number"]).any()
    in_scope = set(mapping.loc[mapping["in_scope"] == "true", "account_code"])
    assert ((gl["cost_center"] == "CC1000") & gl["account_code"].isin(in_scope)).any()


def test_parquet_holds_the_same_rows_as_csv(tmp_path):
    args = dict(ARGS, days=2, contacts_per_day=200)
    generate(out_dir=tmp_path / "c", **args)
    generate(out_dir=tmp_path / "p", fmt="parquet", **args)
    csv_files = sorted(p.relative_to(tmp_path / "c") for p in (tmp_path / "c").rglob("*.csv"))
    pq_files = sorted(p.relative_to(tmp_path / "p") for p in (tmp_path / "p").rglob("*.parquet"))
    assert [p.with_suffix("") for p in csv_files] == [p.with_suffix("") for p in pq_files]
    for rel in csv_files:
        source = rel.parts[0]
        types = {c: "string" for c in SOURCES[source].column_names}
        import pyarrow as pa

        c = pacsv.read_csv(
            tmp_path / "c" / rel,
            convert_options=pacsv.ConvertOptions(
                column_types={k: pa.string() for k in types}, strings_can_be_null=True
            ),
        )
        p = pq.read_table(tmp_path / "p" / rel.with_suffix(".parquet"))
        assert c.column_names == p.column_names == SOURCES[source].column_names
        assert c.to_pylist() == p.to_pylist(), rel


def _breaks(rule: str, source: str, column: str, row: pd.Series, frame: pd.DataFrame) -> bool:
    value = row[column]
    col = SOURCES[source].column(column)
    if rule == "missing_required":
        return col.required and pd.isna(value)
    if rule == "unparseable_type":
        parsers = {
            "integer": int,
            "decimal": float,
            "boolean": {"true": 1, "false": 0}.__getitem__,
            "date": dt.date.fromisoformat,
            "timestamp": lambda v: dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
        }
        try:
            parsers[col.type](value)
        except (ValueError, KeyError):
            return True
        return False
    if rule == "unknown_code":
        return value not in col.codes
    if rule == "negative_duration":
        return int(value) < 0
    if rule == "end_before_start":
        start = {"solved_at": "created_at", "ended_at": "started_at"}[column]
        return pd.Timestamp(value) < pd.Timestamp(row[start]) if "T" in value else False
    if rule == "future_timestamp":
        return int(str(value)[:4]) >= 2090
    if rule == "unknown_currency":
        fx = pd.read_csv(ROOT / "seeds" / "fx_rates.csv", dtype=str)
        return value != "USD" and value not in set(fx["currency"])
    if rule == "duplicate_id":
        key = list(SOURCES[source].key)
        same = frame
        for k in key:
            same = same[same[k] == row[k]]
        if "updated_at" in frame:
            same = same[
                (same["updated_at"] == row["updated_at"])
                | (same["updated_at"].isna() & pd.isna(row["updated_at"]))
            ]
        return len(same) == 2 and len(same.drop(columns=["_row"]).drop_duplicates()) == 2
    raise AssertionError(rule)


def test_defects_are_injected_at_the_rate_and_listed_exactly(defective):
    out, summary = defective
    manifest = pd.read_csv(summary.manifest_path, dtype=str)
    assert list(manifest.columns) == ["source", "file_name", "row_number", "rule", "column"]
    assert summary.manifest_path == out / "_defects" / f"manifest_{ARGS['start']}.csv"
    rows = sum(n for s, n in summary.rows_per_source.items() if s not in ("customers", "agents"))
    assert len(manifest) == summary.defects
    assert abs(len(manifest) / rows - 0.05) < 0.01
    assert set(manifest["rule"]) == {
        "missing_required",
        "unparseable_type",
        "unknown_code",
        "negative_duration",
        "end_before_start",
        "duplicate_id",
        "unknown_currency",
        "future_timestamp",
    }
    assert not manifest.duplicated(["file_name", "row_number"]).any()  # one defect per row
    frames = {}
    for entry in manifest.itertuples():
        if entry.source not in frames:
            frames[entry.source] = read(out, entry.source)
        frame = frames[entry.source]
        in_file = frame[frame["_file"] == entry.file_name]
        row = in_file[in_file["_row"] == int(entry.row_number)].iloc[0]
        assert _breaks(entry.rule, entry.source, entry.column, row, in_file), entry
    # a listed row is otherwise complete: the defect-free run has as many non-null values elsewhere
    calls = frames["telephony_calls"]
    assert calls["call_id"].notna().mean() > 0.97


def test_defect_free_rows_match_a_clean_run(defective, landing):
    out, summary = defective
    manifest = pd.read_csv(summary.manifest_path, dtype=str)
    bad = set(zip(manifest["file_name"], manifest["row_number"].astype(int), strict=True))
    clean = read(landing, "chats").set_index(["_file", "_row"])
    dirty = read(out, "chats")
    dirty = dirty[[(f, r) not in bad for f, r in zip(dirty["_file"], dirty["_row"], strict=True)]]
    dirty = dirty.set_index("chat_id")
    clean = clean.set_index("chat_id").loc[dirty.index]
    cols = [c for c in SOURCES["chats"].column_names if c != "chat_id"]
    assert dirty[cols].equals(clean[cols])


def test_invalid_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(out_dir=tmp_path, **dict(ARGS, days=1), fmt="json")
    with pytest.raises(ValueError):
        generate(out_dir=tmp_path, **dict(ARGS, days=0))
