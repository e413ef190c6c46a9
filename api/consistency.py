"""Read-your-writes across processes.

A request that writes answers with ``Followup-Position: N`` (and a short-lived
cookie of the same value for the web UI): the event log position of its last
event. A later read that hands N back (the header, or the cookie the browser
sends) first waits, up to a bound, for every view to reach N. So a caller sees
its own write in every list and timeline, whichever worker answers and however
far behind the projector was; other callers never wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from starlette.concurrency import run_in_threadpool

from application.reads import reading_after
from application.services import Followup
from application.writer import track_writes

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = "followup-position"
COOKIE = "followup_position"
# Long enough for the views to follow; a cookie past it costs nothing anyway.
COOKIE_SECONDS = 120
_READS = ("GET", "HEAD")
# Paths that read no view: they never wait.
_NO_VIEWS = (
    "/health",
    "/static",
    "/login",
    "/api/v1/session",
    "/api/v1/me",
    "/metrics",
    "/openapi.json",
    "/docs",
)


def _requested(scope: Scope) -> int:
    """The position the caller hands back (header first, then cookie); 0 if none."""
    value = ""
    for name, raw in scope["headers"]:
        if name == HEADER.encode():
            value = raw.decode("latin-1")
            break
        if name == b"cookie":
            morsel = SimpleCookie(raw.decode("latin-1")).get(COOKIE)
            if morsel is not None:
                value = morsel.value
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 19 else 0


class ReadYourWritesMiddleware:
    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        services: Followup | None = getattr(scope["app"].state, "services", None)
        position = _requested(scope)
        path: str = scope.get("path", "")
        reads_views = not path.startswith(_NO_VIEWS)
        if position and services is not None and scope["method"] in _READS and reads_views:
            await run_in_threadpool(services.queries.views_reached, position, self.timeout)
        mark = track_writes()  # the endpoint runs in a copy of this context: same mark

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and mark.position:
                value = str(mark.position).encode()
                headers = list(message.get("headers", []))
                headers.append((HEADER.encode(), value))
                cookie = (
                    f"{COOKIE}={mark.position}; Max-Age={COOKIE_SECONDS}; Path=/; "
                    "HttpOnly; SameSite=Lax"
                )
                headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        # Its reads show the position handed back, whichever database answers them.
        with reading_after(position):
            await self.app(scope, receive, send_with_position)
