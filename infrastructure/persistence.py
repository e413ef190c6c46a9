"""The library's SQLAlchemy persistence, tuned so SQLite behaves under concurrency.

pysqlite starts transactions lazily and only before DML, so a transaction that
reads first and writes later can fail with "database is locked", and two
read-then-write transactions race. We take over BEGIN: the library's write
transactions (``transaction(commit=True)``) begin IMMEDIATE and queue on SQLite's
write lock (bounded by busy_timeout); read transactions get one consistent
snapshot. PostgreSQL is left exactly as the library has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 60_000


def _in_write_transaction() -> bool:
    try:
        return bool(transactions.get().commit)
    except LookupError:
        return False


class FollowupDatastore(SQLAlchemyDatastore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.engine is not None and self.engine.dialect.name == "sqlite":
            self._take_over_sqlite_transactions()

    def _take_over_sqlite_transactions(self) -> None:
        in_memory = self.is_sqlite_in_memory_db
        # `?timeout=` in the URL (seconds) sets how long a writer queues for the lock.
        assert isinstance(self.engine, Engine)
        timeout = self.engine.url.query.get("timeout")
        busy_ms = int(float(str(timeout)) * 1000) if timeout else SQLITE_BUSY_TIMEOUT_MS

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if not in_memory:
                dbapi_connection.execute("PRAGMA journal_mode = WAL")
                dbapi_connection.execute("PRAGMA synchronous = NORMAL")

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _in_write_transaction() else "BEGIN")

        # WAL is set per connection above; the library's own probe would run
        # inside our BEGIN and fail.
        self._tried_init_sqlite_wal_mode = True
        self.is_sqlite_wal_mode = not in_memory


class FollowupApplicationRecorder(SQLAlchemyApplicationRecorder):
    """Inserts a save's events with one Core INSERT ... RETURNING.

    The library adds one ORM object per event to the session; a bulk import
    spends most of its time there. Same table, same lock, same notification.
    """

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        if not stored_events:
            return []
        self._lock_table(session)  # PostgreSQL: ids commit in order
        table = self.events_record_cls.__table__
        rows = [
            {
                "originator_id": e.originator_id,
                "originator_version": e.originator_version,
                "topic": e.topic,
                "state": e.state,
            }
            for e in stored_events
        ]
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        ids = [row[0] for row in result]
        self._notify_channel(session)
        return ids


class FollowupFactory(SQLAlchemyFactory):
    datastore_class = FollowupDatastore
    application_recorder_class = FollowupApplicationRecorder
