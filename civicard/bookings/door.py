"""What the door needs from bookings, as a rights source of civicard.access.decisions.rights
(registered in apps.py): the booking that covers a card now, the windows the offline allow-list
carries, and the people whose lists change when a booking is made or cancelled.

A booking opens its resource's doors for the booker and the companions from `door_opens_at`
(the resource's margin before the start) to its end, whatever the door's opening hours."""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from civicard.access.decisions import rights
from civicard.access.models import Decision, Outcome
from civicard.bookings.models import Booking, Companion, Status


def _covering(checkpoint_id: int):
    return Booking.objects.filter(status=Status.CONFIRMED, resource__checkpoints=checkpoint_id)


def _of(person_id: int) -> Q:
    return Q(booked_by_id=person_id) | Q(Exists(Companion.objects.filter(
        booking=OuterRef("pk"), person_id=person_id)))


def granting(person, checkpoint, at: datetime) -> int | None:
    """The id of the booking that opens the door for `person` at `at` (one query)."""
    return (_covering(checkpoint.pk).filter(_of(person.pk), door_opens_at__lte=at, end__gt=at)
            .order_by("start").values_list("pk", flat=True).first())


def windows(checkpoint, *, now: datetime) -> list[tuple[int, datetime, datetime]]:
    """(person id, door opens, end) of every booking at the checkpoint not yet over, for the
    booker and each companion: what an offline terminal needs to open for exactly the slot."""
    bookings = _covering(checkpoint.pk).filter(end__gt=now).order_by("start")
    found = [(b.booked_by_id, b.door_opens_at, b.end) for b in bookings]
    found += [(c.person_id, c.booking.door_opens_at, c.booking.end)
              for c in Companion.objects.filter(booking__in=bookings).select_related("booking")]
    return sorted(found, key=lambda w: (w[1], w[0]))


def people(booking: Booking) -> list[int]:
    """Whose allow-list entries a booking made or cancelled changes."""
    return [booking.booked_by_id, *booking.companions.values_list("person_id", flat=True)]


def changed(booking: Booking, *, at: datetime) -> None:
    """A booking at a door was made or cancelled: its people's allow-list entries change."""
    if booking.resource.checkpoints.exists():
        rights.changed(people(booking), at=at)


SOURCE = rights.Source(name="booking", grant=granting, windows=windows, out_of_hours=True,
                       label=_("booking no. %(reference)s"))


def entered(booking: Booking) -> bool | None:
    """Whether the booker or a companion was let in at one of the booking's doors during it;
    None when the resource has no door."""
    doors = list(booking.resource.checkpoints.values_list("pk", flat=True))
    if not doors:
        return None
    return Decision.objects.filter(checkpoint_id__in=doors, person_id__in=people(booking),
                                   outcome=Outcome.ALLOW, at__gte=booking.door_opens_at,
                                   at__lt=booking.end).exists()
