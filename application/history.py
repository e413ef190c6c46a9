"""The event history's check: what `followup verify` reports (SPEC §9, tamper-evident).

Every stored event is covered by a SHA-256 hash chain (``infrastructure.history``);
these are the results the ``HistoryChain`` port hands out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID


class ChainProblemCode(StrEnum):
    EVENT_ALTERED = "EVENT_ALTERED"  # the stored event is not the one chained
    EVENT_DELETED = "EVENT_DELETED"  # a chained event is missing
    EVENT_INSERTED = "EVENT_INSERTED"  # a stored event the chain does not cover
    EVENT_REORDERED = "EVENT_REORDERED"  # an event stored out of its chain order
    CHAIN_ALTERED = "CHAIN_ALTERED"  # a chain record itself was edited
    HISTORY_CUT = "HISTORY_CUT"  # the expected head is not in the history
    TOO_MANY_PROBLEMS = "TOO_MANY_PROBLEMS"  # the list stops here


@dataclass(frozen=True)
class HistoryHead:
    """The chain's last link: how many events it covers, and its hash (hex)."""

    events: int
    head: str


@dataclass
class ChainProblem:
    """One thing wrong with the history, naming the event (SPEC §7 problem shape)."""

    code: ChainProblemCode
    message_ko: str
    message_en: str
    stream_id: UUID | None = None
    version: int | None = None
    notification_id: int | None = None
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": None,
            "severity": self.severity,
            "code": self.code.value,
            "message_ko": self.message_ko,
            "message_en": self.message_en,
            "stream_id": str(self.stream_id) if self.stream_id else None,
            "version": self.version,
            "notification_id": self.notification_id,
        }


@dataclass(frozen=True)
class ChainReport:
    """The whole history checked: ``ok`` when no problem was found."""

    events: int  # stored events read
    head: str | None  # the chain's head (hex); None for an empty history
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "problems": [p.as_dict() for p in self.problems],
        }


def parse_head(value: str) -> str:
    """A head as given on the command line: 64 hex digits, lower-cased.

    Raises:
        ValueError: not a SHA-256 in hex.
    """
    text = value.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"{value!r} is not a SHA-256 hash in hex (64 hex digits)")
    return text
