"""The inbox as people work through it: open or resolved, read or unread, grouped by
finding, a page at a time, each entry saying what to do and by when.

Which entries are resolved is the inbox view's (``resolved_on``: what the entry
asked for happened); read marks are each account's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from application.digests import NOTICE_LABELS, topic_label
from application.dto import InboxEntry, InboxKey
from domain.vocabulary import KIND_LABELS, ReminderRule

INBOX_PAGE_SIZE = 20  # findings per page
_KIND_ORDER = {label: rank for rank, label in enumerate(KIND_LABELS.values())}

# What resolved an entry, as the page says it.
RESOLUTION_LABELS: dict[str, str] = {
    "reported": "추진상황 보고됨",
    "decided": "이행확인 처리됨",
    "closed": "이행 확인으로 종결",
    "due_changed": "처리기한 변경됨",
    "extension_decided": "기한연장 결정됨",
    "reassigned": "다른 부서로 이관됨",
    "extension_asked": "기한연장 요청함",
    "reviewed": "재검토 의견 남김",
    "reopened": "지적사항 재개됨",
}


# Every topic an entry can have, in the order a filter lists them.
INBOX_TOPICS: tuple[str, ...] = (
    *(rule.value for rule in ReminderRule),
    "extension_requested",
    *NOTICE_LABELS,
)


class InboxState(StrEnum):
    OPEN = "open"  # what still asks for something (the default)
    RESOLVED = "resolved"
    ALL = "all"


@dataclass(frozen=True)
class InboxFilter:
    state: InboxState = InboxState.OPEN
    topic: str | None = None  # a ReminderRule value or a notice topic
    unread_only: bool = False
    page: int = 1


@dataclass(frozen=True)
class InboxItem:
    entry: InboxEntry
    read: bool
    wording: str  # what to do and by when

    @property
    def key(self) -> InboxKey:
        return self.entry.key

    @property
    def resolution_label(self) -> str | None:
        r = self.entry.resolution
        return RESOLUTION_LABELS.get(r, r) if r else None


@dataclass(frozen=True)
class InboxGroup:
    """One finding's entries, newest first."""

    finding_id: UUID
    audit_id: UUID
    kind_label: str
    seq: int
    request: str
    department: str
    items: tuple[InboxItem, ...]

    @property
    def unread(self) -> int:
        return sum(not i.read for i in self.items)

    @property
    def latest(self) -> date:
        return self.items[0].entry.raised_on


@dataclass(frozen=True)
class InboxPage:
    groups: tuple[InboxGroup, ...]
    findings: int  # groups matching the filter, on every page
    page: int
    pages: int
    open: int  # entries still open (whatever the filter)
    unread: int  # open entries not read yet
    resolved: int
    topics: tuple[str, ...]  # the topics present, for the filter


def _days(n: int) -> str:
    return f"{n}일"


def wording(e: InboxEntry, today: date) -> str:
    """What the entry asks for, and by when: "처리기한 12일 경과 — 추진상황을 보고하세요"."""
    ref = e.reference_date
    topic = e.topic
    if topic == ReminderRule.OVERDUE.value and ref:
        late = _days((today - ref).days)
        return f"처리기한({ref.isoformat()}) {late} 경과 — 추진상황을 보고하세요"
    if topic == ReminderRule.DUE_SOON.value and ref:
        left = (ref - today).days
        when = "오늘까지" if left == 0 else f"{_days(left)} 남음" if left > 0 else "지남"
        return f"처리기한({ref.isoformat()}) {when} — 완료를 보고하거나 기한연장을 요청하세요"
    if topic == ReminderRule.CLAIM_WAITING.value and ref:
        return (
            f"보고({ref.isoformat()}) 후 {_days((today - ref).days)}째 이행확인 대기 — "
            "확인하거나 보완요구하세요"
        )
    if topic == ReminderRule.STALE_PLAN.value and ref:
        return (
            f"향후계획 일정({ref.isoformat()}) {_days((today - ref).days)} 경과 — "
            "추진상황을 보고하세요"
        )
    if topic == ReminderRule.REVIEW_DUE.value:
        on = f"({ref.isoformat()})" if ref else ""
        return f"미반영 재검토일{on} 도래 — 재검토 결과를 의견으로 남기세요"
    if topic == "claim_returned":
        return "완료 보고가 반려됨 — 사유를 보완해 다시 보고하세요"
    if topic == "reassigned_in":
        return "담당부서로 지정됨 — 추진상황을 보고하세요"
    if topic == "reassigned_out":
        return "다른 부서로 이관됨 — 새 담당부서가 보고하면 끝납니다"
    if topic == "due_date_changed":
        if ref is None:
            return "처리기한이 없어짐 — 추진상황을 보고하세요"
        if ref < today:
            return f"처리기한이 {ref.isoformat()}(으)로 바뀜(이미 지남) — 추진상황을 보고하세요"
        return f"처리기한이 {ref.isoformat()}(으)로 바뀜 — 새 기한 안에 보고하세요"
    if topic == "extension_granted":
        new = ref.isoformat() if ref else "-"
        return f"기한연장 승인 — 새 처리기한 {new}까지 보고하세요"
    if topic == "extension_refused":
        return "기한연장 거절 — 지금 처리기한 안에 보고하세요"
    if topic == "extension_requested":
        asked = f"({ref.isoformat()}까지)" if ref else ""
        return f"기한연장 요청{asked} — 승인하거나 거절하세요"
    return topic_label(topic)


def _matches(e: InboxEntry, flt: InboxFilter) -> bool:
    if flt.state is InboxState.OPEN and e.resolved_on is not None:
        return False
    if flt.state is InboxState.RESOLVED and e.resolved_on is None:
        return False
    return flt.topic is None or e.topic == flt.topic


def inbox_page(
    entries: Sequence[InboxEntry], read: set[InboxKey], flt: InboxFilter, today: date
) -> InboxPage:
    """Group ``entries`` by finding (the finding with the newest entry first) and cut
    the page ``flt`` asks for (past the last: the last)."""
    items = [InboxItem(e, e.key in read, wording(e, today)) for e in entries]
    kept = [i for i in items if _matches(i.entry, flt) and not (flt.unread_only and i.read)]
    # Newest first; on the same day, in the report's order (kind, number).
    kept.sort(key=lambda i: (_KIND_ORDER.get(i.entry.kind_label, 9), i.entry.seq))
    kept.sort(key=lambda i: i.entry.raised_on, reverse=True)
    by_finding: dict[UUID, list[InboxItem]] = {}
    for i in kept:
        by_finding.setdefault(i.entry.finding_id, []).append(i)
    for its in by_finding.values():
        its.sort(
            key=lambda i: (i.entry.raised_on, i.entry.version, i.entry.log_version), reverse=True
        )
    groups = [
        InboxGroup(
            finding_id=fid,
            audit_id=its[0].entry.audit_id,
            kind_label=its[0].entry.kind_label,
            seq=its[0].entry.seq,
            request=its[0].entry.request,
            department=its[0].entry.department,
            items=tuple(its),
        )
        for fid, its in by_finding.items()
    ]
    pages = max(1, -(-len(groups) // INBOX_PAGE_SIZE))
    page = min(max(1, flt.page), pages)
    start = (page - 1) * INBOX_PAGE_SIZE
    open_items = [i for i in items if i.entry.resolved_on is None]
    return InboxPage(
        groups=tuple(groups[start : start + INBOX_PAGE_SIZE]),
        findings=len(groups),
        page=page,
        pages=pages,
        open=len(open_items),
        unread=sum(not i.read for i in open_items),
        resolved=len(items) - len(open_items),
        topics=tuple(sorted({e.topic for e in entries})),
    )
