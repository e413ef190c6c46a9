"""What every command shares: its options, argument parsing, JSON output, refusals."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
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

from api.cli.context import DEFAULT_DATABASE_URL
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
