"""SMTP delivery against a real server (aiosmtpd): headers, parts, failures, duplicates."""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from uuid import UUID

import pytest

from application.digests import department_digest
from application.notifications import DeliveryError, DigestItem, OutgoingMail
from infrastructure.mail import SmtpMailSender, SmtpSettings
from tests.support.smtp import SmtpReceiver, free_port

OFFICER = "officer@dept.example.go.kr"


@pytest.fixture
def receiver() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as server:
        yield server


def sender_for(receiver: SmtpReceiver, *, starttls: bool = False) -> SmtpMailSender:
    return SmtpMailSender(
        SmtpSettings(
            host=receiver.host,
            port=receiver.port,
            starttls=starttls,
            from_address="audit-followup@council.example.go.kr",
            timeout=5.0,
        )
    )


def make_mail(recipients: tuple[str, ...] = (OFFICER,)) -> OutgoingMail:
    item = DigestItem(
        finding_id=UUID(int=1),
        kind_label="시정·처리요구사항",
        seq=3,
        request="<script>alert(1)</script> 사회적경제기업 판로 지원 실적 점검",
        topic="overdue",
        topic_label="처리기한 경과",
        level=10,
        reference_date=date(2018, 10, 31),
        detail=None,
    )
    return department_digest(
        recipient_key="dept-42",
        department_name="사회적경제담당관",
        day=date(2018, 11, 20),
        items=[item],
        recipients=recipients,
        app_url="https://followup.example.go.kr",
    )


def parts(message: EmailMessage) -> dict[str, str]:
    body = {}
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        assert part.get_content_charset() == "utf-8"
        body[part.get_content_type()] = part.get_content()
    return body


def test_digest_arrives_with_its_message_id_subject_and_both_parts(
    receiver: SmtpReceiver,
) -> None:
    mail = make_mail()
    sender_for(receiver).send(mail)
    receiver.wait_for(1)

    (message,) = receiver.received
    assert message["Message-ID"] == mail.message_id
    assert message["Subject"] == mail.subject  # decoded back from its RFC 2047 form
    assert message["To"] == OFFICER
    assert message["From"] == "audit-followup@council.example.go.kr"
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    # Line endings travel as CRLF; the text is otherwise what the digest built.
    assert body["text/plain"].replace("\r\n", "\n") == mail.text
    assert body["text/html"].replace("\r\n", "\n") == mail.html


def test_korean_subject_is_encoded_on_the_wire(receiver: SmtpReceiver) -> None:
    message = sender_for(receiver).build_message(make_mail())
    raw = message.as_bytes()
    assert raw.isascii()  # base64 bodies and an RFC 2047 subject: safe for any relay
    assert b"Subject: =?utf-8?" in raw


def test_server_down_is_a_delivery_error_and_delivery_resumes_on_restart(
    receiver: SmtpReceiver,
) -> None:
    sender = sender_for(receiver)
    receiver.stop()
    with pytest.raises(DeliveryError) as raised:
        sender.send(make_mail())
    assert isinstance(raised.value.__cause__, OSError)

    receiver.start()  # the same port as before
    sender.send(make_mail())
    receiver.wait_for(1)
    assert len(receiver.received) == 1


def test_sending_twice_delivers_twice_but_the_receiver_keeps_one(
    receiver: SmtpReceiver,
) -> None:
    sender = sender_for(receiver)
    mail = make_mail()
    sender.send(mail)
    sender.send(mail)
    receiver.wait_for(2)
    assert len(receiver.received) == 2
    assert [m["Message-ID"] for m in receiver.unique()] == [mail.message_id]


def test_no_recipients_is_a_delivery_error(receiver: SmtpReceiver) -> None:
    with pytest.raises(DeliveryError, match="no recipients"):
        sender_for(receiver).send(make_mail(recipients=()))
    assert receiver.received == []


def test_refused_recipient_is_a_delivery_error(receiver: SmtpReceiver) -> None:
    receiver.refuse(OFFICER)
    with pytest.raises(DeliveryError) as raised:
        sender_for(receiver).send(make_mail())
    assert raised.value.__cause__ is not None
    assert receiver.received == []


def test_one_refused_recipient_among_several_is_a_delivery_error(
    receiver: SmtpReceiver,
) -> None:
    # The outbox must retry: someone has not got the digest.
    gone = "gone@dept.example.go.kr"
    receiver.refuse(gone)
    with pytest.raises(DeliveryError, match=re.escape(gone)):
        sender_for(receiver).send(make_mail(recipients=(OFFICER, gone)))
    receiver.wait_for(1)


def test_silent_server_times_out_as_a_delivery_error() -> None:
    # Accepts the connection (the kernel's backlog) but never greets.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        sender = SmtpMailSender(SmtpSettings(host="127.0.0.1", port=port, timeout=0.3))
        # smtplib reports the greeting's timeout as a disconnection.
        with pytest.raises(DeliveryError, match="timed out") as raised:
            sender.send(make_mail())
    assert isinstance(raised.value.__cause__, smtplib.SMTPServerDisconnected)


def test_starttls_unsupported_by_the_server_is_a_delivery_error(
    receiver: SmtpReceiver,
) -> None:
    with pytest.raises(DeliveryError, match="STARTTLS"):
        sender_for(receiver, starttls=True).send(make_mail())


def test_receiver_restarts_on_a_port_given_up_front() -> None:
    port = free_port()
    server = SmtpReceiver(port)
    server.start()
    server.stop()
    server.start()
    try:
        assert server.port == port
        SmtpMailSender(SmtpSettings(host=server.host, port=port)).send(make_mail())
        server.wait_for(1)
    finally:
        server.stop()


def test_inconsistent_settings_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="not both"):
        SmtpSettings(ssl=True, starttls=True)
    with pytest.raises(ValueError, match="together"):
        SmtpSettings(username="followup")


def test_unencodable_header_is_a_delivery_error_not_a_crash(receiver: SmtpReceiver) -> None:
    # The outbox only knows DeliveryError; a header smtplib cannot send must not escape as
    # something else.
    with pytest.raises(DeliveryError) as raised:
        sender_for(receiver).send(make_mail(recipients=("a@x.kr\r\nBcc: b@x.kr",)))
    assert isinstance(raised.value.__cause__, ValueError)
    assert receiver.received == []
