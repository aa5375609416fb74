from datetime import UTC, datetime

import pytest
from django.core import mail

from civicard.notifications import operations
from civicard.notifications.models import Delivery
from civicard.notifications.tasks import deliver

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SUBJECT = "Your household was updated"
BODY = "Hello %(name)s, a child was added to your household."


@pytest.fixture
def french_resident(make_login):
    return make_login("marie@example.org", full_name="Marie Curie", language="fr").person


def test_notice_is_written_in_the_persons_language_and_emailed(
        french_resident, django_capture_on_commit_callbacks, settings):
    settings.LOCALE_PATHS = []  # the message below is not in a catalog: falls back to English
    with django_capture_on_commit_callbacks(execute=True):
        notification = operations.notify(to=french_resident.addressee, kind="test", subject=SUBJECT,
                                         body=BODY, params={"name": "Marie"}, url="/me/", at=AT)
    assert notification.language == "fr"
    assert notification.body == "Hello Marie, a child was added to your household."
    assert [m.to for m in mail.outbox] == [["marie@example.org"]]
    assert mail.outbox[0].body.endswith("http://127.0.0.1:8000/me/")
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_translated_notice_uses_the_readers_catalog(french_resident):
    from django.utils import translation
    from django.utils.translation import gettext_lazy as _

    notification = operations.notify(to=french_resident.addressee, kind="test",
                                     subject=_("My household"), body=_("My messages"), at=AT)
    with translation.override("fr"):
        assert (notification.subject, notification.body) == ("Mon foyer", "Mes messages")
    with translation.override("de"):
        assert (notification.subject, notification.body) == ("Mein Haushalt", "Meine Nachrichten")


def test_person_without_email_gets_only_the_inbox(db, territory):
    from civicard.people.models import Person

    person = Person.objects.create(full_name="Odette Texier", language="fr")
    operations.notify(to=person.addressee, kind="test", subject=SUBJECT, body="Hi", at=AT)
    assert person.notifications.count() == 1
    assert Delivery.objects.count() == 0


def test_failed_delivery_is_recorded_retried_then_given_up(french_resident, settings,
                                                          monkeypatch):
    settings.CIVICARD_DELIVERY_MAX_ATTEMPTS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    operations.notify(to=french_resident.addressee, kind="test", subject=SUBJECT, body="Hi", at=AT)
    delivery = Delivery.objects.get()

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.last_error == "ConnectionRefusedError: SMTP server down"
    assert deliver.call(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    assert deliver.call(delivery.pk) == "nothing to do"


def test_email_failure_never_breaks_the_request(client, make_login, make_household,
                                                monkeypatch):
    user = make_login("guardian@example.org")
    household = make_household(user.person)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    client.force_login(user)
    response = client.post(f"/me/household/{household.pk}/invite/",
                           {"email": "partner@example.org"})
    assert response.status_code == 302
    assert household.invitations.count() == 1
