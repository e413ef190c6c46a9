"""What every command shares: its options, argument parsing, JSON output, refusals."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, NoReturn
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from api.cli.context import DEFAULT_DATABASE_URL, Runtime
from application.access import Principal
from application.councils import UnknownCouncilError
from application.services import Followup
from domain.errors import DomainError

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
ReasonOption = Annotated[str, typer.Option("--reason", help="Reason (사유).")]
EffectiveOption = Annotated[
    str, typer.Option("--effective", help="Effective date YYYY-MM-DD (시행일).")
]
CouncilOption = Annotated[
    str | None,
    typer.Option(
        "--council",
        help="A registered council's code or name (의회): act for that council only (its "
        "data, its accounts); else for every council.",
        show_default=False,
    ),
]


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD (날짜 형식 오류)") from None


def required_date(value: str) -> date:
    day = parse_date(value)
    assert day is not None
    return day


def parse_uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an audit id (감사 ID 형식 오류)") from None


def parse_finding_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a finding id") from None


def emit(document: Any) -> None:
    """The one JSON document of a `--json` run."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A table on stdout: the column headings, then a row of cells per item."""
    table = Table(*columns)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def show(
    as_json: bool, document: Any, columns: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """A listing: its one JSON document with `--json`, else its table (rows read only then)."""
    if as_json:
        emit(document)
    else:
        print_table(columns, rows)


def refuse(as_json: bool, e: DomainError) -> NoReturn:
    """The work was refused: the error as JSON (or on stderr), exit code 1."""
    payload = {
        "code": e.code,
        "message_ko": e.message_ko,
        "message_en": e.message_en,
        "detail": e.detail,
    }
    if as_json:
        emit({"error": payload})
    else:
        stderr.print(f"[red]{e.message_ko}[/red] ({e.message_en}) {e.detail or ''}")
    raise typer.Exit(1)


@dataclass(frozen=True)
class Scope:
    """What a command acts with: the use cases and the acting party. Without
    `--council`, every council's use cases as the system (the operator); with it,
    that council's use cases as the operator acting for that council."""

    services: Followup
    principal: Principal
    council: str | None = None  # the registered council's name; None: every council


def _scope(runtime: Runtime, council: str | None) -> Scope:
    if council is None:
        return Scope(runtime.services, Principal.system())
    return Scope(runtime.services.for_council(council), Principal.system().within(council), council)


def council_scope(runtime: Runtime, council: str | None, as_json: bool = False) -> Scope:
    """The scope `--council CODE_OR_NAME` asks for (absent: every council); a council
    not registered is refused (exit 1)."""
    if council is None:
        return _scope(runtime, None)
    try:
        named = runtime.services.councils.named(council)
    except DomainError as e:  # UnknownCouncilError
        refuse(as_json, e)
    return _scope(runtime, named.name)


def stated_council_scope(runtime: Runtime, council: str | None) -> Scope:
    """The scope of a command whose `--council` names a council as data (`import`,
    `policy`: the council as the document or the policy states it): a registered
    council's code or name scopes the command to that council (``Scope.council`` is
    then its registered name); any other value keeps every council, as before
    councils were registered."""
    if council is None:
        return _scope(runtime, None)
    try:
        named = runtime.services.councils.named(council)
    except UnknownCouncilError:
        return _scope(runtime, None)
    return _scope(runtime, named.name)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )


def say_if_behind(behind: int, projector_running: bool) -> None:
    """Reads answer from the views as they are: say so (on stderr) when those lag."""
    if not behind:
        return
    if projector_running:
        stderr.print(
            f"읽기 모델이 이벤트 {behind}건 뒤처져 있습니다: 프로젝터가 따라잡는 중입니다 "
            f"(views are {behind} events behind; the projector is catching up)."
        )
    else:
        stderr.print(
            f"읽기 모델이 이벤트 {behind}건 뒤처져 있습니다: `followup project --once` 또는 "
            f"`followup serve`가 따라잡습니다 (views are {behind} events behind; "
            "run `followup project --once`, or `followup serve`)."
        )
