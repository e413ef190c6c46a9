"""JSON transcodings for the types our events carry.

Names are persisted in stored events (``_type_``): never rename one.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import Actor, DepartmentRef
from domain.vocabulary import ActorKind, FindingKind, Role, Status, Verification


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class _EnumAsValue(Transcoding):
    type: type[Enum]

    def encode(self, obj: Enum) -> str:
        return str(obj.value)

    def decode(self, data: str) -> Enum:
        return self.type(data)


class FindingKindAsValue(_EnumAsValue):
    type = FindingKind
    name = "finding_kind"


class StatusAsValue(_EnumAsValue):
    type = Status
    name = "status"


class VerificationAsValue(_EnumAsValue):
    type = Verification
    name = "verification"


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


class DepartmentRefAsDict(Transcoding):
    type = DepartmentRef
    name = "department"

    def encode(self, obj: DepartmentRef) -> dict[str, str]:
        return {"id": obj.id, "name": obj.name}

    def decode(self, data: dict[str, str]) -> DepartmentRef:
        return DepartmentRef(**data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (
        DateAsISO(),
        FindingKindAsValue(),
        StatusAsValue(),
        VerificationAsValue(),
        ActorAsDict(),
        DepartmentRefAsDict(),
    ):
        transcoder.register(transcoding)
