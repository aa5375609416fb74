"""Library figures on PostgreSQL (or SQLite): a MARC import streamed in constant memory,
catalogue search p95, and SIP2 checkout round trips with 20 kiosks at once through real sockets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_library_bench \
        .venv/bin/python bench/library.py
    DATABASE_URL=sqlite:////tmp/library-bench.sqlite3 .venv/bin/python bench/library.py

BENCH_TITLES (default 200000) sets the catalogue's size; BENCH_CHECKOUTS (default 40) the
checkouts per kiosk; BENCH_KIOSK_INTERVAL (default 1) the seconds between a kiosk's checkouts in
the paced run (the other runs flat out); BENCH_LIBRARY=<code> reuses a library imported by an
earlier run; BENCH_SEARCH=plain times the plain filters instead of full-text search. It creates
its own tables (migrate) and data, and prints its figures.
`bench(quick)` returns the search and SIP2 figures as data for `make bench`, on a library of its
own (code "bench") whose catalogue is imported once.
"""

import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from civicard.core import clock  # noqa: E402
from civicard.library import catalogue, queries  # noqa: E402
from civicard.library.demo import WORDS, marc_records  # noqa: E402
from civicard.library.models import Copy, Kiosk, Library, Loan  # noqa: E402
from civicard.library.models import Membership as LibraryMembership  # noqa: E402
from civicard.library.sip2 import start  # noqa: E402
from civicard.people.models import Household, Membership, Person  # noqa: E402
from civicard.providers.sip2 import Sip2Client  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402

TITLES = int(os.environ.get("BENCH_TITLES", "200000"))
KIOSKS = 20
CHECKOUTS = int(os.environ.get("BENCH_CHECKOUTS", "40"))
PLAIN = os.environ.get("BENCH_SEARCH") == "plain"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def setup():
    if connection.vendor not in ("postgresql", "sqlite"):
        sys.exit("Run on PostgreSQL (DATABASE_URL=postgres://…) or SQLite (sqlite:///…)")
    call_command("migrate", verbosity=0)
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    code = f"bench{int(time.time())}"
    library = Library.objects.create(territory=territory, name="Bench library", code=code,
                                     loan_limit=10_000, overdue_limit=0)
    branch = library.branches.create(code="centre", name="Centre")
    library.branches.create(code="tours", name="Tours")
    return library, branch


def import_marc(library, branch, count, prefix):
    with tempfile.NamedTemporaryFile(suffix=".mrc") as file:
        for record in marc_records(count, random.Random(count), barcode_prefix=prefix):
            file.write(record.as_marc())
        file.flush()
        size = file.tell()
        file.seek(0)
        began = time.perf_counter()
        report = catalogue.import_records(library=library, records=catalogue.read_marc(file),
                                          default_branch=branch, all_or_nothing=False,
                                          at=clock.now())
        seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"MARC import, {count:,} records ({size / 1e6:.0f} MB): {seconds:.1f} s "
          f"({count / seconds:,.0f} records/s), {report.titles:,} titles, {report.copies:,} "
          f"copies, {report.error_count} errors; process peak memory (max RSS) so far "
          f"{peak:.0f} MB")


def search(library, runs=200):
    rng = random.Random(7)
    timings = []
    for _ in range(runs):
        text = " ".join(rng.sample(WORDS, 2))
        began = time.perf_counter()
        if PLAIN:  # the plain filters that full-text search is tested against, for comparison
            found = queries.matching_plain(library.titles.all(), queries.search_words(text))
        else:
            found = queries.search(library=library, text=text)
        queries.with_shelf_counts(found[:queries.PAGE_SIZE])
        found.count()
        timings.append((time.perf_counter() - began) * 1000)
    print(f"search{' (plain filters)' if PLAIN else ''} (first page and count), "
          f"{Library.objects.get(pk=library.pk).titles.count():,}"
          f" titles, {runs} queries of two words: p50 {statistics.median(timings):.1f} ms, "
          f"p95 {percentile(timings, 0.95):.1f} ms")
    return timings


def kiosks(library, branch, interval):
    """20 kiosks at once; each starts a checkout every `interval` seconds (0: flat out)."""
    run_id = f"{time.time_ns() % 10**8:08d}"
    login = f"bench-{run_id}"
    Kiosk.objects.create(library=library, branch=branch, name="Bench kiosk", login=login,
                         password_hash=make_password("bench-kiosk-password"))
    household = Household.objects.create(territory=library.territory)
    numbers = []
    for index in range(KIOSKS):
        person = Person.objects.create(full_name=f"Bench member {index}")
        Membership.objects.get_or_create(household=household, person=person)
        membership = LibraryMembership.objects.create(
            library=library, person=person, number=f"B{run_id}{index:02d}",
            home_branch=branch, starts_on=clock.today(),
            ends_on=clock.today().replace(year=clock.now().year + 1),
            created_at=clock.now())
        numbers.append(membership.number)
    barcodes = list(Copy.objects.filter(library=library, state="on_shelf")
                    .values_list("barcode", flat=True)[:KIOSKS * CHECKOUTS])
    server, _thread = start("127.0.0.1", 0)
    port = server.server_address[1]
    timings, failures = [], []
    lock = threading.Lock()
    started = []
    # logins hash their password slowly: the clock starts when every kiosk is logged in
    logged_in = threading.Barrier(KIOSKS, action=lambda: started.append(time.perf_counter()))

    def run(index):
        client = Sip2Client(host="127.0.0.1", port=port, timeout=60)  # logins hash slowly
        client.connect()
        client.login(login, "bench-kiosk-password")
        logged_in.wait()
        next_start = time.perf_counter() + random.random() * interval  # kiosks out of step
        mine = barcodes[index::KIOSKS]
        local = []
        for barcode in mine:
            began = time.perf_counter()
            if interval:
                time.sleep(max(0.0, next_start - began))
                began = time.perf_counter()
            answer = client.send("11", "NN" + "20260310    100000" + " " * 18, [
                ("AO", library.code), ("AA", numbers[index]), ("AB", barcode)])
            local.append((time.perf_counter() - began) * 1000)
            next_start = began + interval
            if answer.fixed[:1] != "1":
                failures.append(answer.get("AF"))
        client.close()
        with lock:
            timings.extend(local)
        connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(KIOSKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started[0]
    server.shutdown()
    server.server_close()
    loans = Loan.objects.filter(copy__library=library).count()
    pace = f"one checkout per {interval:g} s each" if interval else "flat out"
    print(f"SIP2 checkout, {KIOSKS} kiosks at once, {pace}, {len(timings)} checkouts "
          f"in {seconds:.1f} s ({len(timings) / seconds:.0f}/s): "
          f"p50 {statistics.median(timings):.1f} ms, "
          f"p99 {percentile(timings, 0.99):.1f} ms; refused {len(failures)}, loans {loans}")
    return timings, seconds, failures


def bench(quick: bool = False) -> list[dict]:
    """Catalogue search and SIP2 checkouts (flat out, then paced), on the library "bench"."""
    global KIOSKS, CHECKOUTS
    from bench.harness import figures, result

    titles = 200 if quick else TITLES
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    library = Library.objects.filter(code="bench").first()
    if library is None:
        library = Library.objects.create(territory=territory, name="Bench library", code="bench",
                                         loan_limit=10_000, overdue_limit=0)
        library.branches.create(code="centre", name="Centre")
        library.branches.create(code="tours", name="Tours")
    branch = library.branches.get(code="centre")
    have = library.titles.count()
    if have < titles:
        import_marc(library, branch, titles - have, f"{library.pk}-{have}-")
        with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would
            cursor.execute("ANALYZE")
    extra = {"titles": library.titles.count()}
    found = []
    timings = [t / 1000 for t in search(library, 10 if quick else 200)]
    found.append(result("library: catalogue search, two words (first page and count)", "query",
                        figures(timings, sum(timings)), floor="db_select", target={"p95": 50},
                        extra=extra))
    saved = KIOSKS, CHECKOUTS
    if quick:
        KIOSKS, CHECKOUTS = 4, 5
    try:
        for interval in (0, 0.2 if quick else float(
                os.environ.get("BENCH_KIOSK_INTERVAL", "1"))):
            timings, seconds, failures = kiosks(library, branch, interval)
            pace = f"each once every {interval:g} s" if interval else "flat out"
            found.append(result(f"library: SIP2 checkout, {KIOSKS} kiosks at once, {pace}",
                                "checkout", figures([t / 1000 for t in timings], seconds),
                                floor="db_insert", target={"p99": 50} if interval else {},
                                extra={"refused": len(failures)}))
    finally:
        KIOSKS, CHECKOUTS = saved
    return found


def main():
    if os.environ.get("BENCH_LIBRARY"):  # a library imported by an earlier run: skip the import
        library = Library.objects.get(code=os.environ["BENCH_LIBRARY"])
        branch = library.branches.get(code="centre")
    else:
        library, branch = setup()
        prefix = f"{library.pk}-"
        import_marc(library, branch, TITLES // 10, prefix + "S")  # the peak after a tenth…
        import_marc(library, branch, TITLES - TITLES // 10, prefix + "L")  # …and the rest
    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would leave
        cursor.execute("ANALYZE")
    print(f"library {library.code}")
    search(library)
    kiosks(library, branch, interval=0)
    kiosks(library, branch, interval=float(os.environ.get("BENCH_KIOSK_INTERVAL", "1")))


if __name__ == "__main__":
    main()
