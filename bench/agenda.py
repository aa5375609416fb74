"""The agenda at a town's scale, on a scratch database (it writes its own data):

    createdb -h 127.0.0.1 -U postgres civicard_agenda_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_agenda_bench
    .venv/bin/civicard migrate -v0
    .venv/bin/python bench/agenda.py week [--events 20000 --runs 200]
    .venv/bin/python bench/agenda.py fanout [--followers 100000]

`week`: server time of this week's agenda page and of GET /api/events for a week, with 20,000
events (one to three occurrences each) over a year, through Django's test client in-process.

`fanout`: one event followed by N residents with an e-mail address. Publishing is timed (it only
enqueues the fan-out); then `--workers` `civicard worker` processes (one by default) run the
fan-out and the deliveries to a real SMTP server on 127.0.0.1 (aiosmtpd, in this process),
and the clock stops when the SMTP server has received N messages. The queue is the configured
one: the database by default, Redis with

    CIVICARD_TASK_BACKEND=rq CIVICARD_REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/agenda.py fanout --followers 5000 --workers 2

(each worker is then `rqworker`). The workers wait for work (neither `--batch` nor `--burst`,
so that a second worker does not stop while the first one is still fanning out) and are
stopped once every e-mail has arrived.

`bench(quick)` returns the `week` figures as data for `make bench` (its events are added once,
by a publisher of their own); the fan-out stays here: it empties the alerts of the database.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from civicard.agenda import operations, queries  # noqa: E402
from civicard.agenda.models import (  # noqa: E402
    Alert,
    Category,
    Event,
    EventCategory,
    EventText,
    Follow,
    Occurrence,
    Publisher,
)
from civicard.core import clock  # noqa: E402
from civicard.people.models import Person  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402


def publisher() -> Publisher:
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    found, _ = Publisher.objects.get_or_create(
        slug="bench-town", defaults={"territory": territory, "name": "Bench town",
                                     "kind": Publisher.Kind.TOWN, "language": "fr"})
    return found


def make_events(count: int) -> None:
    town = publisher()
    have = Event.objects.filter(publisher=town).count()
    now = clock.now()
    categories = Category.values
    for first in range(have, count, 2000):
        with transaction.atomic():
            events = Event.objects.bulk_create(
                Event(publisher=town, uid=f"bench-{n}", language="fr",
                      place_name=f"Salle {n % 40}", price_cents=0 if n % 3 == 0 else 500,
                      accessibility=["motor"] if n % 4 else [], created_at=now, updated_at=now)
                for n in range(first, min(first + 2000, count)))
            EventText.objects.bulk_create(
                EventText(event=e, language="fr", title=f"Événement {e.uid}") for e in events)
            EventCategory.objects.bulk_create(
                EventCategory(event=e, category=categories[e.pk % len(categories)]) for e in events)
            Occurrence.objects.bulk_create(
                Occurrence(event=e, start=now + timedelta(hours=(e.pk * 7919 + k * 97) % 8760),
                           end=now + timedelta(hours=(e.pk * 7919 + k * 97) % 8760 + 2))
                for e in events for k in range(1 + e.pk % 3))


def timed(client, path, runs):
    timings, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], size


def week(args):
    make_events(args.events)
    setup_test_environment()
    client = Client()
    today = clock.now().astimezone(queries.zone()).date()
    listed = queries.occurrences(queries.Filters(start=today, end=today + timedelta(days=7)))
    print(f"events: {Event.objects.count()}, occurrences: {Occurrence.objects.count()}, "
          f"this week: {listed.count()} occurrences")
    print(f"{'page':<48} {'p50 ms':>7} {'p95 ms':>7} {'bytes':>8}")
    for path in ("/agenda/", "/agenda/?category=children&free=on",
                 f"/api/events?from={today}&to={today + timedelta(days=7)}"):
        p50, p95, size = timed(client, path, args.runs)
        print(f"{path:<48} {p50:7.2f} {p95:7.2f} {size:8d}")


class Inbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.count += 1
        return "250 OK"


def fanout(args):
    from aiosmtpd.controller import Controller

    town = publisher()
    Follow.objects.filter(topic="category:nature").delete()
    Alert.objects.all().delete()
    existing = Person.objects.filter(full_name__startswith="Bench follower").count()
    now = clock.now()
    for first in range(existing, args.followers, 5000):
        with transaction.atomic():
            Person.objects.bulk_create(
                Person(full_name=f"Bench follower {n}", email=f"follower{n}@bench.example",
                       language=("fr", "en", "ar", "uk")[n % 4])
                for n in range(first, min(first + 5000, args.followers)))
    ids = list(Person.objects.filter(full_name__startswith="Bench follower")
               .order_by("pk").values_list("pk", flat=True)[:args.followers])
    for first in range(0, len(ids), 5000):
        Follow.objects.bulk_create([Follow(person_id=pk, topic="category:nature", created_at=now)
                                    for pk in ids[first:first + 5000]])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    details = operations.EventDetails(
        language="fr", texts={"fr": ("Sortie nature", ""), "en": ("Nature walk", "")},
        start=now + timedelta(days=3), end=now + timedelta(days=3, hours=2),
        place_name="Bord de la Brenne", categories=["nature"])
    start = time.perf_counter()
    operations.publish_event(publisher=town, details=details, actor=None, at=now)
    published = time.perf_counter() - start
    print(f"followers: {len(ids)}; publishing returned in {published * 1000:.1f} ms "
          "(the fan-out is queued)")
    environment = {**os.environ, "CIVICARD_EMAIL_BACKEND":
                   "django.core.mail.backends.smtp.EmailBackend",
                   "CIVICARD_EMAIL_HOST": "127.0.0.1", "CIVICARD_EMAIL_PORT": str(port)}
    from django.conf import settings

    on_rq = settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    options = [] if on_rq else ["--no-startup-delay", "--interval", "0.1"]
    print(f"queue: {settings.TASKS['default']['BACKEND']}, {args.workers} worker process(es)")
    workers = [subprocess.Popen([str(ROOT / ".venv/bin/civicard"), "worker", *options,
                                 "-v", "0"], env=environment,
                                stdout=subprocess.DEVNULL if on_rq else None)
               for _ in range(args.workers)]
    last = 0
    while inbox.count < len(ids) and time.perf_counter() - start < args.timeout:
        time.sleep(0.2)
        stopped = all(worker.poll() is not None for worker in workers)
        if inbox.count - last >= 10000 or stopped:
            print(f"  {time.perf_counter() - start:6.1f} s: {inbox.count} e-mails received")
            last = inbox.count
        if stopped and inbox.count < len(ids):
            break
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.terminate()
        worker.wait(timeout=120)
    controller.stop()
    sent = Alert.objects.filter(channel="email", status="sent").count()
    print(f"delivered: {inbox.count} e-mails received by the SMTP server in {elapsed:.1f} s "
          f"({inbox.count / elapsed:.0f}/s); alerts marked sent: {sent}; in-app alerts: "
          f"{Alert.objects.filter(channel='in_app', status='sent').count()}")


def bench(quick: bool = False) -> list[dict]:
    """The week's page, its filtered page and the week's API, each set against /health."""
    from bench.harness import get_pages, result, test_environment

    test_environment()
    make_events(200 if quick else 20000)
    client = Client()
    today = clock.now().astimezone(queries.zone()).date()
    found = []
    extra = {"events": Event.objects.count(), "occurrences": Occurrence.objects.count()}
    for path in ("/agenda/", "/agenda/?category=children&free=on",
                 f"/api/events?from={today}&to={today + timedelta(days=7)}"):
        measured, size, gz = get_pages(client, [path], 10 if quick else 200)
        found.append(result(f"agenda: this week, GET {path.split('?from')[0]}", "page",
                            measured, floor="health", target={"p95": 50},
                            extra={**extra, "bytes": size, "gzip_bytes": gz}))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["week", "fanout"])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--followers", type=int, default=100000)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    {"week": week, "fanout": fanout}[args.part](args)


if __name__ == "__main__":
    main()
