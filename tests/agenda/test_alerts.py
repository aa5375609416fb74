from datetime import time, timedelta

import pytest
from django.core import mail

from civicard.agenda import operations, tasks
from civicard.agenda.models import Alert, AlertSettings, Event
from civicard.core import clock
from civicard.notifications.models import Notification, PushSubscription
from civicard.providers.push import DummyPushProvider

from .conftest import AT


@pytest.fixture(autouse=True)
def _push_inbox():
    DummyPushProvider.sent = []


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what commits enqueue (the immediate backend then runs the tasks)."""
    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()
    return run


def test_a_new_event_reaches_its_followers_on_each_channel_once(publish, follower, run_tasks):
    amina = follower("amina@example.org", follows=[("category", "music"), ("event", 999)])
    PushSubscription.objects.create(person=amina, endpoint="https://push.example/amina",
                                    p256dh="k", auth="a", created_at=AT)
    follower("sport@example.org", follows=[("category", "sport")])
    event = run_tasks(publish)
    assert sorted(Alert.objects.values_list("person_id", "channel", "status")) == [
        (amina.pk, "email", "sent"), (amina.pk, "in_app", "sent"), (amina.pk, "push", "sent")]
    assert [m.to for m in mail.outbox] == [["amina@example.org"]]
    assert mail.outbox[0].subject == "New in the agenda: Concert in the park"
    inbox = Notification.objects.get(person=amina)
    assert inbox.subject == "New in the agenda: Concert in the park"
    assert [payload["title"] for _e, payload in DummyPushProvider.sent] == [
        "New in the agenda: Concert in the park"]
    # a second fan-out of the same change (a retried task) sends nothing more
    with clock.frozen(AT):
        run_tasks(lambda: tasks.fan_out.enqueue(event.pk, event.revision, "published"))
    assert (Alert.objects.count(), len(mail.outbox), Notification.objects.count()) == (3, 1, 1)


def test_alerts_are_written_in_each_readers_language(publish, follower, run_tasks):
    follower("ana@example.org", language="pt")  # no Portuguese title: the publisher's French
    follower("rosa@example.org", language="fr")
    run_tasks(publish)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"ana@example.org": "Novo na agenda: Concert au parc",
                        "rosa@example.org": "Nouveau dans l’agenda : Concert au parc"}


def test_a_cancellation_reaches_digest_readers_at_once(publish, follower, run_tasks, now):
    reader = follower("digest@example.org", follows=[("category", "music")])
    AlertSettings.objects.create(person=reader, rhythm="daily", email=True, in_app=False,
                                 push=False)
    event = run_tasks(publish)
    assert list(Alert.objects.values_list("reason", "status")) == [("published", "digest")]
    assert mail.outbox == []
    run_tasks(lambda: operations.change_status(event=event, status=Event.Status.CANCELLED,
                                               actor=None, at=now))
    assert [m.subject for m in mail.outbox] == ["Cancelled: Concert in the park"]
    with clock.frozen(AT + timedelta(hours=20)):
        assert run_tasks(lambda: tasks.send_digests.call("daily")) == 1
    assert mail.outbox[1].subject == "What's new in the agenda"
    assert "New in the agenda: Concert in the park" in mail.outbox[1].body
    assert Alert.objects.filter(status="digest").count() == 0


def test_quiet_hours_hold_email_and_push_until_they_end(publish, follower, run_tasks):
    reader = follower("night@example.org")
    AlertSettings.objects.create(person=reader, quiet_from=time(9, 0), quiet_until=time(12, 0))
    run_tasks(publish)  # 10:00 in Paris
    assert dict(Alert.objects.values_list("channel", "status")) == {"in_app": "sent",
                                                                     "email": "pending"}
    assert mail.outbox == []
    with clock.frozen(AT + timedelta(hours=2)):  # 12:00 in Paris
        run_tasks(lambda: tasks.deliver_due.call())
    assert [m.to for m in mail.outbox] == [["night@example.org"]]


class BrokenBackend:
    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_a_failed_email_is_recorded_retried_with_back_off_then_given_up(
        publish, follower, run_tasks, settings):
    follower("unlucky@example.org")
    settings.EMAIL_BACKEND = "tests.agenda.test_alerts.BrokenBackend"
    settings.CIVICARD_DELIVERY_MAX_ATTEMPTS = 3
    run_tasks(publish)
    alert = Alert.objects.get(channel="email")
    assert (alert.status, alert.attempts, alert.last_error) == (
        "pending", 1, "ConnectionRefusedError: smtp down")
    retry = settings.CIVICARD_DELIVERY_RETRY_SECONDS
    assert alert.not_before == AT + timedelta(seconds=retry)
    with clock.frozen(AT + timedelta(seconds=retry)):
        run_tasks(lambda: tasks.deliver_due.call())
    alert.refresh_from_db()
    assert (alert.attempts, alert.not_before) == (2, AT + timedelta(seconds=3 * retry))
    with clock.frozen(AT + timedelta(seconds=3 * retry)):
        run_tasks(lambda: tasks.deliver_due.call())
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == ("failed", 3)
    assert Alert.objects.get(channel="in_app").status == "sent"


def test_a_subscription_the_push_service_forgot_is_removed(publish, follower, run_tasks):
    reader = follower("phone@example.org")
    PushSubscription.objects.create(person=reader, endpoint="https://push.example/gone",
                                    p256dh="k", auth="a", created_at=AT)
    PushSubscription.objects.create(person=reader, endpoint="https://push.example/new",
                                    p256dh="k", auth="a", created_at=AT)
    run_tasks(publish)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        "https://push.example/new"]
    assert Alert.objects.get(channel="push").status == "sent"


def test_moving_an_event_tells_those_who_saved_it(publish, follower, run_tasks, editor, now):
    event = run_tasks(publish)
    reader = follower("saved@example.org", follows=[("event", event.pk)])
    from .conftest import details
    moved = details(start=AT + timedelta(days=4), end=AT + timedelta(days=4, hours=2))
    run_tasks(lambda: operations.update_event(event=event, details=moved, actor=editor, at=now))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["saved@example.org"], "New date: Concert in the park")]
    assert Alert.objects.filter(person=reader).values_list("revision", flat=True)[0] == 2
