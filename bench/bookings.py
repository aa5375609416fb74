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

`bench(quick)` returns the same figures as data for `make bench`, on a territory of its own
("bench-bookings": 20 courts, their households and a year of bookings) found or added once.
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
    return one, page


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


def find_or_add(households: int, days: int):
    """The territory "bench-bookings": its courts, households and bookings, added once (a
    booking every two hours on `days` days around today, half the slots)."""
    now = clock.now()
    territory, created = Territory.objects.get_or_create(slug="bench-bookings",
                                                         defaults={"name": "Bench bookings"})
    if created or not Resource.objects.filter(facility__territory=territory).exists():
        facility = Facility.objects.create(territory=territory, name="Sports centre",
                                           kind="sports")
        service = Service.objects.create(territory=territory, slug="courts", name="Courts")
        Tariff.objects.create(service=service, use="slot", amount_cents=500,
                              valid_from=date(2000, 1, 1), created_at=now)
        Resource.objects.bulk_create([
            Resource(facility=facility, name=f"Court {n}", kind="court", service=service,
                     opening_hours="Mo-Su 08:00-22:00", who_may_book=WhoMayBook.ANYONE,
                     max_future_bookings=1000) for n in range(RESOURCES)])
    resources = list(Resource.objects.filter(facility__territory=territory).order_by("pk"))
    have = Household.objects.filter(territory=territory).count()
    if have < households:
        added = Household.objects.bulk_create(
            [Household(territory=territory) for _ in range(households - have)], batch_size=5000)
        people = Person.objects.bulk_create(
            [Person(full_name=f"Player {have + n}") for n in range(len(added))], batch_size=5000)
        Membership.objects.bulk_create(
            [Membership(household=h, person=p, is_guardian=True)
             for h, p in zip(added, people, strict=True)], batch_size=5000)
    members = list(Membership.objects.filter(household__territory=territory)
                   .order_by("household_id").values_list("household_id", "person_id"))
    year = Booking.objects.filter(resource__in=resources, idempotency_key__startswith="bench:year:")
    if year.count() < RESOURCES * days * 7:  # none yet, or a quick run's four weeks
        year.delete()
        first = timezone.localdate(now) - timedelta(days=days // 2)
        tz = timezone.get_current_timezone()
        rows, n = [], 0
        for resource in resources:
            for day in range(days):
                for hour in range(8, 22, 2):
                    start = datetime.combine(first + timedelta(days=day), clock_time(hour),
                                             tzinfo=tz)
                    n += 1
                    household_id, person_id = members[n % len(members)]
                    rows.append(Booking(resource=resource, household_id=household_id,
                                        booked_by_id=person_id, start=start,
                                        end=start + timedelta(hours=1), door_opens_at=start,
                                        idempotency_key=f"bench:year:{n}", created_at=now))
        Booking.objects.bulk_create(rows, batch_size=5000)
    return resources[0].service, resources, members


def bench(quick: bool = False) -> list[dict]:
    """The week grids (one, and the 20 of a page) and 50 households racing for one slot."""
    from bench.harness import figures, result, threaded

    global ROUNDS
    service, resources, members = find_or_add(200 if quick else HOUSEHOLDS, 28 if quick else 365)
    households = list(Household.objects.filter(pk__in=[h for h, _p in members[:30]])
                      .order_by("pk"))
    rounds, ROUNDS = ROUNDS, 5 if quick else ROUNDS
    try:
        one, page = grids(resources, households)
    finally:
        ROUNDS = rounds
    bookings = Booking.objects.filter(resource__in=resources).count()
    extra = {"bookings": bookings, "households": len(members)}
    found = [result("bookings: one week grid (queries.week)", "grid", figures(one, sum(one)),
                    floor="db_select", extra=extra),
             result(f"bookings: the {RESOURCES} week grids of a page (queries.weeks)", "page",
                    figures(page, sum(page)), floor="db_select", target={"p95": 50},
                    extra=extra)]
    # The race: 50 households press "book" on the same free slot (9:00, a day not raced yet).
    run = f"{time.time_ns()}"
    racers = members[-RACERS:]
    agent = User.objects.filter(email="bench-agent-bookings@bench.invalid").first()
    if agent is None:
        agent = User.objects.create_user("bench-agent-bookings@bench.invalid")
        RoleAssignment.objects.create(user=agent, role=Role.COUNTER_AGENT)
    for household_id, _person in racers:
        household = Household.objects.get(pk=household_id)
        account = wallets.open_account(household=household, service=service, at=clock.now())
        wallets.top_up(account=account, amount_cents=1000, means="cash", reason="bench",
                       idempotency_key=f"bench:{run}:fund:{household_id}", actor=agent,
                       at=clock.now())
    raced = Booking.objects.filter(resource=resources[0], idempotency_key__contains=":race:")
    day = clock.today() + timedelta(days=1 + raced.count())
    start = datetime.combine(day, clock_time(9), tzinfo=timezone.get_current_timezone())
    outcomes = [None] * len(racers)
    charges = LedgerEntry.objects.filter(account__service=service, kind="charge")
    charged = charges.count()

    def attempt(index, n, prepared):
        resource, person = prepared
        try:
            outcomes[index] = operations.book(resource=resource, person=person, start=start,
                                              idempotency_key=f"bench:{run}:race:{index}",
                                              actor=None, at=clock.now()).pk
        except DomainError as error:
            outcomes[index] = error.code

    measured = threaded(len(racers), 1, attempt, prepare=lambda index: (
        Resource.objects.get(pk=resources[0].pk), Person.objects.get(pk=racers[index][1])))
    won = sum(isinstance(o, int) for o in outcomes)
    found.append(result(f"bookings: {len(racers)} households book one slot at once",
                        "attempt", measured, floor="db_insert", target={"exactly_bookings_made": 1},
                        extra={"bookings_made": won,
                               "slot_taken": outcomes.count("slot_taken"),
                               "charges": charges.count() - charged}))
    return found


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
