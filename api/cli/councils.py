"""`followup councils add|list`: the councils (의회) an installation serves."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.context import open_cli_runtime
from api.cli.options import DbOption, JsonOption, emit, refuse, show, stderr
from application.access import Principal
from application.clock import SEOUL
from application.councils import Council
from domain.errors import DomainError

councils_app = typer.Typer(help="의회 등록·목록 (councils: the tenants).", no_args_is_help=True)
_HEADINGS = ("코드", "의회", "등록일시")


def register(app: typer.Typer) -> None:
    app.add_typer(councils_app, name="councils")


def _as_dict(council: Council) -> dict[str, object]:
    return {
        "code": council.code,
        "name": council.name,
        "created_at": council.created_at.isoformat(),
    }


@councils_app.command("add")
def councils_add(
    code: Annotated[
        str,
        typer.Argument(
            metavar="CODE", help="Short code for commands: a-z, 0-9 and '-', 2 to 40 (코드)."
        ),
    ],
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The name its audits carry, e.g. 서울특별시의회.")
    ],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Register a council. The first one registered adopts every account bound to no
    council (administrators aside): an installation that served one council goes on
    serving it."""
    with open_cli_runtime(db) as runtime:
        try:
            council, adopted = runtime.services.councils.add(Principal.system(), code, name)
        except DomainError as e:
            refuse(as_json, e)
    if as_json:
        emit({**_as_dict(council), "adopted": adopted})
        return
    stderr.print(
        f"의회를 등록했습니다 (council registered): {council.name} ({council.code}); "
        f"소속이 없던 계정 {adopted}개를 이 의회에 소속시켰습니다 "
        f"({adopted} unbound accounts adopted)",
        highlight=False,
    )


@councils_app.command("list")
def councils_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List the registered councils, by name."""
    with open_cli_runtime(db) as runtime:
        found = runtime.services.councils.list()
    cells = (
        [c.code, c.name, c.created_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")] for c in found
    )
    show(as_json, [_as_dict(c) for c in found], _HEADINGS, cells)
