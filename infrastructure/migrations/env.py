"""Alembic environment: only our read-model tables (rm_*); the library owns the rest."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from infrastructure.readmodel.tables import metadata

config = context.config


def include_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    if type_ == "table":
        return bool(name and name.startswith("rm_") and not name.endswith("_tracking"))
    return True


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
