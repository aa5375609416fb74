"""The agenda at phone width, axe-core checking every page: find an event, follow a category,
receive the alert in the inbox and by e-mail in the reader's language."""

from datetime import timedelta

import pytest
from django.core import mail

from civicard.agenda import operations
from civicard.agenda.models import Follow, Publisher
from civicard.core import clock
from civicard.territory.models import Neighbourhood
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def town(territory, make_login):
    publisher = Publisher.objects.create(territory=territory, slug="town", name="Town hall",
                                         kind=Publisher.Kind.TOWN, language="fr")
    publisher.editors.add(make_login("press@example.org"))
    return publisher


def publish(town, title_fr, title_en, categories, days):
    start = clock.now().replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return operations.publish_event(
        publisher=town, actor=None, at=clock.now(), details=operations.EventDetails(
            language="fr", texts={"fr": (title_fr, "Un moment pour tous."),
                                  "en": (title_en, "A moment for everyone.")},
            start=start, end=start + timedelta(hours=2), place_name="Parc des Eaux",
            neighbourhood=Neighbourhood.objects.get(name="Centre"), categories=categories,
            price_cents=0, age_min=4, age_max=12, accessibility=["motor", "hearing"]))


def test_find_an_event_follow_a_category_and_receive_the_alert(visitor, town, make_login):
    event = publish(town, "Contes au jardin", "Stories in the garden", ["children"], 1)
    make_login("amina@example.org", language="fr")
    page = visitor.go("/agenda/")
    visitor.screenshot("agenda-week")
    page.click("text=Stories in the garden")
    assert page.url.endswith(f"/agenda/events/{event.pk}/")
    visitor.check()
    visitor.screenshot("agenda-event")
    visitor.go("/agenda/month/")
    visitor.screenshot("agenda-month")
    visitor.go("/agenda/map/")

    visitor.log_in("amina@example.org", PASSWORD)
    page = visitor.go("/agenda/my-alerts/")
    page.locator("main form button", has_text="Musique").click()
    visitor.check()
    assert list(Follow.objects.values_list("topic", flat=True)) == ["category:music"]
    visitor.screenshot("agenda-my-alerts")

    publish(town, "Concert au parc", "Concert in the park", ["music"], 2)
    page = visitor.go("/inbox/")
    assert page.locator("main").get_by_text("Nouveau dans l’agenda : Concert au parc").count() == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["amina@example.org"], "Nouveau dans l’agenda : Concert au parc")]


def test_an_editor_publishes_in_several_languages_and_changes_the_status(visitor, town):
    visitor.log_in("press@example.org", PASSWORD)
    page = visitor.go("/agenda/publish/")
    page.fill("#id_title_fr", "Fête des voisins")
    page.fill("#id_description_fr", "Chacun apporte un plat.")
    page.fill("#id_title_en", "Neighbours' party")
    page.locator("summary", has_text="Deutsch").click()
    page.fill("#id_title_de", "Nachbarschaftsfest")
    page.locator("summary", has_text="Arabic").click()
    page.fill("#id_title_ar", "حفلة الجيران")
    visitor.check()
    visitor.screenshot("agenda-publish")
    start = (clock.now() + timedelta(days=3)).astimezone(clock.now().tzinfo)
    page.fill("#id_start", f"{start:%Y-%m-%d}T18:00")
    page.fill("#id_end", f"{start:%Y-%m-%d}T22:00")
    page.fill("#id_place_name", "Place du Marché")
    page.locator("label", has_text="Town life").click()
    page.get_by_role("button", name="Publish").click()
    visitor.check()
    event = town.events.get()
    assert sorted(event.texts.values_list("language", "title")) == [
        ("ar", "حفلة الجيران"), ("de", "Nachbarschaftsfest"), ("en", "Neighbours' party"),
        ("fr", "Fête des voisins")]
    assert page.locator("h1").inner_text() == "Neighbours' party"
    page.click("text=Change the event")
    visitor.check()
    page.select_option("#id_status", "postponed")
    page.get_by_role("button", name="Save the changes").click()
    visitor.check()
    event.refresh_from_db()
    assert (event.status, event.occurrences.count()) == ("postponed", 1)
