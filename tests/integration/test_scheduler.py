"""One active scheduler per database, on SQLite and PostgreSQL, in one process and in several."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy

from infrastructure.scheduler import (
    SCHEDULER_LOCK_KEY,
    STANDBY_JOB_ID,
    FileLock,
    FollowupScheduler,
    PostgresAdvisoryLock,
    ProcessLocalLock,
    ScheduledJob,
    cron_trigger,
    lock_for,
)
from tests.conftest import ROOT, PostgresServer

SEOUL = ZoneInfo("Asia/Seoul")
TIMEOUT = 10.0  # every wait is bounded; the happy path takes a fraction of it


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Calls:
    """A job's side effect, counted: each run appends to a list."""

    def __init__(self, fail: bool = False) -> None:
        self.runs: list[float] = []
        self.fail = fail
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.runs.append(time.monotonic())
        if self.fail:
            raise RuntimeError("boom")

    @property
    def n(self) -> int:
        with self._lock:
            return len(self.runs)


@pytest.fixture
def schedulers() -> Iterator[list[FollowupScheduler]]:
    """Schedulers a test started; all shut down at the end, whatever happened."""
    started: list[FollowupScheduler] = []
    yield started
    for scheduler in started:
        scheduler.shutdown()


def ticking(
    url: str,
    schedulers: list[FollowupScheduler],
    calls: Calls,
    retry: float = 0.2,
    check: float | None = None,
) -> FollowupScheduler:
    scheduler = FollowupScheduler(
        [ScheduledJob("tick", calls, every_seconds=0.1)],
        lock_for(url),
        standby_retry_seconds=retry,
        lock_check_seconds=check,
    )
    schedulers.append(scheduler)
    scheduler.start()
    return scheduler


def test_run_at_start_runs_each_job_once_under_fixed_ids(
    database_url: str, schedulers: list[FollowupScheduler]
) -> None:
    daily, outbox, later = Calls(), Calls(), Calls()
    scheduler = FollowupScheduler(
        [
            ScheduledJob("daily-reminders", daily, cron="0 7 * * *"),
            ScheduledJob("outbox-delivery", outbox, every_seconds=3600),
            ScheduledJob("monthly-report", later, cron="0 9 1 * *", run_at_start=False),
        ],
        lock_for(database_url),
    )
    schedulers.append(scheduler)
    scheduler.start()

    assert scheduler.is_active
    assert scheduler.job_ids() == ["daily-reminders", "monthly-report", "outbox-delivery"]
    wait_until(lambda: daily.n == 1 and outbox.n == 1, "the at-start runs")
    time.sleep(0.3)
    assert (daily.n, outbox.n, later.n) == (1, 1, 0)


def test_starting_twice_does_not_duplicate_jobs(
    database_url: str, schedulers: list[FollowupScheduler]
) -> None:
    daily = Calls()
    scheduler = FollowupScheduler(
        [ScheduledJob("daily-reminders", daily, cron="0 7 * * *")], lock_for(database_url)
    )
    schedulers.append(scheduler)
    scheduler.start()
    wait_until(lambda: daily.n == 1, "the at-start run")

    scheduler.start()  # e.g. `serve` and its lifespan both start it: nothing more happens
    time.sleep(0.3)
    assert scheduler.job_ids() == ["daily-reminders"]
    assert daily.n == 1

    # A restart is a new start: the same single job, run once more to catch up.
    scheduler.shutdown()
    assert scheduler.job_ids() == []
    scheduler.start()
    assert scheduler.is_active
    assert scheduler.job_ids() == ["daily-reminders"]
    wait_until(lambda: daily.n == 2, "the at-start run after the restart")
    time.sleep(0.3)
    assert daily.n == 2


def test_two_schedulers_on_one_database_one_runs_the_other_takes_over(
    database_url: str, schedulers: list[FollowupScheduler]
) -> None:
    first_calls, second_calls = Calls(), Calls()
    first = ticking(database_url, schedulers, first_calls)
    second = ticking(database_url, schedulers, second_calls)

    assert first.is_active and not second.is_active
    assert first.job_ids() == ["tick"]
    assert second.job_ids() == [STANDBY_JOB_ID]
    wait_until(lambda: first_calls.n >= 5, "the active scheduler's runs")
    assert second_calls.n == 0  # its retries all failed: the lock is held

    first.shutdown()
    stopped_at, runs_before = time.monotonic(), first_calls.n
    wait_until(lambda: second.is_active and second_calls.n >= 3, "the standby taking over", 5)
    assert time.monotonic() - stopped_at < 3
    assert second.job_ids() == ["tick"]
    assert first_calls.n == runs_before  # the stopped one ran nothing more


def test_a_failing_job_is_logged_with_its_id_and_runs_again(
    database_url: str, schedulers: list[FollowupScheduler], caplog: pytest.LogCaptureFixture
) -> None:
    flaky, steady = Calls(fail=True), Calls()
    scheduler = FollowupScheduler(
        [
            ScheduledJob("outbox-delivery", flaky, every_seconds=0.1),
            ScheduledJob("daily-reminders", steady, every_seconds=0.1),
        ],
        lock_for(database_url),
    )
    schedulers.append(scheduler)
    with caplog.at_level(logging.ERROR, logger="infrastructure.scheduler"):
        scheduler.start()
        wait_until(lambda: flaky.n >= 3 and steady.n >= 3, "runs after the failures")

    failures = [
        r
        for r in caplog.records
        if r.name == "infrastructure.scheduler" and "outbox-delivery" in r.getMessage()
    ]
    assert failures, caplog.text
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None
    assert str(failures[0].exc_info[1]) == "boom"
    assert scheduler.is_active


@pytest.mark.postgres
def test_a_scheduler_whose_lock_connection_dies_steps_down(
    postgres_server: PostgresServer,
    schedulers: list[FollowupScheduler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = postgres_server.create_database()
    first_calls, second_calls = Calls(), Calls()
    # The first notices a loss fast but retries slowly, so the second surely wins the lock.
    first = ticking(url, schedulers, first_calls, retry=1.0, check=0.1)
    second = ticking(url, schedulers, second_calls)
    assert first.is_active and not second.is_active

    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            holder = conn.execute(
                sqlalchemy.text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND objid::bigint = :lo"
                ),
                {"lo": SCHEDULER_LOCK_KEY & 0xFFFFFFFF},
            ).scalar_one()
            with caplog.at_level(logging.ERROR, logger="infrastructure.scheduler"):
                conn.execute(sqlalchemy.text("SELECT pg_terminate_backend(:p)"), {"p": holder})
                wait_until(lambda: second.is_active and not first.is_active, "the hand-over")
    finally:
        engine.dispose()
    assert "stepping down" in caplog.text
    assert first.job_ids() == [STANDBY_JOB_ID]
    wait_until(lambda: second_calls.n >= 3, "the new holder's runs")

    # The first takes over again when the second stops: its jobs come back, not doubled.
    second.shutdown()
    wait_until(lambda: first.is_active, "the first taking the lock back", 5)
    assert first.job_ids() == ["tick"]


def test_a_lock_is_exclusive_and_released(database_url: str) -> None:
    first, second = lock_for(database_url), lock_for(database_url)
    assert isinstance(first, FileLock | PostgresAdvisoryLock)
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # re-entrant for its holder
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_in_memory_sqlite_gets_a_process_local_lock() -> None:
    first, second = lock_for("sqlite://"), lock_for("sqlite:///:memory:")
    assert isinstance(first, ProcessLocalLock)
    assert first.try_acquire() and not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_sqlite_file_lock_sits_next_to_the_database(tmp_path: Path) -> None:
    lock = lock_for(f"sqlite:///{tmp_path}/followup.db")
    assert isinstance(lock, FileLock)
    assert lock.path == tmp_path / "followup.db.scheduler-lock"


@pytest.mark.parametrize(
    ("expr", "now", "expected"),
    [
        # Saturday morning: "weekdays" in crontab means Monday next, not Tuesday (APScheduler).
        ("0 7 * * 1-5", datetime(2024, 6, 1, 8, 0, tzinfo=SEOUL), datetime(2024, 6, 3, 7, 0)),
        ("0 7 * * 0", datetime(2024, 6, 1, 8, 0, tzinfo=SEOUL), datetime(2024, 6, 2, 7, 0)),
        ("0 7 * * 5-7", datetime(2024, 6, 3, 8, 0, tzinfo=SEOUL), datetime(2024, 6, 7, 7, 0)),
        ("30 6 * * sun-tue", datetime(2024, 6, 5, 8, 0, tzinfo=SEOUL), datetime(2024, 6, 9, 6, 30)),
        ("0 7 * * *", datetime(2024, 6, 1, 8, 0, tzinfo=SEOUL), datetime(2024, 6, 2, 7, 0)),
    ],
)
def test_cron_follows_crontab_weekdays_in_seoul_time(
    expr: str, now: datetime, expected: datetime
) -> None:
    fire = cron_trigger(expr, SEOUL).get_next_fire_time(None, now)
    assert fire == expected.replace(tzinfo=SEOUL)


# -- separate processes ------------------------------------------------------------------


class Worker:
    def __init__(self, url: str, out: Path) -> None:
        self.out = out
        self.stderr = out.parent / f"worker-{time.monotonic_ns()}.err"
        with self.stderr.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.scheduler_worker", url, str(out)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith(("AUDITTRACKER_", "FOLLOWUP_"))
                },
            )
        self.pid = self.proc.pid

    def state(self) -> str:
        path = Path(f"{self.out}.{self.pid}.state")
        if self.proc.poll() is not None:
            pytest.fail(f"worker exited {self.proc.returncode}: {self.stderr.read_text()[-3000:]}")
        return path.read_text() if path.exists() else ""

    def ticks(self) -> int:
        lines = self.out.read_text().split() if self.out.exists() else []
        return Counter(lines)[str(self.pid)]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=TIMEOUT) == 0, self.stderr.read_text()[-3000:]


@pytest.mark.slow
def test_processes_one_active_and_takeover_after_sigkill_and_after_stop(
    database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "ticks"
    workers: list[Worker] = []
    try:
        first = Worker(database_url, out)
        workers.append(first)
        wait_until(lambda: first.state() == "active", "the first process to start", 30)
        wait_until(lambda: first.ticks() >= 3, "the first process's runs")

        second = Worker(database_url, out)
        workers.append(second)
        wait_until(lambda: second.state() != "", "the second process to start", 30)
        assert second.state() == "standby"
        time.sleep(1.0)  # several retries of the standby
        assert second.ticks() == 0

        # Killed: no clean-up runs, the OS (or PostgreSQL, seeing the connection die) frees it.
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=TIMEOUT)
        wait_until(lambda: second.ticks() >= 3, "the standby taking over after SIGKILL")
        killed_ticks = first.ticks()

        third = Worker(database_url, out)
        workers.append(third)
        wait_until(lambda: third.state() != "", "the third process to start", 30)
        assert third.state() == "standby"

        second.stop()  # clean shutdown releases the lock at once
        stopped_ticks = second.ticks()
        wait_until(lambda: third.ticks() >= 3, "the standby taking over after a stop")
        third.stop()
        assert (first.ticks(), second.ticks()) == (killed_ticks, stopped_ticks)
    finally:
        for worker in workers:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait(timeout=TIMEOUT)
