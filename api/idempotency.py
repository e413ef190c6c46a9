"""Idempotency-Key on POSTs: a repeated key returns the first response, writes nothing.

An ASGI middleware, so it sees the exact bytes the first request answered. Keys
are scoped by the caller's credential (its hash), so two users never collide.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.error_body import encode_error, error_body
from api.limits import TOO_LARGE, read_body, replaying
from infrastructure.idempotency import IdempotencyStore, StoredResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Visible ASCII, 1 to 200 characters (the OpenAPI says the same).
_KEY = re.compile(r"[!-~]{1,200}")
# Signing in is never replayed: its answer is a fresh session's secret.
EXEMPT = frozenset({"/api/v1/session"})
# Not worth keeping: the caller was not identified, or may retry and succeed (a
# conflict, a throttle), or the server failed. A retry runs the command again, which
# refuses to apply it twice (it names a version or a natural key).
_NOT_STORED = {401, 403, 409, 429}
# What a replay answers besides the body (never a cookie: a session is not replayed).
_REPLAYED_HEADERS = frozenset({b"etag", b"location", b"followup-position", b"retry-after"})


def fingerprint(body: bytes, if_match: str | None) -> str:
    """The request a key names: its body and the version it acts on."""
    return hashlib.sha256((if_match or "").encode("latin-1") + b"\n" + body).hexdigest()


async def _refuse(
    send: Send, status: int, code: str, ko: str, en: str, retry_after: int | None = None
) -> None:
    extra = (("retry-after", str(retry_after)),) if retry_after is not None else ()
    await _send(send, status, encode_error(error_body(code, ko, en)), extra=extra)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") in EXEMPT
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if _KEY.fullmatch(key) is None:
            await _refuse(
                send,
                400,
                "INVALID_IDEMPOTENCY_KEY",
                "Idempotency-Key는 공백 없는 영문·숫자·기호 1~200자여야 합니다.",
                "Idempotency-Key must be 1 to 200 visible ASCII characters.",
            )
            return
        credential = headers.get("authorization") or headers.get("cookie")
        if not credential:
            # Nobody to keep it for: the request is refused as unauthenticated anyway.
            await self.app(scope, receive, send)
            return
        owner = hashlib.sha256(credential.encode()).hexdigest()
        # The body is part of the request the key names: read it once, fingerprint it,
        # and hand the same bytes on.
        body = await read_body(receive, MAX_BODY)
        if body is None:
            await _refuse(send, 413, *TOO_LARGE)
            return
        store: IdempotencyStore = scope["app"].state.idempotency
        claimed_at = datetime.now(tz=UTC)
        claim, stored = await run_in_threadpool(
            store.claim,
            owner,
            key,
            "POST",
            scope["path"],
            claimed_at,
            fingerprint(body, headers.get("if-match")),
        )
        if claim == "replay" and stored is not None:
            await _send(
                send,
                stored.status,
                stored.body.encode(),
                stored.content_type,
                replayed=True,
                extra=stored.headers,
            )
            return
        if claim == "busy":
            await _refuse(
                send,
                409,
                "IDEMPOTENCY_IN_PROGRESS",
                "같은 Idempotency-Key의 요청을 처리하고 있습니다. 잠시 후 다시 보내세요.",
                "A request with this Idempotency-Key is in progress; retry shortly.",
                retry_after=1,
            )
            return
        if claim == "mismatch":
            await _refuse(
                send,
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다.",
                "This Idempotency-Key was used for another request.",
            )
            return

        start: Message = {}
        chunks: list[bytes] = []
        held: list[Message] = []

        async def capture(message: Message) -> None:
            # Held back until the response is stored: a replay arriving the moment
            # this one leaves finds it complete, never "in progress".
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        try:
            await self.app(scope, replaying(body, receive), capture)
        except BaseException:
            await run_in_threadpool(store.release, owner, key, claimed_at)
            raise
        status = int(start.get("status", 500))
        if status >= 500 or status in _NOT_STORED:
            await run_in_threadpool(store.release, owner, key, claimed_at)
        else:
            content_type = next(
                (
                    v.decode("latin-1")
                    for k, v in start.get("headers", [])
                    if k.lower() == b"content-type"
                ),
                "application/json",
            )
            answer = b"".join(chunks).decode("utf-8", errors="replace")
            kept = tuple(
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in start.get("headers", [])
                if k.lower() in _REPLAYED_HEADERS
            )
            await run_in_threadpool(
                store.complete,
                owner,
                key,
                claimed_at,
                StoredResponse(status, content_type, answer, kept),
            )
        for message in held:
            await send(message)


# The outer limit refuses larger bodies first; this is the most a key ever reads.
MAX_BODY = 21 * 1024 * 1024


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    *,
    replayed: bool = False,
    extra: tuple[tuple[str, str], ...] = (),
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
