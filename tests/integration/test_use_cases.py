"""The use cases' own seams, on SQLite and on PostgreSQL: the order of checks in a
command, evidence stored only for a write that will land, the import's row plan,
the department directory, and what a caller may do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from application.access import Principal
from application.errors import PermissionDeniedError, StaleVersionError
from application.evidence import EvidenceNotFoundError, Upload
from application.findings import available_commands
from application.importing import ImportOptions, RowAction
from application.writer import Target
from domain.department import InvalidDepartmentError
from domain.errors import NoReportError, ReasonRequiredError
from domain.vocabulary import FindingKind, Status
from infrastructure.bootstrap import Runtime
from infrastructure.parsers import parse_document
from tests.conftest import SEED
from tests.integration.test_lifecycle import OFFICER, OTHER_OFFICER, STAFF, VIEWER, register

PDF = Upload(file_name="결과보고.pdf", content_type="application/pdf", data=b"%PDF-1.4 ...")


def stored_files(rt: Runtime) -> list[Path]:
    """Evidence files (not the directory's marker of its database)."""
    return [p for p in Path(rt.settings.evidence_dir).glob("??/*") if p.is_file()]


def test_a_refused_or_stale_upload_stores_nothing(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    findings = rt.services.findings
    with pytest.raises(NoReportError):  # nothing to support yet
        findings.attach_evidence(Target(OFFICER, fid, expected_version=1), upload=PDF)
    findings.report_progress(Target(OFFICER, fid), status=Status.IN_PROGRESS)
    with pytest.raises(PermissionDeniedError):
        findings.attach_evidence(Target(OTHER_OFFICER, fid, expected_version=2), upload=PDF)
    with pytest.raises(StaleVersionError):
        findings.attach_evidence(Target(OFFICER, fid, expected_version=7), upload=PDF)
    with pytest.raises(PermissionDeniedError):
        findings.report_progress(
            Target(OTHER_OFFICER, fid), status=Status.COMPLETED, evidence=[PDF]
        )
    assert stored_files(rt) == []
    assert (
        findings.attach_evidence(Target(OFFICER, fid, expected_version=2), upload=PDF).version == 3
    )
    assert len(stored_files(rt)) == 1


def test_evidence_is_read_back_only_from_the_finding_it_was_attached_to(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    rt.services.findings.report_progress(Target(OFFICER, fid), status=Status.IN_PROGRESS)
    rt.services.findings.attach_evidence(Target(OFFICER, fid), upload=replace(PDF, file_name=" "))
    (entry,) = [e for e in rt.services.queries.timeline(fid) if e.event == "EvidenceAttached"]
    sha256 = str(entry.data["sha256"])
    data, attached = rt.services.queries.evidence_file(fid, sha256)
    assert data == PDF.data
    assert (attached.file_name, attached.content_type) == ("evidence", "application/pdf")
    with pytest.raises(EvidenceNotFoundError):
        rt.services.queries.evidence_file(fid, "0" * 64)


def test_a_return_without_a_reason_is_refused_before_anything_else(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    rt.services.findings.report_progress(Target(OFFICER, fid), status=Status.COMPLETED)
    decide = rt.services.findings.decide_claim
    # Even a caller who may not decide, at a stale version, learns first what is missing.
    for target in (Target(VIEWER, fid, expected_version=1), Target(STAFF, fid, 1)):
        with pytest.raises(ReasonRequiredError):
            decide(target, verify=False, reason="  ")
    assert rt.services.queries.get_finding(fid).version == 2
    assert (
        decide(Target(STAFF, fid, expected_version=2), verify=False, reason="증빙 보완").version
        == 3
    )


def test_a_blank_department_is_refused_everywhere_it_is_named(rt: Runtime) -> None:
    audit_id, fid = register(rt, date(2017, 11, 20))
    with pytest.raises(InvalidDepartmentError):
        rt.services.findings.reassign(Target(STAFF, fid), department=" \n ", reason="이관")
    with pytest.raises(InvalidDepartmentError):
        rt.services.audits.register_finding(
            STAFF,
            audit_id=audit_id,
            kind=FindingKind.RECOMMENDATION,
            seq=2,
            request="요구",
            department=" ",
        )
    assert rt.services.queries.get_finding(fid).department == "사회적경제담당관"


def test_what_a_caller_may_do_follows_the_pending_extension(rt: Runtime) -> None:
    _, fid = register(rt, date(2017, 11, 20))
    queries, findings = rt.services.queries, rt.services.findings
    before = available_commands(OFFICER, queries.get_finding(fid))
    assert before["extension_request"] and not before["extension_decision"]
    findings.request_extension(Target(OFFICER, fid), due_date=date(2018, 6, 30), reason="용역")
    details = queries.get_finding(fid)
    assert details.extension_request == (date(2018, 6, 30), "용역")
    assert not available_commands(OFFICER, details)["extension_request"]
    assert available_commands(STAFF, details)["extension_decision"]
    assert not available_commands(VIEWER, details)["report"]


def test_the_import_plan_says_row_by_row_what_a_commit_does(rt: Runtime) -> None:
    text = SEED.read_text(encoding="utf-8")
    first = rt.services.importer.run_document(
        Principal.system(), text.encode(), ImportOptions(council="서울특별시의회")
    )[1]
    assert {r.action for r in first.rows} == {RowAction.CREATED} and len(first.rows) == 56
    changed_row = next(r for r in first.rows if r.status is Status.IN_PROGRESS)
    again = rt.services.importer.run_document(
        Principal.system(), text.encode(), ImportOptions(council="서울특별시의회"), dry_run=True
    )[1]
    assert {r.action for r in again.rows} == {RowAction.UNCHANGED}
    # A later report on one finding: only that row is a new report.
    lines = text.splitlines(keepends=True)
    line = lines[changed_row.line - 1]
    lines[changed_row.line - 1] = line.replace("추진중", "추진완료", 1)
    plan = rt.services.importer.run_document(
        Principal.system(),
        "".join(lines).encode(),
        ImportOptions(council="서울특별시의회"),
        dry_run=True,
    )[1]
    actions = {r.line: r.action for r in plan.rows}
    assert actions.pop(changed_row.line) is RowAction.CHANGED
    assert set(actions.values()) == {RowAction.UNCHANGED}
    assert (plan.changed, plan.unchanged, plan.committed) == (1, 55, False)


def test_a_document_refused_before_planning_lists_its_rows_unplanned(rt: Runtime) -> None:
    parsed = parse_document(SEED.read_bytes())
    outcome = rt.services.importer.run(
        Principal.system(),
        replace(parsed, metadata=replace(parsed.metadata, committee=None)),
        ImportOptions(),
        dry_run=True,
    )
    assert any(p.code == "METADATA_MISSING" for p in outcome.problems)
    assert len(outcome.rows) == 56 and {r.action for r in outcome.rows} == {None}
