"""Alembic environment: only our read-model tables (rm_*); the library owns the rest."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, create_engine

import infrastructure.accounts
import infrastructure.readmodel.search  # noqa: F401
from infrastructure.migrations.env_filter import include_object
from infrastructure.readmodel.tables import UtcDateTime, metadata

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations stay self-contained: our UTC decorator is a plain aware DateTime."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Only our tables, our types rendered self-contained, and batch mode, which SQLite needs.
_OPTIONS: dict[str, Any] = {
    "target_metadata": metadata,
    "include_object": include_object,
    "render_item": render_item,
    "render_as_batch": True,
}


def _run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """On the connection the caller hands over (``migrate``), else one to the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_migrations(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run_migrations(conn)


run_migrations_online()
