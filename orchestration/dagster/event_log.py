"""The event log a `ccw run` writes its run into: Dagster's SQLite event log, kept connected.

Dagster's own SQLite event log (one database per run, and an index database) opens a new engine
and connection for every event and closes it afterwards. In WAL mode, closing the last
connection to a database checkpoints it, and every commit waits for the disk: a night records
about 240 events (each asset's materialization, the steps, the checks), and writing them took
several seconds of the fixed cost of every run (docs/decisions/orchestration.md O13).

This subclass keeps one engine per database for the life of the process and commits with
`synchronous=NORMAL`, SQLite's setting for WAL: a commit no longer waits for the disk; the
database stays consistent if the process or the machine stops, and a power cut may lose the
last events written before it. The files are the ones Dagster writes, read by `make dagster`
and the daemon with Dagster's own class. `instance_ref` puts it in place of the default
SQLite storage of an instance's dagster.yaml; any other storage (Postgres, say) is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData

DEFAULT_STORAGE = ("dagster._core.storage.sqlite_storage", "DagsterSqliteStorage")


def instance_ref(home: str) -> InstanceRef:
    """The instance of the dagster.yaml in `home`, as Dagster loads it, with ConnectedSqliteStorage
    in place of Dagster's default SQLite storage."""
    ref = InstanceRef.from_dir(home)
    data = ref.storage_data
    if data is not None and (data.module_name, data.class_name) == DEFAULT_STORAGE:
        ref = ref._replace(
            storage_data=ConfigurableClassData(__name__, ConnectedSqliteStorage.__name__, data.config_yaml)
        )
    return ref


class ConnectedSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, events, schedules) with the events written by
    ConnectedSqliteEventLogStorage."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = ConnectedSqliteEventLogStorage(self._event_log_storage._base_dir)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> ConnectedSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


class ConnectedSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with an engine per database (shard) for the process' life."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: dict[str, db.Engine] = {}  # the parent's __init__ already connects
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> db.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = db.create_engine(
                self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            db.event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
            self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()


def _commit_without_waiting_for_the_disk(dbapi_connection, _record) -> None:
    dbapi_connection.execute("pragma synchronous = normal")
