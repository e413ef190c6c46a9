"""Value objects carried by events: who acted, and which department."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, TypedDict
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import ReasonRequiredError
from domain.vocabulary import ActorKind, Role

# Every deterministic id of the product hangs off this namespace, so the same
# natural key gives the same id in every installation.
FOLLOWUP_NAMESPACE = uuid5(NAMESPACE_URL, "urn:audit-followup")

_WHITESPACE = re.compile(r"\s+")

SEOUL = timezone(timedelta(hours=9), "Asia/Seoul")  # no DST in Korea since 1988


def seoul_date(instant: datetime) -> date:
    """The Asia/Seoul calendar date of an instant: what "today" means to a council."""
    return instant.astimezone(SEOUL).date()


def natural_id(*parts: object) -> UUID:
    """A deterministic id from a natural key (eventsourcing's ``uuid5`` idiom)."""
    key = "\x1f".join(
        _WHITESPACE.sub(" ", p).strip() if isinstance(p, str) else str(p) for p in parts
    )
    return uuid5(FOLLOWUP_NAMESPACE, key)


# What no stored text keeps, whoever sent it (a form, a document): control characters
# other than tab and line feed, lone surrogates, byte-order marks.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


# Bidirectional controls: in a name they would reorder the text shown around it.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_bidi_control(value: str) -> bool:
    return _BIDI.search(value) is not None


def has_unstorable(value: str) -> bool:
    """Whether ``stored_text`` would have to replace a character (a line's CR and a
    byte-order mark it simply drops)."""
    return _UNSTORABLE.search(value.replace("\r", "").replace("\ufeff", "")) is not None


def stored_text(value: str) -> str:
    """NFC, CR LF as LF, and the characters no stored text keeps replaced by a space
    (the API refuses them outright; documents and forms are cleaned)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", _UNSTORABLE.sub(" ", value))


def one_line(value: str) -> str:
    """Names as typed: runs of white space (line breaks included) become one space."""
    return " ".join(stored_text(value).split())


def optional_text(value: str | None) -> str | None:
    """Blank text is no text: keeps events free of '' vs None noise."""
    if value is None:
        return None
    value = stored_text(value).strip()
    return value or None


def required_reason(value: str | None) -> str:
    """The reason a change records, stripped.

    Raises:
        ReasonRequiredError: no reason, or only white space.
    """
    reason = optional_text(value)
    if reason is None:
        raise ReasonRequiredError()
    return reason


@dataclass(frozen=True)
class Actor:
    """Who recorded an event (SPEC §3 "Actors and dates").

    ``document_hash`` is the SHA-256 of the imported document for import actors.
    """

    kind: ActorKind
    id: str
    role: Role | None = None
    document_hash: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=ActorKind.SYSTEM, id="system")

    @classmethod
    def importer(cls, document_hash: str) -> Actor:
        return cls(kind=ActorKind.IMPORT, id="import", document_hash=document_hash)

    @classmethod
    def user(cls, user_id: str, role: Role) -> Actor:
        return cls(kind=ActorKind.USER, id=user_id, role=role)


@dataclass(frozen=True)
class DepartmentRef:
    """A department as a stable id plus the name as written at the time.

    Departments are renamed and merged over the years; events keep the name
    they were given and the id stays stable, so stored events never change.
    """

    id: str
    name: str

    @classmethod
    def from_name(cls, name: str) -> DepartmentRef:
        return _department_from_name(name)


@lru_cache(maxsize=4096)
def _department_from_name(name: str) -> DepartmentRef:
    # A pure function of the name; imports ask for the same few names many times.
    clean = _WHITESPACE.sub(" ", name).strip()
    return DepartmentRef(id=f"dept-{natural_id('department', clean.replace(' ', ''))}", name=clean)


@dataclass(frozen=True)
class EvidenceFile:
    """증빙자료 as an event references it: the file is stored content-addressed."""

    sha256: str
    file_name: str
    content_type: str
    size: int


class StampFields(TypedDict):
    """What every command is told besides its own facts: who, the business date, when."""

    actor: Actor
    business_date: date
    now: datetime


def stamped(actor: Actor, business_date: date, now: datetime) -> dict[str, Any]:
    """The fields every event records besides its own facts (``now`` is its timestamp)."""
    return {"actor": actor, "business_date": business_date, "timestamp": now}
