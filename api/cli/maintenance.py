"""`followup rebuild`, `scheduler` and `serve`: running and repairing the service."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from api.cli.context import open_cli_runtime, settings
from api.cli.options import DbOption, JsonOption, emit, progress_bar, stderr


def register(app: typer.Typer) -> None:
    app.command("rebuild")(rebuild_command)
    app.command("scheduler")(scheduler_command)
    app.command("serve")(serve_command)


def rebuild_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Rebuild every view from the events; readers keep the old views until it commits."""
    with open_cli_runtime(db) as runtime, progress_bar() as progress:
        task = progress.add_task("다시 만들기 (rebuild)", total=None)
        count = runtime.projector.rebuild(
            progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
        positions = runtime.projector.positions()
    if as_json:
        emit({"events": count, "positions": positions})
    else:
        stderr.print(
            f"이벤트 {count}건으로 읽기 모델을 다시 만들었습니다 (rebuilt from {count} events)."
        )


def scheduler_command(db: DbOption = None) -> None:
    """Run the reminder scheduler alone (no web server); stops on SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with open_cli_runtime(db) as runtime:
        scheduler = runtime.scheduler()
        stderr.print("스케줄러 시작 (scheduler started; one active per database)")
        scheduler.run_forever(stop)


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the JSON API, the web UI and the scheduler."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(settings(db)), host=host, port=port, log_level="info")
