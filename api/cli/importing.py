"""`followup import` and `followup template`: reading a council's report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from api.cli.context import open_cli_runtime, write_template
from api.cli.options import (
    DbOption,
    JsonOption,
    emit,
    parse_date,
    progress_bar,
    refuse,
    say_if_behind,
    stated_council_scope,
    stderr,
)
from application.importing import ImportOptions
from application.report import Problem, error
from domain.errors import DomainError

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
]


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("template")(template_command)


def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="Report document (the business report's 처리결과 section)."),
    ],
    council: Annotated[
        str | None,
        typer.Option(
            help="Council, e.g. 서울특별시의회; a registered council's code or name imports "
            "into that council."
        ),
    ] = None,
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
    another_audit: Annotated[
        bool,
        typer.Option(
            "--another-audit",
            help="The document was imported into another audit and this is a different one.",
        ),
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import a report: every finding registered and reported at the document's date."""
    options = ImportOptions(
        council=council,
        committee=committee,
        audited_body=audited_body,
        year=year,
        report_date=parse_date(report_date),
        audit_date=parse_date(audit_date),
        verified=verified,
        deadline=parse_date(deadline),
        another_audit=another_audit,
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
            emit(
                {
                    "audit_id": None,
                    "created": 0,
                    "unchanged": 0,
                    "changed": 0,
                    "problems": [unreadable.as_dict()],
                }
            )
        else:
            print_problems([unreadable])
        raise typer.Exit(1) from None

    with open_cli_runtime(db) as runtime, progress_bar() as progress:
        # A registered council (by its code or name): its name, and the import its.
        scope = stated_council_scope(runtime, council)
        if scope.council is not None:
            options = replace(options, council=scope.council)
        # The total is known once the document is parsed: the first update sets it.
        task = progress.add_task("가져오기 (import)", total=None)
        try:
            _, outcome = scope.services.importer.run_document(
                scope.principal,
                data,
                options,
                source_name=str(file),
                dry_run=dry_run,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except DomainError as e:
            refuse(as_json, e)
        behind = runtime.services.queries.views_behind() if outcome.committed else 0
        running = runtime.projector_running() if behind else True
    if as_json:
        emit(outcome.as_dict())
    else:
        verb = (
            "확인만 함 (dry run)" if dry_run else ("기록함" if outcome.committed else "기록 없음")
        )
        stderr.print(f"형식 {outcome.format}, 인코딩 {outcome.encoding or '-'} (format, encoding)")
        stderr.print(
            f"감사 {outcome.audit_id}: 신규 {outcome.created}, 변경 {outcome.changed}, "
            f"변동 없음 {outcome.unchanged}, 결정 필요 {outcome.needs_decision}, "
            f"이벤트 {outcome.events} — {verb}"
        )
        print_problems(outcome.problems)
        say_if_behind(behind, running)
    if outcome.refused:
        raise typer.Exit(1)


def print_problems(problems: list[Problem]) -> None:
    for p in problems:
        where = f"{p.line}행" if p.line else "-"
        colour = "red" if p.severity == "error" else "yellow"
        stderr.print(
            f"[{colour}]{p.severity}[/{colour}] {where} {p.code}: "
            + escape(f"{p.message_ko} / {p.message_en}"),
            highlight=False,
        )


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
