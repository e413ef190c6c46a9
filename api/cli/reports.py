"""`followup summary` and `findings`: what the read model says."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.cli.context import open_cli_runtime
from api.cli.options import (
    CouncilOption,
    DbOption,
    JsonOption,
    council_scope,
    emit,
    parse_date,
    parse_uuid,
    refuse,
    say_if_behind,
    show,
)
from application.dto import FindingFilter, FindingRow, SummaryTable
from domain.errors import DomainError
from domain.vocabulary import KIND_LABELS, STATUS_LABELS, FindingKind, Status


def register(app: typer.Typer) -> None:
    app.command("summary")(summary_command)
    app.command("findings")(findings_command)


_FINDING_HEADINGS = ("구분", "연번", "담당부서", "추진상황", "이행확인", "처리기한", "요구사항")

AuditOption = Annotated[
    str | None, typer.Option("--audit", help="Audit id; all audits when absent.")
]
HistoricalOption = Annotated[
    bool, typer.Option("--historical", help="The department as written, not its merges.")
]


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


def summary_command(
    audit: AuditOption = None,
    committee: Annotated[str | None, typer.Option(help="Committee name.")] = None,
    department: Annotated[str | None, typer.Option(help="Department name (담당부서).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD.")] = None,
    recorded_on: Annotated[
        str | None,
        typer.Option(
            "--recorded-on",
            help="As recorded: what it showed at the end of this day (YYYY-MM-DD, Asia/Seoul).",
        ),
    ] = None,
    historical: HistoricalOption = False,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """처리결과 총괄: kind × status counts, now or as of a business date."""
    audit_id, as_of_date = parse_uuid(audit), parse_date(as_of)
    recorded_day = parse_date(recorded_on)
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            summary = scope.services.queries.summary_for(
                scope.principal,
                recorded_on=recorded_day,
                audit_id=audit_id,
                committee=committee,
                department=department,
                as_of=as_of_date,
                historical=historical,
            )
        except DomainError as e:
            refuse(as_json, e)
        behind = runtime.services.queries.views_behind()
        running = runtime.projector_running()
    if as_json:
        emit({**summary.as_dict(), "views_behind": behind})
    else:
        Console().print(render_summary(summary))
        say_if_behind(behind, running)


def findings_command(
    audit: Annotated[str | None, typer.Option("--audit", help="Audit id.")] = None,
    status: Annotated[Status | None, typer.Option("--status", help="Status identifier.")] = None,
    kind: Annotated[FindingKind | None, typer.Option("--kind", help="Kind identifier.")] = None,
    department: Annotated[str | None, typer.Option(help="Department name.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD.")] = None,
    carried_into: Annotated[
        str | None,
        typer.Option("--carried-into", help="Findings carried over into this audit (이월)."),
    ] = None,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List findings with their status and verification, now or as of a business date."""
    flt = FindingFilter(
        audit_id=parse_uuid(audit),
        status=status,
        kind=kind,
        department=department,
        as_of=parse_date(as_of),
        carried_into=parse_uuid(carried_into),
    )
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            findings, _ = scope.services.queries.findings_for(scope.principal, flt)
        except DomainError as e:
            refuse(as_json, e)
        say_if_behind(runtime.services.queries.views_behind(), runtime.projector_running())
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
    show(as_json, rows, _FINDING_HEADINGS, map(_finding_cells, findings))


def _finding_cells(f: FindingRow) -> list[str]:
    return [
        KIND_LABELS[f.kind],
        str(f.seq),
        f.department,
        STATUS_LABELS[f.status],
        f.verification.value if f.verification else "-",
        f.due_date.isoformat() if f.due_date else "-",
        f.request[:40],
    ]
