"""Reports, dashboards and exports read from the read replica; nothing else does (decision 0024).

A view opts in with `@reads_from_replica`: while it runs, and while its streamed response is
being written, reads go to `settings.CIVICARD_REPORTS_DATABASE` ("replica" when
DATABASE_REPLICA_URL is set, else "default"). Every other read stays on the primary, so that a
resident always reads what they have just written; a read inside a transaction on the primary
(a `select_for_update`, a read before a write) stays there too. Writes always go to the primary,
even the save of a row that was read from the replica. Migrations run on the primary only (the
replica receives them by replication).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import StreamingHttpResponse

_reports = ContextVar("civicard_reports_read", default=False)


@contextmanager
def reading_reports():
    """Reads of the models inside go to the reports' database (the replica if there is one)."""
    token = _reports.set(True)
    try:
        yield
    finally:
        _reports.reset(token)


def _streamed(chunks) -> Iterator:
    """A streamed body's chunks, each produced inside `reading_reports()` (the view has
    returned by the time the server writes them)."""
    chunks = iter(chunks)
    while True:
        with reading_reports():
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


def reads_from_replica(view):
    """View decorator for a report, a dashboard or an export: its reads may be a little behind
    the primary (the replica's lag, usually well under a second)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with reading_reports():
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse):
            response.streaming_content = _streamed(response.streaming_content)
        return response

    return wrapper


def reports_database() -> str:
    return getattr(settings, "CIVICARD_REPORTS_DATABASE", DEFAULT_DB_ALIAS)


REPLICA = "replica"


class ReplicaRouter:
    """Says where only for the replica's sake; every other case is Django's default (None)."""

    def db_for_read(self, model, **hints):
        if _reports.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return reports_database()
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS  # a relation of a report's row, read outside the report
        return None

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS  # a row read on the replica is written to the primary
        return None

    def allow_relation(self, obj1, obj2, **hints):
        if REPLICA in (obj1._state.db, obj2._state.db):
            return True  # the replica holds the same rows as the primary
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # the replica is migrated by replication
