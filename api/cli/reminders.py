"""`followup remind`, `inbox` and `extension request|grant|refuse`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated
from uuid import UUID

import typer

from api.cli.context import open_cli_runtime
from api.cli.options import (
    CouncilOption,
    DbOption,
    JsonOption,
    ReasonOption,
    Scope,
    council_scope,
    emit,
    parse_date,
    parse_finding_id,
    refuse,
    required_date,
    show,
    stderr,
)
from application.digests import topic_label
from application.reminders import STAFF
from application.writer import Target
from domain.errors import DomainError

extension_app = typer.Typer(
    help="기한연장 요청·승인·거절 (due-date extensions).", no_args_is_help=True
)
FindingArg = Annotated[str, typer.Argument(help="Finding id.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Run as of this Seoul date YYYY-MM-DD.")
]
InboxDepartmentOption = Annotated[
    str | None, typer.Option(help="Department name; 'staff' for council staff.")
]
_INBOX_HEADINGS = ("일자", "받는 곳", "알림", "단계", "구분", "연번", "기준일", "내용")


def register(app: typer.Typer) -> None:
    app.command("remind")(remind_command)
    app.command("inbox")(inbox_command)
    app.add_typer(extension_app, name="extension")


def remind_command(
    today: TodayOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Run the daily reminder job once: raise due reminders, compose and send digests."""
    day = parse_date(today)
    with open_cli_runtime(db) as runtime:
        run = runtime.reminder_job().run(day)
    if as_json:
        emit(run.as_dict())
    else:
        stderr.print(
            f"알림 {run.raised}건 새로 발생, {run.already_raised}건은 이미 발생 "
            f"(raised {run.raised}, already {run.already_raised}); "
            f"요약메일 {run.digests_queued}건 작성, {run.digests_sent}건 발송"
        )


def inbox_command(
    department: InboxDepartmentOption = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only entries still open (not yet resolved).")
    ] = False,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Reminders and notices that reached a department (or council staff); each says
    when what it asked for happened (resolved_on, resolution)."""
    with open_cli_runtime(db) as runtime:
        queries = council_scope(runtime, council, as_json).services.queries
        # No department: every recipient's inbox.
        try:
            entries = queries.department_inbox(department) if department else queries.inbox()
        except DomainError as e:  # a name no department has or had
            refuse(as_json, e)
    rows = [
        {
            "finding_id": str(e.finding_id),
            "department": e.department,
            "rule": e.topic,
            "level": e.level,
            "raised_on": e.raised_on.isoformat(),
            "recipient": STAFF if e.recipient == STAFF else e.department,
            "label": topic_label(e.topic),
            "reference_date": e.reference_date.isoformat() if e.reference_date else None,
            "detail": e.detail,
            "kind": e.kind_label,
            "seq": e.seq,
            "resolved_on": e.resolved_on.isoformat() if e.resolved_on else None,
            "resolution": e.resolution,
        }
        for e in entries
        if not (open_only and e.resolved_on)
    ]
    show(as_json, rows, _INBOX_HEADINGS, map(_inbox_cells, rows))


def _inbox_cells(r: Mapping[str, object]) -> list[str]:
    return [
        str(r["raised_on"]),
        str(r["recipient"]),
        str(r["label"]),
        str(r["level"]),
        str(r["kind"]),
        str(r["seq"]),
        str(r["reference_date"] or "-"),
        str(r["detail"] or "")[:40],
    ]


def _extension(
    db: str | None,
    council: str | None,
    as_json: bool,
    finding: str,
    act: Callable[[Scope, UUID], object],
) -> None:
    """Run one extension command, then print the finding's due date and version."""
    finding_id = parse_finding_id(finding)
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            act(scope, finding_id)
        except DomainError as e:
            refuse(as_json, e)
        details = scope.services.queries.get_finding(finding_id)
    result = {
        "finding_id": str(finding_id),
        "version": details.version,
        "due_date": details.due_date.isoformat() if details.due_date else None,
    }
    if as_json:
        emit(result)
    else:
        stderr.print(f"처리기한 {result['due_date'] or '-'} (version {details.version})")


@extension_app.command("request")
def extension_request(
    finding: FindingArg,
    until: Annotated[str, typer.Option("--until", help="Requested due date YYYY-MM-DD.")],
    reason: ReasonOption,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A department asks for a later due date (as the system actor, before accounts)."""
    day = required_date(until)
    _extension(
        db,
        council,
        as_json,
        finding,
        lambda scope, fid: scope.services.findings.request_extension(
            Target(scope.principal, fid), due_date=day, reason=reason
        ),
    )


def _decide(grant: bool, reason: str) -> Callable[[Scope, UUID], object]:
    return lambda scope, fid: scope.services.findings.decide_extension(
        Target(scope.principal, fid), grant=grant, reason=reason
    )


@extension_app.command("grant")
def extension_grant(
    finding: FindingArg,
    reason: ReasonOption,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Council staff grant the pending request: the due date changes."""
    _extension(db, council, as_json, finding, _decide(True, reason))


@extension_app.command("refuse")
def extension_refuse(
    finding: FindingArg,
    reason: ReasonOption,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Council staff refuse the pending request; the due date stays."""
    _extension(db, council, as_json, finding, _decide(False, reason))
