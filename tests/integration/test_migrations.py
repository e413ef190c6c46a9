"""Alembic owns our read-model tables: the migrations build exactly the declared schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from infrastructure.bootstrap import migrate
from infrastructure.migrations.env_filter import include_object
from infrastructure.readmodel.tables import metadata


def test_migrations_match_the_declared_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            migrate(connection)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"include_object": include_object, "compare_type": True},
            )
            assert compare_metadata(context, metadata) == []
            assert {t for t in inspect(connection).get_table_names() if t.startswith("rm_")} == set(
                metadata.tables
            )
    finally:
        engine.dispose()
