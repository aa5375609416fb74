"""Redemptions per second and p99 latency with 16 concurrent venues on PostgreSQL, and the cost
of starting a new month for 1,000,000 card holders (monthly rights are lazy: no rows ahead).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench .venv/bin/python bench/redeem.py

BENCH_HOLDERS (default 1000000) sets the number of card holders for the new-month figures.
It creates its own tables (migrate) and data, and prints its figures. `bench(quick)` returns
the two redemption figures as data for `make bench` (the new-month figures stay here: they add
a million rows).
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.harness import threaded  # noqa: E402
from civicard.benefits import operations, rules  # noqa: E402
from civicard.benefits.models import (  # noqa: E402
    Accreditation,
    BenefitKind,
    Booklet,
    BookletStatus,
    Funder,
    Grant,
    MonthlyUsage,
    Programme,
    SocialService,
    Venue,
    Voucher,
)
from civicard.core import clock  # noqa: E402
from civicard.people.models import Person  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402

VENUES = 16
PER_VENUE = int(os.environ.get("BENCH_REDEMPTIONS", "150"))
HOLDERS = int(os.environ.get("BENCH_HOLDERS", "1000000"))


def setup():
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    funder = Funder.objects.create(territory=territory, name="Bench funder")
    ccas = SocialService.objects.create(territory=territory, name="Bench CCAS")
    start = date(2020, 1, 1)
    passes = Programme.objects.create(
        funder=funder, name="Bench pass", kind=BenefitKind.MONEY, grant=Grant.BOOKLETS,
        voucher_value_cents=1000, starts_on=start, ends_on=date(2099, 1, 1))
    entries = Programme.objects.create(
        funder=funder, name="Bench entries", kind=BenefitKind.ENTRIES, grant=Grant.MONTHLY,
        entries_per_month=4, per_venue_cap=2, starts_on=start)
    venues = [Venue.objects.create(territory=territory, name=f"Bench venue {i}")
              for i in range(VENUES)]
    Accreditation.objects.bulk_create(
        [Accreditation(programme=p, venue=v, active_from=start)
         for v in venues for p in (passes, entries)])
    count = VENUES * PER_VENUE // 5 + 1
    batch = operations.create_booklets(programme=passes, social_service=ccas, count=count,
                                       actor=None, at=clock.now())
    Booklet.objects.filter(batch=batch).update(status=BookletStatus.HANDED_OUT,
                                               handed_out_at=clock.now())
    vouchers = list(Voucher.objects.filter(booklet__batch=batch).values_list("pk", flat=True))
    people = Person.objects.bulk_create([Person(full_name=f"Bench {i}")
                                         for i in range(VENUES * PER_VENUE)])
    return venues, vouchers, [p.pk for p in people], entries


def run(name, venues, work):
    result = threaded(VENUES, PER_VENUE, work,
                      prepare=lambda index: Venue.objects.get(pk=venues[index].pk))
    print(f"{name}: {result['count']} redemptions by {VENUES} venues, "
          f"{result['per_s']:.0f}/s; p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms")


def new_month(entries: Programme):
    """Starting a month writes nothing; the first use of each holder writes one row. Measured on
    a table already holding HOLDERS usage rows (a busy previous month)."""
    at = clock.now()
    previous = (rules.month_of(at) - timedelta(days=1)).replace(day=1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_person (full_name, preferred_name, language, email, phone, "
            "created_at) SELECT 'Holder ' || g, '', 'fr', '', '', now() "
            "FROM generate_series(1, %s) g RETURNING id", [HOLDERS])
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "INSERT INTO benefits_monthlyusage (person_id, programme_id, month, used) "
            "SELECT id, %s, %s, 1 + id %% 4 FROM unnest(%s::bigint[]) id",
            [entries.pk, previous, ids])
    print(f"setup: {HOLDERS:,} holders and {HOLDERS:,} usage rows of last month written in "
          f"{time.perf_counter() - started:.1f} s (the cost a batch job would pay every month)")
    new_rows = MonthlyUsage.objects.filter(programme=entries, month=rules.month_of(at),
                                           person_id__gte=ids[0]).count()
    print(f"starting the new month for these {HOLDERS:,} holders: no job, {new_rows} rows "
          "written before their first use")
    venue = Venue.objects.filter(name="Bench venue 0").first()
    timings = []
    for n, person_id in enumerate(ids[:200]):
        started = time.perf_counter()
        operations.redeem_entry(person=Person(pk=person_id), venue=venue, actor=None, at=at,
                                idempotency_key=f"bench-month-{time.time_ns()}-{n}",
                                programme=entries, channel="terminal")
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"first entry of the month for a holder (creates the usage row): "
          f"p50 {statistics.median(timings) * 1000:.1f} ms, p99 {timings[-2] * 1000:.1f} ms")
    started = time.perf_counter()
    left = [rules.month_of(at)]
    from civicard.benefits.queries import entries_left
    for person_id in ids[-200:]:
        left.append(entries_left(Person(pk=person_id), entries, at))
    print(f"entries left for a holder who has not used any: "
          f"{(time.perf_counter() - started) / 200 * 1000:.2f} ms per read")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('benefits_monthlyusage')")
        size = cursor.fetchone()[0]
    print(f"benefits_monthlyusage with {HOLDERS:,} rows: {size / 1e6:.0f} MB "
          "(only holders who used an entry get a row)")


def main():
    venues, vouchers, people, entries = setup()
    print(f"PostgreSQL {connection.pg_version}, {VENUES} venues, {PER_VENUE} each, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    def voucher(index, n, venue):
        voucher = Voucher(pk=vouchers[index * PER_VENUE + n])
        operations.redeem_voucher(voucher=voucher, venue=venue, actor=None, at=clock.now(),
                                  idempotency_key=f"bench-v-{time.time_ns()}-{index}-{n}",
                                  channel="terminal")

    def entry(index, n, venue):
        person = Person(pk=people[index * PER_VENUE + n])
        operations.redeem_entry(person=person, venue=venue, actor=None, at=clock.now(),
                                idempotency_key=f"bench-e-{time.time_ns()}-{index}-{n}",
                                channel="terminal")

    run("money vouchers (one voucher each)", venues, voucher)
    run("monthly free entries (first use of the month)", venues, entry)
    if HOLDERS:
        new_month(entries)


def find_or_add(venue_count: int, per_venue: int):
    """The bench funder, its two programmes and venues (found or added once); fresh vouchers and
    people for this run (a redemption uses them up)."""
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    funder, _ = Funder.objects.get_or_create(territory=territory, name="Bench funder")
    ccas, _ = SocialService.objects.get_or_create(territory=territory, name="Bench CCAS")
    start = date(2020, 1, 1)
    passes, _ = Programme.objects.get_or_create(funder=funder, name="Bench pass", defaults={
        "kind": BenefitKind.MONEY, "grant": Grant.BOOKLETS, "voucher_value_cents": 1000,
        "starts_on": start, "ends_on": date(2099, 1, 1)})
    entries, _ = Programme.objects.get_or_create(funder=funder, name="Bench entries", defaults={
        "kind": BenefitKind.ENTRIES, "grant": Grant.MONTHLY, "entries_per_month": 4,
        "per_venue_cap": 2, "starts_on": start})
    venues = []
    for i in range(venue_count):
        venue, _ = Venue.objects.get_or_create(territory=territory, name=f"Bench venue {i}")
        for programme in (passes, entries):
            Accreditation.objects.get_or_create(programme=programme, venue=venue,
                                                defaults={"active_from": start})
        venues.append(venue)
    batch = operations.create_booklets(programme=passes, social_service=ccas,
                                       count=venue_count * per_venue // 5 + 1, actor=None,
                                       at=clock.now())
    Booklet.objects.filter(batch=batch).update(status=BookletStatus.HANDED_OUT,
                                               handed_out_at=clock.now())
    vouchers = list(Voucher.objects.filter(booklet__batch=batch).values_list("pk", flat=True))
    people = Person.objects.bulk_create([Person(full_name=f"Bench {i}")
                                         for i in range(venue_count * per_venue)])
    return venues, vouchers, [p.pk for p in people]


def bench(quick: bool = False) -> list[dict]:
    """Vouchers and first monthly entries redeemed by concurrent venues, as data."""
    from bench.harness import result

    count, per_venue = (4, 10) if quick else (VENUES, PER_VENUE)
    venues, vouchers, people = find_or_add(count, per_venue)

    def voucher(index, n, venue):
        operations.redeem_voucher(voucher=Voucher(pk=vouchers[index * per_venue + n]),
                                  venue=venue, actor=None, at=clock.now(),
                                  idempotency_key=f"bench-v-{time.time_ns()}-{index}-{n}",
                                  channel="terminal")

    def entry(index, n, venue):
        operations.redeem_entry(person=Person(pk=people[index * per_venue + n]), venue=venue,
                                actor=None, at=clock.now(),
                                idempotency_key=f"bench-e-{time.time_ns()}-{index}-{n}",
                                channel="terminal")

    found = []
    for name, work in (("money voucher (one voucher each)", voucher),
                       ("monthly free entry (first use of the month)", entry)):
        measured = threaded(count, per_venue, work,
                            prepare=lambda index: Venue.objects.get(pk=venues[index].pk))
        found.append(result(f"benefits: {name}, {count} venues at once", "redemption",
                            measured, floor="db_insert"))
    return found


if __name__ == "__main__":
    main()
