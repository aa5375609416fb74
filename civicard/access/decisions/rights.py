"""Rights to pass that another capability provides, without `access` importing it.

A capability that gives a right to pass (bookings: "a booking at this checkpoint now")
registers a source when its app is ready:

    from civicard.access.decisions import rights
    rights.register("booking", booked_now)

`booked_now(person, checkpoint, at) -> bool` reads the capability's own tables. The reader asks
every source while it reads a scan (`ScanContext.granted_by` holds the names of those that
grant); rule 3 then counts a granting source as a right here, after staff windows and
enrolments, and the decision records its name as its `right` (16 characters at most). Such a
right neither counts a quota visit nor charges: the capability charges what it sold."""

from collections.abc import Callable
from datetime import datetime

_sources: dict[str, Callable] = {}


def register(name: str, source: Callable) -> Callable:
    _sources[name[:16]] = source
    return source


def unregister(name: str) -> None:
    _sources.pop(name[:16], None)


def granting(person, checkpoint, at: datetime) -> tuple[str, ...]:
    """The names of the sources that give `person` a right at `checkpoint` at `at`."""
    return tuple(name for name, source in _sources.items() if source(person, checkpoint, at))
