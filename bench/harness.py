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
    barrier = threading.Barrier(workers)

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
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures(latencies, time.perf_counter() - started)
