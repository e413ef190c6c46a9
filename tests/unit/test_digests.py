"""Daily digests: Korean subjects, sections in order, escaping, deterministic output."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from uuid import UUID

from application.digests import (
    NOTICE_LABELS,
    STAFF_RECIPIENT_KEY,
    department_digest,
    shorten,
    staff_digest,
    topic_label,
)
from application.notifications import DigestItem, OutgoingMail, digest_message_id
from domain.vocabulary import REMINDER_RULE_LABELS, ReminderRule

DAY = date(2018, 11, 20)
DEPT = "사회적경제담당관"
RECIPIENTS = ("officer@seoul.go.kr",)


def item(
    seq: int,
    topic: str,
    *,
    level: int = 0,
    kind: str = "시정·처리요구사항",
    request: str = "사회적경제기업 판로 지원 실적을 점검할 것",
    reference: date | None = date(2018, 10, 31),
    detail: str | None = None,
) -> DigestItem:
    return DigestItem(
        finding_id=UUID(int=seq * 1000 + level),
        kind_label=kind,
        seq=seq,
        request=request,
        topic=topic,
        topic_label=topic_label(topic),
        level=level,
        reference_date=reference,
        detail=detail,
    )


def digest(items: list[DigestItem], app_url: str | None = None) -> OutgoingMail:
    return department_digest(
        recipient_key="dept-42",
        department_name=DEPT,
        day=DAY,
        items=items,
        recipients=RECIPIENTS,
        app_url=app_url,
    )


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("■ ")]


MIXED = [
    item(4, "claim_returned", detail="증빙자료 미첨부"),
    item(2, "due_soon", reference=date(2018, 11, 27)),
    item(1, ReminderRule.OVERDUE.value),
    item(3, ReminderRule.OVERDUE.value, level=10, reference=date(2018, 10, 1)),
    item(5, "stale_plan", kind="건의사항", detail="2018년 하반기 조례 개정"),
]


def test_topic_labels_come_from_the_rule_table_then_the_notice_table() -> None:
    for rule, label in REMINDER_RULE_LABELS.items():
        assert topic_label(rule.value) == label
    assert topic_label("claim_returned") == "보완요구(완료 보고 반려)"
    assert topic_label("reassigned_in") == NOTICE_LABELS["reassigned_in"]
    assert topic_label("something_new") == "something_new"


def test_department_subject_names_the_department_count_and_day() -> None:
    mail = department_digest(
        recipient_key="dept-42",
        department_name=DEPT,
        day=DAY,
        items=MIXED[:3],
        recipients=RECIPIENTS,
    )
    assert mail.subject == "[행정사무감사 후속조치] 사회적경제담당관 알림 3건 (2018-11-20)"
    assert mail.recipients == RECIPIENTS


def test_message_id_is_the_recipient_and_day_and_nothing_else() -> None:
    first = department_digest(
        recipient_key="dept-42", department_name=DEPT, day=DAY, items=MIXED, recipients=RECIPIENTS
    )
    fewer = department_digest(
        recipient_key="dept-42",
        department_name="이름 변경",
        day=DAY,
        items=MIXED[:1],
        recipients=(),
    )
    next_day = department_digest(
        recipient_key="dept-42",
        department_name=DEPT,
        day=date(2018, 11, 21),
        items=MIXED,
        recipients=RECIPIENTS,
    )
    assert first.message_id == fewer.message_id == digest_message_id("dept-42", DAY)
    assert next_day.message_id != first.message_id


def test_sections_put_overdue_first_worst_level_first_then_reminders_then_notices() -> None:
    mail = department_digest(
        recipient_key="dept-42", department_name=DEPT, day=DAY, items=MIXED, recipients=RECIPIENTS
    )
    assert headings(mail.text) == [
        "■ 처리기한 경과 · 기한 경과 10영업일 이상 (1건)",
        "■ 처리기한 경과 (1건)",
        "■ 처리기한 임박 (1건)",
        "■ 향후계획 일정 경과 (1건)",
        "■ 보완요구(완료 보고 반려) (1건)",
    ]
    html_titles = re.findall(r"<h2[^>]*>(.*?)</h2>", mail.html)
    assert html_titles == [h.removeprefix("■ ") for h in headings(mail.text)]


def test_escalation_levels_are_worded_in_business_days() -> None:
    items = [item(i, "overdue", level=level) for i, level in enumerate((0, 10, 20), start=1)]
    mail = digest(items)
    assert headings(mail.text) == [
        "■ 처리기한 경과 · 기한 경과 20영업일 이상 (1건)",
        "■ 처리기한 경과 · 기한 경과 10영업일 이상 (1건)",
        "■ 처리기한 경과 (1건)",
    ]


def test_items_within_a_section_follow_date_then_kind_then_seq() -> None:
    items = [
        item(2, "due_soon", kind="건의사항", reference=date(2018, 11, 26)),
        item(7, "due_soon", reference=date(2018, 11, 26)),
        item(1, "due_soon", reference=date(2018, 11, 27)),
        item(3, "due_soon", reference=date(2018, 11, 22)),
    ]
    text = digest(items).text
    names = re.findall(r"^\s+\d+\. (.+)$", text, flags=re.MULTILINE)
    assert names == [
        "시정·처리요구사항 연번 3",
        "시정·처리요구사항 연번 7",
        "건의사항 연번 2",
        "시정·처리요구사항 연번 1",
    ]


def test_each_item_shows_kind_seq_request_reference_date_and_detail() -> None:
    mail = department_digest(
        recipient_key="dept-42", department_name=DEPT, day=DAY, items=MIXED, recipients=RECIPIENTS
    )
    text = mail.text
    assert "건의사항 연번 5" in text
    assert "계획 일정: 2018-10-31" in text
    assert "향후계획: 2018년 하반기 조례 개정" in text
    assert "보완요구 사유: 증빙자료 미첨부" in text
    assert "처리기한: 2018-11-27" in text
    for fragment in ("건의사항 연번 5", "2018년 하반기 조례 개정", "증빙자료 미첨부", "2018-11-27"):
        assert fragment in mail.html


def test_long_requests_are_shortened_to_one_line() -> None:
    long_request = "가나다라마바사 " * 30 + "\n끝부분"
    mail = digest([item(1, "overdue", request=long_request)])
    shortened = shorten(long_request)
    assert len(shortened) == 80
    assert shortened.endswith("…")
    assert f"요구사항: {shortened}" in mail.text
    assert "끝부분" not in mail.text
    assert shorten("  짧은\n요구 ") == "짧은 요구"


def test_html_escapes_request_and_detail_texts() -> None:
    hostile = '<script>alert("x")</script> & <b>굵게</b>'
    mail = digest([item(1, "claim_returned", request=hostile, detail="<img src=x onerror=y>")])
    html = mail.html
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "&lt;img src=x onerror=y&gt;" in html
    assert "<table" in html  # the layout itself is real markup
    # The plain text part carries the text as written.
    assert "<script>" in mail.text


def test_html_escapes_the_department_name_and_app_url() -> None:
    mail = department_digest(
        recipient_key="dept-42",
        department_name="<b>부서</b>",
        day=DAY,
        items=MIXED,
        recipients=RECIPIENTS,
        app_url='https://followup.example/?a=1&b="2"',
    )
    assert "<b>부서" not in mail.html
    assert 'href="https://followup.example/?a=1&amp;b=&quot;2&quot;"' in mail.html


def test_closing_line_points_to_the_app_when_its_url_is_known() -> None:
    with_url = digest(MIXED, app_url="https://followup.example.go.kr")
    without = digest(MIXED)
    assert (
        with_url.text.rstrip()
        .splitlines()[-3]
        .endswith("에서 해 주십시오: https://followup.example.go.kr")
    )
    assert '<a href="https://followup.example.go.kr">' in with_url.html
    assert "https://" not in without.text
    assert "에서 해 주십시오." in without.text


def test_identical_input_gives_identical_mail() -> None:
    first = digest(MIXED, app_url="https://followup.example.go.kr")
    again = digest(list(MIXED), app_url="https://followup.example.go.kr")
    shuffled = digest(list(reversed(MIXED)), app_url="https://followup.example.go.kr")
    assert first == again == shuffled


def test_recipients_are_deduplicated_in_order() -> None:
    mail = department_digest(
        recipient_key="dept-42",
        department_name=DEPT,
        day=DAY,
        items=MIXED,
        recipients=["b@x.kr", "a@x.kr", " b@x.kr", ""],
    )
    assert mail.recipients == ("b@x.kr", "a@x.kr")


def test_unknown_topic_keeps_the_label_its_item_brought_and_comes_last() -> None:
    odd = replace(
        item(9, "comment_added", kind="기타(자료제출 등)", request="자료 제출", reference=None),
        topic_label="의견 등록",
    )
    text = digest([odd, *MIXED]).text
    assert headings(text)[-1] == "■ 의견 등록 (1건)"
    assert "기준일: -" in text


def test_empty_department_digest_says_so() -> None:
    mail = digest([])
    assert mail.subject.endswith("알림 0건 (2018-11-20)")
    assert "새 알림이 없습니다." in mail.text


def test_staff_digest_lists_overdue_by_level_then_waiting_claims() -> None:
    overdue = [
        item(1, "overdue"),
        item(2, "overdue", level=20, reference=date(2018, 9, 1)),
    ]
    waiting = [item(3, "claim_waiting", reference=date(2018, 10, 15))]
    mail = staff_digest(
        day=DAY,
        overdue=overdue,
        waiting_claims=waiting,
        recipients=("staff@council.go.kr",),
        app_url="https://followup.example.go.kr",
    )
    assert mail.subject == "[행정사무감사 후속조치] 의회 사무처 알림 3건 (2018-11-20)"
    assert mail.message_id == digest_message_id(STAFF_RECIPIENT_KEY, DAY)
    assert "처리기한 경과 2건, 이행확인 대기 1건" in mail.text
    assert headings(mail.text) == [
        "■ 처리기한 경과 · 기한 경과 20영업일 이상 (1건)",
        "■ 처리기한 경과 (1건)",
        "■ 이행확인 지연 (1건)",
    ]
    assert "보고일: 2018-10-15" in mail.text
    assert mail == staff_digest(
        day=DAY,
        overdue=list(reversed(overdue)),
        waiting_claims=waiting,
        recipients=("staff@council.go.kr",),
        app_url="https://followup.example.go.kr",
    )
