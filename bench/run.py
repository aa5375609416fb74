"""`make bench`: every benchmark script against ONE scale database, one report.

    civicard migrate && civicard seed-scale --residents 1000000   # the scale database
    make bench                  # BENCH_QUICK=1 for fewer rounds, BENCH_ONLY=pages,scan
    .venv/bin/python bench/run.py [--quick] [--only pages --only scan] [--results F --report F]

The database is BENCH_DATABASE_URL, else DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/civicard_scale; it must be migrated. Each script's
`bench(quick)` finds or adds, idempotently, the extra data it needs in that database (its own
territory, services or holders beside the scale territory's) and returns its paths as data
(bench/harness.py `result`). This runner measures the floors in the same run — a bare
`SELECT 1` and a bare `INSERT` round trip for database-bound paths, `GET /health` through the
same test client for pages; bench/scan.py measures `/bench/floor` beside the terminals' scans —
and sets each path against its floor, so that figures taken on a noisy machine can be compared:
a path twice as slow as its floor on a loaded machine is about twice as slow on a quiet one.
It writes bench/results.json and renders docs/benchmarks.md from bench/report.md.template.
"""

import argparse
import base64
import hashlib
import importlib
import json
import os
import platform
import string
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/civicard_scale"
# In this order: the read-only pages first, the scripts that add most rows last.
SCRIPTS = ["pages", "dashboards", "places", "feed", "agenda", "charge", "redeem", "bookings",
           "childhood", "library", "scan", "exports"]
SETTINGS = ["shared_buffers", "work_mem", "effective_cache_size", "maintenance_work_mem",
            "synchronous_commit", "fsync", "max_connections", "random_page_cost", "jit",
            "max_wal_size"]
COUNTED = [("people", "people_person"), ("households", "people_household"),
           ("cards", "cards_card"), ("ledger entries", "wallets_ledgerentry"),
           ("door decisions", "access_decision"), ("mutual-aid posts", "mutualaid_post"),
           ("places", "inclusion_place"), ("bookings", "bookings_booking"),
           ("library titles", "library_title"), ("library loans", "library_loan"),
           ("childhood reservations", "childhood_reservation"),
           ("agenda follows", "agenda_follow"), ("events", "agenda_event"),
           ("accompaniments", "inclusion_accompaniment"),
           ("benefit redemptions", "benefits_redemption")]


def environment(database_url: str) -> None:
    """What every script expects before Django starts (the same defaults as bench/scan.py)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
    os.environ.setdefault("CIVICARD_SECRET_KEY", "bench-secret-key-" + "x" * 40)
    os.environ.setdefault("CIVICARD_TERMINAL_SIGNING_KEY", base64.b64encode(
        hashlib.sha256(b"bench-signing-key").digest()).decode())
    os.environ.setdefault("CIVICARD_REQUIRE_STAFF_MFA", "0")
    sys.path.insert(0, str(ROOT))


def machine() -> dict:
    """The machine and the database the figures were taken on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {}
        for name in SETTINGS:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        counts = {}
        for label, table in COUNTED:
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0]:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[label] = cursor.fetchone()[0]
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo")
                      if line.startswith("MemTotal")))
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": memory,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "system": platform.platform(),
            "postgresql": version, "postgresql_settings": settings,
            "database": connection.settings_dict["NAME"], "database_bytes": size,
            "rows": counts, "commit": commit}


def measure_floors(quick: bool) -> dict[str, tuple[list[float], float]]:
    """The floors every script shares: (latencies, elapsed) of each."""
    from django.db import connection
    from django.test import Client

    from bench.harness import test_environment, timed

    test_environment()
    calls = 200 if quick else 2000
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor_insert "
                       "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())")

        def select(n):
            cursor.execute("SELECT 1")
            cursor.fetchone()

        def insert(n):
            cursor.execute("INSERT INTO bench_floor_insert DEFAULT VALUES")

        floors = {"db_select": timed(calls, select), "db_insert": timed(calls // 2, insert)}
        cursor.execute("TRUNCATE bench_floor_insert")
    client = Client()
    client.get("/health")

    def health(n):
        assert client.get("/health").status_code == 200

    floors["health"] = timed(calls // 4, health)
    return floors


FLOOR_PATHS = {"db_select": ("SELECT 1 (one round trip)", "statement"),
               "db_insert": ("INSERT of one row, committed (one round trip)", "statement"),
               "health": ("GET /health (Django test client, in process)", "page")}


def pooled_floors(before: dict, after: dict) -> list[dict]:
    """Each shared floor, measured before and after the scripts, pooled: whatever the machine
    did during the run weighs on it as on the paths."""
    from bench.harness import figures

    floors = []
    for name, (path, unit) in FLOOR_PATHS.items():
        latencies = before[name][0] + after[name][0]
        measured = figures(latencies, before[name][1] + after[name][1])
        floors.append({"floor_name": name, "path": path, "unit": unit, **{
            key: measured[key] for key in ("count", "per_s", "p50", "p95", "p99")},
            "extra": {"p50_before": figures(*before[name])["p50"],
                      "p50_after": figures(*after[name])["p50"]}})
    return floors


def judge(path: dict, floors: dict[str, dict]) -> dict:
    """The path's ratios to its floor and whether its target is met."""
    floor = floors.get(path["floor"])
    if floor:
        path["floor_ratio"] = {"p50": path["p50"] / floor["p50"] if floor["p50"] else None,
                               "p95": path["p95"] / floor["p95"] if floor["p95"] else None,
                               "per_s": path["per_s"] / floor["per_s"] if floor["per_s"] else None}
    else:
        path["floor_ratio"] = {"p50": None, "p95": None, "per_s": None}
    checks, missed = [], []
    for key, limit in path["target"].items():
        if key in ("p50", "p95", "p99"):
            value, ok = path[key], path[key] <= limit
            miss = f"{key} {value:,.1f} ms, {value / limit:.1f}× the target"
        elif key == "per_s_ratio":
            value = path["floor_ratio"]["per_s"] or 0
            ok, miss = value >= limit, f"{value:.2f} × the floor's rate"
        elif key == "per_s":
            value = path["per_s"]
            ok, miss = value >= limit, f"{value:,.0f} /s"
        elif key.startswith("exactly_"):
            value = path["extra"].get(key.removeprefix("exactly_"))
            ok, miss = value == limit, f"{key.removeprefix('exactly_').replace('_', ' ')} {value}"
        elif key in path["extra"]:
            value = path["extra"][key]
            ok = value <= limit
            miss = f"{key.replace('_', ' ')} {value:,.1f}" + (
                f", {value / limit:.1f}× the target" if limit else "")
        else:
            ok, miss = False, f"{key} not measured"
        checks.append(ok)
        if not ok:
            missed.append(miss)
    path["missed_by"] = missed
    path["met"] = all(checks) if checks else None
    return path


def target_text(target: dict) -> str:
    parts = []
    for key, limit in target.items():
        if key in ("p50", "p95", "p99"):
            parts.append(f"{key} ≤ {limit:g} ms")
        elif key == "per_s_ratio":
            parts.append(f"≥ {limit:g} × floor's rate")
        elif key == "per_s":
            parts.append(f"≥ {limit:g} /s")
        elif key.startswith("exactly_"):
            parts.append(f"{key.removeprefix('exactly_').replace('_', ' ')} = {limit:g}")
        elif key == "megabytes":
            parts.append(f"≤ {limit:g} MB")
        elif key.endswith("bytes"):
            parts.append(f"{key.replace('_', ' ')} ≤ {limit / 1000:g} KB")
        else:
            parts.append(f"{key.replace('_', ' ')} ≤ {limit:g}")
    return ", ".join(parts)


def _number(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _extra_text(extra: dict) -> str:
    return "; ".join(f"{k.replace('_', ' ')} {_number(v)}" for k, v in extra.items()
                     if k not in ("p50_before", "p50_after"))


def render(report: dict, template: str) -> str:
    """docs/benchmarks.md from the template and the results."""
    m = report["machine"]
    settings = ", ".join(f"{k} {v}" for k, v in m["postgresql_settings"].items())
    rows = ", ".join(f"{v:,} {k}" for k, v in m["rows"].items())
    machine_table = "\n".join([
        "| | |", "|---|---|",
        f"| cores | {m['cores']} ({m['cpu'] or 'unknown CPU'}), {m['memory']} |",
        f"| load average (1, 5, 15 min) | at start {' '.join(map(str, m['load_average']))}; "
        f"at end {' '.join(map(str, report['load_average_end']))} |",
        f"| PostgreSQL | {m['postgresql']}; {settings} |",
        f"| database (at the end of the run) | {m['database']}, "
        f"{m['database_bytes'] / 1e9:.2f} GB: {rows} |",
        f"| software | Python {m['python']}, {m['system']}, commit {m['commit']} |",
        f"| run | {report['started_at']} → {report['finished_at']} UTC, "
        f"{'quick (BENCH_QUICK)' if report['quick'] else 'full'}; scripts: "
        f"{', '.join(report['scripts'])} |"])
    floor_rows = ["| floor | path | n | per s | p50 ms | p95 ms | p99 ms |",
                  "|---|---|---:|---:|---:|---:|---:|"]
    for f in report["floors"]:
        floor_rows.append(f"| `{f['floor_name']}` | {f['path']} | {f['count']:,} | "
                          f"{_number(f['per_s'], 0)} | {_number(f['p50'], 2)} | "
                          f"{_number(f['p95'], 2)} | {_number(f['p99'], 2)} |")
    sections = []
    for script in report["scripts"]:
        paths = [p for p in report["paths"] if p["script"] == script]
        if not paths:
            continue
        lines = [f"### {script} (`bench/{script}.py`)", "",
                 "| path | unit | n | per s | p50 ms | p95 ms | p99 ms | floor | p50 × floor "
                 "| per s ÷ floor | target | met | notes |",
                 "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|---|"]
        for p in paths:
            met = {True: "yes", False: "**no**", None: "–"}[p["met"]]
            if p.get("missed_by"):
                met += ": " + "; ".join(p["missed_by"])
            lines.append(
                f"| {p['path']} | {p['unit']} | {p['count']:,} | {_number(p['per_s'], 0)} | "
                f"{_number(p['p50'], 2)} | {_number(p['p95'], 2)} | {_number(p['p99'], 2)} | "
                f"`{p['floor']}` | {_number(p['floor_ratio']['p50'], 1)} | "
                f"{_number(p['floor_ratio']['per_s'], 2)} | {target_text(p['target']) or '–'} | "
                f"{met} | {_extra_text(p['extra'])} |")
        sections.append("\n".join(lines))
    targeted = [p for p in report["paths"] if p["met"] is not None]
    summary = (f"{sum(p['met'] for p in targeted)} of {len(targeted)} targets met; "
               f"{len(report['paths'])} paths measured.")
    errors = "\n".join(f"- `{e['script']}`: {e['error']}" for e in report["errors"]) or "None."
    differences = report.get("check_ledger_differences")
    summary += (" `check-ledger` after the run: "
                + ("consistent." if differences == 0 else f"**{differences} differences**."))
    return string.Template(template).safe_substitute(
        machine=machine_table, floors="\n".join(floor_rows), paths="\n\n".join(sections),
        summary=summary, errors=errors, started_at=report["started_at"],
        mode="quick" if report["quick"] else "full")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
                        help="fewer rounds and smaller extra data (BENCH_QUICK=1)")
    parser.add_argument("--only", action="append", choices=SCRIPTS, metavar="NAME",
                        help=f"run only these scripts (repeatable): {', '.join(SCRIPTS)}")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--report", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--template", default=str(ROOT / "bench" / "report.md.template"))
    args = parser.parse_args(argv)
    only = args.only or [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n]
    if unknown := set(only) - set(SCRIPTS):
        parser.error(f"no such script: {', '.join(sorted(unknown))} (one of {', '.join(SCRIPTS)})")
    scripts = [name for name in SCRIPTS if not only or name in only]
    database_url = (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
                    or DEFAULT_DATABASE)
    environment(database_url)
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor != "postgresql":
        sys.exit("make bench runs on PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit(f"{connection.settings_dict['NAME']} is not migrated: run `civicard migrate` "
                 "and `civicard seed-scale --residents N` first.")
    started_at = datetime.now(UTC)
    report = {"started_at": started_at.strftime("%Y-%m-%d %H:%M"), "quick": args.quick,
              "scripts": scripts, "machine": machine(), "paths": [], "errors": []}
    print(f"make bench on {report['machine']['database']} ({'quick' if args.quick else 'full'})"
          f": {report['machine']['cores']} cores, load {report['machine']['load_average']}, "
          f"PostgreSQL {report['machine']['postgresql']}, "
          + ", ".join(f"{k} {v}" for k, v in report["machine"]["postgresql_settings"].items()),
          flush=True)
    before = measure_floors(args.quick)
    script_floors = []
    for name in scripts:
        began = time.perf_counter()
        print(f"{name}…", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            for item in module.bench(quick=args.quick):
                item["script"] = name
                (script_floors if "floor_name" in item else report["paths"]).append(item)
        except Exception as error:  # one script's failure must not lose the others' figures
            traceback.print_exc()
            report["errors"].append({"script": name, "error": f"{type(error).__name__}: "
                                                              f"{str(error)[:300]}"})
        finally:
            connection.close()
        print(f"{name}: {time.perf_counter() - began:.0f} s", flush=True)
    report["floors"] = pooled_floors(before, measure_floors(args.quick)) + script_floors
    from civicard.wallets.queries import check_ledger

    report["check_ledger_differences"] = len(check_ledger())  # after every script's charges
    floors = {f["floor_name"]: f for f in report["floors"]}
    for path in report["paths"]:
        judge(path, floors)
        print(f"  {path['script']:<10} {path['path'][:60]:<60} p50 {path['p50']:8.2f} ms  "
              f"p95 {path['p95']:8.2f} ms  {path['per_s']:8.0f}/s  "
              f"×floor {_number(path['floor_ratio']['p50'])}  met {path['met']}")
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    at_end = machine()  # the rows the scripts measured on include those they added
    report["machine"]["database_bytes"], report["machine"]["rows"] = (
        at_end["database_bytes"], at_end["rows"])
    report["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    Path(args.results).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    Path(args.report).write_text(render(report, Path(args.template).read_text()))
    print(f"wrote {args.results} and {args.report}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
