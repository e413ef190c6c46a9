"""What every view is: a tracking recorder holding its own tables, fed events in batches.

Exactly once, with several projecting processes: every pass first locks the
view's tracking row (an UPDATE of the row to itself: a row lock on PostgreSQL,
the write lock on SQLite where our write transactions begin IMMEDIATE), reads
the position, applies the batch, and advances the position with a guarded
UPDATE (``... AND notification_id < :new``). A second projector waits on the
lock and then sees the new position, so it skips what the first one applied.

Views read only their own tables: each may lag or be rebuilt on its own.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.recorders import SQLAlchemyTrackingRecorder
from sqlalchemy import Column, Table, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from domain.finding import Finding

DomainEvent = DomainEventProtocol[UUID]
Positioned = tuple[DomainEvent, int]  # an event and its notification id

# IN-lists stay below SQLite's bound-parameter limit.
_CHUNK = 500


def dialect_insert(session: Session, table: Table) -> Any:
    """INSERT with ON CONFLICT support for the session's dialect."""
    bind = session.get_bind()
    module = postgresql if bind.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``items`` in slices short enough for one IN-list."""
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def rows_where_in(
    session: Session, table: Table, column: Column[Any], ids: Iterable[Any]
) -> list[Row[Any]]:
    """The rows of ``table`` whose ``column`` is one of ``ids``: one SELECT per IN-list."""
    found: list[Row[Any]] = []
    for chunk in chunks(sorted(set(ids))):
        found.extend(session.execute(select(table).where(column.in_(chunk))))
    return found


def delete_where_in(
    session: Session, table: Table, column: Column[Any], ids: Iterable[Any]
) -> None:
    for chunk in chunks(sorted(set(ids))):
        session.execute(delete(table).where(column.in_(chunk)))


def update_many(session: Session, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany UPDATE of the rows' columns, matched on ``key``.

    Every row names the same columns (the first row's).
    """
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    stmt = (
        update(table)
        .where(table.c[key] == bindparam(f"b_{key}"))
        .values({c: bindparam(f"b_{c}") for c in columns})
    )
    # Through the connection: the ORM session would refuse an executemany UPDATE
    # matched on a non-primary-key parameter name.
    session.connection().execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])


def add_counts(
    session: Session, table: Table, key: Sequence[str], column: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Add each row's ``column`` to the row of the same ``key`` (inserted if missing);
    rows left at zero are deleted, so an incremental view equals a rebuilt one."""
    rows = [r for r in rows if r[column] != 0]
    if not rows:
        return
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key), set_={column: table.c[column] + stmt.excluded[column]}
    )
    session.execute(stmt, rows)
    zero = delete(table).where(
        table.c[column] == 0, *(table.c[k] == bindparam(f"b_{k}") for k in key)
    )
    session.connection().execute(zero, [{f"b_{k}": r[k] for k in key} for r in rows])


class BatchView(SQLAlchemyTrackingRecorder):
    """A materialised view: our tables plus one tracking row per upstream application."""

    view_name: str = ""
    view_tables: tuple[Table, ...] = ()
    # Projected inside every command's own transaction (read-your-writes). A view
    # too costly for that (the search index) sets False and is kept up to date by
    # the background catch-up, at start-up and by rebuilds.
    synchronous: bool = True
    # A bulk save (an import) may leave this view to the background catch-up too:
    # the import's caller needs the 총괄, list and history at once, not the timeline.
    deferrable_in_bulk: bool = False

    def __init__(self, datastore: SQLAlchemyDatastore, **kwargs: Any) -> None:
        kwargs.setdefault("tracking_table_name", f"{self.view_name}_tracking")
        super().__init__(datastore, **kwargs)
        self.tables.extend(self.view_tables)

    # -- the library's TrackingRecorder interface, with a guarded update ------

    def max_tracking_id(self, application_name: str) -> int | None:
        t = self.tracking_table
        with self.transaction(commit=False) as session:
            value = session.execute(
                select(t.c.notification_id).where(t.c.application_name == application_name)
            ).scalar_one_or_none()
        return cast(int | None, value)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction(commit=True) as session:
            self.lock_position(session, tracking.application_name)
            self.advance(session, tracking.application_name, tracking.notification_id)

    # -- what projectors call, inside one write transaction -------------------

    def lock_position(self, session: Session, application_name: str) -> int | None:
        """Lock this view's tracking row and return its position."""
        t = self.tracking_table
        touch = (
            update(t)
            .where(t.c.application_name == application_name)
            .values(notification_id=t.c.notification_id)
        )
        if session.execute(touch).rowcount == 0:  # type: ignore[attr-defined]
            session.execute(
                dialect_insert(session, t)
                .values(application_name=application_name, notification_id=None)
                .on_conflict_do_nothing()
            )
            session.execute(touch)
        value = session.execute(
            select(t.c.notification_id).where(t.c.application_name == application_name)
        ).scalar_one()
        return cast(int | None, value)

    def advance(self, session: Session, application_name: str, notification_id: int) -> None:
        """Move the position forward; refuse to move it back or to stand still."""
        t = self.tracking_table
        result = session.execute(
            update(t)
            .where(t.c.application_name == application_name)
            .where(or_(t.c.notification_id.is_(None), t.c.notification_id < notification_id))
            .values(notification_id=notification_id)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise IntegrityError(
                f"{self.view_name}: position of {application_name} is already "
                f">= {notification_id} (another projector applied it)"
            )

    def reset(self, session: Session, application_name: str) -> None:
        """Empty the view and its position, for a rebuild inside one transaction."""
        for table in reversed(self.view_tables):
            session.execute(delete(table))
        t = self.tracking_table
        session.execute(
            update(t).where(t.c.application_name == application_name).values(notification_id=None)
        )

    @abstractmethod
    def apply_batch(self, session: Session, events: Sequence[Positioned]) -> None:
        """Apply a batch of events, inside the projector's transaction."""


def findings_from_earlier_batches(events: Sequence[Positioned]) -> set[UUID]:
    """The findings an event of this batch changes that were registered before it:
    those whose rows a view must load (the others are not in its tables yet)."""
    registered = {e.originator_id for e, _ in events if isinstance(e, Finding.Registered)}
    return {
        e.originator_id
        for e, _ in events
        if isinstance(e, Finding.Event) and e.originator_id not in registered
    }
