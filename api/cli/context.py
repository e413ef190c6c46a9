"""The CLI's composition root: the only CLI module that imports the infrastructure.

Commands get their settings and runtime here; everything else they call is an
application use case on ``runtime.services`` (or the runtime's accounts, jobs
and projector).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from infrastructure.backup import create_backup, restore_backup
from infrastructure.bootstrap import Runtime, open_runtime
from infrastructure.exports.template import write_template
from infrastructure.readmodel.rebuild import RebuildRunningError
from infrastructure.settings import DEFAULT_DATABASE_URL, Settings

__all__ = [
    "DEFAULT_DATABASE_URL",
    "RebuildRunningError",
    "Runtime",
    "Settings",
    "create_backup",
    "open_cli_runtime",
    "remember_db",
    "restore_backup",
    "settings",
    "write_template",
]

# The library names every tracking record class alike; harmless, but noisy.
warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")


class _State:
    db: str | None = None


def remember_db(db: str | None) -> None:
    """`--db` given before the command name: the default of every command's own `--db`."""
    _State.db = db


def settings(db: str | None) -> Settings:
    url = db or _State.db
    try:
        return Settings(database_url=url) if url else Settings()
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--db") from None


@contextmanager
def open_cli_runtime(db: str | None) -> Iterator[Runtime]:
    runtime = open_runtime(settings(db))
    try:
        yield runtime
    finally:
        runtime.close()
