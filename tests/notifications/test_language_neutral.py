"""Notices are stored as sentence codes with their parameters as data, and read in the reader's
language of the moment; an e-mail is written in the addressee's language when it is sent."""

import importlib
from datetime import UTC, date, datetime, time

import pytest
from django.apps import apps
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from civicard.notifications import operations
from civicard.notifications.models import Delivery, Notification
from civicard.notifications.sentences import Amount, Sentence, Texts, encode, render
from civicard.notifications.tasks import deliver
from civicard.territory.models import LocalName
from civicard.territory.queries import Name

AT = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
SUBJECT = _("Your free entries end in 3 days")
BODY = _("You still have %(count)s free entries for %(programme)s. They end on %(end)s.")
PARAMS = {"count": 2, "programme": Name("Pass Sport"), "end": date(2026, 12, 31)}
APPOINTMENT = _("Your appointment with %(mediator)s is booked on %(date)s at %(time)s, at "
                "%(place)s, %(address)s.")


@pytest.fixture
def amina(make_login):
    return make_login("amina@example.org", full_name="Amina Haddad", language="ar")


@pytest.fixture
def names_in_ukrainian(territory):
    LocalName.objects.create(territory=territory, language="uk", source="Pass Sport",
                             text="Спортивна картка")
    LocalName.objects.create(territory=territory, language="uk", source="Maison de quartier",
                             text="Будинок кварталу")


def _choose(client, language):
    assert client.post("/language/", {"language": language, "next": "/inbox/"}).status_code == 302


def _inbox(client) -> str:
    page = client.get("/inbox/").content.decode()
    return page[page.index('<ul class="card-list">'):page.index("</ul>", page.index("card-list"))]


def test_a_notice_written_while_she_read_arabic_follows_her_to_french_then_ukrainian(
        client, amina, names_in_ukrainian):
    notice = operations.notify(to=amina.person.addressee, kind="benefits.lapse",
                               subject=SUBJECT, body=BODY, params=PARAMS, at=AT)
    stored = Notification.objects.get(pk=notice.pk)
    assert (stored.subject_code, stored.body_code, stored.params) == (
        {"msgid": "Your free entries end in 3 days"},
        {"msgid": "You still have %(count)s free entries for %(programme)s. They end on "
                  "%(end)s."},
        {"count": 2, "programme": {"name": "Pass Sport"}, "end": {"date": "2026-12-31"}})
    assert (stored.written_subject, stored.written_body, stored.language) == ("", "", "ar")

    client.force_login(amina)
    _choose(client, "ar")
    page = _inbox(client)
    assert "تنتهي تذاكر الدخول المجانية بعد 3 أيام" in page
    assert "ما زالت لديك تذاكر دخول مجانية في Pass Sport، عددها 2. تنتهي في 31 ديسمبر 2026." in page
    _choose(client, "fr")
    page = _inbox(client)
    assert "Vos entrées gratuites se terminent dans 3 jours" in page
    assert ("Il vous reste 2 entrées gratuites pour Pass Sport. Elles se terminent le "
            "31 décembre 2026.") in page
    assert "تنتهي" not in page and 'lang="ar"' not in page
    _choose(client, "uk")
    page = _inbox(client)
    assert "Ваші безкоштовні входи закінчуються через 3 дні" in page
    assert ("У вас ще залишилися безкоштовні входи за програмою Спортивна картка: 2. Вони "
            "закінчуються 31 грудня 2026.") in page


def test_parameters_are_data_written_the_readers_way(db, names_in_ukrainian):
    params = encode({"mediator": "Sami", "date": date(2026, 12, 31), "time": time(9, 30),
                     "place": Name("Maison de quartier"), "address": "1 rue du Parc"}, "ar")
    assert params == {"mediator": "Sami", "date": {"date": "2026-12-31"},
                      "time": {"time": "09:30:00"}, "place": {"name": "Maison de quartier"},
                      "address": "1 rue du Parc"}
    sentence = Sentence.of(APPOINTMENT)
    assert render(sentence, params, "fr") == (
        "Votre rendez-vous avec Sami est réservé le 31 décembre 2026 à 09:30, à Maison de "
        "quartier, 1 rue du Parc.")
    assert render(sentence, params, "uk") == (
        "Ви записані до Sami на 31 грудня 2026 о 09:30, місце: Будинок кварталу, "
        "1 rue du Parc.")


def test_amounts_moments_titles_and_translated_values_are_kept_as_data(db):
    sentence = Sentence("%(a)s · %(b)s · %(c)s · %(d)s")
    params = encode({"a": Amount(1250, "EUR"), "b": datetime(2026, 12, 31, 8, 30, tzinfo=UTC),
                     "c": Texts({"fr": "Concert au parc", "uk": "Концерт у парку"},
                                default="fr"),
                     "d": pgettext_lazy("place", "closed")}, "en")
    assert params == {"a": {"cents": 1250, "currency": "EUR"},
                      "b": {"datetime": "2026-12-31T08:30:00+00:00"},
                      "c": {"texts": {"fr": "Concert au parc", "uk": "Концерт у парку"},
                            "default": "fr"},
                      "d": {"sentence": {"msgid": "closed", "context": "place"}}}
    assert render(sentence, params, "fr") == "12,50\xa0€ · 31 décembre 2026, 09:30 · " \
        "Concert au parc · fermé"
    # the title falls back to the event's language; the time is the territory's (Paris)
    assert render(sentence, params, "uk") == "12,50\xa0€ · 31 грудня 2026, 09:30 · " \
        "Концерт у парку · зачинено"
    assert render(sentence, params, "ta").split(" · ")[2] == "Concert au parc"


def test_a_plural_is_chosen_by_each_readers_rule():
    sentence = Sentence.of(ngettext_lazy("%(counter)s free entry left here this month.",
                                         "%(counter)s free entries left here this month.",
                                         "counter"))
    assert sentence == Sentence("%(counter)s free entry left here this month.",
                                plural="%(counter)s free entries left here this month.",
                                number="counter")
    assert [render(sentence, {"counter": n}, "uk") for n in (1, 3, 5)] == [
        "Цього місяця тут залишився 1 безкоштовний вхід.",
        "Цього місяця тут залишилося 3 безкоштовні входи.",
        "Цього місяця тут залишилося 5 безкоштовних входів.",
    ]


def test_plain_text_is_kept_as_written(db, amina):
    notice = operations.notify(to=amina.person.addressee, kind="test", subject="Bonjour",
                               body="Hello %(name)s", params={"name": "Amina"}, at=AT)
    notice.refresh_from_db()
    assert (notice.subject_code, notice.written_subject, notice.written_body) == (
        {}, "Bonjour", "Hello Amina")
    with translation.override("fr"):
        assert (notice.subject, notice.body, notice.written_language) == (
            "Bonjour", "Hello Amina", "ar")


def test_the_email_is_written_when_sent_in_the_addressees_language_then(
        amina, settings, names_in_ukrainian):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    operations.notify(to=amina.person.addressee, kind="benefits.lapse", subject=SUBJECT,
                      body=BODY, params=PARAMS, url="/benefits/", at=AT)
    amina.person.language = "uk"  # she changed her language before the mail went out
    amina.person.save(update_fields=["language"])
    delivery = Delivery.objects.get()
    assert (delivery.written_subject, delivery.link) == ("", "http://127.0.0.1:8000/benefits/")
    assert deliver.call(delivery.pk) == "sent"
    assert mail.outbox[0].subject == "Ваші безкоштовні входи закінчуються через 3 дні"
    assert mail.outbox[0].body == (
        "У вас ще залишилися безкоштовні входи за програмою Спортивна картка: 2. Вони "
        "закінчуються 31 грудня 2026.\n\nhttp://127.0.0.1:8000/benefits/")


def test_an_invitation_is_written_in_the_language_it_was_sent_for(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    delivery = operations.send_email(to="new@example.org", language="fr", subject=SUBJECT,
                                     body=BODY, params=PARAMS, at=AT)
    assert deliver.call(delivery.pk) == "sent"
    assert (mail.outbox[0].subject, mail.outbox[0].body) == (
        "Vos entrées gratuites se terminent dans 3 jours",
        "Il vous reste 2 entrées gratuites pour Pass Sport. Elles se terminent le "
        "31 décembre 2026.")


def test_notices_written_before_codes_get_them_back_from_the_catalogs(db, amina,
                                                                     names_in_ukrainian):
    migration = importlib.import_module(
        "civicard.notifications.migrations.0004_words_language_neutral")
    person = amina.person
    recognised = Notification.objects.create(
        person=person, kind="benefits.lapse", language="fr", created_at=AT,
        written_subject="Vos entrées gratuites se terminent dans 3 jours",
        written_body="Il vous reste 2 entrées gratuites pour Pass Sport. Elles se terminent "
                     "le 31 décembre 2026.")
    unknown = Notification.objects.create(person=person, kind="old", language="fr",
                                          created_at=AT, written_subject="Un mot du maire",
                                          written_body="Bonne année à toutes et à tous.")
    migration.code_the_words(apps, None)
    recognised.refresh_from_db()
    unknown.refresh_from_db()
    assert (recognised.subject_code, recognised.params, recognised.written_body) == (
        {"msgid": "Your free entries end in 3 days"},
        {"count": "2", "programme": "Pass Sport", "end": "31 décembre 2026"}, "")
    with translation.override("en"):  # the frame follows the reader; the words it held stay
        assert (recognised.subject, recognised.body) == (
            "Your free entries end in 3 days",
            "You still have 2 free entries for Pass Sport. They end on 31 décembre 2026.")
        assert (unknown.subject, unknown.written_language) == ("Un mot du maire", "fr")
