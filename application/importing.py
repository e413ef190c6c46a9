"""Import a parsed report: a dry run lists everything, a commit writes all or nothing.

Each row is a report made on the document's date, by an ``import`` actor that
records the document's hash. Ids are deterministic (audit natural key; audit,
kind, sequence), so importing the same document again creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.access import Principal, require_council_staff
from application.councils import CouncilMismatchError
from application.departments import DepartmentDirectory, new_department
from application.dto import AuditRow, ReportSnapshot
from application.policy import DuePolicies
from application.ports import ContentStore, DocumentParser, ReadModel
from application.report import (
    ParsedReport,
    Problem,
    ReportMetadata,
    ReportRow,
    Severity,
    error,
    warning,
)
from application.writer import Stamp, Writer
from domain.audit import Audit
from domain.department import Department, InvalidDepartmentError
from domain.errors import BusinessDateBeforeLastEventError, DomainError
from domain.finding import Finding
from domain.values import Actor, DepartmentRef, one_line, stored_text
from domain.vocabulary import STATUS_LABELS, FindingKind, Status, Verification


@dataclass(frozen=True)
class ImportOptions:
    """What the caller states about the document; overrides what was read from it."""

    council: str | None = None
    committee: str | None = None
    audited_body: str | None = None
    year: int | None = None
    report_date: date | None = None
    audit_date: date | None = None
    # The document's 완료/미반영 were already accepted by the committee.
    verified: bool = False
    # The audit's default reporting deadline; findings' due dates default to it.
    deadline: date | None = None
    # The caller says the document belongs to an audit other than the one(s) it was
    # already imported into (else that is refused: a second audit by mistake).
    another_audit: bool = False


class RowAction(StrEnum):
    """What committing a document would do with one of its rows."""

    CREATED = "created"  # a new finding, with its first report
    CHANGED = "changed"  # a new report on a known finding
    UNCHANGED = "unchanged"  # the same report as the last one: nothing
    # A closed finding the row contradicts (e.g. 추진중 after staff verified 완료):
    # nothing is written; council staff decide whether to reopen it.
    NEEDS_DECISION = "needs_decision"


@dataclass(frozen=True)
class RowPlan:
    line: int
    kind: FindingKind
    seq: int
    department: str
    status: Status
    status_raw: str
    request: str
    action: RowAction | None  # None: not planned (the row or the document was refused)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "kind": self.kind.value,
            "seq": self.seq,
            "department": self.department,
            "status": self.status.value,
            "action": self.action.value if self.action else None,
        }


@dataclass
class ImportOutcome:
    audit_id: UUID | None
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    needs_decision: int = 0
    events: int = 0
    committed: bool = False
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    format: str | None = None
    # Row by row, what the commit does (or, in a dry run, would do).
    rows: list[RowPlan] = field(default_factory=list)
    # What the document says, with the caller's options over it.
    metadata: ReportMetadata = field(default_factory=ReportMetadata)
    # Departments the document names that no department has or had: the commit
    # registers them (a dry run lists what it would register).
    departments: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def finding_ids(self, action: RowAction) -> list[tuple[RowPlan, UUID]]:
        """The rows planned with ``action``, each with the id of its finding."""
        if self.audit_id is None:
            return []
        audit_id = self.audit_id
        return [
            (r, Finding.create_id(audit_id, r.kind, r.seq)) for r in self.rows if r.action is action
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "audit_id": str(self.audit_id) if self.audit_id else None,
            "created": self.created,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "needs_decision": self.needs_decision,
            "events": self.events,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "format": self.format,
            "encoding": self.encoding,
            "problems": [p.as_dict() for p in self.problems],
            "new_departments": list(self.departments),
            "rows": [r.as_dict() for r in self.rows],
        }


_REQUIRED = (
    ("committee", "--committee", "위원회"),
    ("audited_body", "--audited-body", "피감기관"),
    ("year", "--year", "감사연도"),
    ("report_date", "--report-date", "보고일"),
)

# Documents larger than this are refused before parsing (the web form, the API).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Aggregates saved at a time inside an import's one transaction: memory stays
# flat, and the batch is still large enough for bulk INSERTs.
SAVE_CHUNK = 2_000
# Another import of the same audit saved first: plan again against what it wrote
# (the document is then mostly "unchanged"), this many times before "busy".
IMPORT_ATTEMPTS = 3


class ImportBusyError(DomainError):
    code = "IMPORT_BUSY"
    message_ko = "같은 감사를 다른 가져오기가 기록하고 있습니다. 잠시 후 다시 시도하세요."
    message_en = "Another import is writing the same audit; try again shortly."


class _Abandoned(Exception):
    """Leave an import's transaction without writing (a dry run, a refused row)."""


def _nothing(_: Sequence[Aggregate]) -> None:
    """A dry run's save: planning only."""


@dataclass
class Importer:
    """Reads a council's document and records what it reports (SPEC §6)."""

    writer: Writer
    read_model: ReadModel
    departments: DepartmentDirectory
    parse: DocumentParser
    staging: ContentStore
    policies: DuePolicies

    def stage(self, data: bytes) -> str:
        """Keep a previewed document by its SHA-256, so the confirm step re-reads
        exactly the bytes that were previewed, on whichever worker answers it."""
        return self.staging.put(data)

    def staged(self, sha256: str) -> bytes | None:
        return self.staging.get(sha256)

    def run(
        self,
        principal: Principal,
        parsed: ParsedReport,
        options: ImportOptions,
        *,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportOutcome:
        """Plan every change of the document; commit them in one transaction unless
        this is a dry run or any error was found.

        Two imports of one audit at once: the one that saves second finds the other's
        events in its way (optimistic concurrency), plans again against them and
        writes only what is still new.

        Raises:
            ImportBusyError: it kept colliding with other imports.
        """
        require_council_staff(principal)
        if principal.council is not None:
            # A council's staff import into their council, whatever the document
            # calls it (documents name councils loosely); stating another is refused.
            if options.council not in (None, principal.council):
                raise CouncilMismatchError(options.council)
            options = replace(options, council=principal.council)
        for _ in range(IMPORT_ATTEMPTS):
            try:
                return self._run_once(parsed, options, dry_run=dry_run, progress=progress)
            except IntegrityError:
                continue  # rolled back: nothing of this attempt was written
        raise ImportBusyError(f"{IMPORT_ATTEMPTS} attempts")

    def _run_once(
        self,
        parsed: ParsedReport,
        options: ImportOptions,
        *,
        dry_run: bool,
        progress: Callable[[int, int], None] | None,
    ) -> ImportOutcome:
        outcome = ImportOutcome(
            audit_id=None,
            dry_run=dry_run,
            problems=list(parsed.problems),
            encoding=parsed.encoding,
            format=parsed.format,
        )
        meta = outcome.metadata = stated_metadata(parsed.metadata, options)
        committee, audited_body = meta.committee, meta.audited_body
        year, report_date = meta.year, meta.report_date
        stated = {
            "committee": committee,
            "audited_body": audited_body,
            "year": year,
            "report_date": report_date,
        }
        for key, option, label in _REQUIRED:
            if not stated[key]:
                outcome.problems.append(
                    error(
                        None,
                        "METADATA_MISSING",
                        f"문서에서 {label}을(를) 찾지 못했습니다. {option} 옵션으로 지정하세요.",
                        f"The document does not state the {key.replace('_', ' ')}; give {option}.",
                    )
                )
        outcome.problems.extend(_duplicate_sequences(parsed.rows))
        today = self.writer.clock.today()
        if report_date is not None and report_date > today:
            # Said once for the document, not once per row (each would be refused).
            outcome.problems.append(
                error(
                    None,
                    "REPORT_DATE_IN_FUTURE",
                    f"문서의 보고일({report_date})이 오늘({today}, 서울 기준)보다 뒤입니다."
                    " --report-date로 바로잡으세요.",
                    f"The document's report date ({report_date}) is after today ({today},"
                    " Asia/Seoul); correct it with --report-date.",
                )
            )
        if outcome.refused or not (committee and audited_body and year and report_date):
            outcome.rows = [
                _row_plan(row, row.department or audited_body or "", None) for row in parsed.rows
            ]
            return outcome

        stamp = self.writer.stamp(Actor.importer(parsed.document_hash), report_date)
        commit = not dry_run
        try:
            with self.writer.bulk() if commit else nullcontext(_nothing) as save:
                self._plan_and_save(parsed, options, outcome, stamp, save, progress)
                if outcome.refused or not commit:
                    raise _Abandoned  # rolls back every chunk saved so far
        except _Abandoned:
            return outcome
        outcome.committed = outcome.events > 0
        return outcome

    def _plan_and_save(
        self,
        parsed: ParsedReport,
        options: ImportOptions,
        outcome: ImportOutcome,
        stamp: Stamp,
        save: Callable[[Sequence[Aggregate]], None],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Plan row by row; save in chunks while no row was refused (the caller
        rolls back if one is, after every row was planned and its problem listed)."""
        meta = outcome.metadata
        council, committee, audited_body = meta.council or "", meta.committee, meta.audited_body
        assert committee and audited_body and meta.year
        audit_id = Audit.create_id(council, committee, audited_body, meta.year)
        outcome.audit_id = audit_id
        others = [
            a
            for a in self.read_model.audits_of_document(parsed.document_hash)
            if a.audit_id != audit_id
        ]
        if others and not options.another_audit:
            outcome.problems.append(_already_imported(others[0]))
            outcome.rows = [_row_plan(r, r.department or audited_body, None) for r in parsed.rows]
            return
        chunk: list[Aggregate] = []

        def keep(aggregate: Aggregate) -> None:
            outcome.events += len(aggregate.pending_events)
            if outcome.refused:
                return  # nothing will be written: hold nothing
            chunk.append(aggregate)
            if len(chunk) >= SAVE_CHUNK:
                save(chunk)
                chunk.clear()

        # Plan against the read model (current: commands project in their own
        # transaction); the save's optimistic concurrency still guards every finding.
        snapshots: dict[UUID, ReportSnapshot] = {}
        deadline = options.deadline
        # Where neither a row nor the audit states a due date, the council's policy
        # counts from the audit's adoption (결과보고서), else from its registration.
        policy_days = self.policies.days(council)
        policy_base = stamp.business_date
        try:
            existing_audit = self.writer.events.audit(audit_id)
            snapshots = self.read_model.report_snapshots(audit_id)
            deadline = deadline or existing_audit.default_deadline
            policy_base = existing_audit.adoption_date or existing_audit.registered_on
        except DomainError:
            try:
                audit = Audit.register(
                    council=council,
                    committee=committee,
                    audited_body=audited_body,
                    year=meta.year,
                    audit_date=meta.audit_date,
                    default_deadline=options.deadline,
                    session=meta.session,
                    **stamp.fields,
                )
            except DomainError as e:
                outcome.problems.append(_problem(None, e))
                outcome.rows = [
                    _row_plan(r, r.department or audited_body, None) for r in parsed.rows
                ]
                return
            audit_id = outcome.audit_id = audit.id
            keep(audit)

        departments: dict[str, DepartmentRef] = {}  # one look-up per name, not per row
        new_departments: dict[str, Department] = {}  # by the name without white space

        def department_of(name: str) -> DepartmentRef:
            """The department of a name as of the document's date; a name no
            department has or had registers one, saved with the findings."""
            clean = one_line(name)
            if not clean:
                raise InvalidDepartmentError("a department name")
            if self.departments.find(clean) is not None:
                return self.departments.resolve(clean, on=stamp.business_date)
            key = "".join(clean.split())
            if key not in new_departments:
                new_departments[key] = new_department(self.writer, clean, council, stamp)
                outcome.departments.append(clean)
                keep(new_departments[key])
            return DepartmentRef(id=new_departments[key].ref.id, name=clean)

        for done, row in enumerate(parsed.rows, start=1):
            if progress:
                progress(done, len(parsed.rows))
            snapshot = (
                snapshots.get(Finding.create_id(audit_id, row.kind, row.seq)) if snapshots else None
            )
            name = row.department or audited_body
            try:
                if name not in departments:
                    departments[name] = department_of(name)
                policy_due = (
                    self.policies.calendar.add_business_days(
                        policy_base, policy_days[row.kind.value]
                    )
                    if row.kind.value in policy_days
                    else None
                )
                finding, action = self._plan_row(
                    audit_id,
                    departments[name],
                    row,
                    snapshot,
                    stamp,
                    options,
                    deadline,
                    policy_due,
                )
            except BusinessDateBeforeLastEventError as e:
                # The finding moved on after the document's date (a later report, a
                # verification): the row is history, not news. A warning, never a refusal.
                outcome.problems.append(_older_than_finding(row.line, e))
                outcome.rows.append(_row_plan(row, name, RowAction.UNCHANGED))
                outcome.unchanged += 1
                continue
            except DomainError as e:
                outcome.problems.append(_problem(row.line, e))
                outcome.rows.append(_row_plan(row, name, None))  # refused: its problem says why
                continue
            outcome.rows.append(_row_plan(row, name, action))
            if finding is None:
                if action is RowAction.NEEDS_DECISION:
                    outcome.needs_decision += 1
                    outcome.problems.append(_contradicts_closed(row, snapshot))
                    continue
                outcome.unchanged += 1
                closed = snapshot is not None and snapshot.verification is Verification.VERIFIED
                if closed and snapshot is not None and not same_report(snapshot, row):
                    outcome.problems.append(_closed_with_new_text(row))
                continue
            outcome.created += action is RowAction.CREATED
            outcome.changed += action is RowAction.CHANGED
            keep(finding)
        if chunk and not outcome.refused:
            save(chunk)

    def run_document(
        self,
        principal: Principal,
        data: bytes,
        options: ImportOptions,
        *,
        source_name: str = "",
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[ParsedReport, ImportOutcome]:
        """Parse, then import: what the CLI, the API and the web pages call."""
        parsed = self.parse(data, source_name=source_name)
        return parsed, self.run(principal, parsed, options, dry_run=dry_run, progress=progress)

    def _plan_row(
        self,
        audit_id: UUID,
        department: DepartmentRef,
        row: ReportRow,
        snapshot: ReportSnapshot | None,
        stamp: Stamp,
        options: ImportOptions,
        deadline: date | None,
        policy_due: date | None = None,
    ) -> tuple[Finding | None, RowAction]:
        """What one row means: a new finding, a new report on one, or nothing."""
        if snapshot is not None and same_report(snapshot, row):
            return None, RowAction.UNCHANGED
        if snapshot is not None and snapshot.verification is Verification.VERIFIED:
            # Closed by staff: a row never reopens nor rewrites it by itself. The same
            # status is news to read (a warning); another status is staff's decision.
            if row.status is snapshot.status:
                return None, RowAction.UNCHANGED
            return None, RowAction.NEEDS_DECISION
        existing = None
        if snapshot is not None:  # changed: only now load the aggregate itself
            existing = self.writer.events.find_finding(
                Finding.create_id(audit_id, row.kind, row.seq)
            )
        if existing is None:
            finding = Finding.register(
                audit_id=audit_id,
                kind=row.kind,
                seq=row.seq,
                request=row.request,
                department=department,
                raised_by=row.raised_by,
                due_date=row.due_date or deadline or policy_due,
                due_by_policy=not (row.due_date or deadline),
                **stamp.fields,
            )
            action = RowAction.CREATED
        else:
            finding, action = existing, RowAction.CHANGED
        finding.report_progress(
            status=row.status,
            status_raw=row.status_raw,
            actions=row.actions,
            plans=row.plans,
            # An import's 미반영 uses the result text as its reason (SPEC §3).
            delay_reason=row.delay_reason,
            **stamp.fields,
        )
        if options.verified and finding.has_pending_claim:
            finding.verify_claim(note="가져온 문서에서 이미 확인됨 (--verified)", **stamp.fields)
        return finding, action


def _older_than_finding(line: int, e: BusinessDateBeforeLastEventError) -> Problem:
    return warning(
        line,
        "ROW_OLDER_THAN_FINDING",
        "이 지적사항에는 문서의 보고일보다 나중의 기록이 있어 이 행은 반영하지 않았습니다"
        f" ({e.detail}).",
        f"The finding has records later than the document's date; this row was not applied"
        f" ({e.detail}).",
    )


def _closed_with_new_text(row: ReportRow) -> Problem:
    return warning(
        row.line,
        "CLOSED_FINDING_NEW_TEXT",
        f"{row.line}행: 이행확인으로 종결된 지적사항이라 새 내용은 반영하지 않았습니다"
        " (상태는 같음). 문서의 내용을 확인하세요.",
        f"line {row.line}: the finding was verified and closed; the row's new text was not"
        " applied (same status). Read it in the document.",
    )


def _contradicts_closed(row: ReportRow, snapshot: ReportSnapshot | None) -> Problem:
    closed = STATUS_LABELS[snapshot.status] if snapshot else "-"
    stated = STATUS_LABELS[row.status]
    return warning(
        row.line,
        "CLOSED_FINDING_CONTRADICTED",
        f"{row.line}행: 종결된 지적사항({closed}, 이행확인됨)을 문서는 '{stated}'(으)로"
        " 보고합니다. 반영하지 않았습니다: 다시 열지, 그대로 둘지 결정하세요.",
        f"line {row.line}: the document reports '{row.status.value}' on a finding verified"
        f" as '{snapshot.status.value if snapshot else '-'}' and closed. Not applied: decide"
        " whether to reopen it or keep it closed.",
    )


def _already_imported(audit: AuditRow) -> Problem:
    title = audit.title
    return error(
        None,
        "DOCUMENT_ALREADY_IMPORTED",
        f"이 문서는 이미 다른 감사({title}, {audit.audit_id})로 가져왔습니다."
        " 같은 감사라면 그때의 의회·위원회·피감기관·연도를 지정하고,"
        " 정말 다른 감사라면 --another-audit 옵션을 주세요.",
        f"This document was already imported into another audit ({title}, {audit.audit_id})."
        " State that audit's council, committee, audited body and year, or give"
        " --another-audit if it really is a different audit.",
    )


def stated_metadata(read: ReportMetadata, options: ImportOptions) -> ReportMetadata:
    """The document's metadata with what the caller states over it (an empty council
    given on purpose stays empty)."""
    return replace(
        read,
        council=options.council if options.council is not None else read.council,
        committee=options.committee or read.committee,
        audited_body=options.audited_body or read.audited_body,
        year=options.year or read.year,
        report_date=options.report_date or read.report_date,
        audit_date=options.audit_date or read.audit_date,
    )


def same_report(snapshot: ReportSnapshot, row: ReportRow) -> bool:
    """A row repeats a finding's last report: same status and texts, white space aside
    and as stored (NFC, no control characters): a document written in decomposed
    Hangul repeats its own import."""

    def norm(value: str | None) -> str:
        return " ".join(stored_text(value or "").split())

    return (
        snapshot.status is row.status
        and norm(snapshot.status_raw) == norm(row.status_raw)
        and norm(snapshot.actions) == norm(row.actions)
        and norm(snapshot.plans) == norm(row.plans)
        and norm(snapshot.delay_reason) == norm(row.delay_reason)
    )


def _row_plan(row: ReportRow, department: str, action: RowAction | None) -> RowPlan:
    return RowPlan(
        line=row.line,
        kind=row.kind,
        seq=row.seq,
        department=department,
        status=row.status,
        status_raw=row.status_raw,
        request=row.request,
        action=action,
    )


def _duplicate_sequences(rows: tuple[ReportRow, ...]) -> list[Problem]:
    seen: dict[tuple[str, int], int] = {}
    problems = []
    for row in rows:
        key = (row.kind.value, row.seq)
        if key in seen:
            problems.append(
                error(
                    row.line,
                    "DUPLICATE_SEQUENCE",
                    f"{row.line}행: 같은 구분의 연번 {row.seq}이(가) {seen[key]}행에도 있습니다.",
                    f"line {row.line}: sequence {row.seq} of this kind repeats line {seen[key]}.",
                )
            )
        else:
            seen[key] = row.line
    return problems


def _problem(line: int | None, e: DomainError) -> Problem:
    where_ko = f"{line}행: " if line else ""
    where_en = f"line {line}: " if line else ""
    detail = f" ({e.detail})" if e.detail else ""
    return error(line, e.code, where_ko + e.message_ko + detail, where_en + e.message_en + detail)
