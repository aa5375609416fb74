"""The bookings API for a logged-in resident: resources, their slots, book and cancel; ask to
rent a hall, see and withdraw the requests."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from civicard.bookings import operations, queries
from civicard.bookings.exceptions import SlotTaken
from civicard.core import clock
from civicard.core.errors import InvalidInput, NotFound
from civicard.core.validation import NAIVE_MESSAGE, Id, Text

router = Router(tags=["bookings"], auth=django_auth)
MAX_DAYS = 31
LATEST_START = timedelta(days=400)
START_MESSAGE = _("This start is not plausible: give a time between now and next year.")


def check_start(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_datetime", str(NAIVE_MESSAGE))
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("implausible_datetime", str(START_MESSAGE)) from None
    if not datetime(2000, 1, 1, tzinfo=UTC) <= in_utc <= clock.now() + LATEST_START:
        raise PydanticCustomError("implausible_datetime", str(START_MESSAGE))
    return in_utc


Start = Annotated[datetime, AfterValidator(check_start)]
CardNumber = Annotated[Text, Field(max_length=20)]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ResourceOut(Schema):
    id: int
    name: str
    kind: str
    place: str
    slot_minutes: int
    book_ahead_days: int
    price_cents: int | None
    currency: str | None


class SlotOut(Schema):
    start: datetime
    end: datetime
    state: str


class Period(Schema):
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class BookingIn(Schema):
    resource: Id
    start: Start
    companions: list[CardNumber] = Field(default_factory=list, max_length=100)
    association: Id | None = None
    idempotency_key: Annotated[Text, Field(min_length=1, max_length=120)]


class BookingOut(Schema):
    id: int
    resource: int
    start: datetime
    end: datetime
    door_opens_at: datetime
    status: str
    price_cents: int
    refunded: bool
    companions: list[int]
    association: int | None


def _resident(request):
    if request.resident is None:
        raise NotFound()
    return request.resident


def _booking(booking) -> dict:
    return {"id": booking.pk, "resource": booking.resource_id, "start": booking.start,
            "end": booking.end, "door_opens_at": booking.door_opens_at,
            "status": booking.status, "price_cents": booking.price_cents,
            "refunded": booking.refund_id is not None, "association": booking.association_id,
            "companions": sorted(booking.companions.values_list("person_id", flat=True))}


@router.get("/resources", response=list[ResourceOut], summary="What can be booked")
def resources(request):
    household = queries.household_of(_resident(request))
    today = clock.today()
    return [{"id": r.pk, "name": r.name, "kind": r.kind, "place": r.facility.name,
             "slot_minutes": r.slot_minutes, "book_ahead_days": r.book_ahead_days,
             "price_cents": queries.price_of(r, household, today),
             "currency": r.service.territory.currency if r.service else None}
            for r in queries.bookable_resources()]


@router.get("/resources/{resource_id}/slots",
            response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut},
            summary="The slots of a resource between two days: free, taken, mine, blocked, past")
def slots(request, resource_id: Id, period: Query[Period]):
    person = _resident(request)
    resource = queries.resource(resource_id)
    today = clock.today()
    first = period.from_ or today
    last = period.to or first + timedelta(days=6)
    if last < first or (last - first).days >= MAX_DAYS:
        raise InvalidInput(fields={"to": [str(_("Ask for at most %(days)s days, the last one "
                                                "after the first.") % {"days": MAX_DAYS})]})
    days = queries.week(resource, first, now=clock.now(), household=queries.household_of(person),
                        days=(last - first).days + 1)
    return [{"start": s.start, "end": s.end, "state": s.state} for d in days for s in d.slots]


@router.post("", response={201: BookingOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                           422: ErrorOut},
             summary="Book a slot, paid from the household's account, or in the name of an "
                     "association you edit (409 slot_taken: someone was faster; "
                     "`fields.next_free` lists the next free starts)")
def book(request, payload: BookingIn):
    person = _resident(request)
    resource = queries.resource(payload.resource)
    now = clock.now()
    try:
        booking = operations.book(resource=resource, person=person, start=payload.start,
                                  card_numbers=payload.companions,
                                  association=(None if payload.association is None else
                                               queries.association(payload.association)),
                                  idempotency_key=payload.idempotency_key, actor=request.user,
                                  at=now)
    except SlotTaken as taken:
        taken.fields = {"next_free": [s.start.isoformat() for s in queries.next_free(
            resource, after=payload.start, now=now)]}
        raise
    return Status(201, _booking(booking))


@router.get("", response=list[BookingOut], summary="My bookings to come")
def mine(request):
    return [_booking(b) for b in queries.my_bookings(_resident(request), now=clock.now())]


class RentalIn(Schema):
    resource: Id
    first_day: date
    last_day: date | None = None
    purpose: Annotated[Text, Field(min_length=1, max_length=200)]
    attendance: Annotated[int, Field(ge=1, le=100_000)]
    helpers: list[CardNumber] = Field(default_factory=list, max_length=2)
    idempotency_key: Annotated[Text, Field(min_length=1, max_length=120)]


class RentalOut(Schema):
    id: int
    resource: int
    start: datetime
    end: datetime
    purpose: str
    attendance: int
    status: str
    refusal_reason: str
    price_cents: int
    deposit_cents: int
    deposit_kept_cents: int | None
    helpers: list[int]
    booking: int | None


def _rental(rental) -> dict:
    return {"id": rental.pk, "resource": rental.resource_id, "start": rental.start,
            "end": rental.end, "purpose": rental.purpose, "attendance": rental.attendance,
            "status": rental.status, "refusal_reason": rental.refusal_reason,
            "price_cents": rental.price_cents, "deposit_cents": rental.deposit_cents,
            "deposit_kept_cents": rental.deposit_kept_cents,
            "helpers": sorted(h.pk for h in rental.helpers.all()), "booking": rental.booking_id}


@router.post("/rentals", response={201: RentalOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                   422: ErrorOut},
             summary="Ask to rent a place rented on request (a village hall) for whole days; "
                     "a manager accepts or refuses (409 rental_taken: the days are taken)")
def request_rental(request, payload: RentalIn):
    person = _resident(request)
    rental = operations.request_rental(
        resource=queries.resource(payload.resource), person=person,
        first_day=payload.first_day, last_day=payload.last_day or payload.first_day,
        purpose=payload.purpose, attendance=payload.attendance, helper_cards=payload.helpers,
        idempotency_key=payload.idempotency_key, actor=request.user, at=clock.now())
    return Status(201, _rental(rental))


@router.get("/rentals", response=list[RentalOut], summary="My rental requests, latest first")
def my_rentals(request):
    return [_rental(r) for r in queries.my_rentals(_resident(request))[:100]]


@router.delete("/rentals/{rental_id}", response={200: RentalOut, 404: ErrorOut, 409: ErrorOut},
               summary="Withdraw a rental request still waiting for an answer")
def withdraw_rental(request, rental_id: Id):
    person = _resident(request)
    rental = operations.withdraw_rental(rental=queries.my_rental(person, rental_id),
                                        person=person, actor=request.user, at=clock.now())
    return Status(200, _rental(rental))


# Last: its path "/{booking_id}" would take "/rentals" too.
@router.delete("/{booking_id}", response={200: BookingOut, 404: ErrorOut, 409: ErrorOut},
               summary="Cancel a booking (refunded before the resource's limit)")
def cancel(request, booking_id: Id):
    person = _resident(request)
    booking = queries.my_booking(person, booking_id)
    cancelled = operations.cancel(booking=booking, person=person, actor=request.user,
                                  at=clock.now())
    return Status(200, _booking(cancelled))
