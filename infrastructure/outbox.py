"""The outbox: digests are stored before they are sent, and sent until they arrive.

At least once, never lost: a digest and the inbox entries it carries are written
in one transaction; sending leases a row, marks it sent after the server took it,
and retries failures with a growing pause. A crash between sending and marking
resends the same Message-ID, which the receiver drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from eventsourcing.persistence import IntegrityError
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from sqlalchemy import and_, func, insert, select, update

from application.dto import InboxEntry
from application.notifications import OutgoingMail
from infrastructure.readmodel import tables
from infrastructure.readmodel.queries import inbox_entry, inbox_query

# 1, 2, 4 … minutes between attempts, at most an hour.
_MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), _MAX_BACKOFF)


class SqlOutbox:
    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore

    def has_digest(self, recipient_key: str, day: date) -> bool:
        o = tables.outbox
        with self.datastore.transaction(commit=False) as session:
            found = session.execute(
                select(func.count())
                .select_from(o)
                .where(o.c.recipient_key == recipient_key, o.c.day == day)
            ).scalar_one()
        return bool(found)

    def undigested(self, recipient: str, council: str | None = None) -> list[InboxEntry]:
        i, d = tables.inbox, tables.digest_items
        carried = (
            select(d.c.finding_id)
            .where(
                and_(
                    d.c.finding_id == i.c.finding_id,
                    d.c.version == i.c.version,
                    d.c.log_version == i.c.log_version,
                    d.c.recipient == i.c.recipient,
                )
            )
            .exists()
        )
        # What was done before its digest left needs no mail (it stays in the inbox).
        stmt = inbox_query(recipient, council).where(~carried, tables.inbox.c.resolved_on.is_(None))
        with self.datastore.transaction(commit=False) as session:
            return [inbox_entry(r) for r in session.execute(stmt)]

    def enqueue(
        self,
        mail: OutgoingMail,
        *,
        recipient_key: str,
        day: date,
        items: Sequence[InboxEntry],
        now: datetime,
    ) -> bool:
        try:
            with self.datastore.transaction(commit=True) as session:
                session.execute(
                    insert(tables.outbox).values(
                        message_id=mail.message_id,
                        recipient_key=recipient_key,
                        day=day,
                        recipients=list(mail.recipients),
                        subject=mail.subject,
                        text=mail.text,
                        html=mail.html,
                        created_at=now,
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
                if items:
                    # Each entry by its key (finding, versions, recipient), and the mail.
                    key = ("finding_id", "version", "log_version", "recipient")
                    session.execute(
                        insert(tables.digest_items),
                        [
                            {**{k: getattr(e, k) for k in key}, "message_id": mail.message_id}
                            for e in items
                        ],
                    )
        except IntegrityError:
            return False  # another process composed this recipient's digest for the day
        return True

    def claim_due(self, now: datetime, lease: timedelta) -> list[OutgoingMail]:
        o = tables.outbox
        claimed: list[OutgoingMail] = []
        with self.datastore.transaction(commit=True) as session:
            rows = session.execute(
                select(o)
                .where(o.c.sent_at.is_(None), o.c.next_attempt_at <= now)
                .order_by(o.c.created_at, o.c.message_id)
            ).all()
            for r in rows:
                # The lease: another sender skips this row until it expires.
                taken = session.execute(
                    update(o)
                    .where(
                        o.c.message_id == r.message_id,
                        o.c.sent_at.is_(None),
                        o.c.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + lease)
                )
                if taken.rowcount:  # type: ignore[attr-defined]
                    claimed.append(
                        OutgoingMail(
                            message_id=r.message_id,
                            recipients=tuple(r.recipients),
                            subject=r.subject,
                            text=r.text,
                            html=r.html,
                        )
                    )
        return claimed

    def mark_sent(self, message_id: str, now: datetime) -> None:
        o = tables.outbox
        with self.datastore.transaction(commit=True) as session:
            session.execute(
                update(o)
                .where(o.c.message_id == message_id)
                .values(sent_at=now, attempts=o.c.attempts + 1, last_error=None)
            )

    def mark_failed(self, message_id: str, now: datetime, error: str) -> None:
        o = tables.outbox
        with self.datastore.transaction(commit=True) as session:
            attempts = session.execute(
                select(o.c.attempts).where(o.c.message_id == message_id)
            ).scalar_one()
            session.execute(
                update(o)
                .where(o.c.message_id == message_id)
                .values(
                    attempts=attempts + 1,
                    next_attempt_at=now + backoff(attempts + 1),
                    last_error=error[:2000],
                )
            )
