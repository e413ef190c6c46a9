"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it receives.

No pytest here, so fixtures anywhere (and scripts) can use it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class _Handler:
    """aiosmtpd hooks: refuse listed recipients, hand every message to the receiver."""

    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self._receiver.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)  # the default policy builds EmailMessages
        self._receiver._record(parsed)
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd Controller on 127.0.0.1 and a free port; records every message; `unique` drops
    duplicates by Message-ID as a real receiver's filter would.

    ``stop()`` then ``start()`` listens again on the same port: downtime, as the sender sees it.
    """

    def __init__(self, port: int | None = None, *, refuse: Iterable[str] = ()) -> None:
        self.host = "127.0.0.1"
        self.port = port if port is not None else free_port(self.host)
        self.received: list[EmailMessage] = []  # every delivery, duplicates included
        self.refused: set[str] = {address.lower() for address in refuse}
        self._controller: Controller | None = None
        self._changed = threading.Condition()

    def refuse(self, address: str) -> None:
        """Answer 550 to RCPT TO this address from now on."""
        self.refused.add(address.lower())

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        # A stopped Controller has closed its event loop: each start needs a new one.
        controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None

    def __enter__(self) -> SmtpReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unique(self) -> list[EmailMessage]:
        """The first copy per Message-ID, in arrival order (no Message-ID: always kept)."""
        with self._changed:
            messages = list(self.received)
        seen: set[str] = set()
        kept = []
        for message in messages:
            message_id = message["Message-ID"]
            if message_id is not None:
                if str(message_id) in seen:
                    continue
                seen.add(str(message_id))
            kept.append(message)
        return kept

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        """Block until ``received`` holds at least ``count`` messages.

        Raises:
            TimeoutError: fewer arrived within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"SMTP receiver: {len(self.received)} of {count} messages after {timeout} s"
                    )
                self._changed.wait(remaining)

    def clear(self) -> None:
        with self._changed:
            self.received.clear()

    def _record(self, message: EmailMessage) -> None:
        # Called on the server's thread; the lock makes the append visible to wait_for at once.
        with self._changed:
            self.received.append(message)
            self._changed.notify_all()
