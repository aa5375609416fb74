"""`make bench` end to end, in quick mode, on a tiny seeded database: every script's paths land in
bench/results.json with their figures and their floor, and the rendered report has a row for
each. Not timed: the figures themselves are not judged here."""

import json
import subprocess
import sys

import pytest

from bench.run import SCRIPTS

from .conftest import ROOT

# How many paths each script reports, and the floors the run measures.
PATHS = {"pages": 13, "dashboards": 3, "places": 10, "feed": 3, "agenda": 3, "charge": 2,
         "redeem": 2, "bookings": 3, "childhood": 3, "library": 3, "scan": 5, "exports": 1}
FLOORS = {"db_select", "db_insert", "health", "bench_floor", "bench_floor_open", "http_health"}
FIGURES = ("count", "per_s", "p50", "p95", "p99")


@pytest.mark.postgres_only
def test_make_bench_quick_reports_every_path_against_its_floor(make_site, tmp_path):
    assert set(PATHS) == set(SCRIPTS)
    site = make_site("bench")
    # A tiny seed (the smoke test's territory): each script adds what it needs, as it does
    # beside a scale territory; `seed-scale` itself takes minutes even at a few hundred people.
    site.territory("fill")
    results, report = tmp_path / "results.json", tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--results", str(results), "--report",
         str(report)], cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**site.environ, "BENCH_DATABASE_URL": site.server.url(site.database)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    data = json.loads(results.read_text())
    assert data["errors"] == []
    assert data["quick"] is True
    assert data["check_ledger_differences"] == 0
    machine = data["machine"]
    assert machine["cores"] >= 1 and len(machine["load_average"]) == 3
    assert machine["postgresql"].split(".")[0].isdigit()
    assert {"shared_buffers", "work_mem", "synchronous_commit"} <= set(
        machine["postgresql_settings"])
    assert machine["rows"]["people"] > 0

    floors = {floor["floor_name"]: floor for floor in data["floors"]}
    assert set(floors) == FLOORS
    for floor in floors.values():
        assert all(floor[key] > 0 for key in FIGURES), floor

    counted = {name: 0 for name in SCRIPTS}
    for path in data["paths"]:
        counted[path["script"]] += 1
        assert {"path", "unit", "floor", "target", "extra", "floor_ratio", "met"} <= set(path)
        assert all(path[key] > 0 for key in FIGURES), path
        assert path["floor"] in floors, path
        assert path["floor_ratio"]["p50"] > 0 and path["floor_ratio"]["per_s"] > 0, path
        assert path["met"] in (True, False, None)
        assert (path["met"] is None) == (not path["target"]), path
        # A missed target says by how much, each missed limit once.
        assert (path["met"] is False) == bool(path["missed_by"]), path
        assert len(path["missed_by"]) <= len(path["target"]), path
    assert counted == PATHS

    races = {path["path"]: path["extra"] for path in data["paths"] if "at once" in path["path"]}
    [bookings] = [extra for name, extra in races.items() if name.startswith("bookings")]
    assert bookings["bookings_made"] == 1 and bookings["charges"] == 1
    [childhood] = [extra for name, extra in races.items() if name.startswith("childhood")]
    assert childhood["enrolled"] == 2 and childhood["in_order_taken"] == 1

    markdown = report.read_text()
    assert markdown.startswith("# Benchmarks\n")
    for path in data["paths"]:
        assert f"\n| {path['path']} | {path['unit']} | " in markdown, path["path"]
        for miss in path["missed_by"]:
            assert f"**no**: {'; '.join(path['missed_by'])} |" in markdown, miss
    for name in FLOORS:
        assert f"| `{name}` |" in markdown
    assert "## The machine" in markdown and machine["postgresql"] in markdown
    assert "$" not in markdown.split("## Reproduce")[0]  # every placeholder filled


def test_the_runner_is_importable_without_a_database():
    assert sys.modules["bench.run"].DEFAULT_DATABASE.endswith("/civicard_scale")
    assert (ROOT / "bench" / "report.md.template").exists()
