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
            ours = ("rm_", "followup_")
            assert {t for t in inspect(connection).get_table_names() if t.startswith(ours)} == set(
                metadata.tables
            )
    finally:
        engine.dispose()


def test_upgrading_a_populated_store_leaves_the_views_to_the_projector(database_url: str) -> None:
    from alembic import command

    from application.access import Principal
    from application.importing import ImportOptions
    from infrastructure.bootstrap import _alembic_config, open_runtime
    from infrastructure.parsers import parse_document
    from infrastructure.settings import Settings
    from tests.conftest import SEED

    runtime = open_runtime(Settings(database_url=database_url))
    runtime.services.importer.run(
        Principal.system(),
        parse_document(SEED.read_bytes()),
        ImportOptions(council="서울특별시의회"),
    )
    before = runtime.services.queries.summary().rows
    engine = runtime.engine
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert runtime.projector.is_behind()  # the views were emptied by 0002
    runtime.close()

    reopened = open_runtime(Settings(database_url=database_url))
    try:
        assert reopened.projector.is_behind()  # a start never waits for the views
        reopened.projector.run_pending()  # what the projector does in the background
        assert not reopened.projector.is_behind()
        assert reopened.services.queries.summary().rows == before
    finally:
        reopened.close()
