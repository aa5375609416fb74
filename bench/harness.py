"""The one harness of the in-process benchmarks: threads on their own connections, started
together, timed call by call, and the figures every script prints."""

import statistics
import threading
import time

from django.db import connection


def percentile(latencies: list[float], fraction: float) -> float:
    """The latency (seconds) under which `fraction` of the sorted `latencies` fall."""
    return latencies[min(len(latencies) - 1, int(len(latencies) * fraction))]


def figures(latencies: list[float], elapsed: float) -> dict:
    """Count, rate per second, and p50/p95/p99 in milliseconds of a run's latencies."""
    ordered = sorted(latencies)
    return {"count": len(ordered), "per_s": len(ordered) / elapsed,
            "p50": statistics.median(ordered) * 1000, "p95": percentile(ordered, 0.95) * 1000,
            "p99": percentile(ordered, 0.99) * 1000}


def threaded(workers: int, calls: int, work, prepare=lambda index: None) -> dict:
    """`workers` threads, each with its own database connection: `prepare(index)` (untimed),
    then, once all are ready, `work(index, n, prepared)` timed `calls` times. Returns the
    figures of all calls together."""
    latencies, lock = [], threading.Lock()
    began = []  # the clock starts when every worker is prepared
    barrier = threading.Barrier(workers, action=lambda: began.append(time.perf_counter()))

    def worker(index: int):
        prepared, mine = prepare(index), []
        barrier.wait()
        for n in range(calls):
            started = time.perf_counter()
            work(index, n, prepared)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures(latencies, time.perf_counter() - began[0])


# --- `make bench`: one result per path, as data (bench/run.py collects them) -----------------

def result(path: str, unit: str, measured: dict, *, floor: str, target: dict | None = None,
           extra: dict | None = None) -> dict:
    """One measured path as `make bench` reports it: `measured` is `figures(...)`; `floor` names
    the floor measured in the same run to set it against (see bench/run.py: "health",
    "db_select", "db_insert", "bench_floor", "bench_floor_open"); `target` holds the limits
    the path must meet, e.g. {"p95": 50} (milliseconds), {"per_s_ratio": 0.5} (of the floor's
    rate), {"gzip_bytes": 100_000} (a figure in `extra`, at most),
    {"exactly_bookings_made": 1} (a figure in `extra`, exactly)."""
    return {"path": path, "unit": unit, "count": measured["count"],
            "per_s": measured["per_s"], "p50": measured["p50"], "p95": measured["p95"],
            "p99": measured["p99"], "floor": floor, "target": target or {},
            "extra": extra or {}}


def timed(calls: int, call) -> tuple[list[float], float]:
    """`call(n)` timed `calls` times in this thread: each call's seconds, and all of them."""
    latencies = []
    started = time.perf_counter()
    for n in range(calls):
        begun = time.perf_counter()
        call(n)
        latencies.append(time.perf_counter() - begun)
    return latencies, time.perf_counter() - started


def timed_calls(calls: int, call) -> dict:
    """`call(n)` timed `calls` times in this thread: the figures."""
    return figures(*timed(calls, call))


def get_pages(client, urls: list[str], calls: int, warm: bool = True,
              statuses: tuple = (200,)) -> tuple[dict, int, int]:
    """GET `urls` in turn through Django's test client `calls` times: (figures, bytes, gzip
    bytes of the last answer). Each answer's status must be one of `statuses`."""
    import gzip

    if warm:
        for url in urls[:5]:
            client.get(url)
    last = {}

    def get(n):
        url = urls[n % len(urls)]
        response = client.get(url)
        assert response.status_code in statuses, (url, response.status_code)
        last["body"] = response.content

    measured = timed_calls(calls, get)
    return measured, len(last["body"]), len(gzip.compress(last["body"]))


_TEST_ENVIRONMENT = []


def test_environment() -> None:
    """Django's test environment (test client's host, in-memory e-mail), once per process."""
    from django.test.utils import setup_test_environment

    if not _TEST_ENVIRONMENT:
        setup_test_environment()
        _TEST_ENVIRONMENT.append(True)
