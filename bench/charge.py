"""Charges per second through wallets.operations.charge on PostgreSQL, 8 concurrent workers:
(a) spread over many accounts, (b) all on one hot account (serialised by its row lock).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench .venv/bin/python bench/charge.py

It creates its own database tables (migrate) and data; prints throughput and p50/p99 latency.
`bench(quick)` returns the same two figures as data for `make bench`, on a service and 1,000
accounts found or added once in the database ("bench-charge").
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.harness import threaded  # noqa: E402
from civicard.core import clock  # noqa: E402
from civicard.people.models import Household  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402
from civicard.wallets import operations  # noqa: E402
from civicard.wallets.models import Account, Service, ShortageRule  # noqa: E402
from civicard.wallets.queries import check_ledger  # noqa: E402

WORKERS = int(os.environ.get("BENCH_WORKERS", "8"))
PER_WORKER = int(os.environ.get("BENCH_CHARGES", "250"))


def setup(accounts: int):
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    run = f"{time.time_ns()}"
    service = Service.objects.create(territory=territory, slug=f"bench-{run}", name="Bench",
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    households = Household.objects.bulk_create([Household(territory=territory)
                                                for _ in range(accounts)])
    return run, [Account.objects.create(household=h, service=service, currency="EUR",
                                        created_at=clock.now()).pk for h in households]


def scenario(name: str, account_ids: list[int], run: str, workers: int = WORKERS,
             per_worker: int = PER_WORKER) -> dict:
    def charge(index, n, accounts):
        account = accounts[(index * per_worker + n) % len(accounts)]
        operations.charge(account=account, amount_cents=100, reason="bench",
                          idempotency_key=f"bench:{run}:{name}:{index}:{n}", actor=None,
                          at=clock.now())

    result = threaded(workers, per_worker, charge,
                      prepare=lambda index: list(map(Account.objects.in_bulk(account_ids).get,
                                                     account_ids)))
    print(f"{name:<14} {result['count']:>6} charges  {result['per_s']:>8.0f} /s  "
          f"p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms")
    return result


def bench(quick: bool = False) -> list[dict]:
    """Both scenarios on the service "bench-charge" and its 1,000 accounts (added once)."""
    from bench.harness import result

    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    service, _ = Service.objects.get_or_create(
        territory=territory, slug="bench-charge",
        defaults={"name": "Bench charges", "shortage_rule": ShortageRule.SERVE_AND_GO_NEGATIVE})
    have = Account.objects.filter(service=service).count()
    households = Household.objects.bulk_create([Household(territory=territory)
                                                for _ in range(max(0, 1000 - have))])
    Account.objects.bulk_create([Account(household=h, service=service, currency="EUR",
                                         created_at=clock.now()) for h in households])
    many = list(Account.objects.filter(service=service).order_by("pk")
                .values_list("pk", flat=True))
    run = f"{time.time_ns()}"
    workers, per_worker = (4, 25) if quick else (WORKERS, PER_WORKER)
    found = []
    for name, accounts in (("many accounts", many), ("one hot account", many[:1])):
        measured = scenario(name, accounts, run, workers, per_worker)
        found.append(result(f"wallets.operations.charge, {workers} workers, {name}", "charge",
                            measured, floor="db_insert"))
    return found


def main():
    run, many = setup(1000)
    print(f"PostgreSQL, {WORKERS} workers x {PER_WORKER} charges each")
    scenario("many accounts", many, run)
    scenario("one hot account", many[:1], run)
    differences = check_ledger()
    print("check-ledger:", "consistent" if not differences else f"{len(differences)} differences")


if __name__ == "__main__":
    main()
