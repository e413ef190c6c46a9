"""What the pages show, in Korean: timeline entries, the 총괄 table, reminders.

Pure functions of the application's read results; templates only lay them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from application.digests import level_wording, topic_label
from application.dto import SummaryTable, TimelineEntry
from domain.vocabulary import (
    ACTOR_KIND_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    ActorKind,
    FindingKind,
    Role,
    Status,
    Verification,
)

EVENT_LABELS: dict[str, str] = {
    "Registered": "등록",
    "ProgressReported": "추진상황 보고",
    "ClaimVerified": "이행 확인",
    "ClaimReturned": "보완요구(반려)",
    "Reopened": "재개",
    "DueDateChanged": "처리기한 변경",
    "Reassigned": "담당부서 변경",
    "ReminderRaised": "알림",
    "ExtensionRequested": "기한연장 요청",
    "ExtensionGranted": "기한연장 승인",
    "ExtensionRefused": "기한연장 거절",
    "CommentAdded": "의견",
    "EvidenceAttached": "증빙자료 첨부",
    "CarriedOver": "이월",
    "RepeatConfirmed": "반복 지적 확인",
    "RepeatDismissed": "반복 지적 아님",
}

# Topics of the inbox the digests do not name (they go to council staff only).
_EXTRA_TOPIC_LABELS: dict[str, str] = {"extension_requested": "기한연장 요청"}
# What an inbox entry's detail text is, by topic.
_DETAIL_LABELS: dict[str, str] = {
    "claim_returned": "보완요구 사유",
    "extension_refused": "거절 사유",
    "extension_requested": "요청 사유",
    "stale_plan": "향후계획",
}

SUMMARY_ROW_LABELS: tuple[tuple[str, str], ...] = (
    ("total", "계"),
    *((kind.value, label) for kind, label in KIND_LABELS.items()),
)
SUMMARY_STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("total", "계"),
    (Status.COMPLETED.value, "완 료"),
    (Status.IN_PROGRESS.value, "추진중"),
    (Status.UNDER_REVIEW.value, "검토중"),
    (Status.NOT_ADOPTED.value, "미반영"),
)
SUMMARY_VERIFICATION_COLUMNS: tuple[tuple[str, str], ...] = (
    (Verification.VERIFIED.value, "확인"),
    (Verification.PENDING.value, "대기"),
    (Verification.RETURNED.value, "보완요구"),
)


@dataclass(frozen=True)
class SummaryRow:
    key: str
    label: str
    statuses: tuple[int, ...]
    verification: tuple[int, ...]


def summary_rows(table: SummaryTable) -> list[SummaryRow]:
    """The 처리결과 총괄 in the business report's order, verification beside it."""
    return [
        SummaryRow(
            key=key,
            label=label,
            statuses=tuple(table.rows[key][c] for c, _ in SUMMARY_STATUS_COLUMNS),
            verification=tuple(table.verification[key][c] for c, _ in SUMMARY_VERIFICATION_COLUMNS),
        )
        for key, label in SUMMARY_ROW_LABELS
    ]


def topic_name(topic: str) -> str:
    return _EXTRA_TOPIC_LABELS.get(topic) or topic_label(topic)


def detail_label(topic: str) -> str:
    return _DETAIL_LABELS.get(topic, "내용")


def topic_level(topic: str, level: int) -> str | None:
    return level_wording(topic, level)


def status_label(value: Status | str) -> str:
    status = value if isinstance(value, Status) else Status(value)
    return STATUS_LABELS[status]


def kind_label(value: FindingKind | str) -> str:
    kind = value if isinstance(value, FindingKind) else FindingKind(value)
    return KIND_LABELS[kind]


# -- timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    """One labelled fact of an event, as the timeline lists it."""

    label: str
    value: str
    long: bool = False  # free text: keep its line breaks
    href: str | None = None


@dataclass(frozen=True)
class TimelineItem:
    """A timeline entry with what the page says of it in Korean."""

    entry: TimelineEntry  # version, event, business date, recorded at
    label: str
    actor: str  # the kind of actor and its role
    actor_name: str | None  # the user's name; None for the system's own actors
    actor_id: str  # an administrator's detail
    details: list[Detail] = field(default_factory=list)


def actor_description(kind: str, role: str | None) -> str:
    try:
        text = ACTOR_KIND_LABELS[ActorKind(kind)]
    except ValueError:
        text = kind
    if role:
        try:
            text = f"{text} · {ROLE_LABELS[Role(role)]}"
        except ValueError:
            text = f"{text} · {role}"
    return text


def _date(value: Any) -> str:
    return str(value) if value else "없음"


def _text(label: str, value: Any, *, long: bool = True) -> list[Detail]:
    return [Detail(label, str(value), long=long)] if value not in (None, "") else []


def _department_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("id") or "")
    return str(value or "")


def _milestones(items: Iterable[Any]) -> list[Detail]:
    lines = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        when = item.get("when") or {}
        deadline = when.get("deadline") if isinstance(when, Mapping) else None
        raw = when.get("raw") if isinstance(when, Mapping) else None
        lines.append(f"{item.get('text', '')} — 기한 {deadline or '미정'} ({raw or ''})")
    return [Detail("향후계획 일정", "\n".join(lines), long=True)] if lines else []


# The reason the due-date policy records, as people read it.
_POLICY_REASON = "기본 처리기한 정책의 변경"


def _event_details(
    event: str, data: Mapping[str, Any], finding_id: UUID, titles: Mapping[str, str]
) -> list[Detail]:
    """What an event says, in Korean; ``titles`` names the audits and findings it links
    to (by id), so no id is shown."""
    reason = _text("사유", _POLICY_REASON if data.get("by_policy") else data.get("reason"))
    if event == "Registered":
        return [
            Detail("구분", f"{kind_label(str(data.get('kind')))} {data.get('seq')}"),
            Detail("담당부서", _department_name(data.get("department"))),
            Detail("처리기한", _date(data.get("due_date"))),
            *_text("요구의원", data.get("raised_by"), long=False),
            *_text("요구사항", data.get("request")),
        ]
    if event == "ProgressReported":
        status = str(data.get("status"))
        raw = data.get("status_raw")
        label = status_label(status)
        shown = label if not raw or raw == label else f"{label} (보고서 표기: {raw})"
        return [
            Detail("추진상황", shown),
            *_text("추진내용", data.get("actions")),
            *_text("향후계획", data.get("plans")),
            *_text("부진사유", data.get("delay_reason")),
            *_milestones(data.get("milestones") or ()),
            *_backdating(data),
            *(_file(finding_id, f) for f in data.get("evidence") or ()),
        ]
    if event == "ClaimVerified":
        review = data.get("review_on")
        return [
            *_text("확인 의견", data.get("note")),
            *([Detail("재검토일", _date(review))] if review else []),
        ]
    if event == "CarriedOver":
        audit = titles.get(str(data.get("to_audit_id")), "다음 연도 감사")
        return [Detail("이월한 감사", audit)]
    if event in ("RepeatConfirmed", "RepeatDismissed"):
        earlier = titles.get(str(data.get("earlier_finding_id")), "이전 연도 지적사항")
        return [Detail("이전 지적사항", earlier)]
    if event in ("ClaimReturned", "Reopened", "ExtensionRefused"):
        return reason
    if event == "DueDateChanged":
        change = f"{_date(data.get('previous_due_date'))} → {_date(data.get('due_date'))}"
        return [Detail("처리기한", change), *reason]
    if event == "Reassigned":
        before = _department_name(data.get("previous_department"))
        after = _department_name(data.get("department"))
        return [Detail("담당부서", f"{before} → {after}"), *reason]
    if event == "ReminderRaised":
        rule = str(data.get("rule"))
        level = level_wording(rule, int(data.get("level") or 0))
        return [
            Detail("종류", topic_name(rule) + (f" ({level})" if level else "")),
            Detail("기준일", _date(data.get("reference_date"))),
            *_text("내용", data.get("detail")),
        ]
    if event == "ExtensionRequested":
        return [Detail("요청 기한", _date(data.get("requested_due_date"))), *reason]
    if event == "ExtensionGranted":
        change = f"{_date(data.get('previous_due_date'))} → {_date(data.get('due_date'))}"
        return [Detail("처리기한", change), *reason]
    if event == "CommentAdded":
        return _text("내용", data.get("text"))
    if event == "EvidenceAttached":
        sha = str(data.get("sha256") or "")
        supports = data.get("report_version")
        return [
            _file(finding_id, data),
            Detail("형식", str(data.get("content_type") or "")),
            Detail("SHA-256", sha),
            *([Detail("근거 보고", f"{supports}번째 기록의 보고")] if supports else []),
            *_text("설명", data.get("note")),
        ]
    # An event this page does not know yet: show its data rather than hide it.
    return [Detail(key, str(value), long=True) for key, value in data.items()]


def _file(finding_id: UUID, data: Mapping[str, Any]) -> Detail:
    """An evidence file as a link, with its size."""
    sha = str(data.get("sha256") or "")
    size = data.get("size")
    shown = str(data.get("file_name") or "") + (
        f" ({size:,} 바이트)" if isinstance(size, int) else ""
    )
    return Detail(
        "증빙자료", shown, href=f"/api/v1/findings/{finding_id}/evidence/{sha}" if sha else None
    )


def _backdating(data: Mapping[str, Any]) -> list[Detail]:
    if not data.get("backdated"):
        return []
    reason = data.get("backdate_reason")
    return [
        Detail(
            "소급 기록", f"기록일보다 이전 날짜로 보고함{f' — 사유: {reason}' if reason else ''}"
        )
    ]


def timeline_items(
    finding_id: UUID,
    entries: Iterable[TimelineEntry],
    user_names: Mapping[str, str],
    titles: Mapping[str, str] | None = None,
) -> list[TimelineItem]:
    return [
        TimelineItem(
            entry=e,
            label=EVENT_LABELS.get(e.event, e.event),
            actor=actor_description(e.actor_kind, e.actor_role),
            actor_name=user_names.get(e.actor_id),
            actor_id=e.actor_id,
            details=_event_details(e.event, e.data, finding_id, titles or {}),
        )
        for e in entries
    ]
