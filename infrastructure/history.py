"""The tamper-evident event history: a SHA-256 hash chain over every stored event.

Canonical encoding of a stored event (integers big-endian)::

    enc(e) = u32(len(o)) ‖ o ‖ i64(version) ‖ u32(len(t)) ‖ t ‖ u64(len(s)) ‖ s

``o`` is the originator (stream) id as its canonical UUID string (lower-case,
hyphenated, UTF-8), ``t`` the topic in UTF-8, ``s`` the state bytes as stored
(after the mapper's compression or cipher, when the settings name one). Snapshots
are derived data and are not chained.

Two chains start from the genesis value Z (32 zero bytes):

- per stream, over the stream's events in notification order:
  ``h = sha256(h_prev_of_the_stream ‖ enc(e))``
- global, over every event in notification order:
  ``g = sha256(g_prev ‖ u64(notification_id) ‖ enc(e))``

One chain record per event (table ``<events table>_chain``): its notification id,
its position in the global chain (1, 2, 3 … without gaps: the count of events
covered), its stream id and version, ``h`` and ``g``. The history's *head* is the
last record's ``g`` in hex: it stands for every event before it. The recorder
writes the records in the transaction that inserts the events, under the same
lock (PostgreSQL: the events table's EXCLUSIVE lock; SQLite: its one writer).

Verification walks events and chain records side by side in notification order
(batches by id, one snapshot) and checks each record's links: the event's
encoding against ``h`` (from the stream's previous record) and ``g`` (from the
previous record), positions without gaps, versions that follow each other.
Altered, deleted, inserted and reordered events each break a link there. Events
cut from the end together with their records break none, hence ``expect_head``:
a head recorded elsewhere earlier must still be one of the chain's links.

On SQLite the notification id of a last event deleted by hand is given again to
the next event: its save then fails on the orphaned chain record's key, so writes
stop until the store is looked at (``followup verify`` names the event).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy_utils.types.uuid import UUIDType

from application.history import ChainProblem, ChainProblemCode, ChainReport, HistoryHead

GENESIS = bytes(32)
# Stream ids per stream-head query (bound parameters stay far below every limit).
_IDS_PER_QUERY = 5_000
VERIFY_BATCH = 5_000
MAX_PROBLEMS = 100

_metadata = MetaData()
_tables: dict[tuple[str | None, str], Table] = {}


def _id_type() -> Any:
    return BigInteger().with_variant(Integer(), "sqlite")


def chain_table(events_table_name: str, schema_name: str | None = None) -> Table:
    """The chain records of an events table (created beside it by its recorder)."""
    name = f"{events_table_name}_chain"
    key = (schema_name, name)
    if key not in _tables:
        _tables[key] = Table(
            name,
            _metadata,
            Column("notification_id", _id_type(), primary_key=True, autoincrement=False),
            Column("position", _id_type(), nullable=False),
            Column("originator_id", Uuid(), nullable=False),
            Column("originator_version", _id_type(), nullable=False),
            Column("stream_hash", LargeBinary(), nullable=False),
            Column("chain_hash", LargeBinary(), nullable=False),
            Index(f"{name}_stream_idx", "originator_id", "notification_id"),
            schema=schema_name,
        )
    return _tables[key]


def events_table(events_table_name: str, schema_name: str | None = None) -> Table:
    """The library's events table, as far as the chain reads it."""
    key = (schema_name, events_table_name)
    if key not in _tables:
        _tables[key] = Table(
            events_table_name,
            _metadata,
            Column("id", _id_type(), primary_key=True),
            Column("originator_id", UUIDType(), nullable=False),
            Column("originator_version", _id_type(), nullable=False),
            Column("topic", Text(), nullable=False),
            Column("state", LargeBinary(), nullable=False),
            schema=schema_name,
        )
    return _tables[key]


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def encode(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The canonical encoding of a stored event (see the module's docstring)."""
    o = str(originator_id).encode()
    t = topic.encode()
    return b"".join(
        (
            len(o).to_bytes(4, "big"),
            o,
            version.to_bytes(8, "big", signed=True),
            len(t).to_bytes(4, "big"),
            t,
            len(state).to_bytes(8, "big"),
            state,
        )
    )


def stream_link(previous: bytes, encoded: bytes) -> bytes:
    return hashlib.sha256(previous + encoded).digest()


def chain_link(previous: bytes, notification_id: int, encoded: bytes) -> bytes:
    return hashlib.sha256(previous + notification_id.to_bytes(8, "big") + encoded).digest()


# (notification id, originator id, version, topic, state)
EventRow = tuple[int, UUID | str, int, str, bytes]


class ChainWriter:
    """Appends the chain records of events just inserted, in their transaction."""

    def __init__(self, table: Table) -> None:
        self.table = t = table
        self._head = (
            select(t.c.position, t.c.chain_hash).order_by(t.c.notification_id.desc()).limit(1)
        )
        last_of_each = (
            select(func.max(t.c.notification_id))
            .where(t.c.originator_id.in_(bindparam("ids", expanding=True)))
            .group_by(t.c.originator_id)
        )
        self._stream_heads = select(t.c.originator_id, t.c.stream_hash).where(
            t.c.notification_id.in_(last_of_each)
        )
        self._insert = insert(t)

    def append(self, on: Connection | Session, events: Sequence[EventRow]) -> None:
        """``events`` in notification order, all after the chain's last record.

        Three statements whatever the count: the global head, the heads of the
        streams concerned (per 5,000 streams), one bulk insert.
        """
        if not events:
            return
        conn = on.connection() if isinstance(on, Session) else on
        last = conn.execute(self._head).first()
        position, g = (int(last[0]), bytes(last[1])) if last else (0, GENESIS)
        given = [
            (nid, _uuid(oid), version, topic, state) for nid, oid, version, topic, state in events
        ]
        streams = self._heads_of(conn, list(dict.fromkeys(e[1] for e in given)))
        rows: list[dict[str, Any]] = []
        for nid, oid, version, topic, state in given:
            encoded = encode(oid, version, topic, bytes(state))
            h = stream_link(streams.get(oid, GENESIS), encoded)
            g = chain_link(g, nid, encoded)
            position += 1
            streams[oid] = h
            rows.append(
                {
                    "notification_id": nid,
                    "position": position,
                    "originator_id": oid,
                    "originator_version": version,
                    "stream_hash": h,
                    "chain_hash": g,
                }
            )
        conn.execute(self._insert, rows)

    def _heads_of(self, conn: Connection, ids: list[UUID]) -> dict[UUID, bytes]:
        """The last ``h`` of each of these streams that has one."""
        heads: dict[UUID, bytes] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            for oid, h in conn.execute(self._stream_heads, {"ids": chunk}):
                heads[oid] = bytes(h)
        return heads


def backfill(conn: Connection, events_table_name: str, schema_name: str | None = None) -> int:
    """Chain the stored events after the chain's last record (a store older than
    the chain); returns how many. Takes the writers' lock on PostgreSQL."""
    events = events_table(events_table_name, schema_name)
    chain = chain_table(events_table_name, schema_name)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {events.fullname} IN EXCLUSIVE MODE"))
    writer = ChainWriter(chain)
    after = conn.execute(select(func.max(chain.c.notification_id))).scalar() or 0
    count = 0
    while True:
        batch = conn.execute(
            select(
                events.c.id,
                events.c.originator_id,
                events.c.originator_version,
                events.c.topic,
                events.c.state,
            )
            .where(events.c.id > after)
            .order_by(events.c.id)
            .limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return count
        writer.append(conn, [cast(EventRow, tuple(row)) for row in batch])
        count += len(batch)
        after = batch[-1][0]


# -- verification -------------------------------------------------------------


@dataclass(slots=True)
class _Stream:
    h: bytes
    version: int
    notification_id: int


@dataclass
class _Gap:
    """Chain positions missing before a record: events removed with their records."""

    problem: ChainProblem
    after_id: int  # the record before the gap (0: the start)
    before_id: int  # the record after it
    missing: int


class SqlHistoryChain:
    """The ``HistoryChain`` port on the events table and its chain records."""

    def __init__(self, engine: Engine, events: Table, chain: Table) -> None:
        self.engine = engine
        self.events = events
        self.chain = chain

    def head(self) -> HistoryHead | None:
        c = self.chain.c
        with self.engine.connect() as conn:
            last = conn.execute(
                select(c.position, c.chain_hash).order_by(c.notification_id.desc()).limit(1)
            ).first()
            conn.rollback()
        return HistoryHead(events=int(last[0]), head=bytes(last[1]).hex()) if last else None

    def verify(self, expect_head: str | None = None) -> ChainReport:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One snapshot for every batch: the events and records of one moment.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return _Walk(expect_head).run(self._events(conn), self._records(conn))

    def _events(self, conn: Connection) -> Iterator[Any]:
        e = self.events.c
        cols = (e.id, e.originator_id, e.originator_version, e.topic, e.state)
        return _batches(conn, select(*cols), e.id)

    def _records(self, conn: Connection) -> Iterator[Any]:
        c = self.chain.c
        cols = (
            c.notification_id,
            c.position,
            c.originator_id,
            c.originator_version,
            c.stream_hash,
            c.chain_hash,
        )
        return _batches(conn, select(*cols), c.notification_id)


def _batches(conn: Connection, query: Any, key: Any) -> Iterator[Any]:
    """Every row in ``key`` order, a batch at a time (keyset: an index range each)."""
    after: int | None = None
    while True:
        q = query if after is None else query.where(key > after)
        rows = conn.execute(q.order_by(key).limit(VERIFY_BATCH)).all()
        yield from rows
        if len(rows) < VERIFY_BATCH:
            return
        after = rows[-1][0]


class _Walk:
    """One pass over events and records in notification order, checking every link.

    Each record is checked against the stored record before it (not against a
    recomputation from the start), so one bad event is named once, not with
    everything after it.
    """

    def __init__(self, expect_head: str | None) -> None:
        self.expect = bytes.fromhex(expect_head) if expect_head else None
        self.expect_found = False
        self.problems: list[ChainProblem] = []
        self.truncated = False
        self.events = 0
        self.g = GENESIS
        self.position = 0
        self.last_record_id = 0
        self.head: bytes | None = None
        self.streams: dict[UUID, _Stream] = {}
        self.unchained = 0  # events without a record since the last record
        self.gaps: list[_Gap] = []  # gaps not yet attributed to a stream
        # Events found where the chain has another, and the chained events not found
        # where the chain has them: a swap pairs them up, a changed stream id or
        # version does not.
        self.misplaced: list[tuple[ChainProblem, tuple[UUID, int]]] = []
        self.displaced: set[tuple[UUID, int]] = set()

    def run(self, events: Iterator[Any], records: Iterator[Any]) -> ChainReport:
        e = next(events, None)
        r = next(records, None)
        while e is not None or r is not None:
            if r is None or (e is not None and e[0] < r[0]):
                self.events += 1
                self._unchained(e)
                e = next(events, None)
            elif e is None or r[0] < e[0]:
                self._missing(r)
                r = next(records, None)
            else:
                self.events += 1
                self._check(e, r)
                e, r = next(events, None), next(records, None)
        for problem, found in self.misplaced:
            if found not in self.displaced:
                problem.code = ChainProblemCode.EVENT_ALTERED
                problem.message_ko = (
                    f"이벤트의 스트림 또는 버전이 바뀌었습니다 (알림 {problem.notification_id}): "
                    f"체인은 스트림 {problem.stream_id} 버전 {problem.version}, "
                    f"저장된 것은 스트림 {found[0]} 버전 {found[1]}"
                )
                problem.message_en = (
                    f"Event altered (notification {problem.notification_id}): the chain has "
                    f"stream {problem.stream_id} version {problem.version}, the store stream "
                    f"{found[0]} version {found[1]}"
                )
        if self.expect is not None and not self.expect_found:
            self._add(
                ChainProblemCode.HISTORY_CUT,
                "기대한 기록 해시가 이력에 없습니다: 끝의 이벤트가 잘렸거나 이력이 다시 쓰였습니다"
                f" (이력의 끝: 알림 {self.last_record_id})",
                "The expected head is not in the history: events were cut from its end, "
                f"or it was rewritten (the history ends at notification {self.last_record_id})",
            )
        return ChainReport(
            events=self.events,
            head=self.head.hex() if self.head is not None else None,
            problems=self.problems,
        )

    # -- what is found ---------------------------------------------------------

    def _unchained(self, e: Any) -> None:
        nid, oid, version = e[0], _uuid(e[1]), int(e[2])
        self.unchained += 1
        self._add(
            ChainProblemCode.EVENT_INSERTED,
            f"체인에 없는 이벤트입니다 (밖에서 넣었거나 체인 기록이 지워짐): "
            f"스트림 {oid} 버전 {version}, 알림 {nid}",
            f"Event not in the chain (inserted from outside, or its chain record removed): "
            f"stream {oid} version {version}, notification {nid}",
            oid,
            version,
            nid,
        )

    def _missing(self, r: Any) -> None:
        nid, oid, version = int(r[0]), _uuid(r[2]), int(r[3])
        self.displaced.add((oid, version))
        self._gap_before(r)
        self._add(
            ChainProblemCode.EVENT_DELETED,
            f"체인에 기록된 이벤트가 없습니다: 스트림 {oid} 버전 {version}, 알림 {nid}",
            f"A chained event is missing: stream {oid} version {version}, notification {nid}",
            oid,
            version,
            nid,
        )
        self._advance(r)

    def _check(self, e: Any, r: Any) -> None:
        nid = int(e[0])
        oid, version, topic, state = _uuid(e[1]), int(e[2]), str(e[3]), bytes(e[4])
        chained_oid, chained_version = _uuid(r[2]), int(r[3])
        gap = self._gap_before(r)
        if (oid, version) != (chained_oid, chained_version):
            # Reordered if the event found is chained elsewhere (seen at the end).
            problem = ChainProblem(
                ChainProblemCode.EVENT_REORDERED,
                f"알림 {nid}의 이벤트가 체인 순서와 다릅니다: 체인은 스트림 {chained_oid} "
                f"버전 {chained_version}, 저장된 것은 스트림 {oid} 버전 {version}",
                f"Notification {nid} is out of chain order: the chain has stream "
                f"{chained_oid} version {chained_version} there, the store stream {oid} "
                f"version {version}",
                chained_oid,
                chained_version,
                nid,
            )
            if self._append(problem):
                self.misplaced.append((problem, (oid, version)))
            self.displaced.add((chained_oid, chained_version))
            self._advance(r)
            return
        stream = self.streams.get(oid)
        encoded = encode(oid, version, topic, state)
        h_ok = stream_link(stream.h if stream else GENESIS, encoded) == bytes(r[4])
        g_ok = chain_link(self.g, nid, encoded) == bytes(r[5])
        if stream is not None and version <= stream.version:
            self._add(
                ChainProblemCode.EVENT_REORDERED,
                f"스트림 {oid}의 버전 순서가 어긋났습니다: 버전 {version}이 버전 "
                f"{stream.version} 뒤에 있습니다 (알림 {nid})",
                f"Stream {oid} is out of version order: version {version} comes after "
                f"version {stream.version} (notification {nid})",
                oid,
                version,
                nid,
            )
        elif not h_ok and self._version_gap(oid, version, stream, nid):
            pass  # reported as the stream's deleted events
        elif not h_ok and not g_ok:  # (with a gap before, g cannot tell: h alone did)
            self._add(
                ChainProblemCode.EVENT_ALTERED,
                f"이벤트 내용이 바뀌었습니다: 스트림 {oid} 버전 {version}, 알림 {nid}",
                f"Event altered: stream {oid} version {version}, notification {nid}",
                oid,
                version,
                nid,
            )
        elif not h_ok or (not g_ok and not gap):  # the event is the one chained
            self._add(
                ChainProblemCode.CHAIN_ALTERED,
                f"체인 기록이 바뀌었습니다: 스트림 {oid} 버전 {version}, 알림 {nid}",
                f"Chain record altered: stream {oid} version {version}, notification {nid}",
                oid,
                version,
                nid,
            )
        self._advance(r)

    # -- the links ---------------------------------------------------------------

    def _advance(self, r: Any) -> None:
        """Go on from this record as stored: later links are checked against it."""
        nid, position, oid = int(r[0]), int(r[1]), _uuid(r[2])
        self.g = self.head = bytes(r[5])
        self.position = position
        self.last_record_id = nid
        self.unchained = 0
        self.streams[oid] = _Stream(bytes(r[4]), int(r[3]), nid)
        if self.expect is not None and self.g == self.expect:
            self.expect_found = True

    def _gap_before(self, r: Any) -> bool:
        """Positions missing before this record (beyond events with no record): events
        removed together with their records. Reported once, as deleted."""
        missing = int(r[1]) - self.position - 1
        if missing <= 0 or missing == self.unchained:
            return missing > 0
        problem = ChainProblem(
            ChainProblemCode.EVENT_DELETED,
            f"체인 위치 {self.position + 1}–{int(r[1]) - 1}의 이벤트가 기록과 함께 지워졌습니다 "
            f"(알림 {self.last_record_id}과 {int(r[0])} 사이)",
            f"Chain positions {self.position + 1}–{int(r[1]) - 1} are missing: events removed "
            f"with their records (between notifications {self.last_record_id} and {int(r[0])})",
        )
        if int(r[0]) - self.last_record_id - 1 == missing:  # ids without gaps: these
            problem.notification_id = self.last_record_id + 1
        if self._append(problem):
            self.gaps.append(_Gap(problem, self.last_record_id, int(r[0]), missing))
        return True

    def _version_gap(self, oid: UUID, version: int, stream: _Stream | None, nid: int) -> bool:
        """Versions missing before this one in its stream: report them as deleted
        (naming the gap found in the global chain, if one fits); False if none."""
        last = stream.version if stream else 0
        if version <= last + 1:
            return False
        after = stream.notification_id if stream else 0
        fitting = [g for g in self.gaps if g.after_id >= after and g.before_id <= nid]
        missing = version - last - 1
        if len(fitting) == 1 and fitting[0].missing == missing == 1:
            gap = fitting[0]
            self.gaps.remove(gap)
            gap.problem.stream_id, gap.problem.version = oid, last + 1
            gap.problem.message_ko += f": 스트림 {oid} 버전 {last + 1}"
            gap.problem.message_en += f": stream {oid} version {last + 1}"
            return True
        span = f"{last + 1}" if missing == 1 else f"{last + 1}–{version - 1}"
        self._add(
            ChainProblemCode.EVENT_DELETED,
            f"스트림 {oid}의 버전 {span} 이벤트가 지워졌습니다 (버전 {version}, 알림 {nid} 앞)",
            f"Stream {oid} lost version {span} (before version {version}, notification {nid})",
            oid,
            last + 1,
            None,
        )
        return True

    def _add(
        self,
        code: ChainProblemCode,
        message_ko: str,
        message_en: str,
        stream_id: UUID | None = None,
        version: int | None = None,
        notification_id: int | None = None,
    ) -> None:
        self._append(
            ChainProblem(code, message_ko, message_en, stream_id, version, notification_id)
        )

    def _append(self, problem: ChainProblem) -> bool:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
            return True
        if not self.truncated:
            self.truncated = True
            self.problems.append(
                ChainProblem(
                    ChainProblemCode.TOO_MANY_PROBLEMS,
                    f"문제가 {MAX_PROBLEMS}건을 넘어 나머지는 생략합니다",
                    f"More than {MAX_PROBLEMS} problems: the rest are not listed",
                )
            )
        return False
