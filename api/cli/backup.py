"""`followup backup` and `followup restore`: the whole history in one file, and back
into an empty database (the file's layout: ``infrastructure/backup.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from api.cli.context import create_backup, open_cli_runtime, restore_backup, settings
from api.cli.options import DbOption, JsonOption, emit, progress_bar, refuse, stderr
from domain.errors import DomainError


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


@contextmanager
def _bars(as_json: bool) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress bar per stage on stderr; none with --json."""
    if as_json:
        yield lambda _stage, _done, _total: None
        return
    with progress_bar() as progress:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def backup_command(
    out: Annotated[
        Path, typer.Option("--out", help="The backup file to write (a tar; see README).")
    ],
    without_evidence: Annotated[
        bool,
        typer.Option(
            "--without-evidence",
            help="Leave the evidence files' bytes out (a restore then lacks them).",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Write the events, snapshots, hash chain, accounts and evidence to one file,
    from one consistent snapshot while the service runs."""
    with open_cli_runtime(db) as runtime, _bars(as_json) as progress:
        summary = create_backup(runtime, out, with_evidence=not without_evidence, progress=progress)
    if as_json:
        emit(summary.as_dict())
        return
    stderr.print(
        f"백업을 썼습니다: 이벤트 {summary.events}건, 사용자 {summary.accounts}명, "
        f"증빙자료 {summary.evidence_files}개, {summary.bytes:,} 바이트 "
        f"(backup written: {summary.events} events, {summary.accounts} users, "
        f"{summary.evidence_files} evidence files)",
        highlight=False,
    )
    stderr.print(f"{summary.file}  SHA-256 {summary.sha256}", highlight=False)


def restore_command(
    file: Annotated[Path, typer.Argument(help="A file `followup backup` wrote.")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Restore a backup into an empty database: checks the file first, writes the
    events (their order kept), accounts, chain and evidence, then rebuilds the views."""
    if not file.is_file():
        raise typer.BadParameter(f"{file}: 파일이 없습니다 (no such file)", param_hint="FILE")
    chosen = settings(db)
    try:
        with _bars(as_json) as progress:
            summary = restore_backup(chosen, file, progress=progress)
    except DomainError as e:  # corrupt file, target not empty, evidence of another database
        refuse(as_json, e)
    if as_json:
        emit(summary.as_dict())
        return
    stderr.print(
        f"복원했습니다: 이벤트 {summary.events}건, 사용자 {summary.accounts}명, "
        f"증빙자료 {summary.evidence_files}개, 읽기 모델 {summary.views_rebuilt}개 "
        f"(restored {summary.events} events, {summary.accounts} users, "
        f"{summary.evidence_files} evidence files; {summary.views_rebuilt} views rebuilt)",
        highlight=False,
    )
    stderr.print(f"기록 해시 (history head): {summary.chain_head or '-'}", highlight=False)
