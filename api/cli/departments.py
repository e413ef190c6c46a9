"""`followup departments rename|merge`: departments as reference data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer

from api.cli.context import Runtime, open_cli_runtime
from api.cli.options import DbOption, JsonOption, ReasonOption, emit, refuse, required_date, stderr
from application.access import Principal
from domain.errors import DomainError
from domain.values import DepartmentRef

departments_app = typer.Typer(
    help="부서 명칭 변경·통합 (department renames and merges).", no_args_is_help=True
)
EffectiveOption = Annotated[
    str, typer.Option("--effective", help="Effective date YYYY-MM-DD (시행일).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(departments_app, name="departments")


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
        lambda runtime, day: runtime.services.departments.rename(
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
        lambda runtime, day: runtime.services.departments.merge(
            Principal.system(), name, into=into, effective_on=day, reason=reason
        ),
    )


def _department_change(
    db: str | None,
    as_json: bool,
    effective: str,
    change: Callable[[Runtime, date], DepartmentRef],
) -> None:
    """Parse the effective date, run the change, print the department it leaves."""
    day = required_date(effective)
    with open_cli_runtime(db) as runtime:
        try:
            ref = change(runtime, day)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit({"department_id": ref.id, "name": ref.name})
    else:
        stderr.print(f"{ref.name} ({ref.id})")
