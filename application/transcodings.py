"""JSON transcodings for the types our events carry.

Names are persisted in stored events (``_type_``): never rename one.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.dates import KoreanDate, Milestone, Precision
from domain.values import Actor, DepartmentRef, EvidenceFile
from domain.vocabulary import ActorKind, FindingKind, ReminderRule, Role, Status, Verification


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """An enum as its value: ``"completed"``, not the member's name."""

    def __init__(self, enum: type[Enum], name: str) -> None:
        self.type = self._enum = enum
        self.name = name

    def encode(self, obj: Enum) -> str:
        return str(obj.value)

    def decode(self, data: str) -> Enum:
        return self._enum(data)


class DataclassAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields, in their declared order (shallow:
    field values go through their own transcodings)."""

    def __init__(self, cls: type[Any], name: str) -> None:
        self.type = cls
        self.name = name
        self._fields = tuple(f.name for f in fields(cls))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return {
            "kind": obj.kind.value,
            "id": obj.id,
            "role": obj.role.value if obj.role else None,
            "document_hash": obj.document_hash,
        }

    def decode(self, data: dict[str, Any]) -> Actor:
        role = data.get("role")
        return Actor(
            kind=ActorKind(data["kind"]),
            id=data["id"],
            role=Role(role) if role else None,
            document_hash=data.get("document_hash"),
        )


def register_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (
        DateAsISO(),
        EnumAsValue(FindingKind, "finding_kind"),
        EnumAsValue(Status, "status"),
        EnumAsValue(Verification, "verification"),
        EnumAsValue(Precision, "date_precision"),
        EnumAsValue(ReminderRule, "reminder_rule"),
        DataclassAsDict(KoreanDate, "korean_date"),
        DataclassAsDict(Milestone, "milestone"),
        ActorAsDict(),
        DataclassAsDict(DepartmentRef, "department"),
        DataclassAsDict(EvidenceFile, "evidence_file"),
    ):
        transcoder.register(transcoding)
