"""Daily e-mail digests (SPEC §4): one per department per day, one for council staff.

Pure functions of their arguments: the same items on the same day give the same mail, byte for
byte (no clock, no set order), so a digest rebuilt after a crash matches the one the outbox
stored, and its Message-ID lets the receiver drop the second copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from application.notifications import DigestItem, OutgoingMail, digest_message_id
from domain.vocabulary import KIND_LABELS, REMINDER_RULE_LABELS, ReminderRule

SUBJECT_PREFIX = "[행정사무감사 후속조치]"
SYSTEM_NAME = "행정사무감사 후속조치 관리 시스템"
# The staff digest has one recipient group, so one fixed key for its Message-ID.
STAFF_RECIPIENT_KEY = "council-staff"
STAFF_NAME = "의회 사무처"
REQUEST_LIMIT = 80
DETAIL_LIMIT = 160  # a return reason is worth more room than a request summary

NOTICE_LABELS: dict[str, str] = {
    "claim_returned": "보완요구(완료 보고 반려)",
    "reassigned_in": "담당부서 지정(이관 받음)",
    "reassigned_out": "담당부서 변경(이관)",
    "due_date_changed": "처리기한 변경",
    "extension_granted": "기한연장 승인",
    "extension_refused": "기한연장 거절",
}

_OVERDUE = ReminderRule.OVERDUE.value
_RULE_LABELS: dict[str, str] = {rule.value: label for rule, label in REMINDER_RULE_LABELS.items()}
# Overdue first (the enum's order), then the other reminders, then notices; unknown topics last.
_TOPIC_ORDER: tuple[str, ...] = (*_RULE_LABELS, *NOTICE_LABELS)
_KIND_ORDER: dict[str, int] = {label: rank for rank, label in enumerate(KIND_LABELS.values())}

# What an item's reference_date and detail mean depends on its topic.
_REFERENCE_LABELS: dict[str, str] = {
    ReminderRule.OVERDUE.value: "처리기한",
    ReminderRule.DUE_SOON.value: "처리기한",
    ReminderRule.CLAIM_WAITING.value: "보고일",
    ReminderRule.STALE_PLAN.value: "계획 일정",
    ReminderRule.REVIEW_DUE.value: "재검토일",
    "due_date_changed": "처리기한",
    "extension_granted": "처리기한",
    "extension_refused": "처리기한",
}
_DETAIL_LABELS: dict[str, str] = {
    ReminderRule.STALE_PLAN.value: "향후계획",
    "claim_returned": "보완요구 사유",
    "extension_refused": "거절 사유",
}
_DEFAULT_REFERENCE_LABEL = "기준일"
_DEFAULT_DETAIL_LABEL = "내용"

_FONT = "font-family: 'Malgun Gothic', '맑은 고딕', 'Apple SD Gothic Neo', sans-serif"
_CELL = "border: 1px solid #ccc; padding: 6px 8px; text-align: left; vertical-align: top"
_HEAD_CELL = f"{_CELL}; background: #f2f4f7; white-space: nowrap"
_URGENT = "#b00020"


def topic_label(topic: str) -> str:
    """The Korean label of a reminder rule or a notice topic; an unknown topic as it is."""
    return _RULE_LABELS.get(topic) or NOTICE_LABELS.get(topic, topic)


def level_wording(topic: str, level: int) -> str | None:
    """How far past its threshold a reminder is; levels count business days (SPEC §4)."""
    if level <= 0:
        return None
    if topic == _OVERDUE:
        return f"기한 경과 {level}영업일 이상"
    return f"{level}영업일 이상 경과"


def shorten(text: str, limit: int = REQUEST_LIMIT) -> str:
    """One line of at most ``limit`` characters: request texts run to several paragraphs."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def department_digest(
    *,
    recipient_key: str,
    department_name: str,
    day: date,
    items: Sequence[DigestItem],
    recipients: Sequence[str],
    app_url: str | None = None,
) -> OutgoingMail:
    """The day's reminders and notices for one department, grouped by topic."""
    body = _Body(
        subject=f"{SUBJECT_PREFIX} {department_name} 알림 {len(items)}건 ({day.isoformat()})",
        greeting=f"{department_name} 담당자님께",
        intro=f"{day.isoformat()} 기준 행정사무감사 후속조치 알림 {len(items)}건입니다.",
        sections=_sections(items),
        action=f"추진상황·완료 보고와 기한연장 요청은 {SYSTEM_NAME}에서 해 주십시오",
        app_url=app_url,
    )
    return _mail(digest_message_id(recipient_key, day), recipients, body)


def staff_message_key(council: str | None) -> str:
    """The staff digest's key in its Message-ID: one per council (ASCII: a digest of
    the council's name)."""
    if council is None:
        return STAFF_RECIPIENT_KEY
    return f"{STAFF_RECIPIENT_KEY}-{hashlib.sha256(council.encode()).hexdigest()[:12]}"


def staff_digest(
    *,
    day: date,
    overdue: Sequence[DigestItem],
    waiting_claims: Sequence[DigestItem],
    recipients: Sequence[str],
    app_url: str | None = None,
    council: str | None = None,
    recipient_key: str = STAFF_RECIPIENT_KEY,
) -> OutgoingMail:
    """Council staff's day: overdue findings by escalation level, then claims to verify
    (of one council, named in the mail, where the installation serves several).

    The two lists make the sections whatever topic their items carry: a waiting claim is
    listed as one even if its item says otherwise.
    """
    sections = [
        _Section(topic_label(_OVERDUE), level, _OVERDUE, tuple(group))
        for level, group in _by_level(overdue)
    ]
    waiting_topic = ReminderRule.CLAIM_WAITING.value
    if waiting_claims:
        sections.append(
            _Section(topic_label(waiting_topic), 0, waiting_topic, _ordered(waiting_claims))
        )
    total = len(overdue) + len(waiting_claims)
    staff = f"{council} {STAFF_NAME}" if council else STAFF_NAME
    body = _Body(
        subject=f"{SUBJECT_PREFIX} {staff} 알림 {total}건 ({day.isoformat()})",
        greeting=f"{staff} 담당자님께",
        intro=(
            f"{day.isoformat()} 기준 처리기한 경과 {len(overdue)}건, "
            f"이행확인 대기 {len(waiting_claims)}건입니다."
        ),
        sections=sections,
        action=f"이행확인(확인·보완요구)과 처리기한 관리는 {SYSTEM_NAME}에서 해 주십시오",
        app_url=app_url,
    )
    return _mail(digest_message_id(recipient_key, day), recipients, body)


@dataclass(frozen=True)
class _Section:
    label: str
    level: int
    topic: str  # decides the column labels
    items: tuple[DigestItem, ...]

    @property
    def title(self) -> str:
        wording = level_wording(self.topic, self.level)
        return f"{self.label} · {wording}" if wording else self.label

    @property
    def reference_label(self) -> str:
        return _REFERENCE_LABELS.get(self.topic, _DEFAULT_REFERENCE_LABEL)

    @property
    def detail_label(self) -> str:
        return _DETAIL_LABELS.get(self.topic, _DEFAULT_DETAIL_LABEL)

    @property
    def urgent(self) -> bool:
        return self.topic == _OVERDUE

    @property
    def has_details(self) -> bool:
        return any(item.detail for item in self.items)


def _sections(items: Sequence[DigestItem]) -> list[_Section]:
    groups: dict[tuple[str, int], list[DigestItem]] = {}
    for item in items:
        groups.setdefault((item.topic, item.level), []).append(item)
    keys = sorted(groups, key=lambda key: (_topic_rank(key[0]), key[0], -key[1]))
    sections = []
    for topic, level in keys:
        group = groups[(topic, level)]
        # An unknown topic keeps the label its item brought rather than a bare identifier.
        label = topic_label(topic) if topic in _TOPIC_ORDER else group[0].topic_label or topic
        sections.append(_Section(label, level, topic, _ordered(group)))
    return sections


def _by_level(items: Sequence[DigestItem]) -> list[tuple[int, list[DigestItem]]]:
    groups: dict[int, list[DigestItem]] = {}
    for item in items:
        groups.setdefault(item.level, []).append(item)
    # The longest overdue first: those are the ones to chase.
    return sorted(groups.items(), key=lambda pair: -pair[0])


def _topic_rank(topic: str) -> int:
    return _TOPIC_ORDER.index(topic) if topic in _TOPIC_ORDER else len(_TOPIC_ORDER)


def _ordered(items: Sequence[DigestItem]) -> tuple[DigestItem, ...]:
    """Oldest reference date first, then in the report's order (kind, 연번)."""
    return tuple(
        sorted(
            items,
            key=lambda item: (
                item.reference_date is None,
                item.reference_date or date.min,
                _KIND_ORDER.get(item.kind_label, len(_KIND_ORDER)),
                item.kind_label,
                item.seq,
                item.finding_id.hex,
            ),
        )
    )


def _item_name(item: DigestItem) -> str:
    name = f"{item.kind_label} 연번 {item.seq}"
    return f"{name} ({item.department})" if item.department else name


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


@dataclass(frozen=True)
class _Body:
    """What both renderings of a digest say."""

    subject: str
    greeting: str
    intro: str
    sections: Sequence[_Section]
    action: str
    app_url: str | None


def _mail(message_id: str, recipients: Sequence[str], body: _Body) -> OutgoingMail:
    # Blank entries dropped and duplicates removed, order kept: a stable To header.
    unique = tuple(dict.fromkeys(r.strip() for r in recipients if r.strip()))
    return OutgoingMail(
        message_id=message_id,
        recipients=unique,
        subject=body.subject,
        text=_text(body),
        html=_html(body),
    )


_FOOTER = "이 메일은 자동으로 발송되었습니다. 회신하지 마십시오."
_EMPTY = "새 알림이 없습니다."


def _text(body: _Body) -> str:
    lines = [body.greeting, "", body.intro, ""]
    if not body.sections:
        lines += [_EMPTY, ""]
    for section in body.sections:
        lines.append(f"■ {section.title} ({len(section.items)}건)")
        for number, item in enumerate(section.items, start=1):
            lines.append(f"  {number}. {_item_name(item)}")
            lines.append(f"     요구사항: {shorten(item.request)}")
            lines.append(f"     {section.reference_label}: {_day(item.reference_date)}")
            if item.detail:
                lines.append(f"     {section.detail_label}: {shorten(item.detail, DETAIL_LIMIT)}")
        lines.append("")
    lines.append(f"{body.action}: {body.app_url}" if body.app_url else f"{body.action}.")
    lines += ["", _FOOTER, ""]
    return "\n".join(lines)


def _html(body: _Body) -> str:
    e = escape  # every text below is data, request texts included: escape all of it
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ko">',
        f'<head><meta charset="utf-8"><title>{e(body.subject)}</title></head>',
        f'<body style="{_FONT}; font-size: 14px; line-height: 1.5; color: #222">',
        f"<p>{e(body.greeting)}</p>",
        f"<p>{e(body.intro)}</p>",
    ]
    if not body.sections:
        parts.append(f"<p>{e(_EMPTY)}</p>")
    for section in body.sections:
        colour = f"; color: {_URGENT}" if section.urgent else ""
        parts.append(
            f'<h2 style="font-size: 16px; margin: 20px 0 6px{colour}">'
            f"{e(section.title)} ({len(section.items)}건)</h2>"
        )
        headers = ["번호", "구분", "요구사항", section.reference_label]
        if section.has_details:
            headers.append(section.detail_label)
        parts.append('<table style="border-collapse: collapse; width: 100%">')
        parts.append(
            "<thead><tr>"
            + "".join(f'<th style="{_HEAD_CELL}">{e(h)}</th>' for h in headers)
            + "</tr></thead>"
        )
        parts.append("<tbody>")
        for number, item in enumerate(section.items, start=1):
            cells = [
                str(number),
                _item_name(item),
                shorten(item.request),
                _day(item.reference_date),
            ]
            if section.has_details:
                cells.append(shorten(item.detail, DETAIL_LIMIT) if item.detail else "")
            parts.append(
                "<tr>" + "".join(f'<td style="{_CELL}">{e(c)}</td>' for c in cells) + "</tr>"
            )
        parts.append("</tbody></table>")
    if body.app_url:
        url = e(body.app_url)
        parts.append(f'<p>{e(body.action)}: <a href="{url}">{url}</a></p>')
    else:
        parts.append(f"<p>{e(body.action)}.</p>")
    parts.append(f'<p style="color: #777; font-size: 12px">{e(_FOOTER)}</p>')
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
