"""Bookings on PostgreSQL: (a) server time of the week grid of 20 resources with 100,000
households and a year of bookings; (b) 50 concurrent attempts on one slot → one booking, one
charge, `check-ledger` clean.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench \
        .venv/bin/python bench/bookings.py

It migrates the database and adds its own territory and data (BENCH_HOUSEHOLDS, default
100,000); prints p50/p95 of one week grid (`queries.week`) and of the 20 grids of a page
(`queries.weeks`, one read for all), and the race result. BENCH_REUSE=1 measures the grids
again on the data of the last run. BENCH_COLD=1 empties the cache before each timed call, so
every grid reads its bookings (the figure right after a booking or a cancellation).
"""

import os
import statistics
import sys
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicard.access.models import Facility  # noqa: E402
from civicard.bookings import operations, queries  # noqa: E402
from civicard.bookings.models import Booking, Resource, WhoMayBook  # noqa: E402
from civicard.core import clock  # noqa: E402
from civicard.core.errors import DomainError  # noqa: E402
from civicard.core.permissions import Role  # noqa: E402
from civicard.people.models import Household, Membership, Person, RoleAssignment, User  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402
from civicard.wallets import operations as wallets  # noqa: E402
from civicard.wallets.models import LedgerEntry, Service, Tariff  # noqa: E402
from civicard.wallets.queries import check_ledger  # noqa: E402

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "100000"))
RESOURCES = 20
RACERS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def setup():
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    run = f"{time.time_ns()}"
    now = clock.now()
    territory = Territory.objects.create(slug=f"bench-{run}", name=f"Bench {run}")
    facility = Facility.objects.create(territory=territory, name="Sports centre", kind="sports")
    service = Service.objects.create(territory=territory, slug="courts", name="Courts")
    Tariff.objects.create(service=service, use="slot", amount_cents=500,
                          valid_from=date(2000, 1, 1), created_at=now)
    resources = Resource.objects.bulk_create([
        Resource(facility=facility, name=f"Court {n}", kind="court", service=service,
                 opening_hours="Mo-Su 08:00-22:00", who_may_book=WhoMayBook.ANYONE,
                 max_future_bookings=1000) for n in range(RESOURCES)])
    households = Household.objects.bulk_create(
        [Household(territory=territory) for _ in range(HOUSEHOLDS)], batch_size=5000)
    people = Person.objects.bulk_create(
        [Person(full_name=f"Player {n}") for n in range(HOUSEHOLDS)], batch_size=5000)
    Membership.objects.bulk_create(
        [Membership(household=h, person=p, is_guardian=True)
         for h, p in zip(households, people, strict=True)], batch_size=5000)
    # A year of bookings: from six months ago to six months ahead, half the slots taken.
    first = timezone.localdate(now) - timedelta(days=182)
    tz = timezone.get_current_timezone()
    rows, n = [], 0
    for resource in resources:
        for day in range(365):
            for hour in range(8, 22, 2):
                start = datetime.combine(first + timedelta(days=day), clock_time(hour), tzinfo=tz)
                n += 1
                rows.append(Booking(resource=resource, household=households[n % HOUSEHOLDS],
                                    booked_by=people[n % HOUSEHOLDS], start=start,
                                    end=start + timedelta(hours=1), door_opens_at=start,
                                    idempotency_key=f"bench:{run}:{n}", created_at=now))
    Booking.objects.bulk_create(rows, batch_size=5000)
    return run, service, resources, households, people


def grids(resources, households):
    from django.core.cache import cache

    cold = bool(os.environ.get("BENCH_COLD"))
    now = clock.now()
    monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    one, page = [], []
    for index in range(ROUNDS):
        household = households[index]
        for resource in resources:
            if cold:
                cache.clear()
            begun = time.perf_counter()
            queries.week(resource, monday, now=now, household=household)
            one.append(time.perf_counter() - begun)
        if cold:
            cache.clear()
        started = time.perf_counter()
        queries.weeks(resources, monday, now=now, household=household)
        page.append(time.perf_counter() - started)
    for name, values in (("one week grid", one), (f"{RESOURCES} week grids", page)):
        values.sort()
        print(f"{name:<16} n={len(values):>4}  p50 {statistics.median(values) * 1000:7.2f} ms  "
              f"p95 {values[int(len(values) * 0.95) - 1] * 1000:7.2f} ms")


def race(run, service, resources, households, people):
    agent = User.objects.create_user(f"agent-{run}@bench.test", "x")
    RoleAssignment.objects.create(user=agent, role=Role.COUNTER_AGENT)
    racers = list(zip(households[-RACERS:], people[-RACERS:], strict=True))
    for household, _person in racers:
        account = wallets.open_account(household=household, service=service, at=clock.now())
        wallets.top_up(account=account, amount_cents=1000, means="cash", reason="bench",
                       idempotency_key=f"bench:{run}:fund:{household.pk}", actor=agent,
                       at=clock.now())
    now = clock.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = datetime.combine(tomorrow, clock_time(9), tzinfo=timezone.get_current_timezone())
    barrier = threading.Barrier(RACERS)
    results = [None] * RACERS

    def attempt(index):
        _household, person = racers[index]
        resource = Resource.objects.get(pk=resources[0].pk)
        barrier.wait()
        try:
            results[index] = operations.book(resource=resource, person=person, start=start,
                                             idempotency_key=f"bench:{run}:race:{index}",
                                             actor=None, at=clock.now()).pk
        except DomainError as error:
            results[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(RACERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    won = [r for r in results if isinstance(r, int)]
    charges = LedgerEntry.objects.filter(account__service=service, kind="charge").count()
    print(f"race: {RACERS} attempts on one slot in {elapsed:.2f} s → {len(won)} booking, "
          f"{results.count('slot_taken')} slot_taken, {charges} charge")
    differences = check_ledger()
    print("check-ledger:", "consistent" if not differences else f"{len(differences)} differences")


def existing():
    """BENCH_REUSE=1: the data of the last run, to measure again after a change."""
    resources = list(Resource.objects.filter(name__startswith="Court ")
                     .order_by("-pk")[:RESOURCES])
    territory = resources[0].facility.territory
    households = list(Household.objects.filter(territory=territory).order_by("pk")[:ROUNDS])
    return resources, households


def main():
    if os.environ.get("BENCH_REUSE"):
        grids(*existing())
        return
    started = time.perf_counter()
    run, service, resources, households, people = setup()
    bookings = Booking.objects.filter(resource__in=resources).count()
    print(f"PostgreSQL: {HOUSEHOLDS:,} households, {bookings:,} bookings over a year on "
          f"{RESOURCES} resources (set up in {time.perf_counter() - started:.0f} s)")
    grids(resources, households)
    race(run, service, resources, households, people)


if __name__ == "__main__":
    main()
