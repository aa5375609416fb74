"""Rights to pass that another capability provides, without `access` importing it.

A capability that gives a right to pass (bookings: "a booking at this checkpoint now")
registers a `Source` when its app is ready:

    from civicard.access.decisions import rights
    rights.register(rights.Source(name="booking", grant=door.granting, windows=door.windows,
                                  out_of_hours=True, label=_("booking no. %(reference)s")))

- `grant(person, checkpoint, at) -> str | None` answers a live scan from the capability's own
  tables: a reference to what gives the right (a booking's id), or None. The reader asks every
  source (`ScanContext.granted_by`); rule 3 counts a grant as a right here after staff windows
  and enrolments, and the decision records the source's name as its `right` (16 characters at
  most) and the reference as its `right_reference`.
- `out_of_hours`: the source's grants carry their own times (a booked slot), so they open the
  door outside the checkpoint's opening hours too (rule 2).
- `windows(checkpoint, now) -> [(person id, opens, ends)]` lists the grants not yet over at the
  checkpoint: the offline allow-list carries each as an absolute window on the person's cards.
- The capability calls `changed(person_ids, at=…)` in the transaction that makes or takes back a
  grant, so that the allow-lists' next delta carries those people again.

A grant neither counts a quota visit nor charges: the capability charges what it sold."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from civicard.access.models import AccessChange


@dataclass(frozen=True)
class Source:
    name: str
    grant: Callable[..., str | None]
    windows: Callable[..., Iterable[tuple[int, datetime, datetime]]] | None = None
    out_of_hours: bool = False
    label: str = ""  # the decision log's words for a grant, with %(reference)s


@dataclass(frozen=True)
class Grant:
    """A right here now: `right` names where it comes from (a source, "staff", "enrolment")."""

    right: str
    reference: str = ""
    out_of_hours: bool = False


_sources: dict[str, Source] = {}


def register(source: Source) -> Source:
    _sources[source.name[:16]] = source
    return source


def unregister(name: str) -> None:
    _sources.pop(name[:16], None)


def granting(person, checkpoint, at: datetime) -> tuple[Grant, ...]:
    """The grants the sources give `person` at `checkpoint` at `at`, one query per source."""
    found = []
    for name, source in _sources.items():
        reference = source.grant(person, checkpoint, at)
        if reference is not None:
            found.append(Grant(name, str(reference)[:40], source.out_of_hours))
    return tuple(found)


def windows(checkpoint, *, now: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """{person id: [(opens, ends), …]} of every source's grants at `checkpoint` not yet over,
    in time order."""
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    for source in _sources.values():
        if source.windows is not None:
            for person_id, opens, ends in source.windows(checkpoint, now=now):
                found.setdefault(person_id, []).append((opens, ends))
    return {person_id: sorted(set(spans)) for person_id, spans in found.items()}


def changed(person_ids: Iterable[int], *, at: datetime) -> None:
    """The grants of these people changed: the next allow-list delta carries them."""
    AccessChange.objects.bulk_create([AccessChange(person_id=pk, at=at)
                                      for pk in dict.fromkeys(person_ids)])


def label(right: str, reference: str) -> str:
    """The decision log's words for a grant of a source ('' for staff and enrolments)."""
    source = _sources.get(right)
    if source is None or not source.label or not reference:
        return ""
    return str(source.label) % {"reference": reference}
