"""`followup departments rename|merge`: departments as reference data."""

# No `from __future__ import annotations`: each command's parameters are annotated
# with the help texts `_command` is given, and typer reads them from the annotations.

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer

from api.cli.context import Runtime, open_cli_runtime
from api.cli.options import (
    DbOption,
    EffectiveOption,
    JsonOption,
    ReasonOption,
    emit,
    refuse,
    required_date,
    stderr,
)
from application.access import Principal
from domain.errors import DomainError
from domain.values import DepartmentRef

departments_app = typer.Typer(
    help="부서 명칭 변경·통합 (department renames and merges).", no_args_is_help=True
)

Change = Callable[[Runtime, str, str, date, str], DepartmentRef]
"""A change of a department: (runtime, its name, the target, effective day, reason)."""


def _command(
    name_help: str, target_flag: str, target_help: str, change: Change
) -> Callable[..., None]:
    """The command for a change: NAME, the target option, --effective, --reason, --json
    and --db. It parses the effective date, runs the change and prints the department
    it leaves; the change's docstring is the command's help."""

    def command(
        name: Annotated[str, typer.Argument(help=name_help)],
        target: Annotated[str, typer.Option(target_flag, help=target_help)],
        effective: EffectiveOption,
        reason: ReasonOption,
        as_json: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        day = required_date(effective)
        with open_cli_runtime(db) as runtime:
            try:
                ref = change(runtime, name, target, day, reason)
            except DomainError as e:
                refuse(as_json, e)
        if as_json:
            emit({"department_id": ref.id, "name": ref.name})
        else:
            stderr.print(f"{ref.name} ({ref.id})")

    command.__doc__ = change.__doc__
    return command


def _rename(runtime: Runtime, name: str, to: str, day: date, reason: str) -> DepartmentRef:
    """Rename a department; its findings keep their history and follow it."""
    return runtime.services.departments.rename(
        Principal.system(), name, new_name=to, effective_on=day, reason=reason
    )


def _merge(runtime: Runtime, name: str, into: str, day: date, reason: str) -> DepartmentRef:
    """Merge a department into another; its findings count under the target from then on."""
    return runtime.services.departments.merge(
        Principal.system(), name, into=into, effective_on=day, reason=reason
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
