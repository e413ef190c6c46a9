"""Load and faults against real processes, on SQLite and PostgreSQL.

- 16 clients × 10 s of mixed reads and progress reports against `followup serve`:
  no answer but 2xx/409, each acknowledged report exactly one event, and the 총괄
  equal to a recount from the events once the views caught up.
- `followup serve` killed (-9) mid-load and restarted: no acknowledged write lost.
- `followup project` killed (-9) mid-batch and restarted: the views equal a rebuild.
- PostgreSQL stopped and started under load: 503 + Retry-After while it is away,
  never a 500 or a dropped connection, and service again without a restart.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrastructure.bootstrap import open_runtime
from infrastructure.settings import Settings
from tests.conftest import PostgresServer, _pg_bin
from tests.support.faults import (
    Served,
    Store,
    check_events_match_reports,
    copy_database,
    differences,
    dump_read_model,
    event_log,
    get_api,
    recount_summary,
    run_cli,
    seed_store,
    start_projector,
    wait_views_caught_up,
)
from tests.support.load import Answer, LoadLog, LoadRun

pytestmark = pytest.mark.slow

_T0 = [time.monotonic()]


def _phase(name: str) -> None:
    """What took how long: shown with -s, and in a failing test's captured output."""
    now = time.monotonic()
    print(f"[{now - _T0[0]:6.1f}s] {name}")
    _T0[0] = now


def _import_versions(store: Store) -> dict[str, int]:
    """Each finding's version right after the import (before any load)."""
    return {fid: len(events) for fid, events in event_log(store.url).items()}


def _show(answers: list[Answer], limit: int = 8) -> str:
    return "\n".join(a.describe() for a in answers[:limit])


def _acknowledged(log: LoadLog) -> dict[str, tuple[str, int]]:
    acked = {}
    for r in log.acknowledged():
        assert r.version is not None, f"a 2xx report without a version: {r}"
        acked[r.text] = (r.finding_id, r.version)
    return acked


def _unanswered(log: LoadLog, *statuses: int | None) -> set[str]:
    """Texts of reports whose outcome the client cannot know (no answer, or a 503)."""
    return {r.text for r in log.reports if r.status in statuses}


def _assert_summary_is_the_recount(base_url: str, store: Store, log_tail: str) -> None:
    behind = wait_views_caught_up(base_url, timeout=120)
    _phase("views caught up")
    assert behind and not any(behind.values()), f"views still behind: {behind}\n{log_tail}"
    status, summary = get_api(base_url, "/api/v1/summary", store.token)
    assert status == 200, summary
    recount = recount_summary(store.url, store.finding_ids)
    assert (summary["rows"], summary["verification"]) == (
        recount["rows"],
        recount["verification"],
    )


# -- 1. mixed load -------------------------------------------------------------------


def test_sixteen_clients_for_ten_seconds_lose_nothing_and_the_summary_adds_up(
    database_url: str, tmp_path: Path
) -> None:
    _phase("start")
    store = seed_store(database_url, 1010)
    hot, cold = store.finding_ids[:10], store.finding_ids[10:]
    imported = _import_versions(store)
    _phase("seeded")
    server = Served(database_url, tmp_path).start()
    _phase("served")
    try:
        log = LoadRun(server.base_url, store.token, hot, cold, clients=16, seconds=10).run()
        statuses = log.statuses()
        _phase(f"load: {sorted(statuses.items(), key=str)}, {len(log.acknowledged())} reports")
        print(log.latencies())
        bad = log.unacceptable()
        assert not bad, f"{statuses}\n{_show(bad)}\n--- server log ---\n{server.log()}"
        acked = _acknowledged(log)
        assert len(acked) > 10 and statuses[200] > len(acked), statuses  # reads ran too

        problems = check_events_match_reports(event_log(database_url), imported, acked)
        assert not problems, "\n".join(problems[:20])
        _phase("events checked")
        _assert_summary_is_the_recount(server.base_url, store, server.log())
        _phase("summary checked")
    finally:
        server.stop()


# -- 2. the server killed mid-load ----------------------------------------------------


def test_a_server_killed_mid_load_keeps_every_acknowledged_write(
    database_url: str, tmp_path: Path
) -> None:
    _phase("start")
    store = seed_store(database_url, 120)
    imported = _import_versions(store)
    _phase("seeded")
    server = Served(database_url, tmp_path).start()
    _phase("served")
    load = LoadRun(
        server.base_url,
        store.token,
        store.finding_ids[:10],
        store.finding_ids[10:],
        clients=8,
        seconds=60,
    ).start()
    try:
        deadline = time.monotonic() + 20
        while len(load.log.acknowledged()) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        killed_at = time.monotonic()
        server.kill9()  # with requests in flight
        time.sleep(0.3)
    finally:
        load.stop()
        server.stop()
    log = load.join()
    _phase(f"killed: {log.statuses()}, {len(log.acknowledged())} reports")
    before_kill = [a for a in log.answers if a.ended < killed_at]
    bad = [a for a in before_kill if not a.acceptable]
    assert not bad, _show(bad)
    acked = _acknowledged(log)
    assert len(acked) >= 10, log.statuses()

    restarted = Served(database_url, tmp_path, name="restarted").start()
    _phase("restarted")
    try:
        # Through the API: each finding is at least at its last acknowledged version.
        highest: dict[str, int] = {}
        for fid, version in acked.values():
            highest[fid] = max(version, highest.get(fid, 0))
        behind = {}
        for fid, version in highest.items():
            status, finding = get_api(restarted.base_url, f"/api/v1/findings/{fid}", store.token)
            assert status == 200, finding
            if finding["version"] < version:
                behind[fid] = (finding["version"], version)
        assert not behind, f"(version after restart, acknowledged): {behind}"
        # In the event store: each acknowledged report is the event at its version.
        problems = check_events_match_reports(
            event_log(database_url), imported, acked, sent=_unanswered(log, None)
        )
        assert not problems, "\n".join(problems[:20])
        _assert_summary_is_the_recount(restarted.base_url, store, restarted.log())
    finally:
        restarted.stop()


# -- 3. the projector killed mid-batch -------------------------------------------------


def test_a_projector_killed_mid_batch_resumes_to_the_views_of_a_rebuild(
    database_url: str, tmp_path: Path
) -> None:
    _phase("start")
    store = seed_store(database_url, 300)
    _phase(f"seeded: {store.lags_after_import}")
    # The import leaves the views that follow in the background behind (no projector).
    lagging = {name for name, lag in store.lags_after_import.items() if lag}
    assert lagging and max(store.lags_after_import.values()) >= 600, store.lags_after_import

    copy = copy_database(database_url, tmp_path)
    rebuilt = run_cli("rebuild", "--json", "--db", copy)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    expected = dump_read_model(copy)
    _phase("copy rebuilt")

    runtime = open_runtime(Settings(database_url=database_url))
    try:
        top = runtime.tracker.recorder.max_notification_id() or 0
        start = runtime.projector.positions()
        first = start_projector(database_url, tmp_path, "project-1", batch_size=50)
        try:
            deadline = time.monotonic() + 90
            # A batch committed: the next one is under way.
            while all((runtime.projector.positions()[v] or 0) == (start[v] or 0) for v in lagging):
                assert first.poll() is None, (tmp_path / "project-1.log").read_text()
                assert time.monotonic() < deadline, "the projector never committed a batch"
                time.sleep(0.02)
            time.sleep(0.1)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait(timeout=30)
        at_kill = runtime.projector.positions()
        _phase(f"killed at {at_kill} of {top}")
        assert min((p or 0) for p in at_kill.values()) < top, f"finished before the kill: {at_kill}"
        assert any((at_kill[v] or 0) > (start[v] or 0) for v in lagging), at_kill

        second = start_projector(database_url, tmp_path, "project-2", batch_size=50)
        try:
            deadline = time.monotonic() + 120
            while any(runtime.projector.lags().values()):
                assert second.poll() is None, (tmp_path / "project-2.log").read_text()
                assert time.monotonic() < deadline, (
                    f"the restarted projector did not catch up: {runtime.projector.lags()}\n"
                    + (tmp_path / "project-2.log").read_text()[-3000:]
                )
                time.sleep(0.1)
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                code = second.wait(timeout=30)
            except subprocess.TimeoutExpired:
                second.kill()
                code = second.wait(timeout=30)
        _phase("resumed")
        assert code == 0, (tmp_path / "project-2.log").read_text()[-3000:]
        assert set(runtime.projector.positions().values()) == {top}
    finally:
        runtime.close()

    problems = differences(dump_read_model(database_url), expected)
    assert not problems, "\n".join(problems)


# -- 4. PostgreSQL restarted under load -------------------------------------------------


class RestartablePostgres(PostgresServer):
    """A private server like the session's, that this test may stop and start at will
    (the session's server stays untouched, whatever else runs)."""

    def options(self) -> str:
        return (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )

    def fast_stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            self.options(),
            "-l",
            str(self.base / "log"),
            "-w",
            "start",
        )


@pytest.fixture
def private_postgres() -> Iterator[RestartablePostgres]:
    server = RestartablePostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


OUTAGE_SECONDS = 2.0
SETTLE_SECONDS = 3.0  # after the server is back, stale pooled connections may still fail


@pytest.mark.postgres
def test_a_postgres_restart_under_load_is_503_with_retry_after_then_service_resumes(
    private_postgres: RestartablePostgres, tmp_path: Path
) -> None:
    _phase("start")
    url = private_postgres.create_database()
    store = seed_store(url, 100)
    imported = _import_versions(store)
    _phase("seeded")
    server = Served(url, tmp_path).start()
    _phase("served")
    try:
        log, down_at, up_at = _restart_postgres_under_load(private_postgres, server, store)
        _phase(f"load: {sorted(log.statuses().items(), key=str)}")
        answers = log.answers
        wrong = [a for a in answers if not a.acceptable and not (a.status == 503 and a.retry_after)]
        statuses = log.statuses()
        assert not wrong, f"{statuses}\n{_show(wrong)}\n--- server log ---\n{server.log()}"
        during = [a for a in answers if down_at <= a.started <= up_at]
        last_failure = max((a.ended for a in answers if not a.acceptable), default=up_at)
        print(
            f"while down: {sorted(Counter((a.method, a.status) for a in during).items(), key=str)}"
            f"; last failure {last_failure - up_at:+.2f}s after the server was back"
        )
        assert during, "no request ran while PostgreSQL was down"
        after = [a for a in answers if a.started >= up_at + SETTLE_SECONDS]
        failing_after = [a for a in after if not a.acceptable]
        assert after and not failing_after, (
            f"{len(failing_after)} of {len(after)} failed after the server was back:\n"
            f"{_show(failing_after)}"
        )
        # Every acknowledged write is stored once; a 503 or lost answer may or may
        # not have committed (the server went away around its COMMIT).
        acked = _acknowledged(log)
        problems = check_events_match_reports(
            event_log(url), imported, acked, sent=_unanswered(log, None, 503)
        )
        assert not problems, "\n".join(problems[:20])
        _assert_summary_is_the_recount(server.base_url, store, server.log())
    finally:
        server.stop()


def _restart_postgres_under_load(
    postgres: RestartablePostgres, server: Served, store: Store
) -> tuple[LoadLog, float, float]:
    """8 clients; PostgreSQL stopped (-m fast) for OUTAGE_SECONDS, then started again.
    Returns the log and when the server went down and was back."""
    load = LoadRun(
        server.base_url,
        store.token,
        store.finding_ids[:10],
        store.finding_ids[10:],
        clients=8,
        seconds=90,
    ).start()
    try:
        time.sleep(2)
        down_at = time.monotonic()
        postgres.fast_stop()
        _phase("postgres stopped")
        time.sleep(OUTAGE_SECONDS)
        postgres.start_again()  # -w: accepts connections when it returns
        up_at = time.monotonic()
        _phase("postgres started")
        time.sleep(SETTLE_SECONDS + 3)
    finally:
        load.stop()
    return load.join(), down_at, up_at
