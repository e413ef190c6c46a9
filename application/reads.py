"""The position a read must show: a caller's own last write (read-your-writes).

Raised by every write in its context (a request, a CLI command, a job) and, for a
position a caller hands back, by the API's consistency middleware; read where reads
are routed (a replica answers only if it has reached it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_required: ContextVar[int] = ContextVar("followup_required_position", default=0)


def required_position() -> int:
    return _required.get()


def wrote(position: int) -> None:
    """This context wrote up to ``position``: its later reads must show it."""
    if position > _required.get():
        _required.set(position)


@contextmanager
def reading_after(position: int) -> Iterator[None]:
    """Reads inside must show the event log up to ``position``."""
    token = _required.set(max(position, _required.get()))
    try:
        yield
    finally:
        _required.reset(token)


def forget_writes() -> None:
    """Start this context afresh: positions are one database's, and a process that
    moves to another (a test session does) must not carry them over."""
    _required.set(0)
