"""The event history is tamper-evident: every stored event is in a SHA-256 hash chain,
and `verify` names the first altered, deleted, inserted or reordered event (SPEC §9),
on SQLite and PostgreSQL. The tampering is done by hand, in SQL, as an intruder would."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy import delete, insert, select, update

from application.access import Principal
from application.history import ChainReport
from application.importing import ImportOptions
from application.writer import Target
from domain.vocabulary import Status
from infrastructure.bootstrap import Runtime, _alembic_config, open_runtime
from infrastructure.history import (
    backfill,
    chain_link,
    chain_table,
    encode,
    events_table,
    stream_link,
)
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings
from tests.conftest import SEED

LEGACY_STORE = Path(__file__).parent.parent / "fixtures" / "store_with_legacy_reminders.sqlite"
EVENTS = events_table("audittracker_events")
CHAIN = chain_table("audittracker_events")


def _import(rt: Runtime) -> int:
    rt.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    return rt.tracker.recorder.max_notification_id() or 0


@pytest.fixture
def stored(rt: Runtime) -> int:
    """The seed imported: how many events are stored."""
    return _import(rt)


def _event(rt: Runtime, nid: int) -> dict[str, Any]:
    with rt.engine.connect() as conn:
        row = conn.execute(select(EVENTS).where(EVENTS.c.id == nid)).one()
    return dict(row._mapping)


def _execute(rt: Runtime, *statements: Any) -> None:
    with rt.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def _first(report: ChainReport) -> dict[str, Any]:
    assert not report.ok
    problem = report.problems[0].as_dict()
    assert set(problem) == {
        "line",
        "severity",
        "code",
        "message_ko",
        "message_en",
        "stream_id",
        "version",
        "notification_id",
    }
    assert problem["line"] is None and problem["severity"] == "error"
    return problem


def _names(problem: dict[str, Any], event: dict[str, Any]) -> None:
    assert problem["stream_id"] == str(event["originator_id"])
    assert problem["version"] == event["originator_version"]
    assert problem["notification_id"] == event["id"]


def test_the_canonical_encoding_is_fixed() -> None:
    """Recorded heads stay valid only while the encoding does (infrastructure/history.py)."""
    stream = UUID("00000000-0000-0000-0000-000000000001")
    encoded = encode(stream, 1, "t", b"s")
    assert encoded == (
        b"\x00\x00\x00\x24"
        + b"00000000-0000-0000-0000-000000000001"
        + (1).to_bytes(8, "big")
        + b"\x00\x00\x00\x01t"
        + (1).to_bytes(8, "big")
        + b"s"
    )
    assert hashlib.sha256(bytes(32) + encoded).digest() == stream_link(bytes(32), encoded)
    assert chain_link(bytes(32), 1, encoded).hex() == (
        "dc580bfd1efe641d072d105b2038ddd5d56ceac67f4dc926d92792c5a46e26f4"
    )


def test_an_untouched_store_verifies(rt: Runtime, stored: int) -> None:
    report = rt.history.verify()
    head = rt.history.head()
    assert head is not None and head.events == stored
    assert report.as_dict() == {"ok": True, "events": stored, "head": head.head, "problems": []}
    assert len(head.head) == 64
    assert rt.history.verify(head.head).ok


def test_an_empty_store_verifies(rt: Runtime) -> None:
    assert rt.history.head() is None
    assert rt.history.verify().as_dict() == {
        "ok": True,
        "events": 0,
        "head": None,
        "problems": [],
    }


def test_one_changed_byte_is_named(rt: Runtime, stored: int) -> None:
    target = _event(rt, stored // 2)
    state = bytearray(target["state"])
    state[len(state) // 2] ^= 0x01
    _execute(rt, update(EVENTS).where(EVENTS.c.id == target["id"]).values(state=bytes(state)))

    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_ALTERED"
    _names(problem, target)
    assert len(report.problems) == 1  # named once: the events after it still verify
    assert report.events == stored


def test_a_changed_topic_is_named(rt: Runtime, stored: int) -> None:
    target = _event(rt, 3)
    _execute(rt, update(EVENTS).where(EVENTS.c.id == 3).values(topic=target["topic"] + "x"))
    problem = _first(rt.history.verify())
    assert problem["code"] == "EVENT_ALTERED"
    _names(problem, target)


def test_a_deleted_event_is_named(rt: Runtime, stored: int) -> None:
    target = _event(rt, stored // 3)
    _execute(rt, delete(EVENTS).where(EVENTS.c.id == target["id"]))

    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_DELETED"
    _names(problem, target)
    assert len(report.problems) == 1
    assert report.events == stored - 1


def test_an_event_deleted_with_its_chain_record_is_named(rt: Runtime, stored: int) -> None:
    _import_more(rt)  # five findings at version 3: cut one's version 2, mid-stream
    with rt.engine.connect() as conn:
        stream = conn.execute(
            select(EVENTS.c.originator_id).where(EVENTS.c.originator_version == 3).limit(1)
        ).scalar_one()
        nid = conn.execute(
            select(EVENTS.c.id).where(
                EVENTS.c.originator_id == stream, EVENTS.c.originator_version == 2
            )
        ).scalar_one()
    target = _event(rt, nid)
    _execute(
        rt,
        delete(EVENTS).where(EVENTS.c.id == nid),
        delete(CHAIN).where(CHAIN.c.notification_id == nid),
    )
    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_DELETED"
    # The global chain shows where, the stream's next version which event.
    _names(problem, target)
    assert len(report.problems) == 1


def test_two_swapped_events_are_named(rt: Runtime, stored: int) -> None:
    first, second = _event(rt, 10), _event(rt, 20)
    content = ("originator_id", "originator_version", "topic", "state")

    def values(row: dict[str, Any]) -> dict[str, Any]:
        return {k: row[k] for k in content}

    _execute(
        rt,  # through a free version: (stream, version) is unique
        update(EVENTS).where(EVENTS.c.id == 20).values(originator_version=-1),
        update(EVENTS).where(EVENTS.c.id == 10).values(**values(second)),
        update(EVENTS).where(EVENTS.c.id == 20).values(**values(first)),
    )
    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_REORDERED"
    _names(problem, first)  # the event the chain has at notification 10
    assert [p.notification_id for p in report.problems] == [10, 20]


def test_a_changed_version_is_named(rt: Runtime, stored: int) -> None:
    target = _event(rt, stored)
    changed = target["originator_version"] + 10
    _execute(rt, update(EVENTS).where(EVENTS.c.id == stored).values(originator_version=changed))
    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_ALTERED"  # not chained elsewhere: not a reordering
    _names(problem, target)
    assert len(report.problems) == 1


def test_an_event_appended_by_hand_is_named(rt: Runtime, stored: int) -> None:
    last = _event(rt, stored)
    forged = {
        "originator_id": last["originator_id"],
        "originator_version": last["originator_version"] + 1,
        "topic": last["topic"],
        "state": last["state"],
    }
    _execute(rt, insert(EVENTS).values(**forged))

    report = rt.history.verify()
    problem = _first(report)
    assert problem["code"] == "EVENT_INSERTED"
    _names(problem, {**forged, "id": stored + 1})
    assert report.events == stored + 1
    assert report.head == rt.history.head().head  # type: ignore[union-attr]


def test_an_edited_chain_record_is_named(rt: Runtime, stored: int) -> None:
    _execute(rt, update(CHAIN).where(CHAIN.c.notification_id == 7).values(chain_hash=bytes(32)))
    problem = _first(rt.history.verify())
    assert problem["code"] == "CHAIN_ALTERED"
    assert problem["notification_id"] == 7


def test_the_expected_head_proves_nothing_was_cut_from_the_end(rt: Runtime, stored: int) -> None:
    earlier = rt.history.head()
    assert earlier is not None
    _import_more(rt)
    recorded = rt.history.head()
    assert recorded is not None and recorded.events > earlier.events
    assert rt.history.verify(earlier.head).ok  # the history grew since: fine
    assert rt.history.verify(recorded.head).ok

    # The tail cut off with its chain records: the chain alone cannot tell...
    _execute(
        rt,
        delete(EVENTS).where(EVENTS.c.id > stored),
        delete(CHAIN).where(CHAIN.c.notification_id > stored),
    )
    assert rt.history.verify().ok
    # ... the head recorded elsewhere does.
    report = rt.history.verify(recorded.head)
    problem = _first(report)
    assert problem["code"] == "HISTORY_CUT"
    assert report.head == earlier.head


def _import_more(rt: Runtime) -> None:
    """More events on top: five findings of the seed reported on once more."""
    with rt.engine.connect() as conn:
        findings = conn.execute(
            select(EVENTS.c.originator_id)
            .where(EVENTS.c.topic.endswith("Finding.Registered"))
            .order_by(EVENTS.c.id)
            .limit(5)
        ).scalars()
        finding_ids = [UUID(str(f)) for f in findings]
    assert len(finding_ids) == 5
    for finding_id in finding_ids:
        rt.services.findings.report_progress(
            Target(Principal.system(), finding_id), status=Status.IN_PROGRESS, actions="추가 추진"
        )


def test_the_head_is_the_same_after_a_restart(database_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence"))
    rt = open_runtime(settings)
    try:
        _import(rt)
        printed = rt.history.verify().head
    finally:
        rt.close()
    again = open_runtime(settings)
    try:
        assert again.history.verify().head == printed
        assert again.history.head().head == printed  # type: ignore[union-attr]
    finally:
        again.close()


def test_events_stored_before_the_chain_are_chained_by_the_migration(
    rt: Runtime, stored: int
) -> None:
    head = rt.history.head()
    with rt.engine.begin() as connection:
        connection.execute(delete(CHAIN))
        assert backfill(connection, "audittracker_events") == stored
    assert rt.history.head() == head
    with rt.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0005")
        command.upgrade(_alembic_config(connection), "head")
    assert rt.history.head() == head
    assert rt.history.verify().ok


def test_a_store_written_before_the_chain_verifies_once_opened(tmp_path: Path) -> None:
    """A store of the code before the chain (stamped 0005): `migrate` chains its events."""
    store = tmp_path / "legacy.sqlite"
    shutil.copy(LEGACY_STORE, store)
    url = f"sqlite:///{store}"
    rt = open_runtime(Settings(database_url=url, evidence_dir=str(tmp_path / "evidence")))
    try:
        stored = rt.tracker.recorder.max_notification_id()
        report = rt.history.verify()
        assert report.ok, report.problems
        assert stored and report.events == stored
        head = rt.history.head()
        assert head is not None and (head.events, head.head) == (stored, report.head)
    finally:
        rt.close()


def test_new_events_extend_the_chain(rt: Runtime, stored: int) -> None:
    before = rt.history.head()
    _import_more(rt)
    after = rt.history.head()
    assert before is not None and after is not None and after.events > before.events
    report = rt.history.verify(before.head)
    assert report.ok and report.head == after.head
    with rt.engine.connect() as conn:
        ids = conn.execute(select(CHAIN.c.originator_id).distinct()).scalars().all()
    assert all(isinstance(i, UUID) for i in ids)
