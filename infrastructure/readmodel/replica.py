"""Reads from a PostgreSQL streaming replica, when it shows what the caller needs.

With ``FOLLOWUP_READ_DATABASE_URL`` the finding list, search, 총괄 and export reads
ask the replica first. The replica answers only if each of its views shows what the
same view shows on the primary, less ``FOLLOWUP_READ_MAX_LAG`` events, and the views
that commands project show the position the caller has just written
(``application.reads``): a caller's reads after its own write never miss it.
Otherwise, and whenever the replica cannot be reached, the primary answers; a
replica that failed is left alone for a few seconds.

Nothing is written through it: its engine runs SELECTs only, and a hot standby
refuses anything else anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from application.reads import required_position
from infrastructure.readmodel.views.base import BatchView

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER = 5.0  # seconds a failed replica is not asked again
CHECK_EVERY = 0.2  # seconds a position read from the replica stays good


class ReadReplica:
    def __init__(
        self,
        url: str,
        primary: SQLAlchemyDatastore,
        views: Sequence[BatchView],
        *,
        max_lag: int = 0,
    ) -> None:
        self.engine: Engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 2},
            # A standby refuses writes; read-only sessions say so on our side too.
            execution_options={"postgresql_readonly": True},
        )
        self._sessions = sessionmaker(self.engine)
        self.primary = primary
        self._tracking = [v.tracking_table for v in views]
        # On the primary these are always at the log's head (projected in commands).
        self._synchronous = [v.synchronous for v in views]
        self.max_lag = max_lag
        self._lock = threading.Lock()
        self._failed_at = 0.0
        self._checked: tuple[float, tuple[int, ...]] = (0.0, ())  # (when, positions)
        self.reads = 0  # reads the replica answered (the tests and /metrics look)

    def _positions(self, session: Session) -> tuple[int, ...]:
        """Each view's position (0: none yet), in the views' order."""
        reached = [
            select(func.coalesce(func.max(t.c.notification_id), 0)).scalar_subquery()
            for t in self._tracking
        ]
        return tuple(int(n) for n in session.execute(select(*reached)).one())

    def _replica_positions(self) -> tuple[int, ...]:
        now = time.monotonic()
        with self._lock:
            checked, positions = self._checked
        if now - checked < CHECK_EVERY:
            return positions
        with self._sessions() as session:
            positions = self._positions(session)
        with self._lock:
            self._checked = (time.monotonic(), positions)
        return positions

    def usable(self) -> bool:
        """Whether the replica may answer this read now: every view there shows what
        it shows on the primary (less the lag allowed), and the synchronous ones the
        caller's own writes."""
        if time.monotonic() - self._failed_at < RETRY_AFTER:
            return False
        try:
            replica = self._replica_positions()
        except OperationalError as exc:
            self.failed(exc)
            return False
        required = required_position()
        if any(r < required for r, sync in zip(replica, self._synchronous, strict=True) if sync):
            return False  # the caller's own write is not there yet
        with self.primary.transaction(commit=False) as session:
            primary = self._positions(session)
        return all(r >= p - self.max_lag for r, p in zip(replica, primary, strict=True))

    def failed(self, exc: Exception) -> None:
        self._failed_at = time.monotonic()
        log.warning("read replica unavailable, reading from the primary: %s", exc)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


class ReadSource:
    """Runs a read on the replica when it may answer, else (or when the replica is
    lost meanwhile) on the primary."""

    def __init__(self, primary: SQLAlchemyDatastore, replica: ReadReplica | None) -> None:
        self.primary = primary
        self.replica = replica

    def run(self, read: Callable[[Session], T]) -> T:
        replica = self.replica
        if replica is not None and replica.usable():
            try:
                with replica.session() as session:
                    result = read(session)
                replica.reads += 1
                return result
            except OperationalError as exc:  # the connection, not the query
                replica.failed(exc)
        with self.primary.transaction(commit=False) as session:
            return read(session)
