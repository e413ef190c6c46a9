"""A small load generator for the fault tests: keep-alive clients on asyncio streams.

A minimal HTTP/1.1 client rather than httpx: on two cores a heavier client takes
the CPU the server under test needs. Every answer is recorded (status, the headers
that matter, when), and every progress report with the text it sent, so a test
can hold the event store to exactly what the server acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from benchmarks.load import Connection

# An operation and its weight; "report" picks a hot finding half of the time.
MIX: dict[str, float] = {
    "report": 0.4,
    "get_finding": 0.2,
    "list": 0.15,
    "summary": 0.15,
    "timeline": 0.1,
}
REPORT_STATUSES = ("in_progress", "completed", "under_review")
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    """One request: its status (None: no answer, the connection failed), when it ran."""

    op: str
    method: str
    path: str
    status: int | None
    started: float  # time.monotonic()
    ended: float
    retry_after: str | None = None
    error: str | None = None  # the exception, or the body of a 5xx
    body: str | None = None

    @property
    def acceptable(self) -> bool:
        """2xx or a 409 conflict (the protocol working)."""
        return self.status is not None and (200 <= self.status < 300 or self.status == 409)

    def describe(self) -> str:
        what = self.error or self.body or ""
        return f"{self.method} {self.path} -> {self.status} {what[:500]}"


@dataclass(frozen=True)
class Report:
    """A progress report sent: its unique text and, when acknowledged, the version."""

    finding_id: str
    text: str
    status: int | None
    version: int | None


@dataclass
class LoadLog:
    answers: list[Answer] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    def statuses(self) -> Counter[int | None]:
        return Counter(a.status for a in self.answers)

    def acknowledged(self) -> list[Report]:
        return [r for r in self.reports if r.status is not None and 200 <= r.status < 300]

    def unacceptable(self) -> list[Answer]:
        return [a for a in self.answers if not a.acceptable]

    def latencies(self) -> dict[str, str]:
        """Per operation: answers, median and slowest seconds (for the test's output)."""
        by_op: dict[str, list[float]] = {}
        for a in self.answers:
            by_op.setdefault(a.op, []).append(a.ended - a.started)
        return {
            op: f"n={len(t)} p50={sorted(t)[len(t) // 2]:.3f}s max={max(t):.3f}s"
            for op, t in sorted(by_op.items())
        }


def _version_of(headers: Mapping[str, str], body: bytes) -> int | None:
    etag = headers.get("etag", "").removeprefix("W/").strip('"')
    if etag.isdigit():
        return int(etag)
    with suppress(ValueError, AttributeError):
        version = json.loads(body).get("version")
        if isinstance(version, int):
            return version
    return None


class LoadRun:
    """``clients`` clients on one event loop in a thread, until ``stop()`` or ``seconds``.

    Reports go to a hot finding half of the time (many 409s), else to a cold one.
    Versions are tracked per finding from every answer (a 409 names the current one).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        hot: Sequence[str],
        cold: Sequence[str],
        *,
        clients: int = 16,
        seconds: float = 10.0,
        seed: int = 0,
        mix: Mapping[str, float] = MIX,
        pause_after_failure: float = 0.05,
    ) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = token
        self.hot, self.cold = list(hot), list(cold)
        self.clients, self.seconds, self.seed = clients, seconds, seed
        self.ops = list(mix)
        self.weights = [mix[op] for op in self.ops]
        self.pause_after_failure = pause_after_failure
        self.versions: dict[str, int] = {}
        self.log = LoadLog()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="load", daemon=True)
        self.exception: BaseException | None = None

    # -- control ---------------------------------------------------------------

    def start(self) -> LoadRun:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 90.0) -> LoadLog:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the load clients did not stop"
        if self.exception is not None:
            raise self.exception
        return self.log

    def run(self) -> LoadLog:
        """Run until ``seconds`` passed, and wait. In a thread of its own: the caller's
        thread may have an event loop running (the browser tests' sync API leaves one)."""
        return self.start().join(timeout=self.seconds + 90)

    # -- the clients --------------------------------------------------------------

    def _main(self) -> None:
        try:
            asyncio.run(self._all())
        except BaseException as e:  # surfaced by join()
            self.exception = e

    async def _all(self) -> None:
        deadline = time.monotonic() + self.seconds
        await asyncio.gather(*(self._client(n, deadline) for n in range(self.clients)))

    async def _client(self, n: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + n)
        conn = Connection(self.host, self.port, self.token)
        count = 0
        try:
            while time.monotonic() < deadline and not self._stop.is_set():
                count += 1
                op = rng.choices(self.ops, self.weights)[0]
                ok = await self._one(conn, rng, op, f"c{n}-{count}")
                if not ok:
                    await conn.close()
                    await asyncio.sleep(self.pause_after_failure)
        finally:
            await conn.close()

    async def _one(self, conn: Connection, rng: random.Random, op: str, tag: str) -> bool:
        """One operation; False when the connection failed."""
        finding = rng.choice(self.hot if op == "report" and rng.random() < 0.5 else self.cold)
        body = b""
        headers: dict[str, str] = {}
        method = "GET"
        text = ""
        if op == "report":
            method = "POST"
            path = f"/api/v1/findings/{finding}/reports"
            text = f"부하 보고 {tag}"
            payload = {"status": rng.choice(REPORT_STATUSES), "actions": text}
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers["If-Match"] = f'"{self.versions.get(finding, 2)}"'
        elif op == "get_finding":
            path = f"/api/v1/findings/{finding}"
        elif op == "list":
            path = f"/api/v1/findings?limit=20&offset={rng.randrange(0, 1000)}"
        elif op == "summary":
            path = "/api/v1/summary"
        elif op == "timeline":
            path = f"/api/v1/findings/{finding}/timeline"
        else:
            raise ValueError(op)
        started = time.monotonic()
        try:
            status, answer, data = await asyncio.wait_for(
                conn.request(method, path, body, headers), timeout=REQUEST_TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as e:
            self.log.answers.append(
                Answer(op, method, path, None, started, time.monotonic(), error=repr(e))
            )
            if op == "report":
                self.log.reports.append(Report(finding, text, None, None))
            return False
        ended = time.monotonic()
        version = _version_of(answer, data) if op in ("report", "get_finding") else None
        if version is not None and (status < 300 or status == 409):
            self.versions[finding] = max(version, self.versions.get(finding, 0))
        self.log.answers.append(
            Answer(
                op,
                method,
                path,
                status,
                started,
                ended,
                retry_after=answer.get("retry-after"),
                body=None if status < 400 else data.decode("utf-8", "replace"),
            )
        )
        if op == "report":
            acked = version if 200 <= status < 300 else None
            self.log.reports.append(Report(finding, text, status, acked))
        return True
