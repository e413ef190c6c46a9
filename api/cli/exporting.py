"""`followup export`: the 처리결과 report as HWPX, XLSX, printable HTML or PDF."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
    stderr,
)
from application.exports import ExportFormat
from domain.errors import DomainError


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)


def export_command(
    audit: Annotated[str, typer.Option("--audit", help="Audit id (followup audits).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="hwpx (한글), xlsx, html or pdf.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD (default today).")
    ] = None,
    department: Annotated[str | None, typer.Option(help="Department name (담당부서).")] = None,
    council: CouncilOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """처리결과 총괄 and the lists in the business report's layout, as of a date."""
    audit_id, day = parse_uuid(audit), parse_date(as_of)
    assert audit_id is not None
    with open_cli_runtime(db) as runtime:
        scope = council_scope(runtime, council, as_json)
        try:
            exported = scope.services.exports.export(
                audit_id, fmt, as_of=day, department=department
            )
        except DomainError as e:
            refuse(as_json, e)
    try:
        _write_atomically(out, exported.data)
    except OSError as e:
        stderr.print(
            f"[red]파일을 쓸 수 없습니다[/red] (cannot write {escape(str(out))}: {e.strerror})"
        )
        raise typer.Exit(1) from None
    if as_json:
        emit({"path": str(out), "format": fmt.value, "bytes": len(exported.data)})
    else:
        stderr.print(f"{escape(str(out))}: {len(exported.data):,} bytes ({fmt.value})")


def _write_atomically(path: Path, data: bytes) -> None:
    """A reader never sees half a file: write beside it, then rename over it."""
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
