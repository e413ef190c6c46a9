"""Request bodies bounded before anything reads them: a 413 in the API's error shape.

The declared Content-Length is checked first (the server then holds the body to it);
a body sent without one (chunked) is read here up to the limit, so no handler ever
parses more.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.error_body import encode_error, error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE = ("REQUEST_TOO_LARGE", "요청이 너무 큽니다.", "The request is too large.")


# The routes that take files; every other body is held to the JSON limit, whatever
# its Content-Type says (a client cannot buy the upload limit by labelling a body).
UPLOAD_PATHS = re.compile(
    r"/api/v1/findings/[^/]+/evidence|/findings/[^/]+/(?:report|evidence)|/import"
)


def limit_for(path: str, *, max_json: int, max_upload: int) -> int:
    return max_upload if UPLOAD_PATHS.fullmatch(path.rstrip("/")) else max_json


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_json: int, max_upload: int) -> None:
        self.app = app
        self.max_json, self.max_upload = max_json, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = limit_for(scope["path"], max_json=self.max_json, max_upload=self.max_upload)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        if declared.isdigit():
            await self.app(scope, receive, send)  # the server holds a body to its length
            return
        # Sent without a length (chunked): read it here, up to the limit, then hand on.
        body = await read_body(receive, limit)
        if body is None:
            await _refuse(send, limit)
            return
        await self.app(scope, replaying(body, receive), send)


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body; None once it passes ``limit`` (not read further)."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if size > limit:
            return None
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands on a body already read, then the client's messages."""
    handed = False

    async def replay() -> Message:
        nonlocal handed
        if handed:
            return await receive()  # a disconnect, say
        handed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(send: Send, limit: int) -> None:
    body = encode_error(error_body(*TOO_LARGE, detail={"limit_bytes": limit}))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
