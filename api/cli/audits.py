"""`followup audits`: the audits, and carrying open findings into the next year's."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.context import open_cli_runtime, remember_db
from api.cli.options import (
    CouncilOption,
    DbOption,
    JsonOption,
    council_scope,
    emit,
    parse_uuid,
    refuse,
    say_if_behind,
    show,
    stderr,
)
from domain.errors import DomainError

audits_app = typer.Typer(
    help="행정사무감사 목록과 이월 (audits; carry-over).", invoke_without_command=True
)

_AUDIT_COLUMNS = ("audit_id", "council", "year", "committee", "audited_body", "findings")
_COUNCIL = "followup.audits.council"  # `audits --council X carry-over`: in ctx.meta
_AUDIT_HEADINGS = ("audit_id", "의회", "연도", "위원회", "피감기관", "지적사항")


def register(app: typer.Typer) -> None:
    app.add_typer(audits_app, name="audits")


@audits_app.callback()
def audits_command(
    ctx: typer.Context,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the audits (행정사무감사) with their number of findings."""
    if ctx.invoked_subcommand is not None:
        if db:
            remember_db(db)  # `followup audits --db X carry-over ...`
        # `followup audits --council X carry-over ...`: the subcommand's default.
        ctx.meta[_COUNCIL] = council
        return
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        audits = scope.services.queries.list_audits()
        say_if_behind(runtime.services.queries.views_behind(), runtime.projector_running())
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
    show(as_json, rows, _AUDIT_HEADINGS, ([str(r[k]) for k in _AUDIT_COLUMNS] for r in rows))


@audits_app.command("carry-over")
def carry_over_command(
    ctx: typer.Context,
    from_id: Annotated[str, typer.Argument(metavar="FROM_ID", help="The earlier audit's id.")],
    to_id: Annotated[str, typer.Argument(metavar="TO_ID", help="The later audit's id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be carried; write nothing.")
    ] = False,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Carry FROM's open findings (not verified 완료/미반영) into TO (전년도 미완료, 이월).

    Each stays one finding with its whole history; carrying twice does nothing.
    """
    source, target = parse_uuid(from_id), parse_uuid(to_id)
    assert source is not None and target is not None
    council = council if council is not None else ctx.meta.get(_COUNCIL)
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            result = scope.services.yearly.carry_over(
                scope.principal, source, target, dry_run=dry_run
            )
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit(result.as_dict())
        return
    verb = "이월할 지적사항 (dry run)" if dry_run else "이월한 지적사항"
    stderr.print(f"{verb}: {result.carried}건 (carried)")
    for finding_id in result.finding_ids:
        print(finding_id)
