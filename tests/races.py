"""Real connections racing: the one helper of the concurrency tests (PostgreSQL only)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from civicard.core.errors import DomainError


def race(count: int, work) -> list:
    """Run `work(index)` for index 0…count-1, each in its own thread and database connection,
    released together by a barrier. Returns each result in index order, or the stable code of
    the DomainError it raised; any other exception fails the test."""
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait()
            return work(index)
        except DomainError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
