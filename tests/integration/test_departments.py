"""Departments renamed and merged: findings follow, history keeps the old names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from application.access import Principal
from application.dto import FindingFilter
from application.errors import PermissionDeniedError
from application.findings import available_commands
from application.importing import ImportOptions
from application.notifications import OutgoingMail
from application.writer import Target
from domain.department import (
    Department,
    DepartmentMergedError,
    InvalidDepartmentError,
    UnknownDepartmentError,
    department_uuid,
)
from domain.finding import Finding
from domain.values import Actor, DepartmentRef
from domain.vocabulary import FindingKind, Role, Status, Verification
from infrastructure.accounts import SqlAccountStore
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from tests.conftest import SEED, FixedClock

ADMIN = Principal(Actor.user("admin-1", Role.ADMIN))
STAFF = Principal(Actor.user("staff-1", Role.COUNCIL_STAFF))
JOBS, LABOUR, NEW_JOBS = "일자리정책담당관", "노동정책담당관", "일자리정책과"


def total(runtime: Runtime, **kw: object) -> int:
    return runtime.services.queries.summary(**kw).rows["total"]["total"]  # type: ignore[arg-type]


def test_rename_and_merge_regroup_findings_without_touching_their_history(
    runtime: Runtime,
) -> None:
    services = runtime.services
    services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    assert (total(runtime, department=JOBS), total(runtime, department=LABOUR)) == (25, 15)

    with pytest.raises(PermissionDeniedError):
        services.departments.rename(
            STAFF, JOBS, new_name=NEW_JOBS, effective_on=date(2019, 1, 1), reason="조직개편"
        )
    renamed = services.departments.rename(
        ADMIN, JOBS, new_name=NEW_JOBS, effective_on=date(2019, 1, 1), reason="조직개편"
    )
    assert renamed.id == services.queries.departments.resolve(JOBS).id  # the same stable id
    assert total(runtime, department=NEW_JOBS) == 25
    services.departments.merge(
        ADMIN, LABOUR, into=NEW_JOBS, effective_on=date(2019, 7, 1), reason="부서 통합"
    )

    # Today's department: the merged one's findings follow it …
    assert total(runtime, department=NEW_JOBS) == 40
    assert services.queries.count_findings(FindingFilter(department=NEW_JOBS)) == 40
    # … but as written, each keeps its own.
    assert total(runtime, department=NEW_JOBS, historical=True) == 25
    assert (
        services.queries.count_findings(
            FindingFilter(department=LABOUR, department_historical=True)
        )
        == 15
    )
    # As of a date, a merge counts from its effective date on.
    assert total(runtime, department=NEW_JOBS, as_of=date(2019, 6, 30)) == 25
    assert total(runtime, department=NEW_JOBS, as_of=date(2019, 7, 1)) == 40

    # History keeps the names as written.
    labour_finding = next(f for f in services.queries.list_findings() if f.department == LABOUR)
    registered = services.queries.timeline(labour_finding.finding_id)[0]
    assert registered.data["department"]["name"] == LABOUR

    # A later document written with the new name lands on the same department.
    audit_id = services.queries.list_audits()[0].audit_id
    new_finding = services.audits.register_finding(
        STAFF,
        audit_id=audit_id,
        kind=FindingKind.OTHER,
        seq=24,
        request="개편 후 자료 요청",
        department=NEW_JOBS,
    )
    assert services.queries.get_finding(new_finding).department_id == renamed.id
    assert total(runtime, department=JOBS, historical=True) == 26

    with pytest.raises(DepartmentMergedError):
        services.departments.rename(
            ADMIN, LABOUR, new_name="노동과", effective_on=date(2020, 1, 1), reason="재개편"
        )
    projected = {v.view_name: v for v in runtime.views}
    assert "rm_departments_view" in projected


# -- departments by id: accounts, permissions, inboxes, mail ------------------------

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "올바른-비밀번호-2018"


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    outcome = runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    assert outcome.committed
    return runtime


def officer(runtime: Runtime, name: str, *departments: str) -> Callable[[], Principal]:
    """An officer bound (by id) to the departments named; the principal as of each call."""
    store = SqlAccountStore(
        runtime.datastore, clock=runtime.services.clock, hasher=FAST, departments=runtime.read_model
    )
    directory = runtime.services.queries.departments
    ids = [directory.id_of(d) for d in departments]
    store.add_user(name, PASSWORD, Role.DEPARTMENT_OFFICER, ids)
    return lambda: next(u for u in store.list_users() if u.name == name).principal()


def finding_of(runtime: Runtime, department: str) -> UUID:
    return next(
        f.finding_id
        for f in runtime.services.queries.list_findings(
            FindingFilter(department=department, department_historical=True)
        )
        if f.verification is not Verification.VERIFIED
    )


def report(runtime: Runtime, principal: Principal, finding_id: UUID) -> int:
    return runtime.services.findings.report_progress(
        Target(principal, finding_id), status=Status.IN_PROGRESS, actions="추진 중"
    ).version


def test_departments_are_listed_right_after_an_import(seeded: Runtime) -> None:
    listed = {d.name: d for d in seeded.services.queries.departments_list()}
    assert {JOBS, LABOUR, "사회적경제담당관"} <= set(listed)
    assert listed[JOBS].department_id == DepartmentRef.from_name(JOBS).id
    assert listed[JOBS].merged_into is None and listed[JOBS].former_names == ()
    # Each one is a registered aggregate, saved with the findings.
    assert seeded.tracker.load(department_uuid(listed[JOBS].department_id), Department)


def test_an_import_registers_the_departments_it_does_not_know_and_a_dry_run_lists_them(
    runtime: Runtime,
) -> None:
    importer, parsed = runtime.services.importer, parse_document(SEED.read_bytes())
    options = ImportOptions(council="서울특별시의회")
    dry = importer.run(Principal.system(), parsed, options, dry_run=True)
    assert JOBS in dry.departments and dry.as_dict()["new_departments"] == dry.departments
    assert runtime.services.queries.departments_list() == []
    done = importer.run(Principal.system(), parsed, options)
    assert sorted(done.departments) == sorted(dry.departments)
    names = {d.name for d in runtime.services.queries.departments_list()}
    assert names == set(done.departments)
    assert importer.run(Principal.system(), parsed, options).departments == []  # known now


def test_after_a_rename_the_same_officers_act_on_the_same_findings(seeded: Runtime) -> None:
    before = officer(seeded, "officer-before", JOBS)
    seeded.services.departments.rename(
        ADMIN, JOBS, new_name=NEW_JOBS, effective_on=date(2018, 11, 1), reason="조직개편"
    )
    after = officer(seeded, "officer-after", NEW_JOBS)
    by_old_name = officer(seeded, "officer-old-name", JOBS)  # a former name: the same id
    jobs = finding_of(seeded, NEW_JOBS)
    for principal in (before, after, by_old_name):
        assert principal().departments == {DepartmentRef.from_name(JOBS).id}
        report(seeded, principal(), jobs)
    labour = finding_of(seeded, LABOUR)
    with pytest.raises(PermissionDeniedError):
        report(seeded, after(), labour)

    listed = {d.name: d for d in seeded.services.queries.departments_list()}
    assert listed[NEW_JOBS].former_names == (JOBS,)
    assert JOBS not in listed


def test_after_a_merge_the_targets_officers_report_and_the_sources_only_read(
    seeded: Runtime, clock: FixedClock
) -> None:
    jobs_officer, labour_officer = officer(seeded, "jobs", JOBS), officer(seeded, "labour", LABOUR)
    labour = finding_of(seeded, LABOUR)
    clock.set_date(date(2019, 6, 1))
    seeded.services.departments.merge(
        ADMIN, LABOUR, into=JOBS, effective_on=date(2019, 7, 1), reason="부서 통합"
    )
    # Before the merge's effective date, nothing changes.
    clock.set_date(date(2019, 6, 30))
    with pytest.raises(PermissionDeniedError):
        report(seeded, jobs_officer(), labour)
    report(seeded, labour_officer(), labour)

    clock.set_date(date(2019, 7, 1))
    report(seeded, jobs_officer(), labour)
    with pytest.raises(PermissionDeniedError):
        report(seeded, labour_officer(), labour)
    labour_id = DepartmentRef.from_name(LABOUR).id
    assert labour_officer().departments == frozenset()
    assert labour_officer().reads == {labour_id}  # read access to what it had
    commands = available_commands(labour_officer(), seeded.services.queries.get_finding(labour))
    assert not commands["report"]
    # Lists and the 총괄 show the merged findings under the target, as the permission does.
    assert labour in {
        f.finding_id for f in seeded.services.queries.list_findings(FindingFilter(department=JOBS))
    }
    assert jobs_officer().departments == {DepartmentRef.from_name(JOBS).id, labour_id}
    # Merging back into a department merged away would loop: refused by name.
    with pytest.raises(DepartmentMergedError):
        seeded.services.departments.merge(
            ADMIN, JOBS, into=LABOUR, effective_on=date(2019, 7, 2), reason="되돌리기"
        )


def test_unknown_names_are_refused_with_the_closest_known_names(seeded: Runtime) -> None:
    services = seeded.services
    labour = finding_of(seeded, LABOUR)
    with pytest.raises(UnknownDepartmentError) as refused:
        services.findings.reassign(
            Target(STAFF, labour), department="일자리정책담담관", reason="이관"
        )
    assert refused.value.code == "UNKNOWN_DEPARTMENT"
    assert JOBS in refused.value.close and JOBS in refused.value.message_ko
    assert len(refused.value.close) <= 3
    with pytest.raises(UnknownDepartmentError):
        services.queries.departments.resolve("없는부서")
    assert services.queries.get_finding(labour).department == LABOUR
    assert "없는부서" not in {d.name for d in services.queries.departments_list()}
    # Registration is explicit, by council staff or an administrator; a known name is refused.
    with pytest.raises(PermissionDeniedError):
        services.departments.register(Principal(Actor.user("v", Role.VIEWER)), "새부서")
    added = services.departments.register(STAFF, "새부서")
    assert services.queries.departments.resolve("새부서").id == added.id
    with pytest.raises(InvalidDepartmentError):
        services.departments.register(ADMIN, JOBS)
    services.findings.reassign(Target(STAFF, labour), department="새부서", reason="이관")
    assert services.queries.get_finding(labour).department_id == added.id


def test_inbox_and_mail_recipients_after_a_rename_reach_the_same_officers(
    seeded: Runtime,
) -> None:
    services = seeded.services
    jobs_id = DepartmentRef.from_name(JOBS).id
    before = officer(seeded, "officer-before", JOBS)
    services.departments.rename(
        ADMIN, JOBS, new_name=NEW_JOBS, effective_on=date(2018, 11, 1), reason="조직개편"
    )
    after = officer(seeded, "officer-after", NEW_JOBS)
    labour = finding_of(seeded, LABOUR)
    services.findings.reassign(Target(STAFF, labour), department=NEW_JOBS, reason="이관")
    for principal in (before(), after()):
        inbox = services.queries.inbox_for(principal)
        assert [(e.finding_id, e.topic) for e in inbox] == [(labour, "reassigned_in")]
    assert [e.topic for e in services.queries.department_inbox(JOBS)] == ["reassigned_in"]
    assert [e.topic for e in services.queries.department_inbox(NEW_JOBS)] == ["reassigned_in"]

    for configured in (JOBS, NEW_JOBS, jobs_id):
        seeded.settings = seeded.settings.model_copy(
            update={"department_emails": {configured: "jobs@city.test", "없는부서": "x@city.test"}}
        )
        job = seeded.reminder_job(sender=NoMail())
        assert job.recipients.departments == {jobs_id: ("jobs@city.test",)}


def test_after_a_merge_the_targets_inbox_and_mail_carry_the_merged_departments(
    seeded: Runtime, clock: FixedClock
) -> None:
    services = seeded.services
    jobs_id, labour_id = DepartmentRef.from_name(JOBS).id, DepartmentRef.from_name(LABOUR).id
    jobs_officer, labour_officer = officer(seeded, "jobs", JOBS), officer(seeded, "labour", LABOUR)
    clock.set_date(date(2019, 7, 1))
    services.departments.merge(
        ADMIN, LABOUR, into=JOBS, effective_on=date(2019, 7, 1), reason="부서 통합"
    )
    labour = finding_of(seeded, LABOUR)
    services.findings.change_due_date(
        Target(STAFF, labour), due_date=date(2019, 12, 31), reason="연장"
    )
    for principal in (jobs_officer(), labour_officer()):
        inbox = services.queries.inbox_for(principal)
        assert (labour, "due_date_changed") in {(e.finding_id, e.topic) for e in inbox}
    assert "due_date_changed" in {e.topic for e in services.queries.department_inbox(JOBS)}
    seeded.settings = seeded.settings.model_copy(
        update={"department_emails": {JOBS: "jobs@city.test"}}
    )
    recipients = seeded.reminder_job(sender=NoMail()).recipients.departments
    assert recipients == {jobs_id: ("jobs@city.test",), labour_id: ("jobs@city.test",)}


def test_departments_known_only_from_findings_are_listed_and_keep_their_id(
    runtime: Runtime,
) -> None:
    """A store from before departments were registered: its findings name them."""
    services = runtime.services
    audit_id = services.audits.register_audit(
        STAFF, council="서울특별시의회", committee="기획경제위원회", audited_body="기관", year=2017
    )
    old = DepartmentRef.from_name("옛부서")
    finding = Finding.register(
        audit_id=audit_id,
        kind=FindingKind.OTHER,
        seq=1,
        request="자료 요청",
        department=old,
        raised_by=None,
        due_date=None,
        **services.writer.stamp(Actor.system()).fields,
    )
    services.writer.save(finding)  # no Department aggregate, as before
    assert [(d.department_id, d.name) for d in services.queries.departments_list()] == [
        (old.id, "옛부서")
    ]
    renamed = services.departments.rename(
        ADMIN, "옛부서", new_name="새이름부서", effective_on=date(2018, 1, 1), reason="개편"
    )
    assert renamed.id == old.id
    principal = officer(runtime, "officer", "새이름부서")()
    report(runtime, principal, finding.id)


def test_migration_0007_turns_account_department_names_into_ids(seeded: Runtime) -> None:
    from alembic import command

    from infrastructure.accounts import users
    from infrastructure.bootstrap import _alembic_config

    officer(seeded, "officer", JOBS)
    seeded.services.departments.rename(
        ADMIN, JOBS, new_name=NEW_JOBS, effective_on=date(2018, 11, 1), reason="조직개편"
    )

    def held() -> list[object]:
        with seeded.engine.connect() as connection:
            return list(connection.execute(select(users.c.departments)).scalar_one())

    with seeded.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0006")
    assert held() == [NEW_JOBS]  # names, as accounts held them before
    with seeded.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert held() == [DepartmentRef.from_name(JOBS).id]


class NoMail:
    def send(self, mail: OutgoingMail) -> None:
        raise AssertionError("no mail is sent here")


def test_a_department_registered_after_the_job_was_built_is_mailed_at_its_next_run(
    seeded: Runtime,
) -> None:
    seeded.settings = seeded.settings.model_copy(
        update={"department_emails": {"신설담당관": "new@city.test"}}
    )
    job = seeded.reminder_job(sender=NoMail())  # the name is not a department yet
    assert job.recipients.departments == {}
    seeded.services.departments.register(ADMIN, "신설담당관")
    job.compose_digests(seeded.services.clock.today())
    new_id = seeded.services.queries.departments.resolve("신설담당관").id
    assert job.recipients.departments == {new_id: ("new@city.test",)}
