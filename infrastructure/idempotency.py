"""Stored first responses for Idempotency-Key (a repeated key writes nothing new)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import ColumnElement, and_, delete, insert, select, update

from infrastructure.readmodel.tables import idempotency

# A placeholder older than this belongs to a request that died: it may be retried.
ABANDONED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: str


Claim = tuple[Literal["new", "replay", "busy", "mismatch"], StoredResponse | None]


def _key(owner: str, key: str) -> ColumnElement[bool]:
    return and_(idempotency.c.owner == owner, idempotency.c.key == key)


class IdempotencyStore:
    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore

    def claim(
        self, owner: str, key: str, method: str, path: str, now: datetime, fingerprint: str = ""
    ) -> Claim:
        """Take the key for this request, or say what the first request answered
        ("mismatch": the key came with another method, path or body)."""
        for _ in range(2):
            try:
                with self.datastore.transaction(commit=True) as session:
                    session.execute(
                        insert(idempotency).values(
                            owner=owner,
                            key=key,
                            method=method,
                            path=path,
                            fingerprint=fingerprint,
                            created_at=now,
                        )
                    )
                return "new", None
            except IntegrityError:
                pass
            with self.datastore.transaction(commit=True) as session:
                row = session.execute(select(idempotency).where(_key(owner, key))).one_or_none()
                if row is None:
                    continue  # released meanwhile: try to take it again
                if (row.method, row.path, row.fingerprint or "") != (method, path, fingerprint):
                    return "mismatch", None
                if row.status is not None:
                    return "replay", StoredResponse(
                        row.status, row.content_type or "", row.body or ""
                    )
                if row.created_at > now - ABANDONED_AFTER:
                    return "busy", None
                session.execute(delete(idempotency).where(_key(owner, key)))
        return "busy", None

    def complete(self, owner: str, key: str, response: StoredResponse) -> None:
        with self.datastore.transaction(commit=True) as session:
            session.execute(
                update(idempotency)
                .where(_key(owner, key))
                .values(
                    status=response.status, content_type=response.content_type, body=response.body
                )
            )

    def release(self, owner: str, key: str) -> None:
        with self.datastore.transaction(commit=True) as session:
            session.execute(delete(idempotency).where(_key(owner, key)))
