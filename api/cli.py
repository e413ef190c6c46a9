"""`followup`: the command line (SPEC §7).

Exit codes: 0 success, 1 work refused (problems found), 2 usage error.
With --json exactly one JSON document goes to stdout; progress and logs to stderr.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from application.access import Principal
from application.digests import topic_label
from application.dto import FindingFilter, SummaryTable
from application.importing import ImportOptions, import_report
from application.report import Problem, error
from application.tracker import AuditTracker
from domain.errors import DomainError
from domain.values import DepartmentRef
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, FindingKind, Status
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.parsers import parse_document
from infrastructure.parsers.template import write_template
from infrastructure.readmodel.queries import SqlReadModel
from infrastructure.settings import DEFAULT_DATABASE_URL, Settings

# The library names every tracking record class alike; harmless, but noisy.
warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")

app = typer.Typer(
    name="followup",
    help="행정사무감사 후속조치 관리 (audit follow-up tracker)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=f"Database URL (else FOLLOWUP_DATABASE_URL, else {DEFAULT_DATABASE_URL}).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD (날짜 형식 오류)") from None


def _parse_uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an audit id (감사 ID 형식 오류)") from None


class _State:
    db: str | None = None


@app.callback()
def main_options(db: DbOption = None) -> None:
    """`--db` may come before the command name too."""
    _State.db = db


def _settings(db: str | None) -> Settings:
    url = db or _State.db
    try:
        return Settings(database_url=url) if url else Settings()
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--db") from None


@contextmanager
def _runtime(db: str | None) -> Iterator[Runtime]:
    runtime = open_runtime(_settings(db))
    try:
        yield runtime
    finally:
        runtime.close()


def _emit(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")


def _refuse(as_json: bool, e: DomainError) -> NoReturn:
    payload = {
        "code": e.code,
        "message_ko": e.message_ko,
        "message_en": e.message_en,
        "detail": e.detail,
    }
    if as_json:
        _emit({"error": payload})
    else:
        stderr.print(f"[red]{e.message_ko}[/red] ({e.message_en}) {e.detail or ''}")
    raise typer.Exit(1)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="Report document (the business report's 처리결과 section)."),
    ],
    council: Annotated[str | None, typer.Option(help="Council, e.g. 서울특별시의회.")] = None,
    committee: Annotated[str | None, typer.Option(help="Committee (위원회).")] = None,
    audited_body: Annotated[
        str | None, typer.Option("--audited-body", help="Audited body (피감기관).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Audit year.")] = None,
    report_date: Annotated[
        str | None, typer.Option("--report-date", help="Document date YYYY-MM-DD.")
    ] = None,
    audit_date: Annotated[
        str | None, typer.Option("--audit-date", help="Audit date YYYY-MM-DD.")
    ] = None,
    verified: Annotated[
        bool,
        typer.Option("--verified", help="The document's claims were already accepted."),
    ] = False,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", help="The audit's reporting deadline YYYY-MM-DD (처리기한)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import a report: every finding registered and reported at the document's date."""
    options = ImportOptions(
        council=council,
        committee=committee,
        audited_body=audited_body,
        year=year,
        report_date=_parse_date(report_date),
        audit_date=_parse_date(audit_date),
        verified=verified,
        deadline=_parse_date(deadline),
    )
    try:
        data = file.read_bytes()
    except OSError as e:
        unreadable = error(
            None,
            "FILE_NOT_READABLE",
            f"파일을 읽을 수 없습니다: {file}",
            f"Cannot read the file: {file} ({e.strerror})",
        )
        if as_json:
            _emit(
                {
                    "audit_id": None,
                    "created": 0,
                    "unchanged": 0,
                    "changed": 0,
                    "problems": [unreadable.as_dict()],
                }
            )
        else:
            _print_problems([unreadable])
        raise typer.Exit(1) from None

    parsed = parse_document(data, source_name=str(file))
    with _runtime(db) as runtime, _progress() as progress:
        task = progress.add_task("가져오기 (import)", total=len(parsed.rows) or None)
        try:
            outcome = import_report(
                runtime.tracker,
                Principal.system(),
                parsed,
                options,
                dry_run=dry_run,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except DomainError as e:
            _refuse(as_json, e)
    if as_json:
        _emit(outcome.as_dict())
    else:
        verb = (
            "확인만 함 (dry run)" if dry_run else ("기록함" if outcome.committed else "기록 없음")
        )
        stderr.print(f"형식 {outcome.format}, 인코딩 {outcome.encoding or '-'} (format, encoding)")
        stderr.print(
            f"감사 {outcome.audit_id}: 신규 {outcome.created}, 변경 {outcome.changed}, "
            f"변동 없음 {outcome.unchanged}, 이벤트 {outcome.events} — {verb}"
        )
        _print_problems(outcome.problems)
    if outcome.refused:
        raise typer.Exit(1)


def _print_problems(problems: list[Problem]) -> None:
    for p in problems:
        where = f"{p.line}행" if p.line else "-"
        colour = "red" if p.severity == "error" else "yellow"
        stderr.print(
            f"[{colour}]{p.severity}[/{colour}] {where} {p.code}: "
            + escape(f"{p.message_ko} / {p.message_en}"),
            highlight=False,
        )


@app.command("template")
def template_command(
    out: Annotated[
        Path, typer.Option("--out", help="Where to write it: .xlsx or .csv (by the suffix).")
    ],
) -> None:
    """Write the empty import template (XLSX or CSV); see docs/import-template.md."""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter("the file name must end in .xlsx or .csv", param_hint="--out")
    try:
        write_template(out)
    except OSError as e:
        stderr.print(f"[red]파일을 쓸 수 없습니다[/red] (cannot write {out}: {e.strerror})")
        raise typer.Exit(1) from None
    stderr.print(f"빈 양식을 만들었습니다 (template written): {out}")


@app.command("audits")
def audits_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List the audits (행정사무감사) with their number of findings."""
    with _runtime(db) as runtime:
        audits = runtime.tracker.list_audits()
    rows = [
        {
            "audit_id": str(a.audit_id),
            "council": a.council,
            "year": a.year,
            "committee": a.committee,
            "audited_body": a.audited_body,
            "findings": a.findings,
        }
        for a in audits
    ]
    if as_json:
        _emit(rows)
        return
    table = Table("audit_id", "의회", "연도", "위원회", "피감기관", "지적사항")
    for r in rows:
        table.add_row(
            *(
                str(r[k])
                for k in (
                    "audit_id",
                    "council",
                    "year",
                    "committee",
                    "audited_body",
                    "findings",
                )
            )
        )
    Console().print(table)


def render_summary(summary: SummaryTable) -> Table:
    """The 처리결과 총괄 as the business report lays it out ('-' for zero)."""
    title = "처리결과 총괄" + (f" ({summary.as_of.isoformat()} 기준)" if summary.as_of else "")
    table = Table(
        "구 분",
        "계",
        "완 료",
        "추진중",
        "검토중",
        "미반영",
        "이행확인 (확인/대기/보완요구)",
        title=title,
    )
    labels = {"total": "계", **{k.value: label for k, label in KIND_LABELS.items()}}
    for row, label in labels.items():
        c, v = summary.rows[row], summary.verification[row]
        cells = [
            c["total"],
            c["completed"],
            c["in_progress"],
            c["under_review"],
            c["not_adopted"],
        ]
        table.add_row(
            label,
            *(str(n) if n else "-" for n in cells),
            f"{v['verified']}/{v['pending']}/{v['returned']}",
        )
    return table


@app.command("summary")
def summary_command(
    audit: Annotated[
        str | None, typer.Option("--audit", help="Audit id; all audits when absent.")
    ] = None,
    committee: Annotated[str | None, typer.Option(help="Committee name.")] = None,
    department: Annotated[str | None, typer.Option(help="Department name (담당부서).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD.")] = None,
    historical: Annotated[
        bool, typer.Option("--historical", help="The department as written, not its merges.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """처리결과 총괄: kind × status counts, now or as of a business date."""
    audit_id, as_of_date = _parse_uuid(audit), _parse_date(as_of)
    with _runtime(db) as runtime:
        summary = runtime.tracker.summary(
            audit_id=audit_id,
            committee=committee,
            department=department,
            as_of=as_of_date,
            historical=historical,
        )
    if as_json:
        _emit(summary.as_dict())
    else:
        Console().print(render_summary(summary))


@app.command("findings")
def findings_command(
    audit: Annotated[str | None, typer.Option("--audit", help="Audit id.")] = None,
    status: Annotated[Status | None, typer.Option("--status", help="Status identifier.")] = None,
    kind: Annotated[FindingKind | None, typer.Option("--kind", help="Kind identifier.")] = None,
    department: Annotated[str | None, typer.Option(help="Department name.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List findings with their current status and verification."""
    flt = FindingFilter(
        audit_id=_parse_uuid(audit), status=status, kind=kind, department=department
    )
    with _runtime(db) as runtime:
        findings = runtime.tracker.list_findings(flt)
    rows = [
        {
            "finding_id": str(f.finding_id),
            "audit_id": str(f.audit_id),
            "kind": f.kind.value,
            "seq": f.seq,
            "department": f.department,
            "status": f.status.value,
            "status_raw": f.status_raw,
            "verification": f.verification.value if f.verification else None,
            "due_date": f.due_date.isoformat() if f.due_date else None,
            "version": f.version,
        }
        for f in findings
    ]
    if as_json:
        _emit(rows)
        return
    table = Table("구분", "연번", "담당부서", "추진상황", "이행확인", "처리기한", "요구사항")
    for f in findings:
        table.add_row(
            KIND_LABELS[f.kind],
            str(f.seq),
            f.department,
            STATUS_LABELS[f.status],
            f.verification.value if f.verification else "-",
            f.due_date.isoformat() if f.due_date else "-",
            f.request[:40],
        )
    Console().print(table)


@app.command("remind")
def remind_command(
    today: Annotated[
        str | None, typer.Option("--today", help="Run as of this Seoul date YYYY-MM-DD.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Run the daily reminder job once: raise due reminders, compose and send digests."""
    day = _parse_date(today)
    with _runtime(db) as runtime:
        run = runtime.reminder_job().run(day)
    if as_json:
        _emit(run.as_dict())
    else:
        stderr.print(
            f"알림 {run.raised}건 새로 발생, {run.already_raised}건은 이미 발생 "
            f"(raised {run.raised}, already {run.already_raised}); "
            f"요약메일 {run.digests_queued}건 작성, {run.digests_sent}건 발송"
        )


@app.command("inbox")
def inbox_command(
    department: Annotated[
        str | None, typer.Option(help="Department name; 'staff' for council staff.")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Reminders and notices that reached a department (or council staff)."""
    recipient = None
    if department:
        recipient = "staff" if department == "staff" else DepartmentRef.from_name(department).id
    with _runtime(db) as runtime:
        entries = SqlReadModel(runtime.tracker.factory.datastore).inbox(recipient)  # type: ignore[attr-defined]
    rows = [
        {
            "finding_id": str(e.finding_id),
            "department": e.department,
            "rule": e.topic,
            "level": e.level,
            "raised_on": e.raised_on.isoformat(),
            "recipient": "staff" if e.recipient == "staff" else e.department,
            "label": topic_label(e.topic),
            "reference_date": e.reference_date.isoformat() if e.reference_date else None,
            "detail": e.detail,
            "kind": e.kind_label,
            "seq": e.seq,
        }
        for e in entries
    ]
    if as_json:
        _emit(rows)
        return
    table = Table("일자", "받는 곳", "알림", "단계", "구분", "연번", "기준일", "내용")
    for r in rows:
        table.add_row(
            str(r["raised_on"]),
            str(r["recipient"]),
            str(r["label"]),
            str(r["level"]),
            str(r["kind"]),
            str(r["seq"]),
            str(r["reference_date"] or "-"),
            str(r["detail"] or "")[:40],
        )
    Console().print(table)


extension_app = typer.Typer(
    help="기한연장 요청·승인·거절 (due-date extensions).", no_args_is_help=True
)
app.add_typer(extension_app, name="extension")

FindingArg = Annotated[str, typer.Argument(help="Finding id.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Reason (사유).")]


def _finding_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a finding id") from None


def _extension(
    db: str | None, as_json: bool, finding: str, act: Callable[[Runtime, UUID], object]
) -> None:
    finding_id = _finding_id(finding)
    with _runtime(db) as runtime:
        try:
            act(runtime, finding_id)
        except DomainError as e:
            _refuse(as_json, e)
        details = runtime.tracker.get_finding(finding_id)
    result = {
        "finding_id": str(finding_id),
        "version": details.version,
        "due_date": details.due_date.isoformat() if details.due_date else None,
    }
    if as_json:
        _emit(result)
    else:
        stderr.print(f"처리기한 {result['due_date'] or '-'} (version {details.version})")


@extension_app.command("request")
def extension_request(
    finding: FindingArg,
    until: Annotated[str, typer.Option("--until", help="Requested due date YYYY-MM-DD.")],
    reason: ReasonOption,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A department asks for a later due date (as the system actor, before accounts)."""
    day = _parse_date(until)
    assert day is not None
    _extension(
        db,
        as_json,
        finding,
        lambda rt, fid: rt.tracker.request_extension(
            Principal.system(), fid, due_date=day, reason=reason
        ),
    )


@extension_app.command("grant")
def extension_grant(
    finding: FindingArg, reason: ReasonOption, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """Council staff grant the pending request: the due date changes."""
    _extension(
        db,
        as_json,
        finding,
        lambda rt, fid: rt.tracker.grant_extension(Principal.system(), fid, reason=reason),
    )


@extension_app.command("refuse")
def extension_refuse(
    finding: FindingArg, reason: ReasonOption, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """Council staff refuse the pending request; the due date stays."""
    _extension(
        db,
        as_json,
        finding,
        lambda rt, fid: rt.tracker.refuse_extension(Principal.system(), fid, reason=reason),
    )


departments_app = typer.Typer(
    help="부서 명칭 변경·통합 (department renames and merges).", no_args_is_help=True
)
app.add_typer(departments_app, name="departments")
EffectiveOption = Annotated[
    str, typer.Option("--effective", help="Effective date YYYY-MM-DD (시행일).")
]


@departments_app.command("rename")
def departments_rename(
    name: Annotated[str, typer.Argument(help="The department's current (or any former) name.")],
    to: Annotated[str, typer.Option("--to", help="The new name.")],
    effective: EffectiveOption,
    reason: ReasonOption,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Rename a department; its findings keep their history and follow it."""
    _department_change(
        db,
        as_json,
        effective,
        lambda tracker, day: tracker.rename_department(
            Principal.system(), name, new_name=to, effective_on=day, reason=reason
        ),
    )


@departments_app.command("merge")
def departments_merge(
    name: Annotated[str, typer.Argument(help="The department that is merged.")],
    into: Annotated[str, typer.Option("--into", help="The department it is merged into.")],
    effective: EffectiveOption,
    reason: ReasonOption,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Merge a department into another; its findings count under the target from then on."""
    _department_change(
        db,
        as_json,
        effective,
        lambda tracker, day: tracker.merge_department(
            Principal.system(), name, into=into, effective_on=day, reason=reason
        ),
    )


def _department_change(
    db: str | None,
    as_json: bool,
    effective: str,
    change: Callable[[AuditTracker, date], DepartmentRef],
) -> None:
    """Parse the effective date, run the change, print the department it leaves."""
    day = _parse_date(effective)
    assert day is not None
    with _runtime(db) as runtime:
        try:
            ref = change(runtime.tracker, day)
        except DomainError as e:
            _refuse(as_json, e)
    if as_json:
        _emit({"department_id": ref.id, "name": ref.name})
    else:
        stderr.print(f"{ref.name} ({ref.id})")


@app.command("rebuild")
def rebuild_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Rebuild every view from the events; readers keep the old views until it commits."""
    with _runtime(db) as runtime, _progress() as progress:
        task = progress.add_task("다시 만들기 (rebuild)", total=None)
        count = runtime.projector.rebuild(
            progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
        positions = runtime.projector.positions()
    if as_json:
        _emit({"events": count, "positions": positions})
    else:
        stderr.print(
            f"이벤트 {count}건으로 읽기 모델을 다시 만들었습니다 (rebuilt from {count} events)."
        )


@app.command("scheduler")
def scheduler_command(db: DbOption = None) -> None:
    """Run the reminder scheduler alone (no web server); stops on SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with _runtime(db) as runtime:
        scheduler = runtime.scheduler()
        stderr.print("스케줄러 시작 (scheduler started; one active per database)")
        scheduler.run_forever(stop)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the API (and, as their issues land, the UI and the scheduler)."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(_settings(db)), host=host, port=port, log_level="info")


from api.cli_accounts import register as register_account_commands  # noqa: E402

register_account_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
