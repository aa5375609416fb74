"""Calendars (.ics) with the icalendar library: one booking, a household's bookings, and a
resource's busy times (no names)."""

from datetime import datetime

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

PRODUCT = "-//Civicard//Bookings//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def bookings(name: str, rows, *, now: datetime) -> bytes:
    calendar = _calendar(name)
    for booking in rows:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@civicard")
        event.add("dtstamp", now)
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        event.add("summary", booking.resource.name)
        event.add("location", booking.resource.facility.name)
        calendar.add_component(event)
    return calendar.to_ical()


def busy(name: str, spans, *, now: datetime) -> bytes:
    calendar = _calendar(name)
    for index, (start, end) in enumerate(spans):
        event = Event()
        event.add("uid", f"busy-{start:%Y%m%dT%H%M%S}-{index}@civicard")
        event.add("dtstamp", now)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", _("Booked"))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
