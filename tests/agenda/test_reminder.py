"""The monthly free-entries reminder: one alert per holder who allows it and channel, in the
reader's language, with the partner venues open this week, by web push too."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command

from civicard.agenda import tasks
from civicard.agenda.models import Alert, AlertSettings
from civicard.benefits.models import NoticePreference, Venue
from civicard.core import clock
from civicard.notifications.models import Notification, PushSubscription
from civicard.people.models import Person
from civicard.providers.push import DummyPushProvider
from tests.benefits.conftest import accredit, entries_programme, funder, make_card  # noqa: F401

FIRST = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)  # a Sunday


@pytest.fixture(autouse=True)
def _push_inbox():
    DummyPushProvider.sent = []


@pytest.fixture
def venues(territory, entries_programme):  # noqa: F811
    museum = Venue.objects.create(territory=territory, name="Musée des beaux-arts",
                                  opening_hours="Tu-Su 10:00-18:00")
    closed = Venue.objects.create(territory=territory, name="Piscine (travaux)",
                                  opening_hours="off")
    for venue in (museum, closed):
        accredit(entries_programme, venue)
    return museum, closed


def holder(name, uid, *, language, email=""):
    person = Person.objects.create(full_name=name, language=language, email=email)
    make_card(person, uid)
    return person


def test_holders_who_allow_it_get_one_reminder_per_month(
        venues, django_capture_on_commit_callbacks):
    amina = holder("Amina Diallo", "04A1B2C3D4E5F6", language="fr", email="amina@example.org")
    PushSubscription.objects.create(person=amina, endpoint="https://push.example/amina",
                                    p256dh="k", auth="a", created_at=FIRST)
    ana = holder("Ana Lima", "04A1B2C3D4E5F7", language="pt", email="ana@example.org")
    AlertSettings.objects.create(person=ana, email=False)
    quiet = holder("Marc Quiet", "04A1B2C3D4E5F8", language="fr", email="marc@example.org")
    NoticePreference.objects.create(person=quiet, monthly_notices=False)
    Person.objects.create(full_name="No Card", email="nocard@example.org")
    with clock.frozen(FIRST), django_capture_on_commit_callbacks(execute=True):
        call_command("agenda_tick", "--free-entries")
        call_command("agenda_tick", "--free-entries")  # a second run alerts nobody again
        call_command("benefits_notices")  # on the 1st it leaves the announcement to us
    assert sorted(Alert.objects.values_list("person__full_name", "channel", "status",
                                            "month")) == [
        ("Amina Diallo", "email", "sent", FIRST.date()),
        ("Amina Diallo", "in_app", "sent", FIRST.date()),
        ("Amina Diallo", "push", "sent", FIRST.date()),
        ("Ana Lima", "in_app", "sent", FIRST.date())]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["amina@example.org"], "Vos entrées gratuites de novembre 2026 sont prêtes")]
    assert "Musée des beaux-arts" in mail.outbox[0].body
    assert "Piscine" not in mail.outbox[0].body
    assert [payload["title"] for _s, payload in DummyPushProvider.sent] == [
        "Vos entrées gratuites de novembre 2026 sont prêtes"]
    inbox = dict(Notification.objects.values_list("person__full_name", "subject"))
    assert inbox == {"Amina Diallo": "Vos entrées gratuites de novembre 2026 sont prêtes",
                     "Ana Lima": "As suas entradas gratuitas de novembro de 2026 estão prontas"}
    with clock.frozen(FIRST.replace(month=12)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_free_entries.call("2026-12-01") == 2  # next month: again once
    assert Alert.objects.filter(month=FIRST.date().replace(month=12)).count() == 4
