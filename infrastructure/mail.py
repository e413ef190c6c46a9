"""SMTP delivery of digests: the MailSender the outbox calls.

Every failure to hand a mail over becomes ``DeliveryError``, which tells the outbox to retry
later; resending is safe because the receiver drops a copy with a Message-ID it has seen.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from application.notifications import DeliveryError, OutgoingMail

_SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    ssl: bool = False  # implicit TLS (SMTPS, usually port 465)
    username: str | None = None
    password: str | None = None
    from_address: str = "audit-followup@localhost"
    timeout: float = 10.0  # seconds, for the connection and for each reply

    def __post_init__(self) -> None:
        # Wrong settings are not a delivery failure: retrying would never fix them.
        if self.ssl and self.starttls:
            raise ValueError("SMTP: choose ssl (implicit TLS) or starttls, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("SMTP: username and password go together")
        if self.timeout <= 0:
            raise ValueError("SMTP: timeout must be positive")


class SmtpMailSender:
    """Sends an OutgoingMail as one multipart/alternative message (text and HTML, UTF-8)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def send(self, mail: OutgoingMail) -> None:
        """Hand the mail to the SMTP server.

        Raises:
            DeliveryError: no recipients, or the server could not be reached, refused the
                mail or any recipient, or timed out. The cause is chained.
        """
        if not mail.recipients:
            raise DeliveryError(f"{mail.message_id}: no recipients")
        try:
            message = self.build_message(mail)
            smtp = self._connect()
            try:
                if self._settings.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._settings.username is not None and self._settings.password is not None:
                    smtp.login(self._settings.username, self._settings.password)
                refused = smtp.send_message(message)
            finally:
                _close(smtp)
        # OSError covers refusals, timeouts and TLS errors; ValueError (UnicodeError included)
        # comes from header values or credentials smtplib cannot encode.
        except (smtplib.SMTPException, OSError, ValueError) as error:
            raise DeliveryError(f"{mail.message_id}: {error}") from error
        if refused:
            # Retrying resends to the accepted recipients too; their filters drop the copy.
            raise DeliveryError(f"{mail.message_id}: recipients refused: {sorted(refused)}")

    def build_message(self, mail: OutgoingMail) -> EmailMessage:
        """The message exactly as sent, except its Date header."""
        message = EmailMessage()
        message["From"] = self._settings.from_address
        message["To"] = ", ".join(mail.recipients)
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(datetime.now(_SEOUL))
        message["Message-ID"] = mail.message_id
        # Keep vacation and out-of-office replies away from an unattended sender (RFC 3834).
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        # base64 survives a relay without 8BITMIME; Korean text gains nothing from QP.
        message.set_content(mail.text, subtype="plain", charset="utf-8", cte="base64")
        message.add_alternative(mail.html, subtype="html", charset="utf-8", cte="base64")
        return message

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        if s.ssl:
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely, but never let a failed QUIT undo a delivery the server accepted."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
