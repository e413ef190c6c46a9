"""Digests and their delivery: what the application hands to a mail sender.

Delivery is at least once: every digest has a deterministic Message-ID
(recipient + day), so a receiver that sees it twice drops the copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class OutgoingMail:
    message_id: str  # "<digest-...@audit-followup>", deterministic
    recipients: tuple[str, ...]
    subject: str
    text: str
    html: str


class DeliveryError(Exception):
    """The mail could not be handed to the server now; the outbox retries later."""


class MailSender(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Hand the mail to the server, or raise DeliveryError."""


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest: a reminder or a notice about one finding."""

    finding_id: UUID
    kind_label: str  # e.g. 시정·처리요구사항
    seq: int
    request: str
    topic: str  # a ReminderRule value, or a notice: claim_returned, reassigned, ...
    topic_label: str  # Korean, e.g. 처리기한 경과
    level: int
    reference_date: date | None  # the due date, claim date or milestone deadline
    detail: str | None  # milestone text, return reason, ...
    department: str | None = None  # shown where the reader is not the department itself


def digest_message_id(recipient_key: str, day: date) -> str:
    """Deterministic per recipient and day: the receiver's duplicate filter."""
    return f"<digest-{recipient_key}-{day:%Y%m%d}@audit-followup>"
