"""The projector: brings every view up to the event log, exactly once.

A command projects its own events into the synchronous views (those a caller
reads back at once: the list and the 총괄) inside the transaction that saved
them. Every other view follows:

- ``inline`` (a CLI process, tests): right after the command commits, in a
  transaction of its own, unless the save was a bulk one (an import);
- ``background`` (the server): the one leader-elected ``ProjectorRunner`` of the
  database catches up in batches; a command only wakes it.

``wait_for`` gives a caller its own writes across processes; ``rebuild()``
replays everything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Recording
from sqlalchemy.orm import Session

from infrastructure.readmodel.views import BatchView, Positioned

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]  # (done, total)

# Seconds between two background transactions: commands take the write lock.
BACKGROUND_PAUSE = 0.002
# A save of more events than this is a bulk save (an import): views marked
# deferrable_in_bulk follow in the background instead of inside it.
BULK_EVENTS = 500


class Projector:
    def __init__(
        self,
        app: Application[UUID],
        views: Sequence[BatchView],
        *,
        batch_size: int = 1000,
        follow: str = "inline",
    ) -> None:
        self.app = app
        self.views = list(views)  # lock order: always this order, in every path
        self.batch_size = batch_size
        self.datastore = views[0].datastore
        self.follow = follow  # "inline" or "background" (see the module's doc)
        # Set when a command commits: the background runner looks at once.
        self.wake = threading.Event()
        # Notified when a background pass advanced the views (read-your-writes waits).
        self.advanced = threading.Condition()
        self._reached = 0  # every view is known to be at least here
        self._top_seen = 0  # the log's head at the last look (views not behind are there)

    # -- the application's Projections port ---------------------------------

    def write_transaction(self) -> AbstractContextManager[object]:
        return self.datastore.transaction(commit=True)

    def catch_up(self, recorded: Sequence[Recording[UUID]] = ()) -> int:
        """Project all recorded events into the synchronous views, in the current
        transaction if there is one.

        ``recorded`` are the events this transaction has just saved: they are
        projected from memory, not read back and decoded. Nobody can insert
        events between them while this transaction holds the write lock.
        """
        bulk = len(recorded) > BULK_EVENTS
        with self.datastore.transaction(commit=True) as session:
            positions = self._lock(session, synchronous_only=True, bulk=bulk)
            if not recorded:
                return self._project(session, positions, limit_batches=None)
            first = min(r.notification.id for r in recorded)
            done = self._project(session, positions, limit_batches=None, before=first)
            own: list[Positioned] = sorted(
                ((r.domain_event, r.notification.id) for r in recorded), key=lambda p: p[1]
            )
            for start in range(0, len(own), self.batch_size):
                self._apply(session, positions, own[start : start + self.batch_size])
            return done + len(own)

    def committed(self, position: int) -> None:
        """A command committed events up to ``position``: let the other views follow."""
        if self.follow == "background":
            self.wake.set()
        elif self._reached < position:
            try:
                self.run_pending(bulk_limit=BULK_EVENTS)
            except Exception:
                # The write is committed: never report it failed (a retry would
                # repeat it). A later pass, or the projector, brings the views on.
                log.warning("views did not follow the write yet", exc_info=True)

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until every view has reached ``position``; False after ``timeout``.

        A position beyond the log's head (a stale cookie, a reset database) is
        taken as the head, so no caller can make a read wait for nothing."""
        deadline = time.monotonic() + timeout
        if position > self._reached:
            position = min(position, self.head())
        while True:
            if self._reached >= position:
                return True
            lowest = min((p or 0) for p in self.positions().values())
            self._note_reached(lowest)
            if lowest >= position:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            # Woken by this process's runner; another process's is polled.
            with self.advanced:
                self.advanced.wait(min(left, 0.02))

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def lag(self) -> int:
        """Events the slowest view is behind the event log."""
        top = self.app.recorder.max_notification_id() or 0
        return max(top - min((p or 0) for p in self.positions().values()), 0)

    def lags(self) -> dict[str, int]:
        """Events each view is behind the event log."""
        top = self.app.recorder.max_notification_id() or 0
        return {name: max(top - (p or 0), 0) for name, p in self.positions().items()}

    def _note_reached(self, position: int) -> None:
        if position > self._reached:
            self._reached = position
            with self.advanced:
                self.advanced.notify_all()

    # -- background and maintenance -----------------------------------------

    def is_behind(self) -> bool:
        """A cheap read: does any view lag the event log? (no write lock taken)"""
        return bool(self._behind())

    def _behind(self) -> list[BatchView]:
        top = self._top_seen = self.app.recorder.max_notification_id() or 0
        behind = [v for v in self.views if (v.max_tracking_id(self.app.name) or 0) < top]
        if not behind:
            self._note_reached(top)
        return behind

    def run_pending(
        self,
        *,
        max_batches_per_transaction: int = 1,
        pause: float = 0.0,
        stop: threading.Event | None = None,
        bulk_limit: int | None = None,
    ) -> int:
        """Catch up in short transactions (a batch each), until no view lags.

        ``pause`` seconds between transactions let commands take the write lock;
        ``stop`` ends the pass between two batches. With ``bulk_limit``, a view more
        than that many events behind is left to the background (an import's timeline).
        """
        total = 0
        conflicts = 0
        while stop is None or not stop.is_set():
            if total and pause:
                time.sleep(pause)
            behind = self._behind()
            if bulk_limit is not None:
                top = self.app.recorder.max_notification_id() or 0
                behind = [
                    v for v in behind if top - (v.max_tracking_id(self.app.name) or 0) <= bulk_limit
                ]
            if not behind:
                return total
            try:
                with self.datastore.transaction(commit=True) as session:
                    positions = {v: v.lock_position(session, self.app.name) for v in behind}
                    done = self._project(
                        session, positions, limit_batches=max_batches_per_transaction
                    )
                if bulk_limit is None:  # every lagging view took part: readers may go on
                    lowest = min((p or 0) for p in positions.values())
                    self._note_reached(min(self._top_seen, lowest))
            except IntegrityError:
                # The guarded position update refused: someone else applied
                # these events. Ours rolled back; re-read and go on.
                conflicts += 1
                if conflicts > 3:
                    raise
                continue
            total += done
            if done == 0:
                return total
        return total

    def rebuild(self, progress: ProgressCallback | None = None) -> int:
        """Empty every view and replay all events, in one transaction."""
        total = self.app.recorder.max_notification_id() or 0
        with self.datastore.transaction(commit=True) as session:
            self._lock(session)
            for view in self.views:
                view.reset(session, self.app.name)
            positions = dict.fromkeys(self.views, None)

            def report(done: int) -> None:
                if progress:
                    progress(done, total)

            return self._project(session, positions, limit_batches=None, report=report)

    def project_into(
        self, session: Session, positions: dict[BatchView, int | None], *, limit_batches: int | None
    ) -> int:
        """Project batches into the views at ``positions`` in ``session`` (a rebuild's
        shadow views); returns how many events."""
        return self._project(session, positions, limit_batches=limit_batches)

    def positions(self) -> dict[str, int | None]:
        return {v.view_name: v.max_tracking_id(self.app.name) for v in self.views}

    # -- internals -----------------------------------------------------------

    def _lock(
        self, session: Session, *, synchronous_only: bool = False, bulk: bool = False
    ) -> dict[BatchView, int | None]:
        views = [
            v
            for v in self.views
            if not synchronous_only or (v.synchronous and not (bulk and v.deferrable_in_bulk))
        ]
        return {v: v.lock_position(session, self.app.name) for v in views}

    def _project(
        self,
        session: Session,
        positions: dict[BatchView, int | None],
        *,
        limit_batches: int | None,
        report: Callable[[int], None] | None = None,
        before: int | None = None,
        batch_size: int | None = None,
    ) -> int:
        after = min((p or 0) for p in positions.values())
        done = batches = 0
        while limit_batches is None or batches < limit_batches:
            notifications = self.app.recorder.select_notifications(
                start=after,
                limit=min(self.batch_size, batch_size or self.batch_size),
                stop=None if before is None else before - 1,
                inclusive_of_start=False,
            )
            if not notifications:
                break
            batch: list[Positioned] = [
                (self.app.mapper.to_domain_event(n), n.id) for n in notifications
            ]
            self._apply(session, positions, batch)
            after = batch[-1][1]
            done += len(batch)
            batches += 1
            if report:
                report(done)
        return done

    def _apply(
        self, session: Session, positions: dict[BatchView, int | None], batch: list[Positioned]
    ) -> None:
        """One batch into every view that has not seen it; one tracking write per view."""
        last = batch[-1][1]
        for view in positions:  # the views locked for this pass, in lock order
            position = positions[view] or 0
            unseen = [item for item in batch if item[1] > position]
            if unseen:
                view.apply_batch(session, unseen)
            if last > position:
                view.advance(session, self.app.name, last)
                positions[view] = last
