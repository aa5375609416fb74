"""Childhood on PostgreSQL: (1) closing and pricing a month of 5,000 children × 20 days, then
closing it again (bills nothing more) and `check-billing`; (2) a school's day list (p50/p95);
(3) 30 guardians racing for the last two places of a term of lessons.

    createdb -h 127.0.0.1 -U postgres civicard_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench \
        .venv/bin/python bench/childhood.py

It migrates the database and creates its own data (a new territory per run). `bench(quick)`
returns the same three figures as data for `make bench`, on a territory of its own
("bench-childhood") found or added once: each run closes the next month not closed yet."""

import os
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from civicard.childhood import operations, queries  # noqa: E402
from civicard.childhood.models import (  # noqa: E402
    Activity,
    BilledLine,
    ChildEnrolment,
    Reservation,
    Unit,
    UnitDay,
    UnitPrice,
)
from civicard.core.errors import DomainError  # noqa: E402
from civicard.core.permissions import Role  # noqa: E402
from civicard.people.models import Household, Membership, Person, RoleAssignment, User  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402
from civicard.wallets.models import Account, LedgerEntry, Service, ShortageRule  # noqa: E402

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "5000"))
DAYS = 20
MONTH = date(2026, 3, 1)
CLOSING = datetime(2026, 4, 2, 8, tzinfo=UTC)
STATES = ["present"] * 14 + ["reserved", "absent_unjustified", "absent_justified",
                              "late_cancelled", "cancelled", "unexpected"]


def setup(run: str):
    territory = Territory.objects.create(slug=f"bench-{run}", name="Bench")
    manager = User.objects.create_user(f"manager-{run}@bench.test", "x")
    RoleAssignment.objects.create(user=manager, role=Role.SERVICE_MANAGER)
    service = Service.objects.create(territory=territory, slug=f"canteen-{run}", name="Canteen",
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    return territory, manager, service


def activity_with(territory, service, name, children, places=None):
    activity = Activity.objects.create(territory=territory, service=service, name=name,
                                       kind="canteen", season_starts_on=date(2025, 9, 1),
                                       season_ends_on=date(2026, 7, 3), places=places)
    unit = Unit.objects.create(activity=activity, name="Lunch", capacity=children + 10)
    UnitPrice.objects.create(unit=unit, amount_cents=325, unexpected_amount_cents=480,
                             valid_from=date(2025, 9, 1))
    return activity, unit


def families(territory, count, run):
    households = Household.objects.bulk_create([Household(territory=territory)
                                                for _ in range(count)], batch_size=2000)
    children = Person.objects.bulk_create(
        [Person(full_name=f"Child {run} {n}", birth_date=date(2016, 1, 1) + timedelta(days=n % 900))
         for n in range(count)], batch_size=2000)
    Membership.objects.bulk_create([Membership(household=h, person=c)
                                    for h, c in zip(households, children, strict=True)],
                                   batch_size=2000)
    return households, children


def month_of_attendance(territory, service, run):
    activity, unit = activity_with(territory, service, f"Month {run}", CHILDREN)
    households, children = families(territory, CHILDREN, run)
    enrolments = ChildEnrolment.objects.bulk_create([
        ChildEnrolment(activity=activity, child=c, household=h, status="active",
                       requested_at=CLOSING, activated_at=CLOSING)
        for h, c in zip(households, children, strict=True)], batch_size=2000)
    Account.objects.bulk_create([Account(household=h, service=service, currency="EUR",
                                         created_at=CLOSING) for h in households],
                                batch_size=2000)  # opened at enrolment (enrol_child)
    days = [d for d in (MONTH + timedelta(days=n) for n in range(31)) if d.weekday() < 5][:DAYS]
    unit_days = UnitDay.objects.bulk_create([UnitDay(unit=unit, day=d, capacity=CHILDREN + 10)
                                             for d in days])
    Reservation.objects.bulk_create([
        Reservation(unit_day=unit_day, child_id=e.child_id, enrolment=e,
                    state=STATES[(i + j) % len(STATES)], changed_at=CLOSING)
        for i, e in enumerate(enrolments) for j, unit_day in enumerate(unit_days)],
        batch_size=5000)
    return activity


def close_a_month(territory, service, manager, run):
    activity = month_of_attendance(territory, service, run)
    started = time.perf_counter()
    operations.close_month(activity=activity, month=MONTH, actor=manager, at=CLOSING)
    first = time.perf_counter() - started
    counts = (BilledLine.objects.filter(statement__period__activity=activity).count(),
              LedgerEntry.objects.filter(account__service=service).count())
    started = time.perf_counter()
    operations.close_month(activity=activity, month=MONTH, actor=manager, at=CLOSING)
    second = time.perf_counter() - started
    again = (BilledLine.objects.filter(statement__period__activity=activity).count(),
             LedgerEntry.objects.filter(account__service=service).count())
    started = time.perf_counter()
    problems = queries.check_billing()
    check = time.perf_counter() - started
    print(f"close a month: {CHILDREN} children x {DAYS} days = {CHILDREN * DAYS} reservations")
    print(f"  first close  {first:7.2f} s  lines={counts[0]} wallet entries={counts[1]}")
    print(f"  second close {second:7.2f} s  lines={again[0]} wallet entries={again[1]} "
          f"(unchanged: {counts == again})")
    print(f"  check-billing {check:6.2f} s  differences={len(problems)}")


def day_list(territory, service, manager, run, children=200, runs=200):
    activity, unit = activity_with(territory, service, f"School {run}", children)
    households, kids = families(territory, children, f"school-{run}")
    enrolments = ChildEnrolment.objects.bulk_create([
        ChildEnrolment(activity=activity, child=c, household=h, status="active",
                       requested_at=CLOSING, allergies="Peanuts" if n % 10 == 0 else "")
        for n, (h, c) in enumerate(zip(households, kids, strict=True))])
    unit_day = UnitDay.objects.create(unit=unit, day=MONTH, capacity=children + 10)
    Reservation.objects.bulk_create([Reservation(unit_day=unit_day, child_id=e.child_id,
                                                 enrolment=e, state="reserved",
                                                 changed_at=CLOSING)
                                     for e in enrolments[: children * 9 // 10]])
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        fresh = UnitDay.objects.select_related("unit__activity").get(pk=unit_day.pk)
        queries.day_list(fresh, reader=manager, at=CLOSING)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"day list of a school ({children} children, {runs} runs): "
          f"p50 {statistics.median(timings):.1f} ms, p95 {timings[int(runs * .95) - 1]:.1f} ms")


def race(territory, service, run, guardians=30):
    activity, _unit = activity_with(territory, service, f"Lessons {run}", 1, places=2)
    users, children = [], []
    for n in range(guardians):
        user = User.objects.create_user(f"parent-{run}-{n}@bench.test", "x")
        guardian = Person.objects.create(user=user, full_name=f"Parent {n}")
        household = Household.objects.create(territory=territory)
        child = Person.objects.create(full_name=f"Pupil {n}", birth_date=date(2017, 1, 1))
        Membership.objects.create(household=household, person=guardian, is_guardian=True)
        Membership.objects.create(household=household, person=child)
        users.append(user.pk)
        children.append(child.pk)
    barrier, results = threading.Barrier(guardians), [None] * guardians

    def enrol(n):
        try:
            barrier.wait()
            results[n] = operations.enrol_child(
                activity=Activity.objects.get(pk=activity.pk),
                child=Person.objects.get(pk=children[n]), actor=User.objects.get(pk=users[n]),
                at=CLOSING).status
        except DomainError as error:
            results[n] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(n,)) for n in range(guardians)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = list(ChildEnrolment.objects.filter(activity=activity).order_by("pk")
                 .values_list("status", flat=True))
    print(f"{guardians} guardians racing for 2 places: {results.count('active')} enrolled, "
          f"{results.count('waiting')} waiting; in the order taken: "
          f"{order == ['active'] * 2 + ['waiting'] * (guardians - 2)}")


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def bench(quick: bool = False) -> list[dict]:
    """Closing a month (the next one not closed yet) of `CHILDREN` children, a school's day
    list, and 30 guardians racing for two places."""
    from bench.harness import figures, result, threaded

    children = 50 if quick else CHILDREN
    territory, created = Territory.objects.get_or_create(slug="bench-childhood",
                                                         defaults={"name": "Bench childhood"})
    manager = User.objects.filter(email="bench-manager-childhood@bench.invalid").first()
    if manager is None:
        manager = User.objects.create_user("bench-manager-childhood@bench.invalid")
        RoleAssignment.objects.create(user=manager, role=Role.SERVICE_MANAGER)
    service, _ = Service.objects.get_or_create(
        territory=territory, slug="bench-canteen",
        defaults={"name": "Canteen", "shortage_rule": ShortageRule.SERVE_AND_GO_NEGATIVE})
    activity = Activity.objects.filter(territory=territory, name="Month bench").first()
    if activity is None:
        activity, unit = activity_with(territory, service, "Month bench", children)
        Activity.objects.filter(pk=activity.pk).update(season_ends_on=date(2099, 7, 1))
    have = ChildEnrolment.objects.filter(activity=activity).count()
    if have < children:  # a quick run's children first, then the rest
        Unit.objects.filter(activity=activity).update(capacity=children + 10)
        households, kids = families(territory, children - have, f"bench-{have}")
        ChildEnrolment.objects.bulk_create([
            ChildEnrolment(activity=activity, child=c, household=h, status="active",
                           requested_at=CLOSING, activated_at=CLOSING)
            for h, c in zip(households, kids, strict=True)], batch_size=2000)
        Account.objects.bulk_create([Account(household=h, service=service, currency="EUR",
                                             created_at=CLOSING) for h in households],
                                    batch_size=2000)
    unit = Unit.objects.get(activity=activity)
    enrolments = list(ChildEnrolment.objects.filter(activity=activity).order_by("pk"))
    month = MONTH
    while UnitDay.objects.filter(unit=unit, day__gte=month, day__lt=_next_month(month)).exists():
        month = _next_month(month)
    closing = datetime.combine(_next_month(month) + timedelta(days=1), datetime.min.time(),
                               tzinfo=UTC).replace(hour=8)
    days = [d for d in (month + timedelta(days=n) for n in range(31))
            if d.weekday() < 5 and d.month == month.month][:DAYS]
    unit_days = UnitDay.objects.bulk_create([UnitDay(unit=unit, day=d, capacity=children + 10)
                                             for d in days])
    Reservation.objects.bulk_create([
        Reservation(unit_day=unit_day, child_id=e.child_id, enrolment=e,
                    state=STATES[(i + j) % len(STATES)], changed_at=closing)
        for i, e in enumerate(enrolments) for j, unit_day in enumerate(unit_days)],
        batch_size=5000)
    lines = BilledLine.objects.filter(statement__period__activity=activity)
    started = time.perf_counter()
    operations.close_month(activity=activity, month=month, actor=manager, at=closing)
    first = time.perf_counter() - started
    billed = lines.count()
    started = time.perf_counter()
    operations.close_month(activity=activity, month=month, actor=manager, at=closing)
    second = time.perf_counter() - started
    started = time.perf_counter()
    problems = queries.check_billing()
    check = time.perf_counter() - started
    found = [result(f"childhood: close a month, {len(enrolments):,} children × {len(days)} days",
                    "month", figures([first], first), floor="db_insert",
                    target={"p50": 30_000, "exactly_lines_billed_again": 0,
                            "exactly_check_billing_differences": 0},
                    extra={"month": month.isoformat(), "reservations": len(enrolments) * len(days),
                           "second_close_ms": second * 1000,
                           "lines_billed_again": lines.count() - billed,
                           "check_billing_s": check,
                           "check_billing_differences": len(problems)})]
    # A school's day list: 200 children, nine in ten expected (found or added once).
    school = Activity.objects.filter(territory=territory, name="School bench").first()
    if school is None:
        school, school_unit = activity_with(territory, service, "School bench", 200)
        households, kids = families(territory, 200, "school-bench")
        school_enrolments = ChildEnrolment.objects.bulk_create([
            ChildEnrolment(activity=school, child=c, household=h, status="active",
                           requested_at=CLOSING, allergies="Peanuts" if n % 10 == 0 else "")
            for n, (h, c) in enumerate(zip(households, kids, strict=True))])
        unit_day = UnitDay.objects.create(unit=school_unit, day=MONTH, capacity=210)
        Reservation.objects.bulk_create([
            Reservation(unit_day=unit_day, child_id=e.child_id, enrolment=e, state="reserved",
                        changed_at=CLOSING) for e in school_enrolments[:180]])
    unit_day = UnitDay.objects.get(unit__activity=school, day=MONTH)
    latencies = []
    for _ in range(10 if quick else 200):
        started = time.perf_counter()
        fresh = UnitDay.objects.select_related("unit__activity").get(pk=unit_day.pk)
        queries.day_list(fresh, reader=manager, at=CLOSING)
        latencies.append(time.perf_counter() - started)
    found.append(result("childhood: a school's day list (200 children)", "list",
                        figures(latencies, sum(latencies)), floor="db_select",
                        target={"p95": 50}))
    # 30 guardians (10 when quick) racing for the last two places (new lessons each run).
    run = str(time.time_ns())
    lessons, _unit = activity_with(territory, service, f"Lessons {run}", 1, places=2)
    guardians = []
    for n in range(10 if quick else 30):
        user = User.objects.create_user(f"parent-{run}-{n}@bench.invalid")  # no hashing
        guardian = Person.objects.create(user=user, full_name=f"Parent {n}")
        household = Household.objects.create(territory=territory)
        child = Person.objects.create(full_name=f"Pupil {n}", birth_date=date(2017, 1, 1))
        Membership.objects.create(household=household, person=guardian, is_guardian=True)
        Membership.objects.create(household=household, person=child)
        guardians.append((user.pk, child.pk))
    outcomes = [None] * len(guardians)

    def enrol(index, n, prepared):
        activity, child, user = prepared
        try:
            outcomes[index] = operations.enrol_child(activity=activity, child=child, actor=user,
                                                     at=CLOSING).status
        except DomainError as error:
            outcomes[index] = error.code

    measured = threaded(len(guardians), 1, enrol, prepare=lambda index: (
        Activity.objects.get(pk=lessons.pk), Person.objects.get(pk=guardians[index][1]),
        User.objects.get(pk=guardians[index][0])))
    order = list(ChildEnrolment.objects.filter(activity=lessons).order_by("pk")
                 .values_list("status", flat=True))
    found.append(result(f"childhood: {len(guardians)} guardians enrol at once for the last 2 "
                        "places",
                        "enrolment", measured, floor="db_insert",
                        target={"exactly_enrolled": 2, "exactly_in_order_taken": 1},
                        extra={"enrolled": outcomes.count("active"),
                               "waiting": outcomes.count("waiting"),
                               "in_order_taken": int(order == ["active"] * 2
                                                     + ["waiting"] * (len(guardians) - 2))}))
    return found


def main():
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    run = str(time.time_ns())
    territory, manager, service = setup(run)
    close_a_month(territory, service, manager, run)
    day_list(territory, service, manager, run)
    race(territory, service, run)


if __name__ == "__main__":
    main()
