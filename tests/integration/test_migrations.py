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


def test_0014_gives_tokens_issued_before_an_id_and_they_keep_working(
    database_url: str,
) -> None:
    """Tokens issued under 0013 get a random public id; downgrading drops the revoked."""
    import re
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from infrastructure.accounts import SqlAccountStore, digest
    from infrastructure.bootstrap import _alembic_config, open_runtime
    from infrastructure.settings import Settings
    from tests.conftest import FixedClock

    runtime = open_runtime(Settings(database_url=database_url))
    engine = runtime.engine
    now = datetime(2018, 11, 15, tzinfo=UTC)
    secrets = ["fu_before-0014-one", "fu_before-0014-two"]
    try:
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0013")
            connection.execute(
                text(
                    "INSERT INTO followup_users (id, name, password_hash, role, departments,"
                    " active, created_at) VALUES ('u1', '김담당', 'x', 'viewer', '[]', :t, :now)"
                ),
                {"t": True, "now": now},
            )
            for secret in secrets:
                connection.execute(
                    text(
                        "INSERT INTO followup_tokens (token_hash, user_id, label, created_at)"
                        " VALUES (:h, 'u1', 'old', :now)"
                    ),
                    {"h": digest(secret), "now": now},
                )
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        store = SqlAccountStore(runtime.datastore, clock=FixedClock())
        listed = store.list_tokens()
        assert [t.name for t in listed] == ["김담당", "김담당"]
        assert all(re.fullmatch(r"[0-9a-f]{8}", t.id) for t in listed)
        assert len({t.id for t in listed}) == 2
        assert all(t.revoked_at is None for t in listed)
        for secret in secrets:
            holder = store.user_for_token(secret)
            assert holder is not None and holder.name == "김담당"

        store.revoke_token(listed[0].id)
        kept = [s for s in secrets if store.user_for_token(s) is not None]
        assert len(kept) == 1
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0013")
            # A revoked token would work again without its revocation: it is gone.
            left = connection.execute(text("SELECT token_hash FROM followup_tokens")).scalars()
            assert set(left) == {digest(kept[0])}
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        assert store.user_for_token(kept[0]) is not None
    finally:
        runtime.close()
