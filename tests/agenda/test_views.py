import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicard.agenda import operations
from civicard.agenda.models import AlertSettings, Event, Follow, Publisher
from civicard.notifications.models import PushSubscription
from tests.conftest import PASSWORD

from .conftest import details
from .test_import import FEED


@pytest.fixture
def concert(publish):
    return publish()


@pytest.fixture
def pending(territory, now):
    association = Publisher.objects.create(territory=territory, slug="asso", name="Asso",
                                           kind=Publisher.Kind.ASSOCIATION)
    return operations.publish_event(publisher=association, details=details(
        texts={"fr": ("Vide-grenier", "")}), actor=None, at=now)


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_the_week_lists_events_in_the_readers_language(client, concert, pending, now):
    page = client.get("/agenda/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Concert in the park" in page
    assert "Vide-grenier" not in page  # waits for a moderator
    page = client.get("/agenda/?category=sport").content.decode()
    assert "Nothing planned for these days with these filters." in page


def test_month_and_map_pages(client, concert, hoods, now):
    Event.objects.filter(pk=concert.pk).update(neighbourhood=hoods["Centre"])
    assert "Concert in the park" in client.get("/agenda/month/?month=2026-10").content.decode()
    page = client.get("/agenda/map/").content.decode()
    points = json.loads(page.split('id="event-points" type="application/json">')[1]
                        .split("</script>")[0])
    assert points["features"] == [{
        "type": "Feature", "id": concert.pk,
        "geometry": {"type": "Point", "coordinates": [-0.2, 46.1]},
        "properties": {"name": "Concert in the park", "lines": ["Parc des Eaux"]}}]
    assert client.get("/agenda/month/?month=garbage").status_code == 200


def test_a_pending_event_is_hidden_except_from_moderators(client, pending, moderator):
    assert client.get(f"/agenda/events/{pending.pk}/").status_code == 404
    login(client, moderator)
    assert client.get(f"/agenda/events/{pending.pk}/").status_code == 200


def test_the_event_page_offers_the_calendar_and_follow(client, concert, make_login):
    response = client.get(f"/agenda/events/{concert.pk}/calendar.ics")
    assert response.status_code == 200
    assert b"SUMMARY:Concert in the park" in response.content
    user = make_login("amina@example.org")
    login(client, user)
    page = client.get(f"/agenda/events/{concert.pk}/").content.decode()
    assert "Follow this event" in page and "Follow Town hall" in page
    response = client.post("/agenda/follow/", {"kind": "event", "value": concert.pk,
                                                "follow": "1",
                                                "next": f"/agenda/events/{concert.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/agenda/events/{concert.pk}/"
    assert list(Follow.objects.values_list("topic", flat=True)) == [f"event:{concert.pk}"]
    assert "Stop following this event" in client.get(
        f"/agenda/events/{concert.pk}/").content.decode()
    client.post("/agenda/follow/", {"kind": "nonsense", "value": "x", "follow": "1"})
    assert Follow.objects.count() == 1


def test_my_alerts_saves_settings_and_subscriptions(client, make_login):
    user = make_login("amina@example.org")
    login(client, user)
    assert client.get("/agenda/my-alerts/").status_code == 200
    response = client.post("/agenda/my-alerts/", {"in_app": "on", "rhythm": "weekly",
                                                  "quiet_from": "21:00", "quiet_until": ""})
    assert response.status_code == 200  # both quiet times or neither
    assert AlertSettings.objects.get().rhythm == "at_once"
    client.post("/agenda/my-alerts/", {"in_app": "on", "rhythm": "weekly",
                                       "quiet_from": "21:00", "quiet_until": "07:30"})
    saved = AlertSettings.objects.get()
    assert (saved.email, saved.rhythm, str(saved.quiet_until)) == (False, "weekly", "07:30:00")
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "key", "auth": "auth"}}
    response = client.post("/agenda/my-alerts/push/", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 201
    assert PushSubscription.objects.get().person == user.person
    response = client.post("/agenda/my-alerts/push/", "{not json",
                           content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    token = saved.feed_token
    assert client.get(f"/agenda/feed/{token}.ics").status_code == 200
    client.post("/agenda/my-alerts/renew/")
    assert client.get(f"/agenda/feed/{token}.ics").status_code == 404


PUBLISH_FORM = {"language": "fr", "title_fr": "Bal", "description_fr": "",
                "start": "2026-10-20T20:00", "end": "2026-10-20T23:00", "rrule": "",
                "place_name": "Salle", "categories": ["music"], "price": "0"}


def test_publishing_is_for_editors(client, town, editor, make_login, now):
    form = {**PUBLISH_FORM, "publisher": town.pk}
    login(client, make_login("stranger@example.org"))
    assert client.get("/agenda/publish/").status_code == 403
    client.logout()
    login(client, editor)
    response = client.post("/agenda/publish/", {**form, "end": "2026-10-20T19:00"})
    assert response.status_code == 200 and Event.objects.count() == 0
    response = client.post("/agenda/publish/", form)
    event = Event.objects.get()
    assert response["Location"] == f"/agenda/events/{event.pk}/"
    assert (event.price_cents, event.review) == (0, "published")
    client.post(f"/agenda/events/{event.pk}/status/", {"status": "full"})
    event.refresh_from_db()
    assert event.status == "full"


def test_the_form_takes_the_words_in_several_languages(client, town, editor, now):
    login(client, editor)
    page = client.get("/agenda/publish/").content.decode()
    # the publisher's language (main) then the editor's own (English) open; 13 others folded
    assert page.count('<details class="agenda-language" open>') == 2
    assert page.count('<details class="agenda-language">') == 13
    assert page.index('name="title_fr"') < page.index('name="title_en"') \
        < page.index('name="title_de"')
    assert 'name="title_ar" lang="ar" dir="rtl"' in page
    form = {**PUBLISH_FORM, "publisher": town.pk}
    missing_main = {**form, "title_fr": "", "title_de": "Ball"}
    page = client.post("/agenda/publish/", missing_main).content.decode()
    assert "Write the title in the main language." in page and Event.objects.count() == 0
    lonely = {**form, "description_it": "Una serata danzante"}
    page = client.post("/agenda/publish/", lonely).content.decode()
    assert "Write a title to go with this description." in page and Event.objects.count() == 0
    client.post("/agenda/publish/", {**form, "title_de": "Ball", "description_de": "Tanzabend",
                                     "title_ar": "حفلة راقصة"})
    event = Event.objects.get()
    assert event.language == "fr"
    assert sorted(event.texts.values_list("language", "title", "description")) == [
        ("ar", "حفلة راقصة", ""), ("de", "Ball", "Tanzabend"), ("fr", "Bal", "")]
    client.logout()
    for language, title in [("de", "Ball"), ("ar", "حفلة راقصة"), ("pt", "Bal")]:
        page = client.get(f"/agenda/events/{event.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'<h1 lang="{"fr" if language == "pt" else language}">{title}</h1>' in page


def test_editing_keeps_the_occurrences_and_tells_a_status_change_once(
        client, town, editor, follower, make_login, now, django_capture_on_commit_callbacks):
    from django.core import mail

    from civicard.agenda.models import Alert

    reader = follower("amina@example.org", follows=[("category", "music")])
    with django_capture_on_commit_callbacks(execute=True):
        event = operations.publish_event(publisher=town, actor=editor, at=now, details=details(
            rrule="FREQ=WEEKLY;COUNT=4"))
    occurrences = list(event.occurrences.values_list("pk", "start"))
    event.occurrences.filter(pk=occurrences[1][0]).update(cancelled=True)
    login(client, make_login("stranger@example.org"))
    assert client.get(f"/agenda/events/{event.pk}/edit/").status_code == 403
    client.logout()
    login(client, editor)
    page = client.get(f"/agenda/events/{event.pk}/edit/").content.decode()
    assert 'value="Concert in the park"' in page and 'value="FREQ=WEEKLY;COUNT=4"' in page
    assert 'name="start" value="2026-10-14T10:00"' in page  # the first date, local time
    form = {"language": "fr", "title_fr": "Concert au parc", "title_en": "Concert in the park",
            "title_it": "Concerto al parco", "start": "2026-10-14T10:00",
            "end": "2026-10-14T12:00", "rrule": "FREQ=WEEKLY;COUNT=4",
            "place_name": "Parc des Eaux", "categories": ["music"], "status": "postponed"}
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/agenda/events/{event.pk}/edit/", form)
    assert response["Location"] == f"/agenda/events/{event.pk}/"
    event.refresh_from_db()
    assert (event.status, event.revision) == ("postponed", 2)
    assert list(event.occurrences.values_list("pk", "start")) == occurrences
    assert list(event.occurrences.values_list("cancelled", flat=True)) == [
        False, True, False, False]
    assert event.texts.get(language="it").title == "Concerto al parco"
    assert [m.subject for m in mail.outbox] == ["Postponed: Concert in the park"]
    assert list(Alert.objects.filter(person=reader, channel="email")
                .values_list("reason", flat=True).order_by("pk")) == ["published", "postponed"]
    with django_capture_on_commit_callbacks(execute=True):  # the same again: nothing to tell
        client.post(f"/agenda/events/{event.pk}/edit/", form)
    event.refresh_from_db()
    assert (event.revision, len(mail.outbox)) == (2, 1)


def test_moderators_publish_association_events(client, pending, moderator, make_login):
    login(client, make_login("stranger@example.org"))
    assert client.post(f"/agenda/moderation/{pending.pk}/",
                       {"decision": "approve"}).status_code == 403
    client.logout()
    login(client, moderator)
    assert "Vide-grenier" in client.get("/agenda/moderation/").content.decode()
    client.post(f"/agenda/moderation/{pending.pk}/", {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.review == "published"


def test_an_editor_imports_a_file(client, town, editor, now):
    login(client, editor)
    upload = SimpleUploadedFile("theatre.ics", FEED.encode(), content_type="text/calendar")
    page = client.post("/agenda/import/", {"publisher": town.pk, "file": upload}).content.decode()
    assert "Added: 2. Changed: 0. Cancelled: 0." in page
    assert "line 49" in page


def test_the_api_lists_occurrences_with_offsets(client, concert, now):
    response = client.get("/api/events?from=2026-10-12&to=2026-10-19")
    assert response.status_code == 200
    assert response.json() == {"next": None, "results": [{
        "id": concert.pk, "title": "Concert in the park", "start": "2026-10-14T10:00:00+02:00",
        "end": "2026-10-14T12:00:00+02:00", "status": "scheduled", "cancelled": False,
        "place": "Parc des Eaux", "url": f"/agenda/events/{concert.pk}/"}]}
    assert client.get("/api/events?from=2026-10-15&to=2026-10-19").json() == {
        "next": None, "results": []}
    bad = client.get("/api/events?from=2026-10-19&to=2026-10-12")
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    assert client.get("/api/events?category=nonsense").status_code == 422
    detail = client.get(f"/api/events/{concert.pk}").json()
    assert (detail["title"], detail["categories"], len(detail["occurrences"])) == (
        "Concert in the park", ["music"], 1)
    missing = client.get("/api/events/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/events", "/api/events/{event_id}", "/api/events/feed.ics",
            "/api/events/feeds/{token}.ics"} <= set(paths)


def test_days_outside_the_window_are_answered(client, concert, now):
    far = client.get("/agenda/?start=1900-01-01")
    assert far.status_code == 200
    assert "From 11 October to 17 October 2025" in far.content.decode()  # a year back at most
    assert "Concert in the park" in client.get("/agenda/?start=not-a-date").content.decode()


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("resident", 403), ("other_editor", 403), ("moderator", 403),
    ("editor", 200), ("administrator", 200)])
def test_who_may_change_an_event(client, concert, territory, editor, make_login, who, status):
    from civicard.core.permissions import Role

    other = Publisher.objects.create(territory=territory, slug="venue", name="Venue",
                                     kind=Publisher.Kind.VENUE)
    other.editors.add(make_login("venue@example.org"))
    users = {"resident": lambda: make_login("resident@example.org"),
             "other_editor": lambda: other.editors.get(),
             "moderator": lambda: make_login("mod@example.org", role=Role.MODERATOR),
             "editor": lambda: editor,
             "administrator": lambda: make_login("admin@example.org", role=Role.ADMINISTRATOR)}
    if who in users:
        login(client, users[who]())
    url = f"/agenda/events/{concert.pk}/edit/"
    assert client.get(url).status_code == status
    if status != 200:
        response = client.post(url, {**PUBLISH_FORM, "title_fr": "Piraté", "status": "cancelled"})
        assert response.status_code == status
        concert.refresh_from_db()
        assert (concert.status, concert.texts.get(language="fr").title) == (
            "scheduled", "Concert au parc")


def _many(publish, count):
    """`count` events, one at each hour of the 13th to 15th of October 2026 (local days)."""
    from datetime import timedelta

    from .conftest import AT

    return [publish(texts={"fr": (f"Atelier {n:02d}", "")},
                    start=AT + timedelta(days=1, hours=n), end=AT + timedelta(days=1, hours=n + 1))
            for n in range(count)]


def test_the_week_is_paged_by_keyset_grouped_by_day_with_a_day_picker(client, publish, now,
                                                                     settings,
                                                                     django_assert_num_queries):
    from civicard.agenda import views

    _many(publish, 40)
    settings.LANGUAGE_CODE = "en"
    with django_assert_num_queries(3):  # the page and one more row, their titles, the places
        first = client.get("/agenda/?free=", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    titles = [f"Atelier {n:02d}" for n in range(40)]
    shown = [t for t in titles if f">{t}</a>" in first]
    assert shown == titles[:views.PAGE_SIZE]
    # days as headings: the 13th (10:00 local onwards) and the 14th
    assert first.count('<h2 class="agenda-week-day">') == 2
    assert '<h2 class="agenda-week-day">Tuesday 13 October</h2>' in first
    assert '<time datetime="2026-10-13T11:00:00+02:00">11:00</time>' in first
    link = next(part.split('"')[0] for part in first.split('<a href="')
                if "after=" in part.split('"')[0]).replace("&amp;", "&")
    assert link.startswith("?free=&after=")
    second = client.get("/agenda/" + link, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [t for t in titles if f">{t}</a>" in second] == titles[views.PAGE_SIZE:]
    assert "after=" not in second.split("First page")[0].split('class="pager"')[1]
    assert 'href="?free=">First page</a>' in second
    # the day picker keeps the filters and moves the seven days
    assert '<a href="?free=&amp;start=2026-10-14">Wed 14</a>' in first
    assert '<a href="?free=&amp;start=2026-10-12" aria-current="date">Mon 12</a>' in first
    later = client.get("/agenda/?start=2026-10-14", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Atelier 12</a>" not in later and ">Atelier 14</a>" in later
    # 13 (23:00 to midnight) still overlaps the 14th: listed under it with its full date
    assert '<time datetime="2026-10-13T23:00:00+02:00">Tue 13 Oct, 23:00</time>' in later
    # a garbled cursor is the first page
    assert ">Atelier 00</a>" in client.get("/agenda/?after=x-1").content.decode()


def test_a_cancelled_date_is_struck_through_on_the_week(client, publish, now):
    from civicard.agenda.models import Occurrence

    event = publish()
    Occurrence.objects.filter(event=event).update(cancelled=True)
    page = client.get("/agenda/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<li class="agenda-item agenda-cancelled">' in page
    assert '<span class="badge agenda-status">Cancelled</span>' in page


def test_the_api_pages_by_keyset(client, publish, now):
    _many(publish, 7)
    seen, after, pages = [], "", 0
    while True:
        body = client.get(f"/api/events?from=2026-10-12&to=2026-10-19&limit=3{after}").json()
        seen += [row["title"] for row in body["results"]]
        pages += 1
        if body["next"] is None:
            break
        after = f"&after={body['next']}"
    assert (pages, seen) == (3, [f"Atelier {n:02d}" for n in range(7)])
    assert client.get("/api/events?limit=0").status_code == 422
    assert client.get("/api/events?limit=501").status_code == 422
    spec = client.get("/api/openapi.json").json()["paths"]["/api/events"]["get"]
    assert {"after", "limit"} <= {p["name"] for p in spec["parameters"]}
