"""Reads for residents, managers, the API and the door: the week of slots, bookings, feeds."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

import opening_hours as osm
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from civicard.bookings.models import (
    Block,
    Booking,
    CalendarFeed,
    Companion,
    Rental,
    RentalStatus,
    Resource,
    Status,
)
from civicard.core import opening_hours
from civicard.core.errors import NotFound
from civicard.core.permissions import Role, check_role, role_communes
from civicard.mutualaid.models import Association
from civicard.people.models import Household, Person
from civicard.wallets.exceptions import NoTariff
from civicard.wallets.queries import price_for


class Slot(NamedTuple):  # a tuple: a grid of 20 weeks builds about 2,000 of them
    start: datetime
    end: datetime
    state: str  # free, taken, mine, blocked, past

    @property
    def bookable(self) -> bool:
        return self.state == "free"


@dataclass(frozen=True)
class Day:
    date: date
    slots: list[Slot]


Bounds = tuple[tuple[datetime, datetime], ...]


def slot_bounds(resource: Resource, first: date, days: int) -> Bounds:
    """(start, end) of every slot of the resource's bookable hours in `days` days from
    `first`, in the current time zone: each opening cut into slots of the resource's length
    from its start."""
    return tuple((start, end) for start, end, *_rest in _template(resource, first, days))


def _template(resource: Resource, first: date, days: int) -> tuple:
    """(start, end, start and end as POSIX seconds, local day) of each slot: worked out once
    per hours, length, days and zone (a pure function of them: a manager who changes the
    hours or the length changes the key), so a grid compares numbers, not aware datetimes."""
    return _slot_template(resource.opening_hours, resource.country, resource.slot_minutes,
                          first, days, timezone.get_current_timezone())


@lru_cache(maxsize=256)  # a few hundred slots each: a few MB at most
def _slot_template(hours_text: str, country: str, slot_minutes: int, first: date, days: int,
                   zone) -> tuple:
    hours = opening_hours.parse(hours_text, country)
    if hours is None:
        return ()
    begin = datetime.combine(first, time.min)
    spans: list[list[datetime]] = []
    for start, end, state, _comment in hours.intervals(begin, begin + timedelta(days=days)):
        if state == osm.State.OPEN:
            if spans and spans[-1][1] == start:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    length = timedelta(minutes=slot_minutes)
    slots = []
    for start, end in spans:
        while start + length <= end:
            aware = (timezone.make_aware(start, zone), timezone.make_aware(start + length, zone))
            slots.append((*aware, aware[0].timestamp(), aware[1].timestamp(), start.date()))
            start += length
    return tuple(slots)


def slot_at(resource: Resource, start: datetime) -> tuple[datetime, datetime] | None:
    """The slot of the resource that begins exactly at `start`, if there is one."""
    day = timezone.localtime(start).date()
    for bounds in slot_bounds(resource, day - timedelta(days=1), 2):
        if bounds[0] == start:
            return bounds
    return None


def block_over(blocks, start: datetime, end: datetime) -> Block | None:
    """The recurring block (of `blocks`) that overlaps the slot, if any."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    for block in blocks:
        day = local_start.date()
        while day <= local_end.date():
            if day.weekday() == block.weekday:
                begins = datetime.combine(day, block.starts, tzinfo=local_start.tzinfo)
                ends = datetime.combine(day, block.ends, tzinfo=local_start.tzinfo)
                if begins < local_end and local_start < ends:
                    return block
            day += timedelta(days=1)
    return None


def confirmed_between(resource: Resource, first: datetime, last: datetime):
    return Booking.objects.filter(resource=resource, status=Status.CONFIRMED,
                                  start__lt=last, end__gt=first)


def _days(template, booked, blocks, *, first: date, days: int, now: datetime,
          household: Household | None) -> list[Day]:
    """The slots of `template` (sorted): taken when a booking of `booked` ((start, end) in
    POSIX seconds and household, sorted by start, never overlapping each other, so also by end)
    overlaps it, "mine" when one is the household's."""
    found: dict[date, list[Slot]] = {first + timedelta(days=n): [] for n in range(days)}
    index, count = 0, len(booked)
    own = household.pk if household is not None else None
    now_ts = now.timestamp()
    for start, end, start_ts, end_ts, day in template:
        while index < count and booked[index][1] <= start_ts:
            index += 1
        state, after = None, index
        while after < count and booked[after][0] < end_ts:  # the bookings overlapping the slot
            state = "mine" if booked[after][2] == own else "taken"
            if state == "mine":
                break
            after += 1
        if state is None:
            if start_ts <= now_ts:
                state = "past"
            elif blocks and block_over(blocks, start, end) is not None:
                state = "blocked"
            else:
                state = "free"
        found.setdefault(day, []).append(Slot(start, end, state))
    return [Day(day, found[day]) for day in (first + timedelta(days=n) for n in range(days))]


GRID_SECONDS = 3600  # a cached grid's rows are dropped after an hour unread or not


def _booked(resource_ids: list[int], begins: datetime, ends: datetime) -> dict[int, list]:
    """{resource id: [(start, end, household id), …]} of the confirmed bookings overlapping
    [begins, ends), by start, times in POSIX seconds.

    A grid is read far more often than booked, so each resource's rows are cached under what
    identifies them: how many bookings overlap the range and how many of those are confirmed,
    read in one grouped count. Committed bookings are only ever added (ids never reused) and
    only go from confirmed to cancelled, their times and household never change: any booking
    made (the first count grows) or cancelled (the second falls, with nothing added) changes
    the key, so a stale grid is never served and no write needs to clear anything. The rows are
    read after the counts, so they are never older than their key. Inside a transaction (that
    may write and roll back) the cache is neither read nor written."""
    in_range = Booking.objects.filter(resource__in=resource_ids, start__lt=ends, end__gt=begins)
    rows = in_range.filter(status=Status.CONFIRMED).order_by("start").values_list(
        "resource_id", "start", "end", "household_id")
    booked: dict[int, list] = {pk: [] for pk in resource_ids}
    if transaction.get_connection().in_atomic_block:
        for resource_id, start, end, household_id in rows:
            booked[resource_id].append((start.timestamp(), end.timestamp(), household_id))
        return booked
    span = f"{begins.timestamp():.0f}:{ends.timestamp():.0f}"
    keys = {pk: f"bookings:grid:{pk}:{span}:{made}:{confirmed}"
            for pk, made, confirmed in in_range.order_by().values("resource_id").annotate(
                made=Count("pk"), confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)))
            .values_list("resource_id", "made", "confirmed") if confirmed}
    cached = cache.get_many(list(keys.values())) if keys else {}
    missing = [pk for pk, key in keys.items() if key not in cached]
    for pk, key in keys.items():
        if key in cached:
            booked[pk] = cached[key]
    if missing:
        for resource_id, start, end, household_id in rows.filter(resource__in=missing):
            booked[resource_id].append((start.timestamp(), end.timestamp(), household_id))
        cache.set_many({keys[pk]: booked[pk] for pk in missing}, GRID_SECONDS)
    return booked


def weeks(resources, first: date, *, now: datetime, household: Household | None = None,
          days: int = 7) -> dict[int, list[Day]]:
    """{resource id: its days} for several resources, from one read of their bookings and one
    of their blocks: each slot free, taken, blocked, past, or "mine" (the household's own).
    Never who booked."""
    resources = list(resources)
    bounds = {r.pk: _template(r, first, days) for r in resources}
    spans = [b[:2] for found in bounds.values() for b in (found[0], found[-1]) if found]
    booked: dict[int, list] = {r.pk: [] for r in resources}
    if spans:
        booked.update(_booked([r.pk for r in resources], min(s for s, _e in spans),
                              max(e for _s, e in spans)))
    blocks: dict[int, list] = {r.pk: [] for r in resources}
    for block in Block.objects.filter(resource__in=[r.pk for r in resources]):
        blocks[block.resource_id].append(block)
    return {r.pk: _days(bounds[r.pk], booked[r.pk], blocks[r.pk], first=first,
                        days=days, now=now, household=household) for r in resources}


def week(resource: Resource, first: date, *, now: datetime, household: Household | None = None,
         days: int = 7) -> list[Day]:
    return weeks([resource], first, now=now, household=household, days=days)[resource.pk]


def next_free(resource: Resource, *, after: datetime, now: datetime, limit: int = 3) -> list[Slot]:
    """The next free slots from `after` within the booking horizon."""
    first = timezone.localtime(max(after, now)).date()
    horizon = (timezone.localtime(now) + timedelta(days=resource.book_ahead_days)).date()
    free = [slot for day in week(resource, first, now=now,
                                 days=(horizon - first).days + 1)
            for slot in day.slots if slot.bookable and slot.start >= after]
    return free[:limit]


def association(pk) -> Association:
    found = Association.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def household_of(person: Person) -> Household | None:
    """The household a person books for: their first one."""
    return person.households.select_related("address__neighbourhood").order_by("pk").first()


def price_of(resource: Resource, household: Household | None, on: date, *,
             for_association: bool = False) -> int | None:
    """What a slot costs the household (or an association booking through it) on `on`: 0 when
    free, None when no price is set."""
    if household is None:
        return None
    use = resource.association_price_use if for_association else resource.price_use
    if resource.service is None or not resource.service.has_wallet or not use:
        return 0
    try:
        return price_for(service=resource.service, household=household, on=on, use=use)
    except NoTariff:
        return None


def bookable_resources():
    return (Resource.objects.filter(is_active=True).select_related("facility", "service")
            .order_by("facility__name", "name"))


def resource(pk) -> Resource:
    found = bookable_resources().filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def _people_of(person: Person):
    """Bookings where the person is the booker, a companion, or in the booking household."""
    households = person.households.values("pk")
    return (Q(booked_by=person) | Q(household__in=households)
            | Q(Exists(Companion.objects.filter(booking=OuterRef("pk"), person=person))))


def my_bookings(person: Person, *, now: datetime, upcoming: bool = True):
    rows = (Booking.objects.filter(_people_of(person))
            .select_related("resource__facility", "association")
            .prefetch_related("companions__person"))
    if upcoming:
        return rows.filter(status=Status.CONFIRMED, end__gt=now).order_by("start")
    return rows.filter(Q(end__lte=now) | Q(status=Status.CANCELLED)).order_by("-start")[:50]


def my_booking(person: Person, pk) -> Booking:
    found = Booking.objects.filter(_people_of(person), pk=pk).select_related(
        "resource__facility", "charge__account").first()
    if found is None:
        raise NotFound()
    return found


def feed_bookings(token: str):
    feed = CalendarFeed.objects.filter(token=token).first() if token else None
    if feed is None:
        raise NotFound()
    return (Booking.objects.filter(household_id=feed.household_id, status=Status.CONFIRMED)
            .select_related("resource__facility").order_by("start"))


def busy(resource: Resource, *, now: datetime, days: int = 60):
    """(start, end) of the resource's confirmed bookings from a day ago: no names."""
    return list(confirmed_between(resource, now - timedelta(days=1), now + timedelta(days=days))
                .order_by("start").values_list("start", "end"))


# Managers: resources of the places of their communes --------------------------------------------

def _scoped(manager, rows):
    check_role(manager, Role.SERVICE_MANAGER)
    communes = role_communes(manager, Role.SERVICE_MANAGER)
    return rows if communes is None else rows.filter(facility__commune_id__in=communes)


def resources_for_manager(manager):
    return (_scoped(manager, Resource.objects).select_related("facility", "service")
            .order_by("facility__name", "name"))


def resource_for_manager(manager, pk) -> Resource:
    found = resources_for_manager(manager).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def planning(resource: Resource, first: date, *, days: int = 1):
    """The confirmed bookings of the days, with who booked (managers only, audited by the
    caller)."""
    begins = datetime.combine(first, time.min, tzinfo=timezone.get_current_timezone())
    return list(confirmed_between(resource, begins, begins + timedelta(days=days))
                .select_related("booked_by", "household", "association")
                .prefetch_related("companions__person")
                .order_by("start"))


def booking_for_manager(manager, pk) -> Booking:
    found = (Booking.objects.filter(resource__in=resources_for_manager(manager), pk=pk)
             .select_related("resource__facility", "charge__account").first())
    if found is None:
        raise NotFound()
    return found


# Hall rentals ---------------------------------------------------------------------------------

def _rentals():
    return (Rental.objects.select_related("resource__facility", "resource__service__territory",
                                          "booking", "association", "requested_by", "household",
                                          "deposit_charge__account")
            .prefetch_related("helpers"))


def my_rentals(person: Person):
    """The rentals asked by the person or for one of their households, latest first."""
    households = person.households.values("pk")
    return _rentals().filter(Q(requested_by=person) | Q(household__in=households)).order_by(
        "-start")


def my_rental(person: Person, pk) -> Rental:
    found = my_rentals(person).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def rentals_for_manager(manager):
    return _rentals().filter(resource__in=resources_for_manager(manager))


def rental_for_manager(manager, pk) -> Rental:
    found = rentals_for_manager(manager).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class RentalDesk:
    """A manager's rentals: requests to answer (with whether their days are already taken),
    hires to come, deposits to settle, and the latest answered."""

    pending: list
    upcoming: list
    deposits: list
    answered: list


def rental_desk(manager, *, now: datetime) -> RentalDesk:
    rows = rentals_for_manager(manager)
    pending = list(rows.filter(status=RentalStatus.PENDING).order_by("start"))
    for rental in pending:
        rental.clashes = confirmed_between(rental.resource, rental.start, rental.end).exists()
    accepted = rows.filter(status=RentalStatus.ACCEPTED)
    held = accepted.filter(deposit_charge__isnull=False, deposit_kept_cents__isnull=True)
    over = Q(end__lte=now) | Q(booking__status=Status.CANCELLED)
    return RentalDesk(
        pending=pending,
        upcoming=list(accepted.filter(end__gt=now, booking__status=Status.CONFIRMED)
                      .order_by("start")),
        deposits=list(held.filter(over).order_by("end")),
        answered=list(rows.exclude(status=RentalStatus.PENDING).filter(
            Q(end__lte=now) | ~Q(status=RentalStatus.ACCEPTED)
            | Q(booking__status=Status.CANCELLED)).exclude(pk__in=held.filter(over).values("pk"))
            .order_by("-start")[:20]),
    )
