"""The council's year on both databases: the 2017 audit (the seed) and a 2018 audit
that re-raises two 2017 findings; open findings carried over, repeats linked, as-of."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.access import Principal
from application.dto import FindingFilter
from application.importing import ImportOptions
from application.writer import Target
from domain.errors import DomainError
from domain.finding import Finding
from domain.values import Actor
from domain.vocabulary import FindingKind, Role, Verification
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from tests.conftest import SEED, FixedClock

SYSTEM = Principal.system()
STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
AUDIT_2018 = Path(__file__).parents[1] / "fixtures" / "two_year" / "audit_2018.txt"
C = FindingKind.CORRECTIVE


def imported(runtime: Runtime, path: Path, **options: Any) -> UUID:
    outcome = runtime.services.importer.run(
        SYSTEM,
        parse_document(path.read_bytes()),
        ImportOptions(council="서울특별시의회", **options),
    )
    assert outcome.committed and not outcome.refused, outcome.problems
    assert outcome.audit_id is not None
    return outcome.audit_id


@pytest.fixture
def two_years(runtime: Runtime, clock: FixedClock) -> tuple[Runtime, UUID, UUID]:
    clock.set_date(date(2020, 1, 10))
    first = imported(runtime, SEED, verified=True)  # its 완료 verified: closed
    second = imported(runtime, AUDIT_2018)
    return runtime, first, second


def test_open_findings_are_carried_once_with_their_history(
    two_years: tuple[Runtime, UUID, UUID], clock: FixedClock
) -> None:
    runtime, first, second = two_years
    queries, yearly = runtime.services.queries, runtime.services.yearly
    open_2017 = {
        f.finding_id
        for f in queries.list_findings(FindingFilter(audit_id=first))
        if f.verification is not Verification.VERIFIED
    }
    assert len(open_2017) == 2
    days = (date(2018, 11, 15), date(2019, 6, 1), clock.today())
    before = {d: queries.summary(audit_id=first, as_of=d) for d in days}
    history = {i: len(queries.timeline(i)) for i in open_2017}

    dry = yearly.carry_over(SYSTEM, first, second, dry_run=True)
    assert (dry.carried, set(dry.finding_ids)) == (2, open_2017)
    assert queries.summary(audit_id=second).carried is None  # a dry run writes nothing
    clock.advance(days=1)
    done = yearly.carry_over(SYSTEM, first, second)
    assert done.as_dict() == {"carried": 2, "finding_ids": [str(i) for i in dry.finding_ids]}
    assert yearly.carry_over(SYSTEM, first, second).carried == 0  # twice: nothing

    for finding_id in open_2017:  # the same aggregate: its history kept, one event more
        assert len(queries.timeline(finding_id)) == history[finding_id] + 1
        assert queries.timeline(finding_id)[-1].event == "CarriedOver"
        assert runtime.tracker.finding(finding_id).carried_into == [second]
    for d in days:  # the earlier audit's 총괄 as of any date is unchanged
        assert queries.summary(audit_id=first, as_of=d).rows == before[d].rows
    summary = queries.summary(audit_id=second)
    assert summary.carried is not None and summary.carried.rows["total"]["total"] == 2
    assert summary.as_dict()["carried"]["rows"] == summary.carried.rows
    assert summary.rows["total"]["total"] == 6  # its own findings, apart
    carried_rows = queries.list_findings(FindingFilter(carried_into=second))
    assert {r.finding_id for r in carried_rows} == open_2017
    # As of the day before the carry-over, the later audit had none carried yet.
    assert queries.summary(audit_id=second, as_of=date(2020, 1, 10)).carried is None
    assert queries.summary(audit_id=second, as_of=clock.today()).carried == summary.carried


def test_carrying_backwards_or_by_a_department_is_refused(
    two_years: tuple[Runtime, UUID, UUID],
) -> None:
    runtime, first, second = two_years
    yearly = runtime.services.yearly
    with pytest.raises(DomainError) as refused:
        yearly.carry_over(SYSTEM, second, first)
    assert refused.value.code == "INVALID_CARRY_OVER"
    officer = Principal(Actor.user("officer-1", Role.DEPARTMENT_OFFICER))
    with pytest.raises(DomainError) as denied:
        yearly.carry_over(officer, first, second)
    assert denied.value.code == "PERMISSION_DENIED"


def test_repeats_are_suggested_then_confirmed_by_staff(
    two_years: tuple[Runtime, UUID, UUID],
) -> None:
    runtime, first, second = two_years
    queries, yearly = runtime.services.queries, runtime.services.yearly
    new = [f.finding_id for f in queries.list_findings(FindingFilter(audit_id=second))]
    suggested = {i: s for i, s in queries.repeat_suggestions(Principal.system(), new).items() if s}
    expected = {
        Finding.create_id(second, C, 1): Finding.create_id(first, C, 18),  # 남부기술교육원
        Finding.create_id(second, C, 2): Finding.create_id(first, C, 12),  # 장애인 고용
    }
    assert {i: s[0][0].finding_id for i, s in suggested.items()} == expected
    assert queries.repeat_streaks(new) == {}
    # Suggestions are staff's to decide on: an officer or a viewer is shown none.
    for role in (Role.DEPARTMENT_OFFICER, Role.VIEWER):
        assert queries.repeat_suggestions(Principal(Actor.user("other", role)), new) == {}
    assert queries.repeat_suggestions(STAFF, new).keys() >= expected.keys()

    for finding_id, earlier in expected.items():
        yearly.confirm_repeat(Target(STAFF, finding_id), earlier_finding_id=earlier)
    assert queries.repeat_streaks(new) == dict.fromkeys(expected, 2)
    assert not any(
        queries.repeat_suggestions(Principal.system(), list(expected)).values()
    )  # confirmed: not again
    with pytest.raises(DomainError) as twice:
        yearly.confirm_repeat(Target(STAFF, new[0]), earlier_finding_id=expected[new[0]])
    assert twice.value.code == "SAME_REPEAT_DECISION"

    # Dismissed: no longer suggested, no longer counted.
    first_new, first_earlier = next(iter(expected.items()))
    yearly.dismiss_repeat(Target(STAFF, first_new), earlier_finding_id=first_earlier)
    assert first_new not in queries.repeat_streaks(new)
    assert queries.repeat_suggestions(Principal.system(), [first_new])[first_new] == []
    with pytest.raises(DomainError) as backwards:  # a later year's finding is no "earlier"
        yearly.confirm_repeat(Target(STAFF, first_earlier), earlier_finding_id=first_new)
    assert backwards.value.code == "INVALID_REPEAT"


def _audit(runtime: Runtime, year: int, council: str = "서울특별시의회") -> UUID:
    return runtime.services.audits.register_audit(
        STAFF,
        council=council,
        committee="기획경제위원회",
        audited_body="일자리노동정책관",
        year=year,
    )


def test_carried_findings_go_on_to_the_next_year_within_one_council(
    two_years: tuple[Runtime, UUID, UUID],
) -> None:
    runtime, first, second = two_years
    yearly, queries = runtime.services.yearly, runtime.services.queries
    carried = set(yearly.carry_over(SYSTEM, first, second).finding_ids)
    third = _audit(runtime, 2019)
    onwards = set(yearly.carry_over(SYSTEM, second, third).finding_ids)
    open_2018 = {
        f.finding_id
        for f in queries.list_findings(FindingFilter(audit_id=second))
        if f.verification is not Verification.VERIFIED
    }
    assert onwards == open_2018 | carried  # 2017's still open ones too
    other_council = _audit(runtime, 2020, council="가나구의회")
    with pytest.raises(DomainError) as refused:
        yearly.carry_over(SYSTEM, third, other_council)
    assert refused.value.code == "INVALID_CARRY_OVER"


def test_years_running_count_consecutive_years_and_follow_the_day(
    two_years: tuple[Runtime, UUID, UUID], clock: FixedClock
) -> None:
    runtime, first, second = two_years
    yearly, queries, audits = (
        runtime.services.yearly,
        runtime.services.queries,
        runtime.services.audits,
    )
    third = _audit(runtime, 2019)
    fourth = _audit(runtime, 2020)
    again = audits.register_finding(
        STAFF,
        audit_id=third,
        kind=C,
        seq=1,
        request="남부기술교육원 위탁법인의 운영 개입 문제가 3년째 해소되지 않음",
        department="일자리정책담당관",
    )
    skipped = audits.register_finding(
        STAFF,
        audit_id=fourth,
        kind=C,
        seq=1,
        request="투자출연기관 장애인 의무고용률 미달 기관 해소 촉구",
        department="일자리정책담당관",
    )
    decided_on = clock.today()
    link = yearly.confirm_repeat
    link(
        Target(STAFF, Finding.create_id(second, C, 1)),
        earlier_finding_id=Finding.create_id(first, C, 18),
    )
    link(Target(STAFF, again), earlier_finding_id=Finding.create_id(second, C, 1))
    link(Target(STAFF, skipped), earlier_finding_id=Finding.create_id(first, C, 12))
    streaks = queries.repeat_streaks()
    assert streaks[again] == 3 and streaks[Finding.create_id(second, C, 1)] == 2
    assert skipped not in streaks  # 2017 → 2020 is a repeat, not years running
    # Already in its chain: the 2017 finding is no suggestion for the 2019 one.
    assert Finding.create_id(first, C, 18) not in {
        row.finding_id for row, _ in queries.repeat_suggestions(Principal.system(), [again])[again]
    }
    clock.advance(days=3)
    assert queries.repeat_streaks(as_of=decided_on - timedelta(days=1)) == {}
    assert queries.repeat_streaks(as_of=decided_on)[again] == 3
