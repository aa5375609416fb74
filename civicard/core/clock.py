"""An injectable clock: domain code asks `clock.now()` or `clock.today()`; tests freeze it with
`clock.frozen(at)`."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_frozen_at: ContextVar[datetime | None] = ContextVar("civicard_frozen_at", default=None)


def now() -> datetime:
    return _frozen_at.get() or timezone.now()


def today() -> date:
    """The territory's calendar day now (its time zone's, not UTC's: 00:30 in Paris is already
    tomorrow while UTC is still on today)."""
    return timezone.localdate(now())


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    if timezone.is_naive(at):
        raise ValueError("The clock only takes aware datetimes.")
    token = _frozen_at.set(at)
    try:
        yield at
    finally:
        _frozen_at.reset(token)
