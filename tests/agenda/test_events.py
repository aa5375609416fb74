from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civicard.agenda import operations, queries
from civicard.agenda.exceptions import BadRecurrence, EventInThePast, NotAnEditor
from civicard.agenda.models import Event, EventText, Occurrence
from civicard.core.errors import InvalidInput
from civicard.mutualaid import operations as mutualaid
from civicard.mutualaid.models import Association

from .conftest import AT, details

PARIS = ZoneInfo("Europe/Paris")


def test_an_event_is_published_with_its_texts_and_one_occurrence(publish):
    event = publish()
    assert event.review == Event.Review.PUBLISHED
    assert event.uid == f"civicard-{event.pk}"
    assert list(event.occurrences.values_list("start", "end")) == [
        (AT + timedelta(days=2), AT + timedelta(days=2, hours=2))]
    assert sorted(event.texts.values_list("language", "title")) == [
        ("en", "Concert in the park"), ("fr", "Concert au parc")]


def test_title_falls_back_to_the_publishers_language(publish):
    event = publish()
    event = Event.objects.prefetch_related("texts").get(pk=event.pk)
    assert queries.title_of(event, "en") == "Concert in the park"
    assert queries.title_of(event, "uk") == "Concert au parc"


def test_a_weekly_rule_keeps_the_local_time_across_the_clock_change(publish):
    start = datetime(2026, 10, 20, 18, 0, tzinfo=PARIS)  # summer time, UTC+2
    event = publish(start=start, end=start + timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=3")
    starts = [o.start.astimezone(PARIS) for o in event.occurrences.all()]
    assert [(s.day, s.hour, s.utcoffset()) for s in starts] == [
        (20, 18, timedelta(hours=2)), (27, 18, timedelta(hours=1)), (3, 18, timedelta(hours=1))]


def test_a_rule_that_never_ends_is_expanded_only_over_the_horizon(publish, settings):
    settings.CIVICARD_AGENDA_HORIZON_DAYS = 30
    event = publish(rrule="FREQ=DAILY")
    count = event.occurrences.count()
    assert count == 28  # 14 October to 10 November: the 11th at 10:00 is past the horizon
    assert event.occurrences.order_by("-start").first().start <= AT + timedelta(days=30)
    event.occurrences.filter(start__date="2026-10-20").update(cancelled=True)
    assert operations.extend_recurrences(at=AT) == 0  # nothing new: the horizon stood still
    assert operations.extend_recurrences(at=AT + timedelta(days=10)) == 1
    assert event.occurrences.count() == 38
    assert list(event.occurrences.filter(cancelled=True).values_list("start__day", flat=True)) \
        == [20]


@pytest.mark.parametrize("changes, error", [
    ({"start": AT - timedelta(days=3), "end": AT - timedelta(days=3, hours=-1)}, EventInThePast),
    ({"rrule": "EVERY TUESDAY"}, BadRecurrence),
    ({"age_min": 12, "age_max": 6}, InvalidInput),
    ({"free_with_card": True}, InvalidInput),
    ({"texts": {"fr": ("  ", "")}}, InvalidInput),
    ({"categories": ["nonsense"]}, InvalidInput),
])
def test_bad_input_is_refused_and_nothing_is_written(publish, changes, error):
    with pytest.raises(error):
        publish(**changes)
    assert (Event.objects.count(), EventText.objects.count(), Occurrence.objects.count()) == (
        0, 0, 0)


def test_only_the_publishers_editors_publish(town, make_login, now):
    stranger = make_login("stranger@example.org")
    with pytest.raises(NotAnEditor):
        operations.publish_event(publisher=town, details=details(), actor=stranger, at=now)
    assert Event.objects.count() == 0


def test_the_agenda_filters_occurrences(publish, hoods, now):
    concert = publish(neighbourhood=hoods["Centre"])
    publish(texts={"fr": ("Atelier enfants", "")}, categories=["children", "workshop"],
            price_cents=0, accessibility=["motor"], neighbourhood=hoods["Le Port"])
    week = queries.Filters(start=AT.date(), end=AT.date() + timedelta(days=7))

    def titles(**changes):
        found = queries.occurrences(queries.Filters(**{**week.__dict__, **changes}))
        return [queries.title_of(o.event, "fr") for o in found]

    assert titles() == ["Concert au parc", "Atelier enfants"]
    assert titles(category="children") == ["Atelier enfants"]
    assert titles(free=True) == ["Atelier enfants"]
    assert titles(accessible=True) == ["Atelier enfants"]
    assert titles(children=True) == ["Atelier enfants"]
    assert titles(near=hoods["Les Tours"].pk) == ["Concert au parc"]  # same commune
    assert titles(start=AT.date() + timedelta(days=3)) == []
    operations.change_status(event=concert, status=Event.Status.CANCELLED, actor=None, at=now)
    assert titles(category="music") == ["Concert au parc"]  # still listed, marked cancelled


def test_association_events_wait_for_a_moderator(territory, make_login, moderator, now,
                                                 django_capture_on_commit_callbacks):
    editor = make_login("asso@example.org", role="association_editor")
    association = Association.objects.create(territory=territory, name="Les Amis", slug="amis",
                                             presentation="Bonjour")
    association.editors.add(editor)
    mutualaid.add_event(association=association, title="Repas partagé", description="",
                        starts_at=AT + timedelta(days=5), place="Salle des fêtes",
                        registration="", is_free=True, price="", language="fr", actor=editor,
                        at=now)
    event = Event.objects.get()
    assert (event.review, event.publisher.kind, event.price_cents) == ("pending", "association", 0)
    week = queries.Filters(start=AT.date(), end=AT.date() + timedelta(days=7))
    assert list(queries.occurrences(week)) == []
    with pytest.raises(Exception) as refused:
        operations.moderate_event(event=event, approve=True, actor=editor, at=now)
    assert refused.type.__name__ == "PermissionRefused"
    operations.moderate_event(event=event, approve=True, actor=moderator, at=now)
    assert [o.event_id for o in queries.occurrences(week)] == [event.pk]


def test_association_editors_change_an_approved_events_status_not_its_words(
        client, territory, make_login, moderator, follower, now,
        django_capture_on_commit_callbacks):
    from django.core import mail

    from tests.conftest import PASSWORD

    association = Association.objects.create(territory=territory, name="Les Amis", slug="amis",
                                             presentation="Bonjour")
    association.editors.add(make_login("first@example.org", role="association_editor"))
    mutualaid.add_event(association=association, title="Repas partagé", description="",
                        starts_at=AT + timedelta(days=5), place="Salle des fêtes",
                        registration="", is_free=True, price="", language="fr",
                        actor=association.editors.get(), at=now)
    event = Event.objects.get()
    operations.moderate_event(event=event, approve=True, actor=moderator, at=now)
    follower("rosa@example.org", language="fr", follows=[("event", event.pk)])
    later = make_login("later@example.org", role="association_editor")
    association.editors.add(later)  # joined after the event reached the agenda
    assert client.login(email="later@example.org", password=PASSWORD)
    page = client.get(f"/agenda/events/{event.pk}/").content.decode()
    assert "Change the status and tell followers" in page and "Change the event" not in page
    assert client.get(f"/agenda/events/{event.pk}/edit/").status_code == 403
    with pytest.raises(Exception) as locked:
        operations.update_event(event=event, details=details(), actor=later, at=now)
    assert locked.value.code == "approved_event_locked"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/agenda/events/{event.pk}/status/", {"status": "cancelled"})
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert [m.subject for m in mail.outbox] == ["Annulé : Repas partagé"]


def test_personal_feed_lists_followed_and_saved_events(publish, follower, now):
    concert = publish()
    other = publish(categories=["sport"], texts={"fr": ("Course", "")})
    person = follower("amina@example.org", follows=[("event", other.pk)])
    token = operations.settings_of(person).feed_token
    assert sorted(o.event_id for o in queries.personal_occurrences(token, now)) == [other.pk]
    operations.follow(person=person, kind="category", value="music", at=now)
    assert sorted(o.event_id for o in queries.personal_occurrences(token, now)) == sorted(
        [concert.pk, other.pk])
    renewed = operations.renew_feed_token(person=person, at=now).feed_token
    assert renewed != token
    with pytest.raises(Exception) as gone:
        queries.personal_occurrences(token, now)
    assert gone.type.__name__ == "NotFound"


def test_utc_dates_are_kept(publish):
    event = publish(start=datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
                    end=datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    assert event.occurrences.get().start == datetime(2026, 12, 1, 18, 0, tzinfo=PARIS)


def test_erasing_a_person_forgets_their_follows_feed_and_phones(follower, make_login, now):
    from civicard.agenda.models import AlertSettings, Follow
    from civicard.core.permissions import Role
    from civicard.notifications.models import PushSubscription
    from civicard.people.operations import erase_person

    person = follower("amina@example.org", follows=[("category", "music"), ("event", 7)])
    operations.settings_of(person)
    PushSubscription.objects.create(person=person, endpoint="https://push.example/a",
                                    p256dh="k", auth="a", created_at=now)
    other = follower("rosa@example.org")
    erase_person(person=person, actor=make_login("admin@example.org",
                                                 role=Role.ADMINISTRATOR), at=now)
    assert list(Follow.objects.values_list("person_id", flat=True)) == [other.pk]
    assert (AlertSettings.objects.filter(person=person).count(),
            PushSubscription.objects.filter(person=person).count()) == (0, 0)


def test_the_data_export_lists_follows_and_alert_settings_until_erasure(
        client, follower, make_login, now):
    import json
    from datetime import time

    from civicard.core.permissions import Role
    from civicard.people.operations import erase_person
    from civicard.people.queries import export_person_data
    from tests.conftest import PASSWORD

    person = follower("amina@example.org", follows=[("category", "children"),
                                                    ("category", "culture")])
    operations.save_alert_settings(person=person, in_app=True, email=False, push=True,
                                   rhythm="weekly", quiet_from=time(21), quiet_until=time(7),
                                   at=now)
    assert client.login(email="amina@example.org", password=PASSWORD)
    exported = json.loads(client.get("/me/export.json").content)["agenda"]
    assert exported == {
        "follows": [{"topic": "category:children", "since": "2026-10-12T08:00:00+00:00"},
                    {"topic": "category:culture", "since": "2026-10-12T08:00:00+00:00"}],
        "alert_settings": {"in_app": True, "email": False, "push": True, "rhythm": "weekly",
                           "quiet_from": "21:00:00", "quiet_until": "07:00:00"}}
    erase_person(person=person, actor=make_login("admin@example.org",
                                                 role=Role.ADMINISTRATOR), at=now)
    assert export_person_data(person)["agenda"] == {"follows": [], "alert_settings": None}


def test_the_tick_reads_feeds_and_rolls_rules_forward(publish, settings, now):
    from django.core.management import call_command

    from civicard.core import clock

    settings.CIVICARD_AGENDA_HORIZON_DAYS = 30
    event = publish(rrule="FREQ=DAILY")
    with clock.frozen(AT + timedelta(days=5)):
        call_command("agenda_tick", "--feeds")  # no publisher has a feed: nothing to read
        assert event.occurrences.count() == 28
        call_command("agenda_tick", "--digest", "daily")
    assert event.occurrences.count() == 33
