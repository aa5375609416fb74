"""Benchmark: CSV exports streamed in constant memory. Streams the live log's CSV
(`/access/log.csv`, every decision the manager may read) and the places' open-data CSV, and
prints rows, rows a second and the growth of the process's peak memory while streaming.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_scale \
        .venv/bin/python bench/exports.py [--decisions 1000000]

Runs on a demo or scale territory (`civicard demo` or `civicard seed-scale`). When the database
holds fewer decisions than `--decisions`, it first copies the territory's decisions (new keys,
same checkpoints, people and outcomes) until it does, so the export has that many rows.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
os.environ.setdefault("CIVICARD_REQUIRE_STAFF_MFA", "0")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from civicard.access.models import Decision  # noqa: E402
from civicard.core.demo import DEMO_EMAIL_DOMAIN  # noqa: E402
from civicard.core.permissions import Role  # noqa: E402
from civicard.people.models import User  # noqa: E402

BATCH = 5000


def kilobytes(field: str) -> int:
    """A figure of /proc/self/status in kB (VmRSS now, VmHWM the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak() -> None:
    """Start VmHWM again from the current resident size (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def add_decisions(wanted: int) -> None:
    have = Decision.objects.count()
    if have >= wanted:
        return
    models = list(Decision.objects.order_by("pk")[:BATCH])
    if not models:
        raise SystemExit("No decisions to copy: load the demo or a scale territory first.")
    started, made = time.perf_counter(), 0
    while have + made < wanted:
        size = min(BATCH, wanted - have - made)
        copies = []
        for n in range(size):
            source = models[n % len(models)]
            copies.append(Decision(
                terminal_id=source.terminal_id, checkpoint_id=source.checkpoint_id,
                idempotency_key=f"bench-export-{have + made + n}", at=source.at,
                recorded_at=source.recorded_at, card_id=source.card_id,
                person_id=source.person_id, household_id=source.household_id,
                outcome=source.outcome, reason_code=source.reason_code, via=source.via,
                right=source.right))
        Decision.objects.bulk_create(copies)
        made += size
    print(f"added {made:,} decisions in {time.perf_counter() - started:.0f} s")


def manager() -> User:
    """The demo's service manager, or the database's first one."""
    return (User.objects.filter(email=f"manager@{DEMO_EMAIL_DOMAIN}").first()
            or User.objects.filter(role_assignments__role=Role.SERVICE_MANAGER)
            .order_by("pk").first())


def stream(client: Client, path: str) -> dict:
    """Streams one download to the end, keeping nothing; its rows, time and memory growth."""
    rss_before = kilobytes("VmRSS")
    reset_peak()
    started = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200 and response.streaming, (path, response.status_code)
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    elapsed = time.perf_counter() - started
    return {"path": path, "rows": lines - 1, "seconds": elapsed,
            "rows_per_s": (lines - 1) / elapsed,
            "peak_growth_mb": (kilobytes("VmHWM") - rss_before) / 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=1_000_000)
    wanted = parser.parse_args().decisions
    setup_test_environment()
    add_decisions(wanted)
    client = Client()
    client.force_login(manager())
    print(f"{'export':<40} {'rows':>10} {'s':>7} {'rows/s':>9} {'peak growth MB':>15}")
    for path in ("/access/log.csv", "/api/inclusion/places.csv"):
        result = stream(client, path)
        print(f"{result['path']:<40} {result['rows']:>10,} {result['seconds']:>7.1f} "
              f"{result['rows_per_s']:>9,.0f} {result['peak_growth_mb']:>15.1f}")


def bench(quick: bool = False) -> list[dict]:
    """The live log's CSV of 1,000,000 decisions (20,000 for a quick run) streamed to the end:
    its rows a second, and its peak memory growth against the target (≤ 50 MB)."""
    from bench.harness import result, test_environment

    test_environment()
    add_decisions(20_000 if quick else 1_000_000)
    client = Client()
    client.force_login(manager())
    streamed = stream(client, "/access/log.csv")
    measured = {"count": 1, "per_s": 1 / streamed["seconds"], "p50": streamed["seconds"] * 1000,
                "p95": streamed["seconds"] * 1000, "p99": streamed["seconds"] * 1000}
    return [result("GET /access/log.csv (every decision, streamed)", "export", measured,
                   floor="db_select", target={"peak_growth_mb": 50},
                   extra={"rows": streamed["rows"], "rows_per_s": round(streamed["rows_per_s"]),
                          "peak_growth_mb": round(streamed["peak_growth_mb"], 1)})]


if __name__ == "__main__":
    main()
