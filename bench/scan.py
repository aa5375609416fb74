"""Terminal decisions against the server run as in production, next to /health.

    createdb -h 127.0.0.1 -U postgres civicard_bench_access
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench_access \
        .venv/bin/python bench/scan.py [--cards 100000] [--million] [--seconds 30] [--profile]

1. Fills the database (once) with N card holders: one household each, all enrolled in a free
   service (library desk), half also enrolled at the pool with a funded prepaid account.
2. Starts gunicorn (gthread workers, production settings) on 127.0.0.1 only, serving the
   application with one more URL, /bench/floor (bench/floor.py): a scan's two statements alone,
   without the rules — the most any scan that reads and writes PostgreSQL could reach.
3. Counts the SQL statements of one paid and one free scan (in process), and with --profile
   prints where one scan's time goes (cProfile of in-process scans).
4. The target, open loop: a constant offered rate (`--open-rate`, 100 scans/s) from
   `--open-terminals` (32) terminals for `--open-seconds` (60): each terminal presents a card
   every terminals/rate seconds whatever the answers, half at the pool turnstile (each entry
   charged through the wallet), half at the free desk. Latency counts from when a scan was
   due, so a slow answer that delays the next one counts against the server. p50, p99,
   errors; /health the same way for comparison.
5. Flat out, closed loop: /health, the scans and the floor, `--terminals` (16) clients each
   sending its next request as soon as it has an answer, in `--rounds` alternating slices;
   scans/s as a ratio of the floor's and /health's. Its latency is mostly queueing behind 2
   cores: printed, not the target.
6. Runs check-ledger, then times and sizes the full signed allow-list (100,000 cards, and
   1,000,000 with --million: the extra holders are added to the database first).
7. The delta after 1,000 people changed: their bench-library enrolments ended (their cards leave
   the desk's list), then given back (they return), each delta built and signed from the
   version the terminal had before the changes (target ≤ 100 ms).

`bench(quick)` returns the open loop, the flat-out scans, the allow-list and its deltas as data for
`make bench`, with the floor (`/bench/floor`) measured the same way beside each, on the bench
holders found or added once in the database (100,000; 500 when quick).
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
os.environ.setdefault("CIVICARD_SECRET_KEY", "bench-secret-key-" + "x" * 40)
if "CIVICARD_TERMINAL_SIGNING_KEY" not in os.environ:
    os.environ["CIVICARD_TERMINAL_SIGNING_KEY"] = base64.b64encode(
        hashlib.sha256(b"bench-signing-key").digest()).decode()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402

from bench.harness import figures, timed  # noqa: E402
from civicard.access import allowlist  # noqa: E402
from civicard.access.decisions import decide  # noqa: E402
from civicard.access.models import AccessChange, Checkpoint, Facility, Terminal  # noqa: E402
from civicard.access.terminals import token_hash  # noqa: E402
from civicard.cards.codes import uid_hash_key  # noqa: E402
from civicard.territory.models import Territory  # noqa: E402
from civicard.wallets.models import (  # noqa: E402
    Enrolment,
    PaymentMode,
    Service,
    ShortageRule,
    Tariff,
)
from civicard.wallets.queries import check_ledger  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
TERMINALS = 16
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_GROUP = 0  # gunicorn's process group, once started
START_BALANCE = 100_000_00


def uid_of(n: int) -> str:
    return f"B0{n:012X}"


def _copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            while data := buffer.read(1 << 20):
                copy.write(data)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f'(SELECT MAX(id) FROM "{table}"))')


def setup_services():
    territory, _ = Territory.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    pool, _ = Service.objects.get_or_create(territory=territory, slug="bench-pool", defaults={
        "name": "Bench pool", "payment_mode": PaymentMode.PREPAID_WALLET,
        "shortage_rule": ShortageRule.REFUSE})
    library, _ = Service.objects.get_or_create(territory=territory, slug="bench-library",
                                               defaults={"name": "Bench library",
                                                         "payment_mode": PaymentMode.FREE})
    if not Tariff.objects.filter(service=pool).exists():
        Tariff.objects.create(service=pool, use="entry", amount_cents=1,
                              valid_from=date(2020, 1, 1), created_at=datetime.now(UTC))
    facility, _ = Facility.objects.get_or_create(territory=territory, name="Bench centre",
                                                 defaults={"kind": "pool"})
    turnstile, _ = Checkpoint.objects.get_or_create(
        facility=facility, name="Turnstile", defaults={"kind": "turnstile", "service": pool,
                                                        "charge_use": "entry"})
    desk, _ = Checkpoint.objects.get_or_create(
        facility=facility, name="Desk", defaults={"kind": "library_desk", "service": library})
    return territory, pool, library, turnstile, desk


def populate(territory, pool, library, upto: int) -> None:
    """Add holders until `upto` exist (ids of bench people are tracked by their e-mail)."""
    from civicard.people.models import Person
    have = Person.objects.filter(email__endswith="@bench.invalid").count()
    if have >= upto:
        _opening_entries(pool)
        return
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat()
    count = upto - have
    p0, h0, m0, c0 = (_next_id(t) for t in ("people_person", "people_household",
                                             "people_membership", "cards_card"))
    e0, a0 = (_next_id(t) for t in ("wallets_enrolment", "wallets_account"))
    numbers = range(have, upto)
    _copy("people_person", ["id", "full_name", "preferred_name", "language", "email", "phone",
                            "created_at"],
          ((p0 + i, f"Holder {n}", "", "fr", f"h{n}@bench.invalid", "", now)
           for i, n in enumerate(numbers)))
    _copy("people_household", ["id", "territory_id", "created_at"],
          ((h0 + i, territory.pk, now) for i in range(count)))
    _copy("people_membership", ["id", "household_id", "person_id", "is_guardian", "joined_at"],
          ((m0 + i, h0 + i, p0 + i, "t", now) for i in range(count)))
    key = uid_hash_key()
    _copy("cards_card", ["id", "person_id", "kind", "purpose", "number", "uid_hash", "uid_hint",
                         "secret", "status", "block_reason", "issued_at", "activated_at",
                         "expires_on"],
          ((c0 + i, p0 + i, "physical", "resident", f"B{n:011d}",
            hmac.new(key, uid_of(n).encode(), hashlib.sha256).hexdigest(), uid_of(n)[-4:], "",
            "active", "", now, now, "2099-01-01") for i, n in enumerate(numbers)))
    enrolments = [(e0 + i, library.pk, h0 + i, "2020-01-01", now) for i in range(count)]
    paying = [i for i, n in enumerate(numbers) if n % 2 == 0]
    enrolments += [(e0 + count + j, pool.pk, h0 + i, "2020-01-01", now)
                   for j, i in enumerate(paying)]
    _copy("wallets_enrolment", ["id", "service_id", "household_id", "starts_on", "created_at"],
          enrolments)
    _copy("wallets_account", ["id", "household_id", "service_id", "currency", "balance_cents",
                              "created_at"],
          ((a0 + j, h0 + i, pool.pk, "EUR", START_BALANCE, now) for j, i in enumerate(paying)))
    for table in ("people_person", "people_household", "people_membership", "cards_card",
                  "wallets_enrolment", "wallets_account"):
        _reset_sequence(table)
    _opening_entries(pool)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  added {count:,} holders in {time.perf_counter() - started:.1f} s")


def _opening_entries(pool) -> None:
    """The opening top-up of every bench account that has none (ids from the sequence: the
    server may have charged accounts meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO wallets_ledgerentry (account_id, kind, amount_cents, "
            "balance_after_cents, means, at, reason, reason_code, reason_params, "
            "idempotency_key) SELECT a.id, 'top_up', %s, %s, 'cash', now(), 'bench', '', '{}', "
            "'bench-topup-' || a.id "
            "FROM wallets_account a WHERE a.service_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM wallets_ledgerentry e WHERE e.account_id = a.id) ORDER BY a.id",
            [START_BALANCE, START_BALANCE, pool.pk])


def start_server(workers: int, threads: int):
    env = {**os.environ, "CIVICARD_ENV": "production", "CIVICARD_SSL_REDIRECT": "0",
           "CIVICARD_ALLOWED_HOSTS": "127.0.0.1", "CIVICARD_LOG_LEVEL": "ERROR"}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "bench.floor:application", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
         "--keep-alive", "30", "--log-level", "warning"],  # terminals keep their connection
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit("gunicorn did not start")


def send(conn, method, path, body, headers, check) -> tuple[http.client.HTTPConnection, bytes]:
    """One request on a kept-alive connection: (the connection to use next, b"" or what went
    wrong)."""
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return conn, b"" if response.status == 200 and check(data) else data[:200] or b"?"
    except (OSError, http.client.HTTPException) as error:
        conn.close()
        return (http.client.HTTPConnection("127.0.0.1", PORT, timeout=10),
                str(error).encode()[:200])


def cpu_seconds(server_group: int) -> dict[str, float]:
    """CPU time used so far by the server's processes, PostgreSQL's and these clients' (Linux)."""
    used = {"server": 0.0, "database": 0.0, "clients": 0.0}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                stat = file.read()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        if int(fields[2]) == server_group:
            used["server"] += seconds
        elif name == "postgres":
            used["database"] += seconds
        elif int(entry.name) == os.getpid():
            used["clients"] += seconds
    return used


def drive(seconds: float, make_request) -> tuple[list, list, float, dict]:
    """Closed loop: TERMINALS clients, each sending its next request as soon as it has an
    answer. Returns (latencies, errors, elapsed, CPU seconds used by each part)."""
    latencies, errors, lock = [], [], threading.Lock()
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(TERMINALS)

    def client(index: int):
        rng = random.Random()
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine, bad = [], []
        barrier.wait()
        while time.perf_counter() < stop:
            started = time.perf_counter()
            conn, error = send(conn, *make_request(index, rng))
            mine.append(time.perf_counter() - started)
            if error:
                bad.append(error)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(TERMINALS)]
    started, cpu_before = time.perf_counter(), cpu_seconds(SERVER_GROUP)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_after = cpu_seconds(SERVER_GROUP)
    return (latencies, errors, time.perf_counter() - started,
            {part: cpu_after[part] - cpu_before[part] for part in cpu_after})


def summarise(name: str, runs: list[tuple]) -> dict:
    """Pooled figures of one or more runs of the same kind; CPU per request when measured."""
    latencies = [x for run in runs for x in run[0]]
    errors = [e for run in runs for e in run[1]]
    result = {"name": name, "requests": len(latencies), "errors": len(errors),
              **figures(latencies, sum(run[2] for run in runs))}
    print(f"  {name:<8} {result['requests']:>7,} requests {result['per_s']:>8.0f} /s   "
          f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
          f"p99 {result['p99']:6.1f} ms  errors {result['errors']}")
    cpu = [run[3] for run in runs if len(run) > 3]
    if cpu and latencies:
        per_request = {part: sum(c[part] for c in cpu) / len(latencies) * 1000 for part in cpu[0]}
        print("           CPU per request: " + ", ".join(
            f"{part} {ms:.2f} ms" for part, ms in per_request.items()))
    if errors:
        print("    first error:", errors[0])
    return result


def open_loop(name: str, seconds: float, rate: float, terminals: int, make_request) -> dict:
    """Open loop at a constant offered rate: `terminals` clients, each sending a request every
    terminals/rate seconds from its own offset, whatever the answers. Latency counts from when
    a request was due, not when it could be sent."""
    latencies, errors, lock = [], [], threading.Lock()
    interval = terminals / rate
    begin = time.perf_counter() + 0.5

    def client(index: int):
        rng = random.Random(1000 + index)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine, bad, due = [], [], begin + index / rate
        while due < begin + seconds:
            time.sleep(max(0.0, due - time.perf_counter()))
            conn, error = send(conn, *make_request(index, rng))
            mine.append(time.perf_counter() - due)
            if error:
                bad.append(error)
            due += interval
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(terminals)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarise(name, [(latencies, errors, seconds)])


def statements_per_scan(tokens: list[str]) -> None:
    """The statements of one paid scan (terminal 0, the pool) and one free (terminal 1, the
    desk), as tests/access/test_queries.py asserts them."""
    from django.test.utils import CaptureQueriesContext

    counted = {}
    for label, token, n in (("paid", tokens[0], 0), ("free", tokens[1], 1)):
        with CaptureQueriesContext(connection) as captured:
            answer = decide.scan_by_token(token, credential=uid_of(n),
                                          idempotency_key=str(uuid.uuid4()),
                                          now=datetime.now(UTC))
        print(f"  statements per {label} scan: {len(captured)} ({answer['reason_code']})")
        counted[label] = len(captured)
    return counted


def profile_scans(tokens: list[str], cards: int, count: int = 500) -> None:
    """Where one scan's time goes: cProfile of `count` in-process paid scans."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        decide.scan_by_token(tokens[0], credential=uid_of(random.randrange(0, cards, 2)),
                             idempotency_key=str(uuid.uuid4()), now=datetime.now(UTC))
    profiler.disable()
    print(f"  {count} paid scans in process: {(time.perf_counter() - started) / count * 1000:.2f}"
          " ms each (profiled); by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def time_allowlist(checkpoint, label: str) -> None:
    terminal = Terminal.objects.filter(checkpoint=checkpoint).first()
    started = time.perf_counter()
    body, signature = allowlist.signed(terminal, since=None, now=datetime.now(UTC))
    elapsed = time.perf_counter() - started
    cards = len(json.loads(body)["cards"])
    print(f"  allow-list {label}: {cards:,} cards, {len(body) / 1e6:.1f} MB, "
          f"built and signed in {elapsed:.2f} s")


def time_deltas(terminal, library, changes: int, runs: int) -> list[tuple[str, list, int]]:
    """The delta after `changes` people's bench-library enrolments ended, then after they were
    given back: (what changed, seconds of each run, bytes), every run from the version before."""
    enrolments = list(Enrolment.objects.filter(service=library).order_by("pk")[:changes])
    deltas = []
    for label, change in (("ended", lambda e: e.delete()), ("given back", lambda e: e.save())):
        version = str(AccessChange.objects.aggregate(v=Max("id"))["v"] or 0)
        with transaction.atomic():
            for enrolment in enrolments:  # one by one: each writes its AccessChange
                change(enrolment)
        latencies, _elapsed = timed(runs, lambda n, since=version: allowlist.signed(
            terminal, since=since, now=datetime.now(UTC)))
        body, _signature = allowlist.signed(terminal, since=version, now=datetime.now(UTC))
        deltas.append((label, latencies, len(body)))
    return deltas


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench(quick: bool = False) -> list[dict]:
    """Terminal decisions through gunicorn: the open loop (the target) and flat out, each with
    `/bench/floor` measured the same way in the same run; and the full signed allow-list."""
    global TERMINALS, SERVER_GROUP, PORT
    from bench.harness import result

    cards = 500 if quick else 100_000
    rate, open_terminals, open_seconds = (20, 8, 2) if quick else (100, 32, 60)
    rounds, scan_seconds, floor_seconds = (2, 1, 1) if quick else (6, 30, 10)
    TERMINALS = 4 if quick else 16
    if "BENCH_PORT" not in os.environ:
        PORT = _free_port()
    territory, pool, library, turnstile, desk = setup_services()
    populate(territory, pool, library, cards)
    tokens = []
    for index in range(max(TERMINALS, open_terminals)):
        token = f"cct_bench-{index}"
        Terminal.objects.update_or_create(token_hash=token_hash(token), defaults={
            "checkpoint": turnstile if index % 2 == 0 else desk, "name": f"bench {index}",
            "token_hint": token[-4:], "registered_at": datetime.now(UTC), "language": "fr"})
        tokens.append(token)
    statements = statements_per_scan(tokens)
    connection.close()

    def health_request(index, rng):
        return "GET", "/health", None, {}, lambda data: True

    def scan_request(index, rng):
        n = rng.randrange(0, cards, 2) if index % 2 == 0 else rng.randrange(cards)
        body = json.dumps({"credential": uid_of(n), "idempotency_key": str(uuid.uuid4())})
        return ("POST", "/api/terminals/scan", body,
                {"Authorization": f"Bearer {tokens[index]}", "Content-Type": "application/json"},
                lambda data: b'"allow"' in data)

    def floor_request(index, rng):
        method, _path, body, headers, check = scan_request(index, rng)
        return method, "/bench/floor", body, headers, check

    server = start_server(2 if quick else 3, 4)
    SERVER_GROUP = server.pid
    try:
        scan_open = open_loop("scan", open_seconds, rate, open_terminals, scan_request)
        floor_open = open_loop("floor", open_seconds, rate, open_terminals, floor_request)
        health_runs, scan_runs, floor_runs = [], [], []
        for _round in range(rounds):
            health_runs.append(drive(floor_seconds / rounds, health_request))
            scan_runs.append(drive(scan_seconds / rounds, scan_request))
            floor_runs.append(drive(floor_seconds / rounds, floor_request))
        health, scans, floor = (summarise(name, runs) for name, runs in (
            ("/health", health_runs), ("scan", scan_runs), ("floor", floor_runs)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    def cpu(runs, measured):
        used = {part: sum(run[3][part] for run in runs) for part in runs[0][3]}
        return {f"cpu_ms_{part}": ms / max(1, measured["requests"]) * 1000
                for part, ms in used.items()}

    offered = f"{rate:g}/s offered by {open_terminals} terminals for {open_seconds:g} s"
    found = [
        result(f"terminals: POST /api/terminals/scan, open loop ({offered})", "scan", scan_open,
               floor="bench_floor_open", target={"p50": 8, "p99": 25, "errors": 0},
               extra={"errors": scan_open["errors"], "statements_paid_scan": statements["paid"],
                      "statements_free_scan": statements["free"]}),
        result(f"terminals: POST /api/terminals/scan, flat out ({TERMINALS} clients)", "scan",
               scans, floor="bench_floor", target={"per_s_ratio": 0.5},
               extra={"errors": scans["errors"], **cpu(scan_runs, scans)}),
        {"floor_name": "bench_floor_open", "unit": "request",
         "path": f"POST /bench/floor, open loop ({offered})",
         **{k: floor_open[k] for k in ("count", "per_s", "p50", "p95", "p99")},
         "extra": {"errors": floor_open["errors"]}},
        {"floor_name": "bench_floor", "unit": "request",
         "path": f"POST /bench/floor, flat out ({TERMINALS} clients)",
         **{k: floor[k] for k in ("count", "per_s", "p50", "p95", "p99")},
         "extra": {"errors": floor["errors"], **cpu(floor_runs, floor)}},
        {"floor_name": "http_health", "unit": "request",
         "path": f"GET /health through gunicorn, flat out ({TERMINALS} clients)",
         **{k: health[k] for k in ("count", "per_s", "p50", "p95", "p99")},
         "extra": {"errors": health["errors"]}}]
    terminal = Terminal.objects.filter(checkpoint=desk).first()
    # The scale territory's waste centre lists every resident's card (every household enrolled).
    waste = (Terminal.objects.filter(checkpoint__service__slug="waste-centre")
             .order_by("checkpoint__service__territory_id", "pk").first())
    listers = [("the bench desk", terminal), ("the scale territory's waste centre", waste)]
    for name, lister in listers:
        if lister is None:
            continue
        latencies, _elapsed = timed(1 if quick else 3, lambda n, lister=lister: allowlist.signed(
            lister, since=None, now=datetime.now(UTC)))
        body, _signature = allowlist.signed(lister, since=None, now=datetime.now(UTC))
        listed = len(json.loads(body)["cards"])
        found.append(result(f"terminals: full signed allow-list of {name} ({listed:,} cards)",
                            "list", figures(latencies, sum(latencies)), floor="db_select",
                            target={"p50": 5000, "megabytes": 40},
                            extra={"cards": listed, "megabytes": len(body) / 1e6}))
    changes = 100 if quick else 1000
    for label, latencies, size in time_deltas(terminal, library, changes, 3 if quick else 20):
        found.append(result(f"terminals: allow-list delta after {changes:,} enrolments {label}",
                            "list", figures(latencies, sum(latencies)), floor="db_select",
                            target={"p95": 100}, extra={"bytes": size}))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--open-rate", type=float, default=100)
    parser.add_argument("--open-terminals", type=int, default=32)
    parser.add_argument("--open-seconds", type=float, default=60)
    parser.add_argument("--seconds", type=float, default=30, help="flat out, scans")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--terminals", type=int, default=16, help="flat out")
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-allowlist", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    global TERMINALS, SERVER_GROUP
    TERMINALS = max(2, args.terminals)
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    territory, pool, library, turnstile, desk = setup_services()
    print(f"Population: {args.cards:,} card holders (half with a pool wallet)")
    populate(territory, pool, library, args.cards)
    tokens = []
    for index in range(max(TERMINALS, args.open_terminals)):
        checkpoint = turnstile if index % 2 == 0 else desk
        token = f"cct_bench-{index}"
        Terminal.objects.update_or_create(token_hash=token_hash(token), defaults={
            "checkpoint": checkpoint, "name": f"bench {index}", "token_hint": token[-4:],
            "registered_at": datetime.now(UTC), "language": "fr"})
        tokens.append(token)
    statements_per_scan(tokens)
    if args.profile:
        profile_scans(tokens, args.cards)
    connection.close()

    def health_request(index, rng):
        return "GET", "/health", None, {}, lambda data: True

    def scan_request(index, rng):
        paying = index % 2 == 0
        n = rng.randrange(0, args.cards, 2) if paying else rng.randrange(args.cards)
        body = json.dumps({"credential": uid_of(n), "idempotency_key": str(uuid.uuid4())})
        return ("POST", "/api/terminals/scan", body,
                {"Authorization": f"Bearer {tokens[index]}", "Content-Type": "application/json"},
                lambda data: b'"allow"' in data)

    def floor_request(index, rng):
        method, _path, body, headers, check = scan_request(index, rng)
        return method, "/bench/floor", body, headers, check

    server = start_server(args.workers, args.threads)
    SERVER_GROUP = server.pid  # started in a session of its own
    try:
        print(f"gunicorn: {args.workers} workers x {args.threads} threads, 127.0.0.1:{PORT}")
        print(f"Open loop: {args.open_rate:g} requests/s offered by {args.open_terminals} "
              f"terminals for {args.open_seconds:g} s (target: p50 <= 8 ms, p99 <= 25 ms, "
              "0 errors):")
        target = open_loop("scan", args.open_seconds, args.open_rate, args.open_terminals,
                           scan_request)
        open_loop("/health", min(args.open_seconds, 20), args.open_rate, args.open_terminals,
                  health_request)
        # Rounds of /health, scans and the floor, so that whatever else the machine does
        # weighs on all three alike.
        health_runs, scan_runs, floor_runs = [], [], []
        for _round in range(args.rounds):
            health_runs.append(drive(10 / args.rounds, health_request))
            scan_runs.append(drive(args.seconds / args.rounds, scan_request))
            floor_runs.append(drive(10 / args.rounds, floor_request))
        print(f"Flat out, {TERMINALS} clients ({args.rounds} rounds of /health, scans, the "
              "floor); latency here is queueing:")
        health = summarise("/health", health_runs)
        scans = summarise("scan", scan_runs)
        floor = summarise("floor", floor_runs)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    print(f"  open loop: p50 {target['p50']:.1f} ms, p99 {target['p99']:.1f} ms, "
          f"errors {target['errors']}; flat out: scans/s = "
          f"{scans['per_s'] / floor['per_s']:.2f} of the floor's (target >= 0.5), "
          f"{scans['per_s'] / health['per_s']:.2f} of /health's")
    differences = check_ledger()
    print("check-ledger:", "consistent" if not differences else f"{len(differences)} differences")
    if args.no_allowlist:
        return
    from civicard.people.models import Person
    holders = Person.objects.filter(email__endswith="@bench.invalid").count()
    time_allowlist(desk, f"{holders:,} holders")
    if args.million and holders < 1_000_000:
        populate(territory, pool, library, 1_000_000)
        time_allowlist(desk, "1,000,000 holders")


if __name__ == "__main__":
    main()
