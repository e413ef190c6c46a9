"""Scheduled jobs (APScheduler 3.x) with exactly one active scheduler per database (SPEC §4, §9).

Every process that starts a `FollowupScheduler` competes for one lock: a session-level PostgreSQL
advisory lock, or an flock next to the SQLite file. The holder runs the jobs; the others stand by,
retry the lock, and take over when the holder stops or dies (the OS or PostgreSQL drop the lock
with the process or its connection). The jobs are idempotent, so the short overlap possible while
a lost connection goes unnoticed costs a repeated check, never a duplicate reminder.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import sqlalchemy
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from infrastructure.settings import normalise_database_url

logger = logging.getLogger(__name__)

# "FOLLOWUP" in ASCII as a signed 64-bit key: fixed, so every process of every release agrees.
# Advisory locks are per database, so two products on one server do not collide.
SCHEDULER_LOCK_KEY = 0x464F4C4C4F575550
STANDBY_JOB_ID = "standby-lock-retry"
_WATCH_JOB_ID = "lock-watch"  # internal: not listed by job_ids()


class SingleInstanceLock(Protocol):
    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...


@runtime_checkable
class VerifiableLock(SingleInstanceLock, Protocol):
    """A lock that can be lost behind our back (a dropped connection) and can tell."""

    def is_held(self) -> bool: ...


class PostgresAdvisoryLock:
    """Session-level advisory lock on a dedicated connection, held for the scheduler's life.

    PostgreSQL releases it when that session ends: process killed, network lost, backend
    terminated. `is_held` notices the loss on this side so the scheduler steps down.
    """

    _HELD = sqlalchemy.text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
        " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
        " AND classid::bigint = :hi AND objid::bigint = :lo)"
    )

    def __init__(self, database_url: str, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.key = key
        self._url = normalise_database_url(database_url)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._mutex = threading.Lock()

    def _make_engine(self) -> Engine:
        return sqlalchemy.create_engine(
            self._url,
            # Autocommit: a session lock must not sit in an open ("idle in") transaction.
            isolation_level="AUTOCOMMIT",
            pool_size=1,
            max_overflow=0,
            pool_pre_ping=True,
            connect_args={
                "application_name": "followup-scheduler",
                "connect_timeout": 10,
                # Notice a silently dead network within about a minute, not the OS's two hours.
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
            },
        )

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._conn is not None:
                return self._verify()
            self._engine = self._engine or self._make_engine()
            conn = self._engine.connect()
            try:
                got = bool(
                    conn.execute(
                        sqlalchemy.text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"),
                        {"key": self.key},
                    ).scalar_one()
                )
                if got:
                    self._keep_session_alive(conn)
            except BaseException:
                conn.close()
                self._dispose()  # never leave a session holding the lock in the pool
                raise
            if not got:
                conn.close()  # back to the pool: a standby reuses it at the next retry
                return False
            self._conn = conn
            return True

    @staticmethod
    def _keep_session_alive(conn: Connection) -> None:
        # The server, too, must notice a dead client soon, or the lock outlives its holder.
        for setting in ("tcp_keepalives_idle = 30", "tcp_keepalives_interval = 10"):
            conn.exec_driver_sql(f"SET {setting}")
        # An idle_session_timeout set for the server would end this idle session every so often.
        if (conn.dialect.server_version_info or (0,)) >= (14,):
            conn.exec_driver_sql("SET idle_session_timeout = 0")

    def is_held(self) -> bool:
        with self._mutex:
            return self._conn is not None and self._verify()

    def _verify(self) -> bool:
        # Asks pg_locks rather than `SELECT 1`: after a disconnect SQLAlchemy may reconnect
        # silently, and the new session holds no lock.
        assert self._conn is not None
        hi, lo = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            held = bool(self._conn.execute(self._HELD, {"hi": hi, "lo": lo}).scalar_one())
        except SQLAlchemyError:
            logger.warning("scheduler lock connection failed", exc_info=True)
            held = False
        if not held:
            self._close()
        return held

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                # If the session is already gone, so is the lock.
                with contextlib.suppress(SQLAlchemyError):
                    self._conn.execute(
                        sqlalchemy.text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"),
                        {"key": self.key},
                    )
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._dispose()

    def _dispose(self) -> None:
        # Closing the pooled DBAPI connection ends the session, which frees the lock for sure.
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class FileLock:
    """`flock` on a file next to the SQLite database; the OS releases it when the process dies.

    The file is never deleted: a process that deleted it could let two others lock two files.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._fd is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Each open() is its own open file description, so two FileLocks in one process
            # exclude each other as two processes do.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return True

    def is_held(self) -> bool:
        with self._mutex:
            if self._fd is None:
                return False
            try:
                mine, current = os.fstat(self._fd), os.stat(self.path)
                if (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino):
                    return True
            except FileNotFoundError:
                pass
            # Someone removed or replaced the file: another process can lock the new one.
            self._close()
            return False

    def release(self) -> None:
        with self._mutex:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None


class ProcessLocalLock:
    """For in-memory SQLite, which no other process can see: one holder per name per process."""

    _held: ClassVar[set[str]] = set()
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str) -> None:
        self.name = name
        self._mine = False

    def try_acquire(self) -> bool:
        with self._guard:
            if not self._mine and self.name not in self._held:
                self._held.add(self.name)
                self._mine = True
            return self._mine

    def release(self) -> None:
        with self._guard:
            if self._mine:
                self._held.discard(self.name)
                self._mine = False


# One lock per role: the scheduler's and the projector's leaders are chosen apart.
_LOCK_KEYS = {
    "scheduler": SCHEDULER_LOCK_KEY,
    "projector": SCHEDULER_LOCK_KEY + 1,
    "rebuild": SCHEDULER_LOCK_KEY + 2,
}


def lock_for(database_url: str, role: str = "scheduler") -> SingleInstanceLock:
    """The single-instance lock for ``role`` that suits the database behind `database_url`."""
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(url.render_as_string(hide_password=False), _LOCK_KEYS[role])
    database = url.database or ""
    if url.query.get("uri") in ("true", "1"):
        database = database.removeprefix("file:")
    if database in ("", ":memory:"):
        return ProcessLocalLock(f"{role}:sqlite://")  # both spellings name the same thing
    if url.query.get("mode") == "memory":
        return ProcessLocalLock(f"{role}:{url.render_as_string(hide_password=False)}")
    return FileLock(Path(f"{Path(database).absolute()}.{role}-lock"))


_CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expr: str, timezone: ZoneInfo) -> CronTrigger:
    """A trigger for a five-field crontab expression, with crontab's weekdays (0 and 7 = Sunday).

    APScheduler 3.x counts weekdays from Monday = 0 (`CronTrigger.from_crontab` warns of it), so
    "1-5" would silently mean Tuesday to Saturday: the weekday field is spelled out in names.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron expression needs 5 fields, got {expr!r}")
    minute, hour, day, month, weekdays = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=weekdays if weekdays in ("*", "?") else _weekday_names(weekdays),
        timezone=timezone,
    )


def _weekday_names(field: str) -> str:
    def number(token: str) -> int:
        token = token.lower()
        value = _CRON_WEEKDAYS.index(token) if token in _CRON_WEEKDAYS else int(token)
        if not 0 <= value <= 7:
            raise ValueError(f"weekday out of range in {field!r}")
        return value

    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first, last = (number(bound) for bound in base.split("-", 1))
        else:
            first = number(base)
            last = 7 if step_text else first  # "1/2": from Monday, every other day
        if first > last or step < 1:
            raise ValueError(f"bad weekday range in {field!r}")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_CRON_WEEKDAYS[day] for day in sorted(days))


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    func: Callable[[], object]
    cron: str | None = None  # crontab, in the scheduler's time zone, e.g. "0 7 * * *"
    every_seconds: float | None = None
    run_at_start: bool = True  # catches up after downtime (SPEC §4: "daily and at start")

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.every_seconds is None):
            raise ValueError(f"job {self.id!r}: give exactly one of cron and every_seconds")
        if self.every_seconds is not None and self.every_seconds <= 0:
            raise ValueError(f"job {self.id!r}: every_seconds must be positive")


class FollowupScheduler:
    """Runs the jobs while this process holds the lock; otherwise stands by and retries it.

    Control it (start, shutdown) from one thread; the jobs run on APScheduler's thread pool.
    """

    def __init__(
        self,
        jobs: Sequence[ScheduledJob],
        lock: SingleInstanceLock,
        *,
        timezone: str = "Asia/Seoul",
        standby_retry_seconds: float = 30.0,
        lock_check_seconds: float | None = None,
    ) -> None:
        ids = [job.id for job in jobs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"job ids must be unique: {ids}")
        if {STANDBY_JOB_ID, _WATCH_JOB_ID} & set(ids):
            raise ValueError(f"{STANDBY_JOB_ID!r} and {_WATCH_JOB_ID!r} are reserved job ids")
        if standby_retry_seconds <= 0 or (
            lock_check_seconds is not None and lock_check_seconds <= 0
        ):
            raise ValueError("lock retry and check intervals must be positive")
        self._jobs = tuple(jobs)
        self._lock = lock
        self._tz = ZoneInfo(timezone)
        self._retry_seconds = standby_retry_seconds
        # How soon a holder notices it lost the lock; by default as soon as a standby retries.
        self._check_seconds = lock_check_seconds or standby_retry_seconds
        self._state = threading.RLock()
        self._scheduler: BackgroundScheduler | None = None
        self._active = False

    @property
    def is_active(self) -> bool:
        return self._active

    def job_ids(self) -> list[str]:
        """Ids of the scheduled jobs: every job when active, `standby-lock-retry` on standby."""
        with self._state:
            if self._scheduler is None:
                return []
            return sorted(
                str(job.id) for job in self._scheduler.get_jobs() if job.id != _WATCH_JOB_ID
            )

    def start(self) -> None:
        """Take the lock and run the jobs, or stand by. Starting while running does nothing."""
        with self._state:
            if self._scheduler is not None:
                return
            # A fresh APScheduler each time: a shut-down one cannot restart its thread pool.
            scheduler = BackgroundScheduler(timezone=self._tz)
            scheduler.start()
            self._scheduler = scheduler
            if self._try_lock():
                self._activate(scheduler)
            else:
                self._stand_by(scheduler)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the jobs, then release the lock (with `wait`, after running jobs have finished)."""
        with self._state:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        # Outside the state lock: a running retry or watch job may be waiting for it.
        scheduler.shutdown(wait=wait)
        with self._state:
            was_active, self._active = self._active, False
            self._release()
        if was_active:
            logger.info("scheduler stopped; lock released")

    def run_forever(self, stop: threading.Event) -> None:
        """For `followup scheduler`: run until `stop` is set (the caller handles signals)."""
        self.start()
        try:
            # Wake now and then so that signal handlers in the main thread run promptly.
            while not stop.wait(timeout=1.0):
                pass
        finally:
            self.shutdown()

    # -- state changes, always under self._state ------------------------------------------

    def _activate(self, scheduler: Any) -> None:
        if scheduler.get_job(STANDBY_JOB_ID) is not None:
            scheduler.remove_job(STANDBY_JOB_ID)
        now = datetime.now(self._tz)
        for job in self._jobs:
            trigger = (
                cron_trigger(job.cron, self._tz)
                if job.cron is not None
                else IntervalTrigger(seconds=job.every_seconds, timezone=self._tz)
            )
            # next_run_time=None would pause the job: pass it only to run at once.
            first_run = {"next_run_time": now} if job.run_at_start else {}
            self._add(scheduler, _logged(job), trigger, job.id, **first_run)
        if isinstance(self._lock, VerifiableLock):
            self._add(scheduler, self._watch, self._every(self._check_seconds), _WATCH_JOB_ID)
        self._active = True
        logger.info("scheduler active: %s", ", ".join(job.id for job in self._jobs))

    def _stand_by(self, scheduler: Any) -> None:
        self._add(scheduler, self._retry, self._every(self._retry_seconds), STANDBY_JOB_ID)
        self._active = False
        logger.info("another scheduler holds the lock; standing by")

    def _step_down(self, scheduler: Any) -> None:
        for job_id in (*(job.id for job in self._jobs), _WATCH_JOB_ID):
            if scheduler.get_job(job_id) is not None:
                scheduler.remove_job(job_id)
        self._release()
        self._stand_by(scheduler)

    def _add(
        self, scheduler: Any, func: Callable[[], None], trigger: Any, job_id: str, **kw: Any
    ) -> None:
        scheduler.add_job(
            func,
            trigger,
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # Run late rather than never (after a suspend, or a busy start-up that would miss the
            # default one-second grace of the at-start run); coalesce makes it a single run.
            misfire_grace_time=None,
            **kw,
        )

    def _every(self, seconds: float) -> IntervalTrigger:
        return IntervalTrigger(seconds=seconds, timezone=self._tz)

    def _try_lock(self) -> bool:
        try:
            return self._lock.try_acquire()
        except Exception:
            # A database that is down now may be back at the next retry.
            logger.warning("could not try the scheduler lock; standing by", exc_info=True)
            return False

    def _release(self) -> None:
        try:
            self._lock.release()
        except Exception:
            logger.warning("releasing the scheduler lock failed", exc_info=True)

    # -- internal jobs --------------------------------------------------------------------

    def _retry(self) -> None:
        with self._state:
            scheduler = self._scheduler
            if scheduler is None or self._active:
                return  # shutting down, or already took over
            if self._try_lock():
                logger.info("scheduler lock acquired: taking over")
                self._activate(scheduler)

    def _watch(self) -> None:
        with self._state:
            scheduler = self._scheduler
            if scheduler is None or not self._active:
                return
            try:
                held = isinstance(self._lock, VerifiableLock) and self._lock.is_held()
            except Exception:
                logger.warning("checking the scheduler lock failed", exc_info=True)
                held = False
            if not held:
                logger.error("scheduler lock lost (connection dropped?): stepping down")
                self._step_down(scheduler)


def _logged(job: ScheduledJob) -> Callable[[], None]:
    def run() -> None:
        try:
            job.func()
        except Exception:
            # APScheduler would log the function's name only; the id says which job. The next run
            # happens as planned.
            logger.exception("scheduled job %r failed", job.id)

    return run
