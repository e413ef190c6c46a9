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
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, transactions
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyAggregateRecorder,
    SQLAlchemyApplicationRecorder,
)
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from infrastructure.history import ChainWriter, SqlHistoryChain, chain_table

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


class CoreSelectEvents:
    """Reads a stream with one Core SELECT: loading an aggregate (a cached one asks
    only for the events after its version, usually none) is mostly this query, and
    the library's ORM query costs as much again as the database does."""

    events_record_cls: Any
    if TYPE_CHECKING:  # the recorder's own (a stub here would shadow it)

        def transaction(self, commit: bool) -> Any: ...

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        c = self.events_record_cls.__table__.c
        stmt = select(c.originator_id, c.originator_version, c.topic, c.state).where(
            c.originator_id == originator_id
        )
        if gt is not None:
            stmt = stmt.where(c.originator_version > gt)
        if lte is not None:
            stmt = stmt.where(c.originator_version <= lte)
        stmt = stmt.order_by(c.originator_version.desc() if desc else c.originator_version)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.transaction(commit=False) as session:
            rows = session.execute(stmt).all()
        return [
            StoredEvent(
                originator_id=r[0],
                originator_version=r[1],
                topic=r[2],
                state=bytes(r[3]) if isinstance(r[3], memoryview) else r[3],
            )
            for r in rows
        ]


class FollowupAggregateRecorder(CoreSelectEvents, SQLAlchemyAggregateRecorder):  # type: ignore[misc]
    """The snapshots' recorder, with the same stream read."""


class FollowupApplicationRecorder(CoreSelectEvents, SQLAlchemyApplicationRecorder):  # type: ignore[misc]
    """Inserts a save's events with one Core INSERT ... RETURNING, and their hash
    chain records (``infrastructure.history``) in the same transaction.

    The library adds one ORM object per event to the session; a bulk import
    spends most of its time there. Same table, same lock, same notification.
    """

    def __init__(
        self,
        datastore: SQLAlchemyDatastore,
        *,
        events_table_name: str,
        schema_name: str | None = None,
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name, schema_name=schema_name)
        self.chain = ChainWriter(chain_table(events_table_name, schema_name))
        self.tables.append(self.chain.table)  # create_table() makes it beside the events

    def history(self) -> SqlHistoryChain:
        """The chain's head and its check (`followup verify`)."""
        assert isinstance(self.datastore.engine, Engine)
        return SqlHistoryChain(
            self.datastore.engine, self.events_record_cls.__table__, self.chain.table
        )

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
        # Under the lock taken above: no other save's chain records come between.
        self.chain.append(
            session,
            [
                (nid, e.originator_id, e.originator_version, e.topic, e.state)
                for nid, e in zip(ids, stored_events, strict=True)
            ],
        )
        self._notify_channel(session)
        return ids


class FollowupFactory(SQLAlchemyFactory):
    datastore_class = FollowupDatastore
    application_recorder_class = FollowupApplicationRecorder
    aggregate_recorder_class = FollowupAggregateRecorder
