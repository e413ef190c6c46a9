"""Every enum member has its one Korean label; the status table of SPEC §2."""

from __future__ import annotations

import pytest

from domain.vocabulary import (
    ACTOR_KIND_LABELS,
    KIND_LABELS,
    REMINDER_RULE_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    ActorKind,
    FindingKind,
    ReminderRule,
    Role,
    Status,
    Verification,
    normalise_kind,
    normalise_status,
)


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (FindingKind, KIND_LABELS),
        (Status, STATUS_LABELS),
        (Verification, VERIFICATION_LABELS),
        (Role, ROLE_LABELS),
        (ActorKind, ACTOR_KIND_LABELS),
        (ReminderRule, REMINDER_RULE_LABELS),
    ],
)
def test_every_member_has_a_korean_label(enum: type, labels: dict[object, str]) -> None:
    assert set(labels) == set(enum)
    assert all(label.strip() for label in labels.values())


def test_identifiers_are_the_persisted_names_of_spec() -> None:
    assert [k.value for k in FindingKind] == ["corrective", "recommendation", "other"]
    assert [s.value for s in Status] == [
        "under_review",
        "in_progress",
        "completed",
        "not_adopted",
    ]
    assert [v.value for v in Verification] == ["pending", "verified", "returned"]


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("추진완료", Status.COMPLETED),
        ("추진 완료", Status.COMPLETED),
        ("완료", Status.COMPLETED),
        ("조치완료", Status.COMPLETED),
        ("진행완료", Status.COMPLETED),
        ("처리완료", Status.COMPLETED),
        ("추진중", Status.IN_PROGRESS),
        ("추진 중", Status.IN_PROGRESS),
        ("진행중", Status.IN_PROGRESS),
        ("진행 중", Status.IN_PROGRESS),
        ("조치중", Status.IN_PROGRESS),
        ("검토중", Status.UNDER_REVIEW),
        ("검토 중", Status.UNDER_REVIEW),
        ("추진검토", Status.UNDER_REVIEW),
        ("검토", Status.UNDER_REVIEW),
        ("미반영", Status.NOT_ADOPTED),
        ("추진불가", Status.NOT_ADOPTED),
        ("추진 불가", Status.NOT_ADOPTED),
        ("추진\n불가", Status.NOT_ADOPTED),
        ("반영불가", Status.NOT_ADOPTED),
        ("수용불가", Status.NOT_ADOPTED),
        ("불수용", Status.NOT_ADOPTED),
    ],
)
def test_status_spellings_map_to_one_status(raw: str, status: Status) -> None:
    assert normalise_status(raw) is status


@pytest.mark.parametrize("raw", ["완료됨", "추진완료예정", "완", "중", "", "종료", "전환예정"])
def test_unknown_status_spellings_are_not_guessed_by_prefix(raw: str) -> None:
    assert normalise_status(raw) is None


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("시정·처리요구사항", FindingKind.CORRECTIVE),
        ("시정· 처리요구사항", FindingKind.CORRECTIVE),
        ("시정 및 처리 요구사항", FindingKind.CORRECTIVE),
        ("개선요구", FindingKind.CORRECTIVE),
        ("주의", FindingKind.CORRECTIVE),
        ("건의 사항", FindingKind.RECOMMENDATION),
        ("기타(자료제출 등)", FindingKind.OTHER),
        ("자료제출 등 기타사항", FindingKind.OTHER),
    ],
)
def test_kind_spellings(raw: str, kind: FindingKind) -> None:
    assert normalise_kind(raw) is kind
