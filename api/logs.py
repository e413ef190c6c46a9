"""Logs an operator can use: structlog over the standard library, one line per record.

``configure_logging`` sends every record, ours and the libraries' (uvicorn, APScheduler,
SQLAlchemy …), through one ``ProcessorFormatter`` on stderr: a JSON object per line, or
a console line for a person. The code logs with the standard ``logging`` module (structured
fields in ``extra=``), so a CLI command that never configured logging prints nothing on stdout.

``RequestLogMiddleware`` gives every line logged while a request is served its request id,
method, route template and, once authenticated, the account (``bind_request``), and writes
one access line per request. Values that look like secrets are masked in every line.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TextIO

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it cannot forge a log line or bloat one.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Polled by monitors every few seconds: their access lines are DEBUG, not INFO.
_QUIET_PATHS = frozenset({"/health", "/metrics"})
_HANDLER_MARK = "_followup_handler"

access_log = logging.getLogger("api.access")


@dataclass
class _Served:
    """The request being served. One mutable object shared by every copy of the context:
    FastAPI runs sync dependencies and routes in worker threads on a *copy* of the context,
    so what ``bind_contextvars`` binds there (the account) would never reach the access line
    or the lines after it; what is added here does."""

    scope: Scope
    fields: dict[str, Any] = field(default_factory=dict)


_served: ContextVar[_Served | None] = ContextVar("followup_served_request", default=None)


def route_template(scope: Scope) -> str | None:
    """The matched route's path template ("/api/v1/findings/{finding_id}"), None before
    routing or when nothing matched.

    FastAPI includes routers lazily since 0.12x: ``scope["route"]`` is then the router's
    own route, without the prefix ("/findings/{finding_id}", the web page's template too);
    the prefixed one is on the effective route context. Older versions: ``route.path``."""
    effective = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(effective, "path", None) or getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` if it is a sane token, else a new one."""
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def bind_request(**fields: Any) -> None:
    """Add fields (the account, say) to every later line of the request being served;
    outside a request, nothing."""
    served = _served.get()
    if served is not None:
        served.fields.update(fields)


def _add_request_fields(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    served = _served.get()
    if served is not None:
        route = route_template(served.scope)  # known once the router matched
        if route is not None:
            event_dict.setdefault("route", route)
        for key, value in served.fields.items():
            event_dict.setdefault(key, value)
    return event_dict


# -- masking -----------------------------------------------------------------------

_SECRET_KEY = re.compile(r"pass(word|wd)?$|secret|token|authorization|cookie|csrf|api_?key", re.I)
_SECRET_TEXT = (
    # Authorization header values, API tokens (fu_…), passwords in URLs.
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.I), r"\1 [redacted]"),
    (re.compile(r"\bfu_[A-Za-z0-9_-]{8,}"), "fu_[redacted]"),
    (re.compile(r"(\w+://[^:/@\s]*:)[^@\s]+@"), r"\1[redacted]@"),
)
REDACTED = "[redacted]"


def _mask_text(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _mask_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _SECRET_KEY.search(str(k)) else _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def mask_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The last safeguard before a line is written: a field named like a secret is
    replaced, and texts lose bearer tokens, API tokens and URL passwords (an exception's
    message included)."""
    for key in list(event_dict):
        if key.startswith("_"):
            continue  # structlog's own (the stdlib record)
        if _SECRET_KEY.search(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _mask(event_dict[key])
    return event_dict


_FIRST = ("timestamp", "level", "logger", "event", "request_id")


def _order(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The same keys first on every line, for a person reading them."""
    first = {k: event_dict.pop(k) for k in _FIRST if k in event_dict}
    return {**first, **event_dict}


def _drop_noise(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event_dict.pop("color_message", None)  # uvicorn's ANSI copy of the message
    return event_dict


# -- configuration -----------------------------------------------------------------


def resolve_format(fmt: str, stream: TextIO) -> str:
    """ "auto": a console line for a person at a terminal, JSON for anything else."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


def configure_logging(fmt: str = "auto", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route every log record of the process to ``stream`` (stderr) in ``fmt``
    ("json", "console" or "auto"). Calling it again replaces what it installed."""
    stream = stream if stream is not None else sys.stderr
    chosen = resolve_format(fmt, stream)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_request_fields,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if chosen == "json"
        # A plain traceback: the rich one would print local variables (passwords among them).
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_noise],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            # Tracebacks become text here, so the masking sees them too.
            structlog.processors.format_exc_info,
            mask_secrets,
            _order,
            renderer,
        ],
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that brought their own handlers write through ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "apscheduler"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True


# -- the request middleware ----------------------------------------------------------


class RequestLogMiddleware:
    """Binds the request's id (``X-Request-ID`` kept if sane, else made; echoed in the
    answer) and writes the access line: method, route template, path, status, duration.

    Pure ASGI, outermost: a body refused for its size is logged too, and nothing runs the
    rest of the request in another task before the id is bound. The context is not reset
    on the way out: uvicorn's own lines about this request (the traceback of a failure)
    come after the app returns, in the request's task, which no other request shares.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        _served.set(_Served(scope, {"method": scope["method"]}))
        started = time.perf_counter()
        status = 500  # an exception before the answer started: the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if status >= 500:
                level = logging.ERROR
            elif path in _QUIET_PATHS:
                level = logging.DEBUG
            else:
                level = logging.INFO
            if route_template(scope) is None:
                bind_request(route="unmatched")
            access_log.log(
                level,
                "request",
                extra={
                    "path": path,  # never the query string: it may carry anything
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
