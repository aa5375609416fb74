"""Managers' and funders' dashboards at a territory's size: the benefits dashboard, the
inclusion goal and the access uses per week, with the events of a large territory.

    DATABASE_URL=postgres://.../civicard_bench .venv/bin/python bench/dashboards.py \
        [--residents 1000000] [--runs 30]

Builds (once; idempotent) the events these pages count, at the rates of the demo scaled to
`--residents`: two weeks of door decisions (3,000 allowed uses a week per 39,000 residents: the
chart counts the last 7 days), a year of voucher redemptions (one booklet of 5 vouchers per 40
residents) and of monthly free entries (20,000 a month per million), a year of mediators'
accompaniments (one per 10 residents, 60 % distinct people) in the goal's neighbourhoods. Rows
are written with bulk inserts, not through the operations; the summaries are then rebuilt with
`civicard rebuild_summaries` when the code has it. It then prints the server time of each page
(Django test client, in-process) as harness.figures().

Before/after: run it once from this tree, and once from a checkout of the commit before the
summaries (same database: the old code reads the events, the new one the summaries)."""

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
os.environ.setdefault("CIVICARD_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from harness import figures  # noqa: E402

from civicard.access.models import Checkpoint, Decision, Facility, Terminal  # noqa: E402
from civicard.benefits.models import (  # noqa: E402
    BenefitKind,
    Booklet,
    BookletBatch,
    Funder,
    Grant,
    MonthlyUsage,
    Programme,
    Redemption,
    SocialService,
    Venue,
    Voucher,
)
from civicard.core import clock  # noqa: E402
from civicard.core.permissions import Role  # noqa: E402
from civicard.inclusion.models import Accompaniment, Goal, Mediator, Place  # noqa: E402
from civicard.people.models import Person, RoleAssignment, User  # noqa: E402
from civicard.territory import demo as territory_demo  # noqa: E402
from civicard.territory.models import Neighbourhood  # noqa: E402
from civicard.territory.queries import current_territory  # noqa: E402

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday afternoon
BATCH = 5000


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)


def build(residents: int, say) -> None:
    class Ctx:
        territory = None

    ctx = Ctx()
    territory_demo.load(ctx)
    territory = ctx.territory
    rng = random.Random(residents)
    admin, _created = User.objects.get_or_create(email="bench-admin@example.org")
    RoleAssignment.objects.get_or_create(user=admin, role=Role.ADMINISTRATOR)
    start = NOW - timedelta(days=365)

    if not Decision.objects.filter(idempotency_key__startswith="bench-").exists():
        terminals = []
        for n in range(20):
            facility = Facility.objects.create(territory=territory, name=f"Bench pool {n}",
                                               kind="pool")
            for m in range(2):
                checkpoint = Checkpoint.objects.create(facility=facility, name=f"Gate {m}",
                                                       kind="turnstile", opening_hours="24/7")
                terminals.append(Terminal.objects.create(
                    checkpoint=checkpoint, name=f"T{n}-{m}", token_hash=f"bench{n}-{m}",
                    token_hint="0000", registered_at=start))
        per_week = round(3000 * residents / 39_000)
        total = per_week * 2
        say(f"decisions: {total:,} over two weeks")
        rows = []
        for n in range(total):
            terminal = terminals[n % len(terminals)]
            at = NOW - timedelta(seconds=rng.randrange(14 * 86400))
            rows.append(Decision(terminal_id=terminal.pk, checkpoint_id=terminal.checkpoint_id,
                                 idempotency_key=f"bench-{n}", at=at, recorded_at=at,
                                 outcome="allow" if rng.random() < 0.93 else "deny",
                                 reason_code="ok", response={}))
            if len(rows) == BATCH:
                _bulk(Decision, rows)
                rows = []
        _bulk(Decision, rows)

    if not Programme.objects.filter(name="Bench pass").exists():
        funder = Funder.objects.create(territory=territory, name="Bench funder")
        service = SocialService.objects.create(territory=territory, name="Bench CCAS")
        booklets_programme = Programme.objects.create(
            funder=funder, name="Bench pass", kind=BenefitKind.MONEY, grant=Grant.BOOKLETS,
            voucher_value_cents=1000, vouchers_per_booklet=5, starts_on=date(2025, 1, 1),
            ends_on=date(2027, 12, 31))
        entries_programme = Programme.objects.create(
            funder=funder, name="Bench entries", kind=BenefitKind.ENTRIES, grant=Grant.MONTHLY,
            entries_per_month=4, starts_on=date(2025, 1, 1))
        venues = [Venue.objects.create(territory=territory, name=f"Bench venue {n}",
                                       opening_hours="24/7") for n in range(30)]
        count = residents // 40
        say(f"booklets: {count:,}, vouchers and redemptions: {count * 5:,}")
        batch = BookletBatch.objects.create(programme=booklets_programme, social_service=service,
                                            created_at=start, size=count)
        _bulk(Booklet, [Booklet(batch=batch, programme=booklets_programme,
                                social_service=service, number=f"B-{n:07d}", status="handed_out",
                                handed_out_at=start, valid_until=date(2027, 12, 31))
                        for n in range(count)])
        booklet_ids = list(Booklet.objects.filter(batch=batch).values_list("pk", flat=True))
        vouchers = []
        for booklet_id in booklet_ids:
            for position in range(1, 6):
                vouchers.append(Voucher(booklet_id=booklet_id, position=position,
                                        code=f"V{booklet_id:07d}{position}", value_cents=1000,
                                        used_at=start))
        _bulk(Voucher, vouchers)
        rows = []
        for n, (voucher_id,) in enumerate(Voucher.objects.filter(booklet__batch=batch)
                                          .values_list("pk").iterator(chunk_size=BATCH)):
            at = start + timedelta(seconds=rng.randrange(365 * 86400))
            rows.append(Redemption(kind="voucher", programme=booklets_programme,
                                   venue=venues[n % len(venues)], voucher_id=voucher_id,
                                   amount_cents=1000, at=at, idempotency_key=f"bench-v{n}"))
            if len(rows) == BATCH:
                _bulk(Redemption, rows)
                rows = []
        _bulk(Redemption, rows)
        people = 5000
        say(f"monthly entries: {residents * 20_000 // 1_000_000:,} a month by {people:,} people")
        _bulk(Person, [Person(full_name=f"Bench {n}") for n in range(people)])
        person_ids = list(Person.objects.filter(full_name__startswith="Bench ")
                          .values_list("pk", flat=True))
        rows, n = [], 0
        for months_ago in range(12):
            month = date(2026, 11, 1) - timedelta(days=31 * months_ago)
            month = month.replace(day=1)
            _bulk(MonthlyUsage, [MonthlyUsage(person_id=pk, programme=entries_programme,
                                              month=month, used=4) for pk in person_ids])
            usages = list(MonthlyUsage.objects.filter(programme=entries_programme, month=month)
                          .values_list("pk", "person_id"))
            for _entry in range(residents * 20_000 // 1_000_000):
                usage, person_id = usages[rng.randrange(len(usages))]
                at = datetime(month.year, month.month, rng.randint(1, 28), 10, tzinfo=UTC)
                rows.append(Redemption(kind="entry", programme=entries_programme,
                                       venue=venues[n % len(venues)], person_id=person_id,
                                       usage_id=usage, at=at, idempotency_key=f"bench-e{n}"))
                n += 1
                if len(rows) == BATCH:
                    _bulk(Redemption, rows)
                    rows = []
        _bulk(Redemption, rows)

    if not Goal.objects.filter(name="Bench goal").exists():
        hoods = list(Neighbourhood.objects.filter(commune__territory=territory))
        user = User.objects.create(email="bench-mediator@example.org")
        mediator = Mediator.objects.create(user=user, display_name="Bench")
        place = Place.objects.filter(territory=territory).first() or Place.objects.create(
            territory=territory, standard_id="bench-place", pivot="12345678900012",
            nom="Bench place", commune="X", code_postal="79200", code_insee="79001",
            adresse="1 rue", date_maj=date(2026, 1, 1), updated_at=NOW)
        total = residents // 10
        say(f"accompaniments: {total:,} over a year in {len(hoods)} neighbourhoods")
        people = int(total * 0.6)
        rows = []
        for n in range(total):
            rows.append(Accompaniment(
                mediator=mediator, place=place, date=(start + timedelta(
                    days=rng.randrange(365))).date(), duration_minutes=30, themes="x",
                first_visit=False, pseudonym=f"bench{rng.randrange(people):09d}",
                neighbourhood=hoods[n % len(hoods)], created_at=NOW))
            if len(rows) == BATCH:
                _bulk(Accompaniment, rows)
                rows = []
        _bulk(Accompaniment, rows)
        # the dashboard shows the goal of the territory the install serves (the first one)
        goal = Goal.objects.create(territory=current_territory(), name="Bench goal", percent=10,
                                   years=3, start_date=date(2025, 11, 1))
        goal.neighbourhoods.add(*hoods)

    if "rebuild_summaries" in get_commands():
        started = time.perf_counter()
        call_command("rebuild_summaries")
        say(f"summaries rebuilt in {time.perf_counter() - started:.1f} s")


PAGES = [("floor: /health (same run)", "/health"),
         ("benefits dashboard", "/benefits/dashboard/"),
         ("inclusion goal dashboard", "/inclusion/dashboard/"),
         ("access uses per week", "/access/uses/")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not args.skip_build:
        build(args.residents, print)
    setup_test_environment()
    from django.conf import settings

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client = Client()
    client.force_login(User.objects.get(email="bench-admin@example.org"))
    print(f"{Decision.objects.count():,} decisions, {Redemption.objects.count():,} "
          f"redemptions, {Accompaniment.objects.count():,} accompaniments; "
          f"database {django.db.connection.vendor}, {args.runs} runs each")
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    results = {}
    with clock.frozen(NOW):
        for name, path in PAGES:
            response = client.get(path)  # warm-up
            assert response.status_code == 200, (path, response.status_code)
            latencies, started = [], time.perf_counter()
            for _ in range(args.runs):
                begun = time.perf_counter()
                client.get(path)
                latencies.append(time.perf_counter() - begun)
            result = results[name] = figures(latencies, time.perf_counter() - started)
            print(f"{name:28} {result['p50']:8.1f} {result['p95']:8.1f} {result['p99']:8.1f}")
    return results


def bench(quick: bool = False) -> list[dict]:
    """The three dashboards (target p95 ≤ 200 ms) on their data, added once (a tenth of it for
    a quick run), each set against /health served the same way."""
    from bench.harness import get_pages, result, test_environment

    build(50_000 if quick else 1_000_000, lambda text: None)
    test_environment()
    from django.conf import settings

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client = Client()
    client.force_login(User.objects.get(email="bench-admin@example.org"))
    results = []
    with clock.frozen(NOW):
        for name, path in PAGES[1:]:
            measured, size, gz = get_pages(client, [path], 5 if quick else 30)
            results.append(result(f"{name} GET {path}", "page", measured, floor="health",
                                  target={"p95": 200}, extra={"bytes": size, "gzip_bytes": gz}))
    return results


if __name__ == "__main__":
    timezone.activate(timezone.get_default_timezone())
    main()
