"""JSON transcodings for the types our events carry.

Names are persisted in stored events (``_type_``): never rename one. Our enums
are ``StrEnum``s, which JSON writes as their plain values (readable in the
store); the domain coerces them back where it reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import Actor, DepartmentRef
from domain.vocabulary import ActorKind, Role


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


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
        ActorAsDict(),
        DepartmentRefAsDict(),
    ):
        transcoder.register(transcoding)
