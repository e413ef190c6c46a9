"""Councils in SQL (``followup_councils``): the tenants an installation serves."""

from __future__ import annotations

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import column, insert, select, table, update

from application.councils import Council, CouncilExistsError
from application.ports import Clock
from domain.vocabulary import Role
from infrastructure.readmodel.tables import councils

# The accounts' columns an adoption writes (the table is the account store's).
_users = table("followup_users", column("council"), column("role"))


class SqlCouncilStore:
    """The CouncilRegistry on the shared datastore."""

    def __init__(self, datastore: SQLAlchemyDatastore, *, clock: Clock) -> None:
        self.datastore = datastore
        self.clock = clock

    def add(self, code: str, name: str) -> Council:
        now = self.clock.now()
        try:
            with self.datastore.transaction(commit=True) as session:
                rows = session.execute(select(councils.c.code, councils.c.name)).all()
                if any(r.code == code or r.name == name for r in rows):
                    raise CouncilExistsError(code)
                # The first council owns what was recorded before councils (in the
                # same transaction: two first adds at once cannot both own it).
                council = Council(code=code, name=name, created_at=now, owns_unnamed=not rows)
                session.execute(
                    insert(councils).values(
                        code=code, name=name, created_at=now, owns_unnamed=council.owns_unnamed
                    )
                )
        except IntegrityError:  # PostgreSQL: a concurrent add of the same council won
            raise CouncilExistsError(code) from None
        return council

    def list(self) -> list[Council]:
        with self.datastore.transaction(commit=False) as session:
            rows = session.execute(select(councils).order_by(councils.c.name)).all()
        return [
            Council(
                code=r.code,
                name=r.name,
                created_at=r.created_at,
                owns_unnamed=bool(r.owns_unnamed),
            )
            for r in rows
        ]

    def bind_unbound_accounts(self, name: str) -> int:
        with self.datastore.transaction(commit=True) as session:
            result = session.execute(
                update(_users)
                .where(_users.c.council.is_(None), _users.c.role != Role.ADMIN.value)
                .values(council=name)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
