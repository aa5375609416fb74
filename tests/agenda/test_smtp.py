"""Alerts by e-mail through a real SMTP server on 127.0.0.1 (aiosmtpd), in the readers'
languages, each recipient once even when the fan-out runs twice."""

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from civicard.agenda import tasks
from civicard.agenda.models import Alert
from civicard.core import clock

from .conftest import AT


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos,
                              email.message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield inbox
    controller.stop()


def test_followers_receive_one_email_each_in_their_language(smtp, publish, follower,
                                                           django_capture_on_commit_callbacks):
    for number in range(12):
        follower(f"reader{number}@example.org", language="fr" if number % 2 else "en")
    with django_capture_on_commit_callbacks(execute=True):
        event = publish()
    with clock.frozen(AT), django_capture_on_commit_callbacks(execute=True):
        tasks.fan_out.enqueue(event.pk, event.revision, "published")
    assert sorted(to[0] for to, _message in smtp.messages) == sorted(
        f"reader{n}@example.org" for n in range(12))
    subjects = {to[0]: message["Subject"] for to, message in smtp.messages}
    assert subjects["reader0@example.org"] == "New in the agenda: Concert in the park"
    assert subjects["reader1@example.org"] == "Nouveau dans l’agenda : Concert au parc"
    assert Alert.objects.filter(channel="email", status="sent").count() == 12
    # the words are built once per language; each reader's own To, Date and Message-ID
    assert all(message["To"] == to[0] and message.get_all("To") == [to[0]]
               for to, message in smtp.messages)
    assert len({message["Message-ID"] for _to, message in smtp.messages}) == 12
    assert all(message["Date"] for _to, message in smtp.messages)


def test_a_batch_goes_over_several_connections_and_a_refused_one_is_retried(
        smtp, publish, follower, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.CIVICARD_SMTP_CONNECTIONS, settings.CIVICARD_SMTP_MESSAGES_PER_CONNECTION = 3, 4
    for number in range(12):
        follower(f"reader{number}@example.org")
    opened = []
    real = tasks.mail.get_connection

    def counted(*args, **kwargs):
        connection = real(*args, **kwargs)
        opened.append(connection)
        if len(opened) == 2:  # the second connection cannot reach the server
            connection.port = free_port()
        return connection

    monkeypatch.setattr(tasks.mail, "get_connection", counted)
    with django_capture_on_commit_callbacks(execute=True):
        event = publish()
    with clock.frozen(AT), django_capture_on_commit_callbacks(execute=True):
        tasks.fan_out.enqueue(event.pk, event.revision, "published")
    assert (len(opened), len(smtp.messages)) == (3, 8)  # 12 messages, three connections of 4
    failed = Alert.objects.filter(channel="email", status="pending", attempts=1)
    assert failed.count() == 4 and {a.last_error.split(":")[0] for a in failed} == {
        "ConnectionRefusedError"}
    assert Alert.objects.filter(channel="email", status="sent").count() == 8
