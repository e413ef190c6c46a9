"""`followup verify`: its JSON, its exit codes, `--expect-head` (a contract)."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy import select, update

from infrastructure.history import events_table
from tests.conftest import SEED
from tests.e2e.test_cli import as_json, run

EVENTS = events_table("audittracker_events")
PROBLEM_KEYS = {
    "line",
    "severity",
    "code",
    "message_ko",
    "message_en",
    "stream_id",
    "version",
    "notification_id",
}


def _change_one_byte(url: str, nid: int) -> tuple[str, int]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            oid, version, state = conn.execute(
                select(EVENTS.c.originator_id, EVENTS.c.originator_version, EVENTS.c.state).where(
                    EVENTS.c.id == nid
                )
            ).one()
            changed = bytearray(state)
            changed[-2] ^= 0x20
            conn.execute(update(EVENTS).where(EVENTS.c.id == nid).values(state=bytes(changed)))
    finally:
        engine.dispose()
    return str(oid), version


def test_verify_exit_codes_and_json(database_url: str) -> None:
    db = database_url
    empty = run("verify", "--json", "--db", db)
    assert empty.returncode == 0, empty.stderr
    assert as_json(empty) == {"ok": True, "events": 0, "head": None, "problems": []}

    imported = run("import", str(SEED), "--council", "서울특별시의회", "--json", "--db", db)
    assert imported.returncode == 0, imported.stderr
    events = as_json(imported)["events"]

    result = run("--db", db, "verify", "--json")
    assert result.returncode == 0, result.stderr
    report = as_json(result)
    assert list(report) == ["ok", "events", "head", "problems"]
    assert (report["ok"], report["events"], report["problems"]) == (True, events, [])
    head = report["head"]
    assert isinstance(head, str) and len(head) == 64 and int(head, 16) >= 0

    human = run("verify", "--expect-head", head.upper(), "--db", db)
    assert human.returncode == 0, human.stderr
    assert head in human.stderr and "history verified" in human.stderr

    stream_id, version = _change_one_byte(db, 7)
    tampered = run("verify", "--json", "--expect-head", head, "--db", db)
    assert tampered.returncode == 1, tampered.stderr
    report = as_json(tampered)
    assert report["ok"] is False and report["events"] == events
    first = report["problems"][0]
    assert set(first) == PROBLEM_KEYS
    assert (first["code"], first["severity"], first["line"]) == ("EVENT_ALTERED", "error", None)
    assert (first["stream_id"], first["version"], first["notification_id"]) == (
        stream_id,
        version,
        7,
    )
    human = run("verify", "--db", db)
    assert human.returncode == 1
    assert "EVENT_ALTERED" in human.stderr and "notification 7" in human.stderr


def test_a_malformed_expected_head_is_a_usage_error(database_url: str) -> None:
    result = run("verify", "--expect-head", "abc", "--db", database_url)
    assert result.returncode == 2
    assert result.stdout == ""
