"""Stored first responses for Idempotency-Key (a repeated key writes nothing new)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import ColumnElement, and_, delete, insert, select, update

from infrastructure.readmodel.tables import idempotency

# A placeholder older than this belongs to a request that died: it may be retried.
ABANDONED_AFTER = timedelta(minutes=5)
# Stored answers are kept this long: a client retries within minutes, not days.
KEPT_FOR = timedelta(days=1)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    content_type: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()


Claim = tuple[Literal["new", "replay", "busy", "mismatch"], StoredResponse | None]


def _key(owner: str, key: str) -> ColumnElement[bool]:
    return and_(idempotency.c.owner == owner, idempotency.c.key == key)


def _ours(owner: str, key: str, claimed_at: datetime) -> ColumnElement[bool]:
    """This claim's row, not a later claim of the same key (after it was abandoned)."""
    return and_(_key(owner, key), idempotency.c.created_at == claimed_at)


class IdempotencyStore:
    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore

    def claim(
        self, owner: str, key: str, method: str, path: str, now: datetime, fingerprint: str = ""
    ) -> Claim:
        """Take the key for this request (the claim is ``now``: complete and release
        name it), or say what the first request answered ("mismatch": the key came
        with another method, path or body)."""
        for _ in range(2):
            try:
                with self.datastore.transaction(commit=True) as session:
                    # The caller's answers past keeping go first (and free their keys).
                    session.execute(
                        delete(idempotency).where(
                            idempotency.c.owner == owner, idempotency.c.created_at < now - KEPT_FOR
                        )
                    )
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
                    headers = tuple(tuple(h) for h in json.loads(row.headers or "[]"))
                    return "replay", StoredResponse(
                        row.status, row.content_type or "", row.body or "", headers
                    )
                if row.created_at > now - ABANDONED_AFTER:
                    return "busy", None
                # Abandoned: its request died (or is still running, and its late answer
                # will find the row no longer its own). Commands name a version or a
                # natural key, so running this one again never applies one twice.
                session.execute(delete(idempotency).where(_ours(owner, key, row.created_at)))
        return "busy", None

    def complete(
        self, owner: str, key: str, claimed_at: datetime, response: StoredResponse
    ) -> None:
        with self.datastore.transaction(commit=True) as session:
            session.execute(
                update(idempotency)
                .where(_ours(owner, key, claimed_at))
                .values(
                    status=response.status,
                    content_type=response.content_type,
                    body=response.body,
                    headers=json.dumps(response.headers),
                )
            )

    def release(self, owner: str, key: str, claimed_at: datetime) -> None:
        with self.datastore.transaction(commit=True) as session:
            session.execute(delete(idempotency).where(_ours(owner, key, claimed_at)))
