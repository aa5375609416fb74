"""Where a right to pass can come from, besides enrolments and staff door groups.

The bookings capability registers a provider here: `register(provider)` where
`provider(person, checkpoint, at) -> bool` says whether a booking covers `at`."""

from collections.abc import Callable
from datetime import datetime

_providers: list[Callable] = []


def register(provider: Callable) -> Callable:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Callable) -> None:
    if provider in _providers:
        _providers.remove(provider)


def booking_covers(person, checkpoint, at: datetime) -> bool:
    return any(provider(person, checkpoint, at) for provider in _providers)
