"""Helpers of the preset tests (test_presets_*.py): fixtures of vendor exports, a run with a
configuration folder, and the marts read back."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from conftest import make_settings
from test_kpis import assert_close

from orchestration.config import Settings
from orchestration.configuration import init

FIXTURES = Path(__file__).parent / "fixtures" / "vendor_exports"


def preset_settings(root: Path) -> Settings:
    """Settings of a warehouse under root, landing root/landing, configuration folder root/config
    (`ccw config init`: the sample organisation's files; the tests add mappings/)."""
    init(root / "config")
    return replace(make_settings(root, root / "landing"), config_dir=root / "config")


def copy_fixture(name: str, landing: Path) -> None:
    shutil.copytree(FIXTURES / name, landing / name)


def daily_kpis(con, channels: tuple[str, ...]) -> dict:
    rows = con.execute(
        """
        select kpi_date, channel, offered, answered, abandoned, asa_seconds, aht_seconds, abandonment_rate,
               service_level_rate, transfer_rate, containment_rate
        from marts.fct_channel_kpis_daily
        where offered > 0 and channel in (select unnest(?::varchar[]))
        """,
        [list(channels)],
    ).fetchall()
    return {(str(r[0]), r[1]): r[2:] for r in rows}


def assert_kpis(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, values in expected.items():
        for actual, value in zip(got[key], values, strict=True):
            assert_close(actual, value, f"{key}")


def channel_costs(con, month: str) -> dict:
    return {
        channel: cost
        for channel, cost in con.execute(
            "select channel, total_cost_amount from marts.fct_channel_costs_monthly where cost_month = ? and total_cost_amount <> 0",
            [month],
        ).fetchall()
    }


def quarantined(con) -> set[tuple]:
    return {
        (r[0], r[1], r[2], r[3], r[4])
        for r in con.execute(
            "select source, file_name, row_number, rule, column_name from quarantine.rejected_rows"
        ).fetchall()
    }
