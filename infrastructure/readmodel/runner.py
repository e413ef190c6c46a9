"""The one background projector of a database, chosen among processes by a lock.

Every server process (and ``followup project``) starts a ``ProjectorRunner``; the
one holding the projector lock (a PostgreSQL advisory lock, or an flock beside
the SQLite file) follows the event log, the others stand by and take over when
it stops or dies. Views are written exactly once whoever runs (tracking rows),
so the lock only keeps the work from being done twice.
"""

from __future__ import annotations

import logging
import threading

from eventsourcing.persistence import OperationalError

from infrastructure.readmodel.projector import BACKGROUND_PAUSE, Projector
from infrastructure.scheduler import SingleInstanceLock

log = logging.getLogger(__name__)

# Seconds a standby waits before trying the lock again.
STANDBY_RETRY = 2.0


class ProjectorRunner:
    def __init__(self, projector: Projector, lock: SingleInstanceLock, interval: float) -> None:
        self.projector = projector
        self.lock = lock
        self.interval = interval
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._leader = False
        # Commands of this process only wake the runner; it projects the rest.
        projector.follow = "background"

    @property
    def is_leader(self) -> bool:
        return self._leader

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projector", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop between two batches (a batch is well under a second) and let go of the lock."""
        self.stop_event.set()
        self.projector.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Lead or stand by until stopped."""
        failures = 0
        try:
            while not self.stop_event.is_set():
                if not self._holds_lock():
                    self.stop_event.wait(STANDBY_RETRY)
                    continue
                self.projector.wake.clear()
                try:
                    self.projector.run_pending(pause=BACKGROUND_PAUSE, stop=self.stop_event)
                    failures = 0
                except OperationalError:
                    failures += 1
                    log.warning("projection pass failed (database busy); retrying", exc_info=True)
                except Exception:
                    # The loop outlives one bad pass; the same events are tried again.
                    failures += 1
                    log.exception("projection pass failed; retrying")
                if failures:
                    self.stop_event.wait(self.interval * min(2**failures, 60))
                else:
                    self.projector.wake.wait(self.interval)
        finally:
            self._leader = False
            self.lock.release()

    def _holds_lock(self) -> bool:
        try:
            held = self.lock.try_acquire()  # the holder's call checks it still holds it
        except Exception:
            log.warning("projector lock unavailable; standing by", exc_info=True)
            held = False
        if held != self._leader:
            log.info("projector %s", "leading" if held else "standing by")
        self._leader = held
        return held
