"""`followup backup` / `followup restore`: a seeded database with commands, accounts and
evidence goes through one file into an empty database (each way between SQLite and
PostgreSQL) and comes back identical; a non-empty target or a damaged file is refused
with nothing written; a backup taken while commands run holds a prefix of the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from application.access import Principal
from application.evidence import EvidenceDirectoryMismatchError, Upload
from application.writer import Target
from domain.values import Actor
from domain.vocabulary import Role, Status
from infrastructure.accounts import tokens, users
from infrastructure.backup import (
    BackupCorruptError,
    RestoreTargetNotEmptyError,
    create_backup,
    restore_backup,
    verify_backup,
)
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.persistence import FollowupApplicationRecorder
from infrastructure.readmodel import tables
from infrastructure.settings import Settings
from tests.conftest import FixedClock, PostgresServer, seeded_runtime

ROOT = Path(__file__).resolve().parents[2]
STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
PASSWORD = "올바른-비밀번호-2018"
PHOTO = Upload(file_name="현장사진.png", content_type="image/png", data=b"\x89PNG photo")
LETTER = Upload(file_name="공문.pdf", content_type="application/pdf", data=b"%PDF-1.4 letter")
# Every source is made on both databases once (the module's fixture): all need the server.
pytestmark = pytest.mark.postgres
_ENV_PREFIXES = ("AUDITTRACKER_", "FOLLOWUP_", "SQLALCHEMY_", "PERSISTENCE_MODULE", "CREATE_TABLE")


# -- helpers ------------------------------------------------------------------------


def dump_view_tables(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the read model's ``metadata`` that a view owns, every row sorted,
    and the views' positions, once the background views have caught up."""
    runtime.projector.run_pending()
    owned = {t.name for view in runtime.views for t in view.view_tables}
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with runtime.engine.connect() as conn:
        for table in tables.metadata.sorted_tables:
            if table.name in owned:
                rows = [tuple(r) for r in conn.execute(select(table))]
                dump[table.name] = sorted(rows, key=repr)  # the same order on both databases
        conn.rollback()
    assert set(dump) == owned  # every view's tables are in the metadata
    dump["positions"] = [tuple(sorted(runtime.projector.positions().items()))]
    return dump


def dump_store(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """The event rows, the chain records and the account rows, as stored."""
    recorder = runtime.tracker.recorder
    assert isinstance(recorder, FollowupApplicationRecorder)
    events, chain = recorder.events_record_cls.__table__, recorder.chain.table
    assert runtime.tracker.snapshots is not None
    snapshots = cast(Any, runtime.tracker.snapshots.recorder).events_record_cls.__table__
    found: dict[str, list[tuple[Any, ...]]] = {}
    parts = (("events", events), ("snapshots", snapshots), ("chain", chain), ("users", users))
    with runtime.engine.connect() as conn:
        for name, table in parts:
            keys = list(table.primary_key.columns)
            found[name] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in conn.execute(select(table).order_by(*keys))
            ]
        found["tokens"] = sorted(tuple(r) for r in conn.execute(select(tokens)))
        conn.rollback()
    return found


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()


def new_database(kind: str, tmp: Path, server: PostgresServer | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/{uuid.uuid4().hex[:8]}.db"
    assert server is not None
    return server.create_database()


@dataclass
class Source:
    kind: str
    runtime: Runtime
    backup: Path
    token: str
    evidence: dict[str, bytes]  # sha256 → bytes
    finding_id: uuid.UUID
    views: dict[str, list[tuple[Any, ...]]]
    store: dict[str, list[tuple[Any, ...]]]
    head: str


def _seed_with_commands(settings: Settings) -> tuple[Runtime, str, uuid.UUID]:
    """The seed, then a report with a file, a file sent later, a claim verified, a
    department registered, and two accounts with a token."""
    runtime = seeded_runtime(settings, FixedClock(), None)
    with runtime.engine.connect() as conn:
        f = tables.findings.c
        open_one = conn.execute(
            select(f.finding_id).where(f.status == "in_progress").order_by(f.kind, f.seq)
        ).scalar()
        pending = conn.execute(
            select(f.finding_id).where(f.verification == "pending").order_by(f.kind, f.seq)
        ).first()
        conn.rollback()
    assert open_one is not None and pending is not None
    findings = runtime.services.findings
    findings.report_progress(
        Target(STAFF, open_one), status=Status.COMPLETED, actions="완료 보고", evidence=[PHOTO]
    )
    findings.attach_evidence(Target(STAFF, open_one), upload=LETTER, note="공문 추가")
    findings.verify_claim(Target(STAFF, pending[0]), note="이행 확인")
    runtime.services.departments.register(STAFF, "감사담당관")
    runtime.accounts.add_user("김주무관", PASSWORD, Role.COUNCIL_STAFF)
    department = runtime.services.queries.departments.resolve("사회적경제담당관")
    runtime.accounts.add_user("이담당", PASSWORD, Role.DEPARTMENT_OFFICER, [department.id])
    token = runtime.accounts.create_token("김주무관", label="백업 시험")
    return runtime, token, open_one


@pytest.fixture(scope="module")
def sources(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[dict[str, Source]]:
    """One seeded source per database, backed up once (the module's tests only read
    them)."""
    made: dict[str, Source] = {}
    with pytest.MonkeyPatch.context() as env:
        for key in list(os.environ):
            if key.startswith(_ENV_PREFIXES):
                env.delenv(key)
        try:
            for kind in ("sqlite", "postgres"):
                tmp = tmp_path_factory.mktemp(f"source-{kind}")
                settings = Settings(
                    database_url=new_database(kind, tmp, postgres_server),
                    evidence_dir=str(tmp / "evidence"),
                    snapshot_interval=2,  # snapshots to carry over
                )
                runtime, token, finding_id = _seed_with_commands(settings)
                summary = create_backup(runtime, tmp / "backup.tar")
                store = runtime.services.findings.evidence
                evidence = {p.name: p.read_bytes() for p in (tmp / "evidence").glob("??/*")}
                assert len(evidence) == 2
                assert {store.get(s) for s in evidence} == {PHOTO.data, LETTER.data}
                head = runtime.history.head()
                assert head is not None
                made[kind] = Source(
                    kind=kind,
                    runtime=runtime,
                    backup=Path(summary.file),
                    token=token,
                    evidence=evidence,
                    finding_id=finding_id,
                    views=dump_view_tables(runtime),
                    store=dump_store(runtime),
                    head=head.head,
                )
                assert summary.events == len(made[kind].store["events"])
                assert made[kind].store["snapshots"]
                assert (summary.accounts, summary.evidence_files) == (2, 2)
            yield made
        finally:
            for source in made.values():
                source.runtime.close()


# -- 1 and 2: the round trip, each way between the databases -------------------------


@pytest.mark.parametrize(
    ("source_kind", "target_kind"),
    [
        ("sqlite", "sqlite"),
        ("postgres", "postgres"),
        ("sqlite", "postgres"),
        ("postgres", "sqlite"),
    ],
)
def test_a_restore_is_the_source_again(
    sources: dict[str, Source],
    source_kind: str,
    target_kind: str,
    tmp_path: Path,
    postgres_server: PostgresServer,
) -> None:
    source = sources[source_kind]
    settings = Settings(
        database_url=new_database(target_kind, tmp_path, postgres_server),
        evidence_dir=str(tmp_path / "evidence"),
    )
    summary = restore_backup(settings, source.backup)
    assert summary.as_dict() == {
        "events": len(source.store["events"]),
        "accounts": 2,
        "evidence_files": 2,
        "views_rebuilt": 7,
        "chain_head": source.head,
    }
    restored = open_runtime(settings, clock=FixedClock())
    try:
        assert dump_store(restored) == source.store  # events, chain, accounts as stored
        report = restored.history.verify(source.head)
        assert report.ok and report.head == source.head
        assert dump_view_tables(restored) == source.views
        # The files, and the finding's page finds them.
        for sha256, data in source.evidence.items():
            assert restored.services.findings.evidence.get(sha256) == data
            found, _ = restored.services.queries.evidence_file(source.finding_id, sha256)
            assert found == data
        # The accounts sign in again; the token authenticates.
        user = restored.accounts.user_for_token(source.token)
        assert user is not None and user.name == "김주무관"
        assert restored.accounts.authenticate("이담당", PASSWORD).role is Role.DEPARTMENT_OFFICER
        # And the store goes on where the source stood: the next event follows.
        restored.services.findings.add_comment(Target(STAFF, source.finding_id), text="복원 후")
        assert restored.history.verify(source.head).ok
        last = dump_store(restored)["events"][-1]
        assert last[0] == source.store["events"][-1][0] + 1 or target_kind == "postgres"
        assert last[0] > source.store["events"][-1][0]
    finally:
        restored.close()


# -- 3: refusals write nothing ------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_restore_into_a_database_with_data_is_refused_and_writes_nothing(
    sources: dict[str, Source], kind: str, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    source = sources[kind]
    url = source.runtime.settings.database_url
    before = row_counts(url)
    with pytest.raises(RestoreTargetNotEmptyError) as refused:
        restore_backup(source.runtime.settings, source.backup)
    assert refused.value.message_ko and refused.value.message_en
    assert row_counts(url) == before
    # Accounts alone make a database not empty either.
    settings = Settings(
        database_url=new_database(kind, tmp_path, postgres_server),
        evidence_dir=str(tmp_path / "evidence"),
    )
    other = open_runtime(settings)
    try:
        other.accounts.add_user("관리자", PASSWORD, Role.ADMIN)
    finally:
        other.close()
    before = row_counts(settings.database_url)
    with pytest.raises(RestoreTargetNotEmptyError):
        restore_backup(settings, source.backup)
    assert row_counts(settings.database_url) == before
    assert not list((tmp_path / "evidence").glob("??/*"))


def test_a_restore_refuses_an_evidence_directory_of_another_database(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / ".followup-database").write_text("sqlite:///elsewhere.db\n", encoding="utf-8")
    target = tmp_path / "target.db"
    settings = Settings(database_url=f"sqlite:///{target}", evidence_dir=str(evidence))
    with pytest.raises(EvidenceDirectoryMismatchError):
        restore_backup(settings, sources["sqlite"].backup)
    assert not any(row_counts(settings.database_url).values())
    assert not list(evidence.glob("??/*"))


def test_a_backup_without_evidence_restores_the_rest(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    source = sources["sqlite"]
    summary = create_backup(source.runtime, tmp_path / "lean.tar", with_evidence=False)
    assert summary.evidence_files == 0 and summary.events == len(source.store["events"])
    with tarfile.open(summary.file) as tar:
        assert not [n for n in tar.getnames() if n.startswith("evidence/")]
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/target.db", evidence_dir=str(tmp_path / "ev")
    )
    restored = restore_backup(settings, Path(summary.file))
    assert (restored.evidence_files, restored.chain_head) == (0, source.head)
    assert not list((tmp_path / "ev").glob("??/*"))


def _member_offset(path: Path, name: str) -> tuple[int, int]:
    with tarfile.open(path) as tar:
        info = tar.getmember(name)
        return info.offset_data, info.size


def _damaged(source: Path, tmp: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    with tarfile.open(source) as tar:
        evidence_member = next(n for n in tar.getnames() if n.startswith("evidence/"))
    targets = {
        "events": "events.jsonl.gz",
        "manifest": "manifest.json",
        "evidence": evidence_member,
        "users": "users.jsonl.gz",
    }
    if how in targets:
        offset, size = _member_offset(source, targets[how])
        data[offset + size // 2] ^= 0x01  # one bit of one byte
    elif how == "truncated-half":
        del data[len(data) // 2 :]
    elif how == "truncated-end":
        offset, _ = _member_offset(source, "manifest.sha256")
        del data[offset + 10 :]
    else:
        raise AssertionError(how)
    damaged = tmp / f"damaged-{how}.tar"
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.mark.parametrize(
    "how", ["events", "manifest", "evidence", "users", "truncated-half", "truncated-end"]
)
def test_a_damaged_backup_is_refused_and_writes_nothing(
    sources: dict[str, Source], how: str, tmp_path: Path
) -> None:
    damaged = _damaged(sources["sqlite"].backup, tmp_path, how)
    with pytest.raises(BackupCorruptError):
        verify_backup(damaged)
    target = tmp_path / "target.db"
    settings = Settings(database_url=f"sqlite:///{target}", evidence_dir=str(tmp_path / "ev"))
    with pytest.raises(BackupCorruptError) as refused:
        restore_backup(settings, damaged)
    assert "손상" in refused.value.message_ko and "corrupted" in refused.value.message_en
    assert not target.exists()  # checked before the database is opened
    assert not (tmp_path / "ev").exists()


# -- 4: a backup while commands are written ----------------------------------------


def test_a_backup_taken_while_commands_run_holds_a_prefix_of_the_store(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence"))
    runtime = seeded_runtime(settings, FixedClock(), None)
    with runtime.engine.connect() as conn:
        ids = list(conn.execute(select(tables.findings.c.finding_id).order_by("seq")).scalars())
        conn.rollback()
    stop, written, failures = threading.Event(), [0], []

    def write() -> None:
        try:
            while not stop.is_set():
                fid = ids[written[0] % len(ids)]
                runtime.services.findings.add_comment(Target(STAFF, fid), text=f"메모 {written[0]}")
                written[0] += 1
        except Exception as e:  # seen by the test, not lost in the thread
            failures.append(e)

    during: list[int] = []

    def slow_progress(_stage: str, _done: int, _total: int | None) -> None:
        during.append(written[0])
        time.sleep(0.03)  # the snapshot stays open while the writer commits

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 5 and writer.is_alive():
            time.sleep(0.01)
        summary = create_backup(runtime, tmp_path / "live.tar", progress=slow_progress)
        after = written[0]
        while written[0] < after + 3 and writer.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert not failures
    assert during[-1] > during[0]  # commands were saved while the backup read
    final = dump_store(runtime)["events"]
    runtime.close()

    target = Settings(
        database_url=f"sqlite:///{tmp_path}/restored.db", evidence_dir=str(tmp_path / "ev2")
    )
    restored_summary = restore_backup(target, Path(summary.file))
    restored = open_runtime(target)
    try:
        held = dump_store(restored)["events"]
        assert len(held) == summary.events < len(final)
        assert held == final[: len(held)]  # a prefix: nothing missing, nothing extra
        report = restored.history.verify()
        assert report.ok and report.head == restored_summary.chain_head
        # The views are those of exactly these events.
        last_version: dict[uuid.UUID, int] = {}
        for _id, oid, version, _topic, _state in held:
            last_version[oid] = max(version, last_version.get(oid, 0))
        with restored.engine.connect() as conn:
            f = tables.findings.c
            versions = {r[0]: r[1] for r in conn.execute(select(f.finding_id, f.version))}
            comments = conn.execute(
                select(func.count())
                .select_from(tables.timeline)
                .where(tables.timeline.c.event == "CommentAdded")
            ).scalar_one()
            conn.rollback()
        assert versions == {fid: last_version[fid] for fid in ids}
        assert comments == sum(1 for e in held if e[3].endswith("Finding.CommentAdded"))
        assert set(restored.projector.positions().values()) == {held[-1][0]}
    finally:
        restored.close()


# -- the command line, once --------------------------------------------------------


def _cli(*args: str, evidence_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_ENV_PREFIXES)}
    env["FOLLOWUP_EVIDENCE_DIR"] = str(evidence_dir)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_and_restore_commands_print_their_json(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    source = sources["sqlite"]
    out = tmp_path / "cli.tar"
    db = source.runtime.settings.database_url
    made = _cli(
        "backup", "--out", str(out), "--db", db, "--json",
        evidence_dir=Path(source.runtime.settings.evidence_dir),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    backup = json.loads(made.stdout)
    assert set(backup) == {"file", "events", "accounts", "evidence_files", "bytes", "sha256"}
    assert backup["file"] == str(out) and backup["bytes"] == out.stat().st_size
    assert (backup["events"], backup["accounts"], backup["evidence_files"]) == (
        len(source.store["events"]),
        2,
        2,
    )

    target = f"sqlite:///{tmp_path}/restored.db"
    done = _cli("restore", str(out), "--db", target, "--json", evidence_dir=tmp_path / "ev")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "events": backup["events"],
        "accounts": 2,
        "evidence_files": 2,
        "views_rebuilt": 7,
        "chain_head": source.head,
    }
    again = _cli("restore", str(out), "--db", target, "--json", evidence_dir=tmp_path / "ev")
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["code"] == "RESTORE_TARGET_NOT_EMPTY"
