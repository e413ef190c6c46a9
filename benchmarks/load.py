"""A load generator: N concurrent keep-alive clients for T seconds against one base URL.

The operations, drawn at random by weight:

- ``command``: POST a progress report on a random finding with its last known
  version (If-Match). A 409 is not an error: re-read the finding's version and go on.
- ``get_finding``: GET one random finding.
- ``summary``: GET the 총괄 (/api/v1/summary).

The HTTP client is a minimal HTTP/1.1 one on asyncio streams rather than httpx:
with two cores, a heavier client would take the CPU the server under test needs,
and flatter the slower server.

    python -m benchmarks.load URL TOKEN --ids ids.txt --clients 32 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

OPERATIONS = ("command", "get_finding", "summary")
WARMUP_S = 1.0  # answers before this are not counted: connections are opening


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened after the server closed it."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Bearer {token}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: {self.auth}",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        if body:
            lines.append("Content-Type: application/json")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer: dict[str, str] = {}
        for line in header_lines:
            if line:
                key, _, value = line.partition(":")
                answer[key.strip().lower()] = value.strip()
        if "content-length" in answer:
            data = await self.reader.readexactly(int(answer["content-length"]))
        elif answer.get("transfer-encoding") == "chunked":
            data = await self._chunked()
        else:
            data = b""
        if answer.get("connection", "").lower() == "close":
            await self.close()
        return status, answer, data

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append((await self.reader.readexactly(size + 2))[:-2])
            if size == 0:
                return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class OperationStats:
    latencies_ms: list[float] = field(default_factory=list)  # 2xx answers only
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0  # connection errors, timeouts

    def figures(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        non_2xx = sum(n for s, n in self.statuses.items() if not 200 <= s < 300 and s != 409)
        return {
            "requests": sum(self.statuses.values()),
            "ok": len(lat),
            "rps": round(len(lat) / seconds, 1),
            "p50_ms": round(statistics.median(lat), 2) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2) if lat else None,
            "conflicts_409": self.statuses.get(409, 0),
            "non_2xx": non_2xx,  # 409 excluded: a conflict is the protocol working
            "failures": self.failures,
        }


@dataclass
class LoadResult:
    base_url: str
    clients: int
    seconds: float
    operations: dict[str, dict[str, Any]]
    rereads: int  # GETs after a 409, not counted as get_finding

    def as_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "operations": self.operations,
            "rereads": self.rereads,
        }


def _version_of(headers: Mapping[str, str], body: bytes) -> int | None:
    etag = headers.get("etag", "").removeprefix("W/").strip('"')
    if etag.isdigit():
        return int(etag)
    try:
        version = json.loads(body).get("version")
    except (ValueError, AttributeError):
        return None
    return version if isinstance(version, int) else None


async def run_load(
    base_url: str,
    token: str,
    finding_ids: Sequence[str],
    versions: dict[str, int],
    mix: Mapping[str, float],
    *,
    clients: int = 32,
    seconds: float = 10.0,
    texts: Sequence[str] = ("이행 중",),
    seed: int = 0,
) -> LoadResult:
    """Run the mix for ``seconds`` (after a short warm-up) with ``clients`` clients.

    ``versions`` (finding id → last known version) is read and updated in place,
    so a caller can carry it from one run to the next against the same server.
    """
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    ops = [op for op in OPERATIONS if mix.get(op)]
    weights = [mix[op] for op in ops]
    stats = {op: OperationStats() for op in ops}
    rereads = 0
    start = time.perf_counter()
    counted_from = start + WARMUP_S
    deadline = counted_from + seconds

    async def reread(conn: Connection, fid: str) -> None:
        nonlocal rereads
        status, headers, body = await conn.request("GET", f"/api/v1/findings/{fid}")
        rereads += 1
        version = _version_of(headers, body) if status == 200 else None
        if version is not None:
            versions[fid] = version

    async def one(conn: Connection, rng: random.Random, op: str) -> int:
        if op == "summary":
            return (await conn.request("GET", "/api/v1/summary"))[0]
        fid = rng.choice(finding_ids)
        if op == "get_finding":
            return (await conn.request("GET", f"/api/v1/findings/{fid}"))[0]
        if fid not in versions:
            await reread(conn, fid)
        body = {
            "status": "in_progress",
            "actions": rng.choice(texts),
            "plans": rng.choice(texts),
        }
        status, headers, data = await conn.request(
            "POST",
            f"/api/v1/findings/{fid}/reports",
            json.dumps(body, ensure_ascii=False).encode(),
            {"If-Match": f'"{versions.get(fid, 1)}"'},
        )
        if status == 409:
            await reread(conn, fid)
        elif 200 <= status < 300:
            version = _version_of(headers, data)
            if version is not None:
                versions[fid] = version
        return status

    async def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = Connection(host, port, token)
        try:
            while (now := time.perf_counter()) < deadline:
                op = rng.choices(ops, weights)[0]
                try:
                    status = await asyncio.wait_for(one(conn, rng, op), timeout=60)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                    await conn.close()
                    if counted_from <= time.perf_counter() <= deadline:
                        stats[op].failures += 1
                    continue
                t1 = time.perf_counter()
                # Answers that arrive inside the window count, whenever they were asked:
                # requiring the start inside too would drop the slow ones.
                if counted_from <= t1 <= deadline:
                    stats[op].statuses[status] += 1
                    if 200 <= status < 300:
                        stats[op].latencies_ms.append((t1 - now) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return LoadResult(
        base_url=base_url,
        clients=clients,
        seconds=seconds,
        operations={op: s.figures(seconds) for op, s in stats.items()},
        rereads=rereads,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("--ids", type=Path, required=True, help="finding ids, one a line")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--mix", default="command=1,get_finding=1,summary=1")
    args = parser.parse_args()
    mix = {k: float(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    ids = args.ids.read_text().split()
    result = asyncio.run(
        run_load(
            args.base_url, args.token, ids, {}, mix, clients=args.clients, seconds=args.seconds
        )
    )
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
