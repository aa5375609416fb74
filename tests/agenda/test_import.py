import http.server
import threading
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from civicard.agenda import operations, queries
from civicard.agenda.models import Event, Publisher

from .conftest import AT

PARIS = ZoneInfo("Europe/Paris")
FEED = (Path(__file__).parent / "data" / "theatre.ics").read_text(encoding="utf-8")


@pytest.fixture
def theatre(territory):
    return Publisher.objects.create(territory=territory, slug="theatre", name="Théâtre",
                                    kind=Publisher.Kind.VENUE, language="fr")


def timings(event):
    return [(o.start.astimezone(PARIS).strftime("%d/%m %H:%M %z"), o.cancelled)
            for o in event.occurrences.all()]


def test_a_feed_becomes_events_with_its_recurrences_expanded(theatre, now):
    report = operations.import_calendar(publisher=theatre, text=FEED, at=now)
    assert (report.added, report.changed, report.cancelled) == (
        ["Le Misanthrope", "Contes pour enfants"], [], [])
    assert report.problems == ["line 49: ValueError: Expected datetime, date, or time. "
                               "Got: '2026-13-45'"]
    show = Event.objects.get(uid="show-1@theatre")
    # the 24th excluded, the 31st moved to Sunday afternoon, the 7th cancelled; the clocks went
    # back on the 25th and the evening shows stay at 20:00 local time
    assert timings(show) == [("17/10 20:00 +0200", False), ("01/11 16:00 +0100", False),
                             ("07/11 20:00 +0100", True)]
    tales = Event.objects.get(uid="show-2@theatre")
    assert sorted(tales.categories.values_list("category", flat=True)) == ["children", "reading"]
    assert queries.title_of(tales, "ar") == "Contes pour enfants"


def test_importing_again_changes_and_cancels_never_duplicates(theatre, now):
    operations.import_calendar(publisher=theatre, text=FEED, at=now)
    changed = FEED.replace("20261021T150000", "20261021T170000").replace(
        "20261021T160000", "20261021T180000")
    without_show = changed.split("BEGIN:VEVENT")
    # drop every VEVENT of show-1 from the feed
    kept = [block for block in without_show if "UID:show-1@theatre" not in block]
    changed = "BEGIN:VEVENT".join(kept)
    if not changed.rstrip().endswith("END:VCALENDAR"):
        changed += "END:VCALENDAR\n"
    report = operations.import_calendar(publisher=theatre, text=changed, at=now)
    assert (report.added, report.changed, report.cancelled) == (
        [], ["Contes pour enfants"], ["Le Misanthrope"])
    assert Event.objects.count() == 2
    show = Event.objects.get(uid="show-1@theatre")
    assert (show.status, show.missing_from_feed_since) == ("cancelled", now)
    assert timings(Event.objects.get(uid="show-2@theatre")) == [("21/10 17:00 +0200", False)]
    again = operations.import_calendar(publisher=theatre, text=changed, at=now)
    assert (again.added, again.changed, again.cancelled) == ([], [], [])


def test_a_status_cancelled_in_the_feed_cancels_the_event(theatre, now):
    operations.import_calendar(publisher=theatre, text=FEED, at=now)
    cancelled = FEED.replace("CATEGORIES:Jeune public,Lecture",
                             "CATEGORIES:Jeune public,Lecture\nSTATUS:CANCELLED")
    report = operations.import_calendar(publisher=theatre, text=cancelled, at=now)
    assert report.cancelled == ["Contes pour enfants"]
    assert Event.objects.get(uid="show-2@theatre").status == "cancelled"


def test_a_dry_run_writes_nothing(theatre, now):
    report = operations.import_calendar(publisher=theatre, text=FEED, at=now, dry_run=True)
    assert report.added == ["Le Misanthrope", "Contes pour enfants"]
    assert Event.objects.count() == 0


def test_a_file_that_is_not_a_calendar_is_reported_and_cancels_nothing(theatre, now):
    operations.import_calendar(publisher=theatre, text=FEED, at=now)
    report = operations.import_calendar(publisher=theatre, text="<html>Not found</html>", at=now)
    assert report.problems == ["line 1: this is not an iCalendar file (no BEGIN:VCALENDAR)"]
    assert set(Event.objects.values_list("status", flat=True)) == {"scheduled"}


def test_events_past_or_past_the_horizon_are_left_out(theatre, now):
    report = operations.import_calendar(publisher=theatre, text=FEED,
                                        at=now + timedelta(days=60))
    assert (report.added, Event.objects.count()) == ([], 0)


class Feed(http.server.BaseHTTPRequestHandler):
    body = FEED.encode()

    def do_GET(self):  # noqa: N802 (the standard library's name)
        if self.path != "/theatre.ics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_feed_read_on_schedule_and_one_that_disappears(theatre, feed_server, now, client):
    theatre.feed_url = f"{feed_server}/theatre.ics"
    theatre.save()
    report = operations.read_feed(publisher=theatre, at=now)
    assert len(report.added) == 2
    theatre.refresh_from_db()
    assert (theatre.feed_read_at, theatre.feed_failing_since) == (now, None)
    theatre.feed_url = f"{feed_server}/moved-away.ics"
    theatre.save()
    later = now + timedelta(hours=1)
    report = operations.read_feed(publisher=theatre, at=later)
    assert report.problems == ["The calendar could not be read: HTTP Error 404: Not Found"]
    theatre.refresh_from_db()
    assert theatre.feed_failing_since == later
    assert set(Event.objects.values_list("status", flat=True)) == {"scheduled"}  # kept

    page = client.get(f"/agenda/events/{Event.objects.first().pk}/").content.decode()
    assert "The organiser's calendar could not be read since 12 October 2026: this event may " \
        "have changed." in page


def test_the_command_prints_what_it_did(theatre, now, tmp_path):
    path = tmp_path / "theatre.ics"
    path.write_text(FEED, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_events", str(path), publisher="theatre", dry_run=True, stdout=out,
                 stderr=err)
    assert out.getvalue().splitlines() == [
        "added: Le Misanthrope", "added: Contes pour enfants",
        "2 would be added, 0 would be changed, 0 would be cancelled, 1 problems"]
    assert err.getvalue().startswith("problem: line 49:")
    call_command("import_events", str(path), publisher="theatre", stdout=StringIO(),
                 stderr=StringIO())
    assert Event.objects.count() == 2


def test_exported_feed_reads_back(theatre, now, client):
    operations.import_calendar(publisher=theatre, text=FEED, at=now)
    response = client.get("/api/events/feed.ics?category=children")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    from icalendar import Calendar
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events] == [
        ("Contes pour enfants", datetime(2026, 10, 21, 15, 0, tzinfo=PARIS))]
    assert AT < events[0].decoded("DTSTART")
