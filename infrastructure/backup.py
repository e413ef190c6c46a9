"""`followup backup` and `followup restore`: one file holding a database's history.

The file is a plain (uncompressed) POSIX tar; every table part in it is gzip JSONL::

    events.jsonl.gz        the event store's rows as stored: {"id" (notification id),
                           "originator_id", "originator_version", "topic", "state" (base64)}
    snapshots.jsonl.gz     the snapshot rows (same fields without "id")
    chain.jsonl.gz         the hash chain records ({"notification_id", "position",
                           "originator_id", "originator_version", "stream_hash" and
                           "chain_hash" in hex})
    users.jsonl.gz         followup_users (argon2 hashes, roles, department ids)
    tokens.jsonl.gz        followup_tokens (SHA-256 of each token, its public id)
    inbox_reads.jsonl.gz   which inbox entries each account has read
    outbox.jsonl.gz        digest mails (sent and pending) and
    digest_items.jsonl.gz  the inbox entries each carried: a restore mails nothing twice
    evidence/<sha256>      each evidence file's bytes, named by their SHA-256
    evidence.jsonl.gz      the evidence index: {"sha256", "size"} per file
    manifest.json          format, versions, created_at (UTC), source dialect and head,
                           and per part its member name, rows, bytes and SHA-256
    manifest.sha256        the SHA-256 of manifest.json (so a flip in the manifest shows)

Not kept: sessions and login throttles (a restore signs everyone out, and a lock is
not worth keeping), idempotency keys (replays of requests minutes old), the view
tables and their tracking rows (rebuilt from the events), Alembic's version row (the
target is migrated). Departments are events (``domain/department.py``).

Consistency: every table is read in one transaction (PostgreSQL: REPEATABLE READ,
read only; SQLite: one read transaction of WAL), so a save that commits meanwhile
is all in or all out, and since saves commit in notification order (the events
table's lock) the events are a prefix of the store. Evidence files are listed after
that snapshot: every file an event in it references was stored before the event.

Restore verifies everything (manifest, each part's SHA-256 and row count, each
evidence file's SHA-256) before it touches the target, writes into an empty database
only, in one transaction, with the notification ids as they were (the global chain
hashes them), then rebuilds the views and verifies the chain against the manifest's
head.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import IO, Any, cast
from uuid import UUID

from sqlalchemy import Table, TypeDecorator, create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import Connection, make_url

from application.evidence import EvidenceDirectoryMismatchError
from domain.errors import DomainError
from infrastructure.accounts import tokens, users
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.evidence import EvidenceStore
from infrastructure.persistence import FollowupApplicationRecorder
from infrastructure.readmodel import tables
from infrastructure.settings import Settings, ensure_sqlite_directory

FORMAT = "audit-followup-backup"
FORMAT_VERSION = 1
BATCH = 2_000
_EVIDENCE_PREFIX = "evidence/"
_MARKER = ".followup-database"

# (stage label, done, total): the CLI draws a bar per stage.
Progress = Callable[[str, int, int | None], None]

# Tables copied row for row, in the order they are restored (councils, then users
# before tokens).
_ACCOUNT_PARTS: tuple[tuple[str, Table], ...] = (
    ("councils", tables.councils),
    ("users", users),
    ("tokens", tokens),
    ("inbox_reads", tables.inbox_reads),
    ("outbox", tables.outbox),
    ("digest_items", tables.digest_items),
)
_LABELS = {
    "events": "이벤트 (events)",
    "snapshots": "스냅숏 (snapshots)",
    "chain": "해시 체인 (hash chain)",
    "councils": "의회 (councils)",
    "users": "사용자 (users)",
    "tokens": "API 토큰 (tokens)",
    "inbox_reads": "읽음 표시 (inbox reads)",
    "outbox": "메일 발송함 (outbox)",
    "digest_items": "메일 항목 (digest items)",
    "evidence": "증빙자료 (evidence)",
}
PART_NAMES = ("events", "snapshots", "chain", *(name for name, _ in _ACCOUNT_PARTS), "evidence")


class BackupCorruptError(DomainError):
    code = "BACKUP_CORRUPT"
    message_ko = "백업 파일이 손상되었거나 잘렸습니다. 아무것도 쓰지 않았습니다."
    message_en = "The backup file is corrupted or truncated; nothing was written."


class RestoreTargetNotEmptyError(DomainError):
    code = "RESTORE_TARGET_NOT_EMPTY"
    message_ko = (
        "복원할 데이터베이스가 비어 있지 않습니다. 빈 데이터베이스에만 복원합니다. "
        "아무것도 쓰지 않았습니다."
    )
    message_en = (
        "The target database is not empty; a backup is restored into an empty database "
        "only. Nothing was written."
    )


class RestoreChainMismatchError(DomainError):
    code = "RESTORE_CHAIN_MISMATCH"
    message_ko = (
        "복원한 이벤트 이력의 해시 체인이 백업의 기록 해시와 다릅니다 "
        "(`followup verify`로 확인하세요)."
    )
    message_en = (
        "The restored history's hash chain does not match the backup's head "
        "(run `followup verify`)."
    )


@dataclass(frozen=True)
class BackupSummary:
    file: str
    events: int
    accounts: int
    evidence_files: int
    bytes: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "events": self.events,
            "accounts": self.accounts,
            "evidence_files": self.evidence_files,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class RestoreSummary:
    events: int
    accounts: int
    evidence_files: int
    views_rebuilt: int  # how many views were rebuilt from the restored events
    chain_head: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "accounts": self.accounts,
            "evidence_files": self.evidence_files,
            "views_rebuilt": self.views_rebuilt,
            "chain_head": self.chain_head,
        }


def _quiet(_stage: str, _done: int, _total: int | None) -> None:
    pass


def _product_version() -> str:
    try:
        return package_metadata.version("audit-followup")
    except package_metadata.PackageNotFoundError:  # run from a checkout, not installed
        return "unknown"


def _database_id(url: str) -> str:
    """As the evidence directory's marker names a database (bootstrap's rule)."""
    return make_url(url).set(password=None).render_as_string(hide_password=False)


# -- rows <-> JSON ------------------------------------------------------------------


def _b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _event_json(row: Any) -> dict[str, Any]:
    return {
        "id": int(row[0]),
        "originator_id": str(row[1]),
        "originator_version": int(row[2]),
        "topic": row[3],
        "state": _b64(row[4]),
    }


def _snapshot_json(row: Any) -> dict[str, Any]:
    return {
        "originator_id": str(row[0]),
        "originator_version": int(row[1]),
        "topic": row[2],
        "state": _b64(row[3]),
    }


def _chain_json(row: Any) -> dict[str, Any]:
    return {
        "notification_id": int(row[0]),
        "position": int(row[1]),
        "originator_id": str(row[2]),
        "originator_version": int(row[3]),
        "stream_hash": bytes(row[4]).hex(),
        "chain_hash": bytes(row[5]).hex(),
    }


def _python_type(column: Any) -> type | None:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # UtcDateTime: what its impl holds
        kind = kind.impl_instance
    try:
        return cast(type, kind.python_type)
    except NotImplementedError:
        return None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):  # datetime first: it is a date too
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return _b64(bytes(value))
    return value


def _decode_value(column: Any, value: Any) -> Any:
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind is date:
        return date.fromisoformat(value)
    if kind is UUID:
        return UUID(value)
    if kind is bytes:
        return base64.b64decode(value)
    return value


def _row_json(table: Table, row: Any) -> dict[str, Any]:
    return {c.name: _encode_value(v) for c, v in zip(table.columns, row, strict=True)}


def _row_from_json(table: Table, doc: dict[str, Any]) -> dict[str, Any]:
    return {c.name: _decode_value(c, doc.get(c.name)) for c in table.columns}


# -- the parts ----------------------------------------------------------------------


@dataclass
class _Source:
    events: Table
    snapshots: Table | None
    chain: Table


def _tables_of(runtime: Runtime) -> _Source:
    recorder = cast(FollowupApplicationRecorder, runtime.tracker.recorder)
    snapshots = runtime.tracker.snapshots
    snapshot_table = (
        cast(Table, cast(Any, snapshots.recorder).events_record_cls.__table__)
        if snapshots is not None
        else None
    )
    return _Source(
        events=cast(Table, recorder.events_record_cls.__table__),
        snapshots=snapshot_table,
        chain=recorder.chain.table,
    )


def _queries(source: _Source) -> list[tuple[str, Any, Callable[[Any], dict[str, Any]]]]:
    """Every part's SELECT (in key order) and how a row becomes its JSON line."""
    e, c = source.events.c, source.chain.c
    parts: list[tuple[str, Any, Callable[[Any], dict[str, Any]]]] = [
        (
            "events",
            select(e.id, e.originator_id, e.originator_version, e.topic, e.state).order_by(e.id),
            _event_json,
        )
    ]
    if source.snapshots is not None:
        s = source.snapshots.c
        parts.append(
            (
                "snapshots",
                select(s.originator_id, s.originator_version, s.topic, s.state).order_by(
                    s.originator_id, s.originator_version
                ),
                _snapshot_json,
            )
        )
    parts.append(
        (
            "chain",
            select(
                c.notification_id,
                c.position,
                c.originator_id,
                c.originator_version,
                c.stream_hash,
                c.chain_hash,
            ).order_by(c.notification_id),
            _chain_json,
        )
    )
    for name, table in _ACCOUNT_PARTS:
        keys = list(table.primary_key.columns)

        def encode(row: Any, table: Table = table) -> dict[str, Any]:
            return _row_json(table, row)

        parts.append((name, select(table).order_by(*keys), encode))
    return parts


@dataclass
class _Part:
    name: str
    member: str
    path: Path
    rows: int
    bytes: int
    sha256: str

    def manifest(self) -> dict[str, Any]:
        return {"file": self.member, "rows": self.rows, "bytes": self.bytes, "sha256": self.sha256}


def _write_part(directory: Path, name: str, lines: Iterable[dict[str, Any]]) -> _Part:
    path = directory / f"{name}.jsonl.gz"
    rows = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for doc in lines:
            out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
            out.write(b"\n")
            rows += 1
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return _Part(name, path.name, path, rows, path.stat().st_size, digest.hexdigest())


def _snapshot_connection(conn: Connection) -> Connection:
    if conn.dialect.name == "postgresql":
        # One snapshot for every part: the events, the chain and the accounts of one moment.
        return conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn  # SQLite: our BEGIN (persistence.py); WAL gives the reader one snapshot


def _evidence_store(runtime: Runtime) -> EvidenceStore:
    store = runtime.services.findings.evidence
    assert isinstance(store, EvidenceStore)  # what open_runtime wires
    return store


def create_backup(
    runtime: Runtime,
    out: Path,
    *,
    with_evidence: bool = True,
    progress: Progress = _quiet,
) -> BackupSummary:
    """Write the database's events, snapshots, chain, accounts and evidence to ``out``
    (see the module's docstring), consistent while the service runs."""
    source = _tables_of(runtime)
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".followup-backup-", dir=out.parent) as work:
        directory = Path(work)
        parts: list[_Part] = []
        with runtime.engine.connect() as plain:
            conn = _snapshot_connection(plain)
            with conn.begin():
                # The first read fixes the snapshot (SQLite and PostgreSQL alike).
                head_row = conn.execute(
                    select(source.chain.c.position, source.chain.c.chain_hash)
                    .order_by(source.chain.c.notification_id.desc())
                    .limit(1)
                ).first()
                for name, query, encode in _queries(source):
                    total = conn.execute(
                        select(func.count()).select_from(query.order_by(None).subquery())
                    ).scalar_one()
                    parts.append(
                        _write_part(
                            directory,
                            name,
                            _rows(conn, query, encode, name, int(total), progress),
                        )
                    )
        dialect = runtime.engine.dialect.name
        tmp = directory / "backup.tar"
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            for part in parts:
                tar.add(part.path, arcname=part.member, filter=_plain_info)
            evidence = (
                _add_evidence(tar, _evidence_store(runtime), progress) if with_evidence else []
            )
            parts.append(_write_part(directory, "evidence", iter(evidence)))
            tar.add(parts[-1].path, arcname=parts[-1].member, filter=_plain_info)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "product_version": _product_version(),
                "created_at": datetime.now(tz=UTC).isoformat().replace("+00:00", "Z"),
                "source": {
                    "dialect": dialect,
                    "events": parts[0].rows,
                    "head": bytes(head_row[1]).hex() if head_row else None,
                    "chain_position": int(head_row[0]) if head_row else 0,
                },
                "evidence_included": with_evidence,
                "parts": {p.name: p.manifest() for p in parts},
            }
            encoded = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            _add_bytes(tar, "manifest.json", encoded)
            _add_bytes(tar, "manifest.sha256", hashlib.sha256(encoded).hexdigest().encode())
        digest = hashlib.sha256()
        with tmp.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size = tmp.stat().st_size
        os.replace(tmp, out)  # never half a file under the name asked for
    counts = {p.name: p.rows for p in parts}
    return BackupSummary(
        file=str(out),
        events=counts["events"],
        accounts=counts["users"],
        evidence_files=counts["evidence"],
        bytes=size,
        sha256=digest.hexdigest(),
    )


def _rows(
    conn: Connection,
    query: Any,
    encode: Callable[[Any], dict[str, Any]],
    name: str,
    total: int,
    progress: Progress,
) -> Iterator[dict[str, Any]]:
    label = _LABELS[name]
    progress(label, 0, total)
    done = 0
    # A server-side cursor on PostgreSQL: memory stays flat whatever the store's size.
    for row in conn.execution_options(yield_per=BATCH).execute(query):
        yield encode(row)
        done += 1
        if done % BATCH == 0:
            progress(label, done, total)
    progress(label, done, total)


def _plain_info(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o644
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = int(datetime.now(tz=UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _add_evidence(
    tar: tarfile.TarFile, store: EvidenceStore, progress: Progress
) -> list[dict[str, Any]]:
    """Every file of the store (a file is at most 20 MB: read whole)."""
    label = _LABELS["evidence"]
    files = list(store.files())
    progress(label, 0, len(files))
    index: list[dict[str, Any]] = []
    for done, (sha256, _size, _mtime) in enumerate(files, start=1):
        data = store.get(sha256)
        if data is None:  # removed since it was listed (the sweep): not referenced
            continue
        actual = hashlib.sha256(data).hexdigest()
        # A file altered on disk is kept under its true hash: the restore checks names.
        _add_bytes(tar, _EVIDENCE_PREFIX + actual, data)
        index.append({"sha256": actual, "size": len(data)})
        progress(label, done, len(files))
    return index


# -- reading a backup ---------------------------------------------------------------


@dataclass
class _Backup:
    tar: tarfile.TarFile
    manifest: dict[str, Any]

    def member(self, name: str) -> IO[bytes]:
        try:
            handle = self.tar.extractfile(name)
        except KeyError:
            raise BackupCorruptError(f"missing member {name}") from None
        if handle is None:
            raise BackupCorruptError(f"{name} is not a file")
        return handle

    def lines(self, part: str) -> Iterator[dict[str, Any]]:
        info = self.manifest["parts"].get(part)
        if info is None:
            return
        with gzip.GzipFile(fileobj=self.member(info["file"])) as handle:
            for line in handle:
                yield json.loads(line)

    def rows(self, part: str) -> int:
        info = self.manifest["parts"].get(part)
        return int(info["rows"]) if info else 0


def _open_backup(path: Path) -> _Backup:
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115  closed by the callers (finally)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise BackupCorruptError(f"{path}: {e}") from None
    backup = _Backup(tar, {})
    try:
        backup.manifest = _read_manifest(backup)
    except (tarfile.TarError, OSError, EOFError, UnicodeError) as e:
        tar.close()
        raise BackupCorruptError(f"{type(e).__name__}: {e}") from None
    except BaseException:
        tar.close()
        raise
    return backup


def _read_manifest(backup: _Backup) -> dict[str, Any]:
    raw = backup.member("manifest.json").read()
    recorded = backup.member("manifest.sha256").read().decode("ascii", "replace").strip()
    if hashlib.sha256(raw).hexdigest() != recorded:
        raise BackupCorruptError("manifest.json does not match manifest.sha256")
    try:
        manifest = json.loads(raw)
    except ValueError as e:
        raise BackupCorruptError(f"manifest.json: {e}") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupCorruptError(
            f"not a backup of this format ({manifest.get('format')!r} "
            f"version {manifest.get('format_version')!r}; expected {FORMAT!r} {FORMAT_VERSION})"
        )
    return cast(dict[str, Any], manifest)


def verify_backup(path: Path, progress: Progress = _quiet) -> dict[str, Any]:
    """Check every checksum and count of a backup (reads it all); its manifest.
    Raises ``BackupCorruptError`` naming the first fault."""
    backup = _open_backup(path)
    try:
        _verify(backup, progress)
    finally:
        backup.tar.close()
    return backup.manifest


def _verify(backup: _Backup, progress: Progress) -> None:
    parts = backup.manifest.get("parts", {})
    for required in ("events", "chain", "users", "evidence"):
        if required not in parts:
            raise BackupCorruptError(f"the manifest names no part {required!r}")
    try:
        for name, info in parts.items():
            label = f"검사 (verify) {_LABELS.get(name, name)}"
            progress(label, 0, int(info["rows"]))
            digest = hashlib.sha256()
            handle = backup.member(info["file"])
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
            if digest.hexdigest() != info["sha256"]:
                raise BackupCorruptError(f"{info['file']}: SHA-256 differs from the manifest")
            rows = sum(1 for _ in backup.lines(name))
            if rows != int(info["rows"]):
                raise BackupCorruptError(
                    f"{info['file']}: {rows} rows, the manifest says {info['rows']}"
                )
            progress(label, rows, rows)
        files = list(backup.lines("evidence"))
        label = f"검사 (verify) {_LABELS['evidence']}"
        for done, entry in enumerate(files, start=1):
            data = backup.member(_EVIDENCE_PREFIX + entry["sha256"]).read()
            if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BackupCorruptError(f"evidence file {entry['sha256']} is altered")
            progress(label, done, len(files))
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, KeyError) as e:
        raise BackupCorruptError(f"{type(e).__name__}: {e}") from None


# -- restoring ----------------------------------------------------------------------


def _data_tables(conn: Connection) -> list[str]:
    """Tables of the target that hold rows (the views' tracking rows and Alembic's
    version do not count: a freshly migrated database has them)."""
    found = []
    for name in inspect(conn).get_table_names():
        if name == "alembic_version" or name.endswith("_tracking"):
            continue
        quoted = conn.dialect.identifier_preparer.quote(name)
        if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
            found.append(name)
    return found


def _holding(names: list[str]) -> str:
    shown = sorted(names, key=lambda n: (not n.startswith("audittracker"), n))[:4]
    more = f" … (+{len(names) - len(shown)})" if len(names) > len(shown) else ""
    return "데이터가 있는 테이블 (tables with rows): " + ", ".join(shown) + more


def _refuse_unless_empty(settings: Settings) -> None:
    ensure_sqlite_directory(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            holding = _data_tables(conn)
            conn.rollback()
    finally:
        engine.dispose()
    if holding:
        raise RestoreTargetNotEmptyError(_holding(holding))
    marker = Path(settings.evidence_dir) / _MARKER
    if marker.exists():
        bound = marker.read_text(encoding="utf-8").strip()
        if bound != _database_id(settings.database_url):
            # Mixing two databases' files would let one's sweep remove the other's.
            raise EvidenceDirectoryMismatchError(str(marker.parent))


def restore_backup(
    settings: Settings, path: Path, *, progress: Progress = _quiet
) -> RestoreSummary:
    """Verify a backup, write it into an empty database (one transaction), then rebuild
    the views and verify the chain. Refuses a corrupt file or a non-empty target
    before writing anything."""
    backup = _open_backup(path)
    try:
        _verify(backup, progress)
        _refuse_unless_empty(settings)
        runtime = open_runtime(settings)
        try:
            return _restore(runtime, backup, progress)
        finally:
            runtime.close()
    finally:
        backup.tar.close()


def _restore(runtime: Runtime, backup: _Backup, progress: Progress) -> RestoreSummary:
    source = _tables_of(runtime)
    store = _evidence_store(runtime)
    with runtime.datastore.transaction(commit=True) as session:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # The writers' lock (persistence.py): no save comes between the check and us.
            conn.execute(text(f"LOCK TABLE {source.events.fullname} IN EXCLUSIVE MODE"))
        holding = _data_tables(conn)
        if holding:  # written to since the first look
            raise RestoreTargetNotEmptyError(_holding(holding))
        events = _insert(conn, source.events, backup, "events", _event_row, progress)
        if source.snapshots is not None:  # derived data: a store without them takes none
            _insert(conn, source.snapshots, backup, "snapshots", _snapshot_row, progress)
        _insert(conn, source.chain, backup, "chain", _chain_row, progress)
        for name, table in _ACCOUNT_PARTS:

            def decode(doc: dict[str, Any], table: Table = table) -> dict[str, Any]:
                return _row_from_json(table, doc)

            _insert(conn, table, backup, name, decode, progress)
        if conn.dialect.name == "postgresql" and events:
            # Explicit ids leave the sequence behind: the next save continues after them.
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                {"t": source.events.fullname, "n": events[-1]},
            )
        evidence = _restore_evidence(runtime, store, backup, progress)
    label = "다시 만들기 (rebuild views)"
    progress(label, 0, None)
    runtime.rebuild_views(lambda done, total: progress(label, done, total))
    report = runtime.history.verify(backup.manifest["source"].get("head"))
    if not report.ok:
        raise RestoreChainMismatchError(report.problems[0].message_en)
    return RestoreSummary(
        events=len(events),
        accounts=backup.rows("users"),
        evidence_files=evidence,
        views_rebuilt=len(runtime.views),
        chain_head=report.head,
    )


def _event_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "originator_id": UUID(doc["originator_id"]),
        "originator_version": doc["originator_version"],
        "topic": doc["topic"],
        "state": base64.b64decode(doc["state"]),
    }


def _snapshot_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "originator_id": UUID(doc["originator_id"]),
        "originator_version": doc["originator_version"],
        "topic": doc["topic"],
        "state": base64.b64decode(doc["state"]),
    }


def _chain_row(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "notification_id": doc["notification_id"],
        "position": doc["position"],
        "originator_id": UUID(doc["originator_id"]),
        "originator_version": doc["originator_version"],
        "stream_hash": bytes.fromhex(doc["stream_hash"]),
        "chain_hash": bytes.fromhex(doc["chain_hash"]),
    }


def _insert(
    conn: Connection,
    table: Table,
    backup: _Backup,
    part: str,
    decode: Callable[[dict[str, Any]], dict[str, Any]],
    progress: Progress,
) -> list[int]:
    """Insert a part's rows in batches, in the order stored; the events' ids."""
    label = _LABELS[part]
    total = backup.rows(part)
    progress(label, 0, total)
    ids: list[int] = []
    batch: list[dict[str, Any]] = []
    done = 0
    for doc in backup.lines(part):
        row = decode(doc)
        if part == "events":
            ids.append(row["id"])
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(insert(table), batch)
            done += len(batch)
            batch = []
            progress(label, done, total)
    if batch:
        conn.execute(insert(table), batch)
        done += len(batch)
    progress(label, done, total)
    return ids


def _restore_evidence(
    runtime: Runtime, store: EvidenceStore, backup: _Backup, progress: Progress
) -> int:
    """Inside the database's transaction: a failure here writes no row."""
    files = list(backup.lines("evidence"))
    if not store.claim(_database_id(runtime.settings.database_url)):
        raise EvidenceDirectoryMismatchError(str(store.root))
    label = _LABELS["evidence"]
    progress(label, 0, len(files))
    for done, entry in enumerate(files, start=1):
        data = backup.member(_EVIDENCE_PREFIX + entry["sha256"]).read()
        if store.put(data) != entry["sha256"]:  # checked before; a disk that lies
            raise BackupCorruptError(f"evidence file {entry['sha256']} is altered")
        progress(label, done, len(files))
    return len(files)
