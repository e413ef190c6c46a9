"""JSON transcodings for the types our events carry.

Names are persisted in stored events (``_type_``): never rename one.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.dates import KoreanDate, Milestone, Precision
from domain.values import Actor, DepartmentRef
from domain.vocabulary import ActorKind, FindingKind, ReminderRule, Role, Status, Verification


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


class ReminderRuleAsValue(_EnumAsValue):
    type = ReminderRule
    name = "reminder_rule"


class PrecisionAsValue(_EnumAsValue):
    type = Precision
    name = "date_precision"


class KoreanDateAsDict(Transcoding):
    type = KoreanDate
    name = "korean_date"

    def encode(self, obj: KoreanDate) -> dict[str, Any]:
        return {
            "raw": obj.raw,
            "precision": obj.precision,
            "start": obj.start,
            "end": obj.end,
            "cadence": obj.cadence,
        }

    def decode(self, data: dict[str, Any]) -> KoreanDate:
        return KoreanDate(**data)


class MilestoneAsDict(Transcoding):
    type = Milestone
    name = "milestone"

    def encode(self, obj: Milestone) -> dict[str, Any]:
        return {"text": obj.text, "when": obj.when}

    def decode(self, data: dict[str, Any]) -> Milestone:
        return Milestone(**data)


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
        PrecisionAsValue(),
        ReminderRuleAsValue(),
        KoreanDateAsDict(),
        MilestoneAsDict(),
        ActorAsDict(),
        DepartmentRefAsDict(),
    ):
        transcoder.register(transcoding)
