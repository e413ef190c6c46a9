"""Councils as tenants: each council's data is its own, in every use case."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from application.access import Principal
from application.accounts import AccountAdmin, UnknownUserError
from application.councils import (
    UNBOUND,
    CouncilExistsError,
    CouncilMismatchError,
    InvalidCouncilError,
)
from application.dto import FindingFilter
from application.errors import AuditNotFoundError, FindingNotFoundError, PermissionDeniedError
from application.importing import ImportOptions
from application.reminders import Recipients
from application.writer import Target
from domain.values import Actor
from domain.vocabulary import FindingKind, Role, Status
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from infrastructure.readmodel import tables
from tests.conftest import SEED, FixedClock

ALPHA, BETA = "알파시의회", "베타구의회"
JOBS = "일자리정책담당관"  # a department of the seed document: both councils have one


def staff_of(council: str) -> Principal:
    return Principal(Actor.user(f"staff-{council}", Role.COUNCIL_STAFF), council=council)


def two_councils(runtime: Runtime) -> None:
    """Alpha holds the whole seed document; Beta one finding of its own."""
    councils = runtime.services.councils
    councils.add(Principal.system(), "alpha", ALPHA)
    councils.add(Principal.system(), "beta", BETA)
    alpha = runtime.services.for_council(ALPHA)
    alpha.importer.run(
        Principal.system().within(ALPHA),
        parse_document(SEED.read_bytes()),
        ImportOptions(council=ALPHA, deadline=date(2018, 12, 31)),
    )
    beta = runtime.services.for_council(BETA)
    audit = beta.audits.register_audit(
        staff_of(BETA), council="", committee="행정자치위원회", audited_body="베타구", year=2017
    )
    beta.audits.register_finding(
        staff_of(BETA),
        audit_id=audit,
        kind=FindingKind.CORRECTIVE,
        seq=1,
        request="베타구만의 지적",
        department=JOBS,
        due_date=date(2018, 12, 31),
    )


def total(runtime: Runtime, council: str | None) -> int:
    table = runtime.services.for_council(council).queries.summary()
    return int(table.rows["total"]["total"])


def test_each_council_counts_lists_and_names_its_own(runtime: Runtime) -> None:
    two_councils(runtime)
    everything = runtime.services.queries.count_findings()
    assert (total(runtime, ALPHA), total(runtime, BETA)) == (everything - 1, 1)
    assert total(runtime, None) == everything
    alpha, beta = runtime.services.for_council(ALPHA), runtime.services.for_council(BETA)
    assert {a.council for a in alpha.queries.list_audits()} == {ALPHA}
    assert [r.request for r in beta.queries.list_findings()] == ["베타구만의 지적"]
    # Two councils' departments of one name are two departments, each its council's.
    alpha_jobs = alpha.queries.departments.resolve(JOBS)
    beta_jobs = beta.queries.departments.resolve(JOBS)
    assert alpha_jobs.id != beta_jobs.id
    assert [d.name for d in beta.queries.departments_list()] == [JOBS]
    assert beta.queries.count_findings(FindingFilter(department=JOBS)) == 1
    assert beta.queries.department_summary().rows[0].total == 1
    assert sum(r.total for r in alpha.queries.department_summary().rows) == everything - 1


def test_a_council_never_reads_nor_changes_another_councils_finding(runtime: Runtime) -> None:
    two_councils(runtime)
    beta_finding = runtime.services.for_council(BETA).queries.list_findings()[0]
    alpha = runtime.services.for_council(ALPHA)
    with pytest.raises(FindingNotFoundError):
        alpha.queries.get_finding(beta_finding.finding_id)
    with pytest.raises(FindingNotFoundError):
        alpha.queries.timeline(beta_finding.finding_id)
    head = runtime.tracker.recorder.max_notification_id()
    with pytest.raises(FindingNotFoundError):
        alpha.findings.report_progress(
            Target(staff_of(ALPHA), beta_finding.finding_id),
            status=Status.COMPLETED,
            actions="남의 의회",
        )
    with pytest.raises(AuditNotFoundError):
        alpha.audits.register_finding(
            staff_of(ALPHA),
            audit_id=beta_finding.audit_id,
            kind=FindingKind.CORRECTIVE,
            seq=2,
            request="x",
            department=JOBS,
        )
    assert runtime.tracker.recorder.max_notification_id() == head  # nothing written


def test_a_councils_staff_record_only_for_their_council(runtime: Runtime) -> None:
    two_councils(runtime)
    alpha = runtime.services.for_council(ALPHA)
    with pytest.raises(CouncilMismatchError):
        alpha.audits.register_audit(
            staff_of(ALPHA), council=BETA, committee="c", audited_body="b", year=2018
        )
    with pytest.raises(CouncilMismatchError):
        alpha.importer.run(
            staff_of(ALPHA), parse_document(SEED.read_bytes()), ImportOptions(council=BETA)
        )
    with pytest.raises(CouncilMismatchError):
        alpha.policies.set_policy(staff_of(ALPHA), BETA, {FindingKind.CORRECTIVE: 30})
    # The empty council is the caller's own.
    change = alpha.policies.set_policy(staff_of(ALPHA), "", {FindingKind.CORRECTIVE: 30})
    assert change.council == ALPHA
    assert runtime.services.for_council(BETA).policies.days("") == {}


def test_registering_councils_and_what_accounts_see(runtime: Runtime) -> None:
    accounts = runtime.accounts
    early = accounts.add_user("early-staff", "password-1234", Role.COUNCIL_STAFF)
    assert early.principal().council is None  # one council's installation: everything
    councils = runtime.services.councils
    with pytest.raises(PermissionDeniedError):
        councils.add(staff_of(ALPHA), "alpha", ALPHA)
    with pytest.raises(InvalidCouncilError):
        councils.add(Principal.system(), "Not A Code!", ALPHA)
    council, adopted = councils.add(Principal.system(), "alpha", ALPHA)
    assert (council.code, council.name, adopted) == ("alpha", ALPHA, 1)
    with pytest.raises(CouncilExistsError):
        councils.add(Principal.system(), "alpha2", ALPHA)
    assert councils.add(Principal.system(), "beta", BETA)[1] == 0  # only the first adopts
    assert councils.named("beta").name == BETA and councils.named(ALPHA).code == "alpha"

    # The adopted account is alpha's; an account bound to none now sees nothing,
    # except a system administrator, who sees every council.
    adopted_user = accounts.authenticate("early-staff", "password-1234")
    assert adopted_user.principal().council == ALPHA
    stray = accounts.add_user("stray", "password-1234", Role.VIEWER)
    assert stray.principal().council == UNBOUND
    root = accounts.add_user("root", "password-1234", Role.ADMIN)
    assert root.principal().council is None
    two_councils_data(runtime)
    assert runtime.services.for_principal(stray.principal()).queries.count_findings() == 0


def two_councils_data(runtime: Runtime) -> None:
    beta = runtime.services.for_council(BETA)
    audit = beta.audits.register_audit(
        staff_of(BETA), council=BETA, committee="행정자치위원회", audited_body="베타구", year=2017
    )
    beta.audits.register_finding(
        staff_of(BETA),
        audit_id=audit,
        kind=FindingKind.RECOMMENDATION,
        seq=1,
        request="베타",
        department="베타과",
    )


def test_a_councils_administrator_manages_its_own_accounts(runtime: Runtime) -> None:
    councils = runtime.services.councils
    councils.add(Principal.system(), "alpha", ALPHA)
    councils.add(Principal.system(), "beta", BETA)
    admin = AccountAdmin(
        runtime.accounts, runtime.services.queries.departments, runtime.services.clock
    )
    alpha_admin = Principal(Actor.user("a", Role.ADMIN), council=ALPHA)
    admin.add_user(Principal.system(), "beta-staff", "password-1234", Role.COUNCIL_STAFF, (), BETA)
    mine = admin.add_user(alpha_admin, "alpha-viewer", "password-1234", Role.VIEWER)
    assert mine.council == ALPHA
    with pytest.raises(CouncilMismatchError):
        admin.add_user(alpha_admin, "x", "password-1234", Role.VIEWER, (), BETA)
    assert [u.name for u in admin.users(alpha_admin)] == ["alpha-viewer"]
    with pytest.raises(UnknownUserError):
        admin.set_active(alpha_admin, "beta-staff", False)
    assert {u.name for u in admin.users(Principal.system())} >= {"alpha-viewer", "beta-staff"}


def test_each_councils_staff_get_their_councils_digest(runtime: Runtime, clock: FixedClock) -> None:
    two_councils(runtime)
    clock.set_date(date(2019, 3, 4))
    job = runtime.reminder_job()
    job.recipients = Recipients(council_staff={ALPHA: ("a@alpha.kr",), BETA: ("b@beta.kr",)})
    job.recipients_on = None
    job.run(clock.today())
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(tables.outbox.c.recipients, tables.outbox.c.text)).all()
    by_to = {tuple(r.recipients): r.text for r in rows}
    assert set(by_to) == {("a@alpha.kr",), ("b@beta.kr",)}
    assert "베타구만의 지적" in by_to[("b@beta.kr",)]
    assert "베타구만의 지적" not in by_to[("a@alpha.kr",)]
    assert ALPHA in by_to[("a@alpha.kr",)] and BETA not in by_to[("a@alpha.kr",)]


def test_the_first_council_goes_on_with_what_was_recorded_before_councils(
    runtime: Runtime,
) -> None:
    system = Principal.system()
    audit = runtime.services.audits.register_audit(
        system, council="", committee="행정자치위원회", audited_body="옛구청", year=2016
    )
    runtime.services.audits.register_finding(
        system,
        audit_id=audit,
        kind=FindingKind.CORRECTIVE,
        seq=1,
        request="의회 이름 없이 기록된 지적",
        department="옛부서",
    )
    runtime.services.councils.add(system, "alpha", ALPHA)
    runtime.services.councils.add(system, "beta", BETA)
    alpha, beta = runtime.services.for_council(ALPHA), runtime.services.for_council(BETA)
    (row,) = alpha.queries.list_findings()
    assert row.request == "의회 이름 없이 기록된 지적"
    assert [a.audit_id for a in alpha.queries.list_audits()] == [audit]
    assert [d.name for d in alpha.queries.departments_list()] == ["옛부서"]
    assert alpha.queries.get_finding(row.finding_id).finding_id == row.finding_id
    assert beta.queries.list_findings() == [] and beta.queries.departments_list() == []
    with pytest.raises(FindingNotFoundError):
        beta.queries.get_finding(row.finding_id)
    with pytest.raises(FindingNotFoundError):
        beta.findings.add_comment(Target(staff_of(BETA), row.finding_id), text="남의 것")
    alpha.findings.add_comment(Target(staff_of(ALPHA), row.finding_id), text="우리 것")
