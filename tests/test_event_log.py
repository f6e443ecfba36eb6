"""The event log `ccw run` writes into (orchestration/dagster/event_log.py): Dagster's SQLite files,
kept connected, read back by Dagster's own class as `make dagster` reads them."""

from __future__ import annotations

import shutil
import time

import dagster as dg
import pytest

from orchestration.config import CHECKOUT_DAGSTER_HOME
from orchestration.dagster.event_log import ConnectedSqliteEventLogStorage, instance_ref


@pytest.fixture
def home(tmp_path):
    shutil.copyfile(CHECKOUT_DAGSTER_HOME / "dagster.yaml", tmp_path / "dagster.yaml")
    return tmp_path


def test_events_written_connected_are_read_by_dagsters_own_class(home):
    """Three materializations of two assets written through the connected event log, the instance
    closed; an instance loaded as `make dagster` loads it finds all three, and the latest of each."""
    with dg.DagsterInstance.from_ref(instance_ref(str(home))) as instance:
        assert isinstance(instance.event_log_storage, ConnectedSqliteEventLogStorage)
        for key, rows in (
            (["marts", "fct_interactions"], 10),
            (["marts", "dim_channel"], 9),
            (["marts", "fct_interactions"], 12),
        ):
            instance.report_runless_asset_event(
                dg.AssetMaterialization(asset_key=key, metadata={"rows": rows})
            )
            time.sleep(0.01)
    with dg.DagsterInstance.from_config(str(home)) as reader:
        assert type(reader.event_log_storage).__name__ == "SqliteEventLogStorage"
        records = reader.fetch_materializations(dg.AssetKey(["marts", "fct_interactions"]), limit=10).records
        assert [r.asset_materialization.metadata["rows"].value for r in records] == [12, 10]
        latest = reader.get_latest_materialization_event(dg.AssetKey(["marts", "dim_channel"]))
        assert latest.asset_materialization.metadata["rows"].value == 9


def test_another_storage_of_the_instance_is_left_alone(home):
    """An instance whose dagster.yaml names its own event log storage keeps it."""
    runs = home / "events"
    (home / "dagster.yaml").write_text(
        "event_log_storage:\n  module: dagster._core.storage.event_log\n  class: SqliteEventLogStorage\n"
        f"  config:\n    base_dir: {runs}\n"
    )
    with dg.DagsterInstance.from_ref(instance_ref(str(home))) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert instance.event_log_storage._base_dir == str(runs)
