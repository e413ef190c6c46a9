"""`followup migrate`, `project`, `rebuild`, `scheduler`, `serve`, `verify` and
`maintenance`: running, repairing and checking the service."""

from __future__ import annotations

import os
import signal
import threading
from typing import Annotated

import typer
from rich.markup import escape

from api.cli.context import RebuildRunningError, open_cli_runtime, settings
from api.cli.options import DbOption, JsonOption, emit, progress_bar, refuse, stderr
from api.logs import configure_logging
from application.history import parse_head
from domain.errors import DomainError


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
    app.command("project")(project_command)
    app.command("rebuild")(rebuild_command)
    app.command("scheduler")(scheduler_command)
    app.command("serve")(serve_command)
    app.command("verify")(verify_command)
    app.command("maintenance")(maintenance_command)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def migrate_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Create or upgrade the database's tables (events, views, accounts), then exit."""
    with open_cli_runtime(db) as runtime:
        behind = runtime.projector.lag()
    if as_json:
        emit({"migrated": True, "views_behind": behind})
    else:
        stderr.print("데이터베이스가 최신 구조입니다 (database schema is up to date).")


def project_command(
    once: Annotated[
        bool, typer.Option("--once", help="Catch up with the event log, then exit.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Keep the views up to the event log (one projector leads per database; the
    others stand by); stops on SIGINT or SIGTERM. `followup serve` runs one too."""
    stop = _stop_on_signals()  # before the slow start: a SIGTERM then still stops cleanly
    with open_cli_runtime(db) as runtime:
        if once:
            count = runtime.projector.run_pending()
            behind = runtime.projector.lag()
            if as_json:
                emit({"events": count, "views_behind": behind})
            else:
                stderr.print(f"이벤트 {count}건을 반영했습니다 (projected {count} events).")
            return
        configure_logging(runtime.settings.log_format, runtime.settings.log_level)
        runner = runtime.projector_runner()
        runner.stop_event = stop
        stderr.print("프로젝터 시작 (projector started; one leads per database)")
        runner.run()


def rebuild_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Rebuild every view from the events beside the live ones, then swap them in;
    readers and commands go on meanwhile."""
    with open_cli_runtime(db) as runtime, progress_bar() as progress:
        task = progress.add_task("다시 만들기 (rebuild)", total=None)
        try:
            count = runtime.rebuild_views(
                lambda done, total: progress.update(task, completed=done, total=total)
            )
        except RebuildRunningError:
            stderr.print(
                "다른 프로세스가 읽기 모델을 다시 만드는 중입니다 "
                "(another process is rebuilding the views of this database)."
            )
            raise typer.Exit(1) from None
        positions = runtime.projector.positions()
    if as_json:
        emit({"events": count, "positions": positions})
    else:
        stderr.print(
            f"이벤트 {count}건으로 읽기 모델을 다시 만들었습니다 (rebuilt from {count} events)."
        )


def scheduler_command(db: DbOption = None) -> None:
    """Run the reminder scheduler alone (no web server); stops on SIGINT or SIGTERM."""
    stop = _stop_on_signals()
    with open_cli_runtime(db) as runtime:
        configure_logging(runtime.settings.log_format, runtime.settings.log_level)
        scheduler = runtime.scheduler()
        stderr.print("스케줄러 시작 (scheduler started; one active per database)")
        scheduler.run_forever(stop)


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (PostgreSQL for more than one).")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the JSON API, the web UI, the projector and the scheduler."""
    import uvicorn

    from api.app import create_app

    chosen = settings(db)
    configure_logging(chosen.log_format, chosen.log_level)
    # Workers stop within seconds on SIGTERM, even with a client still connected. Our
    # logging stays (log_config=None); the app writes the access lines (api/logs.py).
    options = {
        "host": host,
        "port": port,
        "log_level": chosen.log_level.lower(),
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 3,
    }
    if workers == 1:
        uvicorn.run(create_app(chosen), **options)  # type: ignore[arg-type]
        return
    if chosen.is_sqlite:
        raise typer.BadParameter(
            "여러 작업 프로세스는 PostgreSQL에서만 (PostgreSQL only)", param_hint="--workers"
        )
    # The tables are made once, here; every worker builds its app from the environment.
    with open_cli_runtime(db):
        pass
    os.environ["FOLLOWUP_DATABASE_URL"] = chosen.database_url
    # A worker answers the supervisor once it has imported the app: seconds on a busy
    # machine, more than uvicorn's 5 s default (it would kill and restart it in a loop).
    uvicorn.run(
        "api.app:served_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=60,
        **options,  # type: ignore[arg-type]
    )


def verify_command(
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head",
            help="A head recorded earlier (hex): it must be in the history, so nothing "
            "was cut from its end.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Check the event history against its hash chain: no stored event altered,
    deleted, inserted or reordered. Exit 1 when a problem is found."""
    try:
        expected = parse_head(expect_head) if expect_head is not None else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--expect-head") from None
    with open_cli_runtime(db) as runtime:
        report = runtime.history.verify(expected)
    if as_json:
        emit(report.as_dict())
    else:
        for p in report.problems:
            stderr.print(
                f"[red]{p.severity}[/red] {p.code}: " + escape(f"{p.message_ko} / {p.message_en}"),
                highlight=False,
            )
        n = report.events
        if report.ok:
            stderr.print(f"이력 검증 통과: 이벤트 {n}건 (history verified: {n} events)")
        else:
            found = len(report.problems)
            stderr.print(f"이력 검증 실패: 문제 {found}건 (history check failed: {found} problems)")
        stderr.print(f"기록 해시 (history head): {report.head or '-'}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def maintenance_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Remove evidence files that no event references (uploads whose report was
    refused or abandoned; files younger than a day are kept)."""
    with open_cli_runtime(db) as runtime:
        try:
            report = runtime.sweep_evidence(dry_run=dry_run)
        except DomainError as e:  # the evidence directory is another database's
            refuse(as_json, e)
    if as_json:
        emit(
            {
                "removed": report.removed,
                "kept": report.kept,
                "bytes_freed": report.bytes_freed,
                "dry_run": report.dry_run,
            }
        )
        return
    verb = "삭제할" if dry_run else "삭제한"
    stderr.print(
        f"참조되지 않는 증빙자료 {verb} 파일 {len(report.removed)}개,"
        f" {report.bytes_freed:,} 바이트;"
        f" 남은 파일 {report.kept}개 (unreferenced evidence files"
        f" {'to remove' if dry_run else 'removed'}: {len(report.removed)})"
    )
