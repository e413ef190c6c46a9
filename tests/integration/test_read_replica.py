"""Reads from a real PostgreSQL streaming replica (``pg_basebackup -R`` of the test
primary, a second server on another port): the list, search and 총괄 are read there
when it shows what the caller needs; a replica that lags or is down leaves them to
the primary; nothing is written to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy
from sqlalchemy import event

from application.access import Principal
from application.dto import FindingFilter
from application.writer import Target
from domain.vocabulary import Status, Verification
from infrastructure.bootstrap import Runtime
from infrastructure.readmodel.queries import SqlReadModel
from infrastructure.readmodel.replica import ReadReplica
from infrastructure.settings import Settings
from tests.conftest import FixedClock, PostgresReplica, PostgresServer, _free_port, seeded_runtime

T = TypeVar("T")


def _wait(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _replica_has(url: str) -> bool:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect():
            return True
    except sqlalchemy.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture
def replicated(
    postgres_server: PostgresServer,
    postgres_replica: PostgresReplica,
    clock: FixedClock,
    tmp_path: Path,
) -> Iterator[Runtime]:
    url = postgres_server.create_database()
    replica_url = postgres_replica.url(url)
    _wait(lambda: _replica_has(replica_url), "the new database on the replica")
    settings = Settings(
        database_url=url, read_database_url=replica_url, evidence_dir=str(tmp_path / "evidence")
    )
    runtime = seeded_runtime(settings, clock, None)
    try:
        yield runtime
    finally:
        runtime.close()


def replica_of(rt: Runtime) -> ReadReplica:
    replica = rt.read_model.reads.replica
    assert replica is not None
    return replica


def in_new_context(read: Callable[[], T]) -> T:
    """``read`` in a thread of its own: a caller that wrote nothing (no position)."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(read()))
    thread.start()
    thread.join()
    return out[0]


def statements_on(replica: ReadReplica) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(replica.engine, "before_cursor_execute", record)
    return seen


def test_reads_are_served_by_the_replica_once_it_shows_the_callers_writes(
    replicated: Runtime,
) -> None:
    rt, replica = replicated, replica_of(replicated)
    seen = statements_on(replica)
    queries = rt.services.queries
    primary = SqlReadModel(rt.datastore)  # the same reads, from the primary alone
    # The import just written: the replica answers once its views have it.
    _wait(replica.usable, "the replica to replay the import")
    before = replica.reads
    rows = queries.list_findings(FindingFilter(text="청년"))
    assert rows == primary.list_findings(FindingFilter(text="청년")) and rows
    assert queries.count_findings(FindingFilter()) == 56
    assert queries.summary() == primary.summary({})
    assert replica.reads >= before + 3
    # Nothing but reads reached it (a hot standby would refuse a write anyway).
    assert seen and set(seen) <= {"SELECT", "SHOW", "SET"}, set(seen)


def test_a_lagging_replica_leaves_the_reads_to_the_primary(
    replicated: Runtime, postgres_replica: PostgresReplica
) -> None:
    rt, replica = replicated, replica_of(replicated)
    queries, findings = rt.services.queries, rt.services.findings
    _wait(replica.usable, "the replica to replay the import")
    claim = queries.list_findings(FindingFilter(verification=Verification.PENDING))[0]
    postgres_replica.execute("SELECT pg_wal_replay_pause()")
    try:
        findings.decide_claim(Target(Principal.system(), claim.finding_id), verify=True)
        before = replica.reads
        # The writer's own read shows its write: from the primary.
        verified = queries.list_findings(FindingFilter(verification=Verification.VERIFIED))
        assert [r.finding_id for r in verified] == [claim.finding_id]
        # A caller that wrote nothing is not served stale rows either (max lag 0).
        others = in_new_context(
            lambda: queries.count_findings(FindingFilter(verification=Verification.VERIFIED))
        )
        assert others == 1
        assert replica.reads == before
    finally:
        postgres_replica.execute("SELECT pg_wal_replay_resume()")
    _wait(replica.usable, "the replica to catch up again")
    before = replica.reads
    assert queries.count_findings(FindingFilter(verification=Verification.VERIFIED)) == 1
    assert replica.reads == before + 1


def test_a_replica_that_is_down_leaves_the_reads_to_the_primary(
    postgres_server: PostgresServer, clock: FixedClock, tmp_path: Path
) -> None:
    url = postgres_server.create_database()
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/nothing"
    settings = Settings(
        database_url=url, read_database_url=nowhere, evidence_dir=str(tmp_path / "evidence")
    )
    rt = seeded_runtime(settings, clock, None)
    try:
        queries = rt.services.queries
        assert queries.count_findings(FindingFilter()) == 56
        started = time.monotonic()
        assert len(queries.list_findings(FindingFilter(status=Status.IN_PROGRESS))) == 2
        assert time.monotonic() - started < 1.0  # the failed replica is not asked again
        assert replica_of(rt).reads == 0
    finally:
        rt.close()


def test_a_read_url_must_name_postgresql() -> None:
    with pytest.raises(ValueError, match="PostgreSQL replica"):
        Settings(read_database_url="sqlite:///replica.db")
