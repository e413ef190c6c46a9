"""`followup departments list|add|rename|merge`: departments as reference data."""

# No `from __future__ import annotations`: each command's parameters are annotated
# with the help texts `_command` is given, and typer reads them from the annotations.

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer

from api.cli.context import open_cli_runtime
from api.cli.options import (
    CouncilOption,
    DbOption,
    EffectiveOption,
    JsonOption,
    ReasonOption,
    Scope,
    council_scope,
    emit,
    refuse,
    required_date,
    show,
    stderr,
)
from application.dto import DepartmentRow
from domain.errors import DomainError
from domain.values import DepartmentRef

departments_app = typer.Typer(
    help="부서 등록·명칭 변경·통합 (departments: registration, renames, merges).",
    no_args_is_help=True,
)
_HEADINGS = ("부서 ID", "부서명", "이전 명칭", "통합 대상", "통합일")


def _as_dict(row: DepartmentRow) -> dict[str, object]:
    return {
        "department_id": row.department_id,
        "id": row.department_id,
        "name": row.name,
        "former_names": list(row.former_names),
        "merged_into": row.merged_into,
        "merged_on": row.merged_on.isoformat() if row.merged_on else None,
    }


@departments_app.command("list")
def departments_list(
    council: CouncilOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """List every registered department: id, today's name, former names, merge."""
    with open_cli_runtime(db) as runtime:
        rows = council_scope(runtime, council, as_json).services.queries.departments_list()
    names = {r.department_id: r.name for r in rows}
    cells = (
        [
            r.department_id,
            r.name,
            ", ".join(r.former_names) or "-",
            names.get(r.merged_into, r.merged_into) if r.merged_into else "-",
            r.merged_on.isoformat() if r.merged_on else "-",
        ]
        for r in rows
    )
    show(as_json, [_as_dict(r) for r in rows], _HEADINGS, cells)


@departments_app.command("add")
def departments_add(
    name: Annotated[str, typer.Argument(help="The department's name (부서명).")],
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Register a department; a name a department has or had is refused."""
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            ref = scope.services.departments.register(scope.principal, name)
        except DomainError as e:
            refuse(as_json, e)
        row = next(
            (r for r in scope.services.queries.departments_list() if r.department_id == ref.id),
            DepartmentRow(department_id=ref.id, name=ref.name, merged_into=None, merged_on=None),
        )
    if as_json:
        emit(_as_dict(row))
    else:
        stderr.print(f"부서를 등록했습니다 (department registered): {ref.name} ({ref.id})")


Change = Callable[[Scope, str, str, date, str], DepartmentRef]
"""A change of a department: (scope, its name, the target, effective day, reason)."""


def _command(
    name_help: str, target_flag: str, target_help: str, change: Change
) -> Callable[..., None]:
    """The command for a change: NAME, the target option, --effective, --reason,
    --council, --json and --db. It parses the effective date, runs the change and
    prints the department it leaves; the change's docstring is the command's help."""

    def command(
        name: Annotated[str, typer.Argument(help=name_help)],
        target: Annotated[str, typer.Option(target_flag, help=target_help)],
        effective: EffectiveOption,
        reason: ReasonOption,
        council: CouncilOption = None,
        as_json: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        day = required_date(effective)
        with open_cli_runtime(db) as runtime:
            scope = council_scope(runtime, council, as_json)
            try:
                ref = change(scope, name, target, day, reason)
            except DomainError as e:
                refuse(as_json, e)
        if as_json:
            emit({"department_id": ref.id, "name": ref.name})
        else:
            stderr.print(f"{ref.name} ({ref.id})")

    command.__doc__ = change.__doc__
    return command


def _rename(scope: Scope, name: str, to: str, day: date, reason: str) -> DepartmentRef:
    """Rename a department; its findings keep their history and follow it."""
    return scope.services.departments.rename(
        scope.principal, name, new_name=to, effective_on=day, reason=reason
    )


def _merge(scope: Scope, name: str, into: str, day: date, reason: str) -> DepartmentRef:
    """Merge a department into another; its findings count under the target from then on."""
    return scope.services.departments.merge(
        scope.principal, name, into=into, effective_on=day, reason=reason
    )


departments_rename = departments_app.command("rename")(
    _command("The department's current (or any former) name.", "--to", "The new name.", _rename)
)
departments_merge = departments_app.command("merge")(
    _command(
        "The department that is merged.", "--into", "The department it is merged into.", _merge
    )
)


def register(app: typer.Typer) -> None:
    app.add_typer(departments_app, name="departments")
