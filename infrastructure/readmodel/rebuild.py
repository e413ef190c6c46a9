"""Rebuild every view beside the live ones, then swap them in at once.

``followup rebuild`` must not stop anyone: commands and readers go on with the live
views while new ones are built in a shadow schema (PostgreSQL: a schema of the
same database; SQLite: an attached database file beside it), batch by batch in
short transactions. The last transaction holds the event log still (PostgreSQL:
the lock every save takes; SQLite: the write lock), projects what arrived in the
meantime, and swaps: PostgreSQL moves the tables between schemas, SQLite copies
the shadow rows over the live ones. Readers see the old views until that commit.
A rebuild killed at any moment leaves the live views as they were; the next one
drops the leftovers and starts again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from infrastructure.readmodel.projector import BACKGROUND_PAUSE, Projector
from infrastructure.readmodel.views import BatchView
from infrastructure.scheduler import lock_for

SHADOW = "followup_rebuild"
SWAP_ATTEMPTS = 5
SWAP_LOCK_TIMEOUT = "5s"
RETIRED = "followup_retired"  # PostgreSQL: the old tables on their way out

ProgressCallback = Callable[[int, int], None]
log = logging.getLogger(__name__)


class RebuildRunningError(RuntimeError):
    """Another process is rebuilding the views of this database."""


class _Translated:
    """A session (or its connection) whose statements name the shadow schema's
    tables: the views' own code writes there unchanged. Per statement, because a
    connection's own execution options would change it in place for every user."""

    def __init__(self, target: Any, schema: str) -> None:
        self._target = target
        self._schema = schema

    def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        options = {
            "schema_translate_map": {None: self._schema},
            **kwargs.pop("execution_options", {}),
        }
        return self._target.execute(statement, params, execution_options=options, **kwargs)

    def connection(self) -> _Translated:
        return _Translated(self._target.connection(), self._schema)

    def get_bind(self) -> Any:
        return self._target.get_bind()


class ShadowRebuild:
    def __init__(self, projector: Projector) -> None:
        self.projector = projector
        self.engine = cast(Engine, projector.datastore.engine)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.tables: list[Table] = [
            t for v in projector.views for t in (*v.view_tables, v.tracking_table)
        ]

    @property
    def possible(self) -> bool:
        """An in-memory SQLite database has no file to put a shadow beside."""
        return self.postgres or _sqlite_file(self.engine) is not None

    def run(self, progress: ProgressCallback | None = None) -> int:
        """Build, catch up, swap; returns how many events the new views hold."""
        lock = lock_for(self.engine.url.render_as_string(hide_password=False), "rebuild")
        if not lock.try_acquire():
            raise RebuildRunningError("another rebuild of this database is running")
        try:
            return self._run(progress)
        finally:
            lock.release()

    def _run(self, progress: ProgressCallback | None) -> int:
        with self._shadow():
            done = 0
            while True:  # short transactions while commands go on
                step = self._batch(limit_batches=1)
                done += step
                if progress:
                    progress(done, self._head())
                if step == 0:
                    break
                time.sleep(BACKGROUND_PAUSE)
            done += self._swap()
            if progress:
                progress(done, done)
        return done

    # -- the shadow ------------------------------------------------------------

    @contextmanager
    def _shadow(self) -> Iterator[None]:
        shadow_file = None if self.postgres else _sqlite_file(self.engine)
        if shadow_file is not None:
            path = Path(f"{shadow_file}.rebuild")
            path.unlink(missing_ok=True)  # a killed rebuild's leftovers
            attach = _attacher(path)
            event.listen(self.engine, "connect", attach)
            self.engine.dispose()  # every new connection sees the shadow
        try:
            self._create()
            yield
        finally:
            if shadow_file is not None:
                event.remove(self.engine, "connect", attach)
                self.engine.dispose()
                path.unlink(missing_ok=True)
            else:
                with self.engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE"))

    def _create(self) -> None:
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE"))
                conn.execute(text(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {SHADOW}"))
            shadow = conn.execution_options(schema_translate_map={None: SHADOW})
            for table in self.tables:
                table.create(shadow)

    # -- filling it ------------------------------------------------------------

    def _head(self) -> int:
        return self.projector.app.recorder.max_notification_id() or 0

    def _batch(self, *, limit_batches: int | None, session: Session | None = None) -> int:
        """Project into the shadow views: in ``session`` if given, else in a
        transaction of its own that writes the shadow only (on SQLite a plain
        BEGIN: the live database's write lock stays free for commands)."""
        if session is None:
            with Session(self.engine) as own, own.begin():
                return self._batch(limit_batches=limit_batches, session=own)
        shadow = cast(Session, _Translated(session, SHADOW))
        views: Sequence[BatchView] = self.projector.views
        name = self.projector.app.name
        positions = {v: v.lock_position(shadow, name) for v in views}
        # The events are read through the outer session: the live schema's table.
        return self.projector.project_into(shadow, positions, limit_batches=limit_batches)

    def _swap(self) -> int:
        """Hold the event log still, catch up, and put the shadow views in place."""
        for attempt in range(SWAP_ATTEMPTS):
            try:
                return self._swap_once()
            except Exception:
                # PostgreSQL: a reader or projector in a lock cycle, or the lock
                # timeout; the shadow is intact, so only the swap is tried again.
                if attempt == SWAP_ATTEMPTS - 1:
                    raise
                log.warning("view swap did not get its locks; retrying", exc_info=True)
                time.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    def _swap_once(self) -> int:
        with self.projector.datastore.transaction(commit=True) as session:
            recorder: Any = self.projector.app.recorder
            if self.postgres:
                session.execute(text(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"))
                recorder._lock_table(session)  # what every save takes: none is in flight
                # Every live table at once, tracking first as projectors lock them.
                ordered = [v.tracking_table for v in self.projector.views] + [
                    t for v in self.projector.views for t in v.view_tables
                ]
                names = ", ".join(f'"{t.name}"' for t in ordered)
                session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
            done = self._batch(limit_batches=None, session=session)
            if self.postgres:
                live = session.execute(text("SELECT current_schema()")).scalar_one()
                session.execute(text(f"CREATE SCHEMA {RETIRED}"))
                for table in self.tables:
                    name = f'"{table.name}"'
                    session.execute(text(f"ALTER TABLE {live}.{name} SET SCHEMA {RETIRED}"))
                    session.execute(text(f"ALTER TABLE {SHADOW}.{name} SET SCHEMA {live}"))
                session.execute(text(f"DROP SCHEMA {RETIRED} CASCADE"))
            else:
                for table in self.tables:
                    name = f'"{table.name}"'
                    columns = ", ".join(f'"{c.name}"' for c in table.columns)
                    session.execute(text(f"DELETE FROM main.{name}"))
                    session.execute(
                        text(
                            f"INSERT INTO main.{name} ({columns}) "
                            f"SELECT {columns} FROM {SHADOW}.{name}"
                        )
                    )
        return done


def _sqlite_file(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or engine.url.query.get("mode") == "memory":
        return None
    return str(Path(database).absolute())


def _attacher(path: Path) -> Callable[[Any, Any], None]:
    def attach(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"ATTACH DATABASE '{path}' AS {SHADOW}")

    return attach
