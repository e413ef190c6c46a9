"""The product's vocabulary: English identifiers, Korean labels (SPEC §2).

Identifiers are persisted in every event, so the enum *values* never change.
Each enum has exactly one Korean label table here; messages and views use it.
The enums are plain ``Enum``s, not ``StrEnum``s: JSON would write a str subclass
as a bare string and read it back as ``str``; as plain enums they go through
their transcodings and come back as themselves.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

E = TypeVar("E", bound=Enum)


def _labels(enum: type[E], *labels: str) -> dict[E, str]:
    """The Korean label of each member, given in the enum's order (all of them)."""
    return dict(zip(enum, labels, strict=True))


class FindingKind(Enum):
    CORRECTIVE = "corrective"
    RECOMMENDATION = "recommendation"
    OTHER = "other"


class Status(Enum):
    UNDER_REVIEW = "under_review"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NOT_ADOPTED = "not_adopted"

    @property
    def is_claim(self) -> bool:
        """완료 and 미반영 are claims the council must verify (SPEC §3)."""
        return self in (Status.COMPLETED, Status.NOT_ADOPTED)


class Verification(Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    RETURNED = "returned"


class Role(Enum):
    DEPARTMENT_OFFICER = "department_officer"
    COUNCIL_STAFF = "council_staff"
    VIEWER = "viewer"
    ADMIN = "admin"


class ActorKind(Enum):
    USER = "user"
    IMPORT = "import"
    SCHEDULER = "scheduler"
    SYSTEM = "system"


class ReminderRule(Enum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    CLAIM_WAITING = "claim_waiting"
    STALE_PLAN = "stale_plan"
    REVIEW_DUE = "review_due"  # a verified 미반영's re-review date came


# The Korean labels, member by member in each enum's order.
KIND_LABELS = _labels(FindingKind, "시정·처리요구사항", "건의사항", "기타(자료제출 등)")
STATUS_LABELS = _labels(Status, "검토중", "추진중", "완료", "미반영")
VERIFICATION_LABELS = _labels(Verification, "이행확인 대기", "확인", "보완요구")
ROLE_LABELS = _labels(Role, "부서 담당자", "의회 직원", "열람자", "관리자")
ACTOR_KIND_LABELS = _labels(ActorKind, "사용자", "가져오기", "스케줄러", "시스템")
REMINDER_RULE_LABELS = _labels(
    ReminderRule,
    "처리기한 경과",
    "처리기한 임박",
    "이행확인 지연",
    "향후계획 일정 경과",
    "미반영 재검토일 도래",
)

# The one normalisation table of SPEC §2. Keys are compared after white space
# (including a line break, as in 추진<br/>불가) is removed, never by prefix.
_STATUS_SPELLINGS: dict[str, Status] = {
    spelling.replace(" ", ""): status
    for status, spellings in {
        Status.COMPLETED: (
            "추진완료",
            "추진 완료",
            "완료",
            "조치완료",
            "진행완료",
            "처리완료",
        ),
        Status.IN_PROGRESS: ("추진중", "추진 중", "진행중", "진행 중", "조치중"),
        Status.UNDER_REVIEW: ("검토중", "검토 중", "추진검토", "검토"),
        Status.NOT_ADOPTED: (
            "미반영",
            "추진불가",
            "추진 불가",
            "반영불가",
            "수용불가",
            "불수용",
        ),
    }.items()
    for spelling in spellings
}

# Councils also write 시정요구 / 처리요구 / 개선요구 / 주의 for the corrective kind.
_KIND_SPELLINGS: dict[str, FindingKind] = {
    **{
        s: FindingKind.CORRECTIVE
        for s in (
            "시정·처리요구사항",
            "시정처리요구사항",
            "시정및처리요구사항",
            "시정요구사항",
            "처리요구사항",
            "시정요구",
            "처리요구",
            "개선요구",
            "개선요구사항",
            "주의",
        )
    },
    **{s: FindingKind.RECOMMENDATION for s in ("건의사항", "건의")},
    **{
        s: FindingKind.OTHER
        for s in (
            "기타",
            "기타(자료제출등)",
            "기타자료제출",
            "기타사항",
            "자료제출등기타사항",
        )
    },
}

_WHITESPACE = re.compile(r"\s+")


def normalise_status(raw: str) -> Status | None:
    """Map a status spelling to its canonical value, or None when unknown."""
    return _STATUS_SPELLINGS.get(_WHITESPACE.sub("", raw))


def normalise_kind(raw: str) -> FindingKind | None:
    """Map a category label as councils write it to a kind, or None when unknown."""
    key = _WHITESPACE.sub("", raw)
    if key in _KIND_SPELLINGS:
        return _KIND_SPELLINGS[key]
    try:
        return FindingKind(raw.strip())
    except ValueError:
        return None
