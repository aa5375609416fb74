"""Every write of bookings: book, cancel, the managers' resources and blocks, no-shows, feeds.

Taking a slot: checks that need no lock (the slot exists, is in the window, the household may
book it, the companions' cards) → in one durable transaction: lock the resource row, replay the
idempotency key, check the slot is free and the household's limit, insert the booking, charge
the household's account through wallets (its shortage rule applies), all or nothing. Two
confirmed bookings of a resource cannot overlap: the database holds it (Booking's constraints),
the lock makes the loser wait and read the winner, and a loser that slips past gets `slot_taken`.
On SQLite the IMMEDIATE transaction is the lock."""

import secrets
from datetime import date, datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.bookings import calendars, door, queries
from civicard.bookings.exceptions import (
    AlreadyCancelled,
    BookingClosed,
    BookingOver,
    CompanionUnknown,
    DepositSettled,
    DepositTooEarly,
    HelperUnknown,
    LimitReached,
    NoHousehold,
    NotAllowedToBook,
    NotRented,
    OverCapacity,
    RentalCancelledByService,
    RentalDayClosed,
    RentalDecided,
    RentalInPast,
    RentalOnly,
    RentalTaken,
    RentalTooLong,
    ResourceInactive,
    SlotBlocked,
    SlotInPast,
    SlotInvalid,
    SlotTaken,
    SlotTooFar,
    TooManyCompanions,
    TooManyHelpers,
)
from civicard.bookings.models import (
    Block,
    Booking,
    CalendarFeed,
    Companion,
    Rental,
    RentalStatus,
    Resource,
    Status,
    WhoMayBook,
)
from civicard.cards.models import Card, CardStatus
from civicard.core import audit, opening_hours
from civicard.core.errors import (
    DomainError,
    IdempotencyConflict,
    InvalidInput,
    PermissionRefused,
)
from civicard.core.money import MAX_AMOUNT_CENTS, format_cents
from civicard.core.permissions import Role, check_role_over
from civicard.mutualaid.models import Association
from civicard.notifications.addressee import Attachment
from civicard.notifications.operations import notify
from civicard.people.models import Household, Person
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.queries import enrolment_for, price_for

NOT_ALLOWED = {
    WhoMayBook.TERRITORY: _("This resource can only be booked by residents of the territory."),
    WhoMayBook.COMMUNES: _("This resource can only be booked by residents of some communes."),
    WhoMayBook.MEMBERS: _("This resource can only be booked by members of its service."),
}


# Checks ---------------------------------------------------------------------------------------

def check_slot(resource: Resource, start: datetime, *, at: datetime) -> datetime:
    """The end of the slot beginning at `start`, if it may be booked at `at`."""
    if not resource.is_active:
        raise ResourceInactive()
    if resource.by_request:
        raise RentalOnly()
    if start <= at:
        raise SlotInPast(fields={"start": [SlotInPast.message]})
    bounds = queries.slot_at(resource, start)
    if bounds is None:
        raise SlotInvalid(fields={"start": [SlotInvalid.message]})
    if start > at + timedelta(days=resource.book_ahead_days):
        raise SlotTooFar(days=resource.book_ahead_days)
    if start < at + timedelta(minutes=resource.book_until_minutes):
        raise BookingClosed()
    block = queries.block_over(resource.blocks.all(), *bounds)
    if block is not None:
        raise SlotBlocked(reason=block.reason)
    return bounds[1]


def check_may_book(resource: Resource, household: Household, person: Person,
                   at: datetime) -> None:
    who = resource.who_may_book
    if who == WhoMayBook.TERRITORY:
        allowed = bool(household.address_id) and (household.territory_id
                                                  == resource.facility.territory_id)
    elif who == WhoMayBook.COMMUNES:
        allowed = resource.communes.filter(pk=household.commune_id).exists()
    elif who == WhoMayBook.MEMBERS:
        allowed = resource.service is not None and enrolment_for(
            service=resource.service, person=person, on=timezone.localtime(at).date()) is not None
    else:
        allowed = True
    if not allowed:
        raise NotAllowedToBook(NOT_ALLOWED[who])
    if resource.no_shows_to_bar:
        since = at - timedelta(days=resource.no_show_days)
        missed = Booking.objects.filter(resource=resource, household=household, no_show=True,
                                        end__gte=since).count()
        if missed >= resource.no_shows_to_bar:
            raise NotAllowedToBook(_("Your household missed too many bookings here: it cannot "
                                     "book this resource for a while."))


def check_may_book_for(resource: Resource, association: Association, actor,
                       at: datetime) -> None:
    """An editor of `association` books in its name a resource open to associations of its
    territory; the association's own no-shows may bar it like a household's."""
    if not association.editors.filter(pk=getattr(actor, "pk", None)).exists():
        raise PermissionRefused()
    if not resource.associations_may_book or (association.territory_id
                                              != resource.facility.territory_id):
        raise NotAllowedToBook(_("This resource cannot be booked by associations."))
    if resource.no_shows_to_bar:
        since = at - timedelta(days=resource.no_show_days)
        missed = Booking.objects.filter(resource=resource, association=association,
                                        no_show=True, end__gte=since).count()
        if missed >= resource.no_shows_to_bar:
            raise NotAllowedToBook(_("This association missed too many bookings here: it "
                                     "cannot book this resource for a while."))


def card_holders(card_numbers, *, unknown: type[DomainError], field: str) -> dict[int, Person]:
    """{person id: person} holding each active card number; `unknown` for a number that no
    active card has."""
    people: dict[int, Person] = {}
    for number in card_numbers:
        number = "".join(str(number).split()).upper()[:20]
        if not number:
            continue
        card = (Card.objects.select_related("person")
                .filter(number=number, status=CardStatus.ACTIVE).first())
        if card is None:
            raise unknown(fields={field: [str(unknown.message) % {"number": number}]},
                          number=number)
        people[card.person_id] = card.person
    return people


def companion_limit(resource: Resource, *, for_association: bool) -> int:
    """Companions per booking: an association may name its members up to the room's capacity
    (the booker included)."""
    if for_association and resource.capacity:
        return max(resource.max_companions, resource.capacity - 1)
    return resource.max_companions


def companions_of(resource: Resource, booker: Person, *, card_numbers=(),
                  members=(), limit: int | None = None) -> list[Person]:
    """The people the booker brings: by card number, or members of the booker's households."""
    if limit is None:
        limit = resource.max_companions
    people = card_holders(card_numbers, unknown=CompanionUnknown, field="companions")
    households = booker.households.values("pk")
    for person in Person.objects.filter(pk__in=list(members), households__in=households):
        people[person.pk] = person
    people.pop(booker.pk, None)
    if len(people) > limit:
        raise TooManyCompanions(fields={"companions": [
            str(TooManyCompanions.message) % {"limit": limit}]}, limit=limit)
    return list(people.values())


def _price(resource: Resource, household: Household, start: datetime, *,
           for_association: bool = False) -> int:
    if resource.service is None or not resource.service.has_wallet:
        return 0
    use = resource.association_price_use if for_association else resource.price_use
    if not use:  # an association books free when the resource sets no price for it
        return 0
    return price_for(service=resource.service, household=household,
                     on=timezone.localtime(start).date(), use=use)


def _when(booking: Booking) -> str:
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def new_key() -> str:
    """A request key for a booking form: a second press of "book" repeats it."""
    return secrets.token_urlsafe(18)


# Booking --------------------------------------------------------------------------------------

def _replayed(booking: Booking, *, resource: Resource, start: datetime,
              household: Household, association: Association | None = None) -> Booking:
    if (booking.resource_id, booking.start, booking.household_id, booking.association_id) != (
            resource.pk, start, household.pk, getattr(association, "pk", None)):
        raise IdempotencyConflict()
    return booking


def book(*, resource: Resource, person: Person, start: datetime, idempotency_key: str,
         actor, at: datetime, card_numbers=(), members=(),
         association: Association | None = None) -> Booking:
    """`person` books the slot beginning at `start` for their household, bringing companions;
    paid from the household's account for the resource's service. With `association`, an
    editor of it (`actor`) books in its name: the association's own limit, the association
    price (none: free) and its members named as companions. A retry with the same key returns
    the first booking and pays nothing more."""
    key = wallets.check_key(idempotency_key)
    household = queries.household_of(person)
    if household is None:
        raise NoHousehold()
    replayed = partial(_replayed, resource=resource, start=start, household=household,
                       association=association)
    done = Booking.objects.filter(idempotency_key=key).first()
    if done is not None:
        return replayed(done)
    end = check_slot(resource, start, at=at)
    if association is None:
        check_may_book(resource, household, person, at)
    else:
        check_may_book_for(resource, association, actor, at)
    companions = companions_of(resource, person, card_numbers=card_numbers, members=members,
                               limit=companion_limit(resource,
                                                     for_association=association is not None))
    price = _price(resource, household, start,  # NoTariff when the service set no price
                   for_association=association is not None)
    holder = ({"association": association} if association is not None
              else {"household": household, "association__isnull": True})
    try:
        with transaction.atomic(durable=True):
            Resource.objects.select_for_update().filter(pk=resource.pk).exists()
            done = Booking.objects.filter(idempotency_key=key).first()
            if done is not None:
                return replayed(done)
            if queries.confirmed_between(resource, start, end).exists():
                raise SlotTaken()
            held = Booking.objects.filter(resource=resource, status=Status.CONFIRMED,
                                          end__gt=at, **holder).count()
            if held >= resource.max_future_bookings:
                raise LimitReached(limit=resource.max_future_bookings)
            booking = Booking.objects.create(
                resource=resource, household=household, booked_by=person,
                association=association, start=start, end=end,
                door_opens_at=start - timedelta(minutes=resource.door_margin_minutes),
                price_cents=price, idempotency_key=key, created_at=at)
            Companion.objects.bulk_create([Companion(booking=booking, person=companion)
                                           for companion in companions])
            door.changed(booking, at=at)
            if price:
                account = wallets.open_account(household=household, service=resource.service,
                                               at=at)
                booking.charge = wallets.charge(
                    account=account, amount_cents=price, idempotency_key=f"booking:{booking.pk}",
                    reason=f"{resource.name} {_when(booking)}"
                           + (f" ({association.name})" if association else ""), actor=actor, at=at,
                    joins_transaction=True)
                booking.save(update_fields=["charge"])
            notify(to=person.addressee, kind="booking_confirmed",
                   subject=_("Booking confirmed: %(resource)s"),
                   body=_("Your booking of %(resource)s on %(when)s is confirmed. Your card "
                          "opens the door from %(minutes)s minutes before the start."),
                   params={"resource": resource.name, "when": _when(booking),
                           "minutes": resource.door_margin_minutes},
                   url=reverse("bookings:mine"), at=at,
                   attachment=Attachment(f"booking-{booking.pk}.ics", "text/calendar",
                                         calendars.bookings(resource.name, [booking], now=at)
                                         .decode()))
    except IntegrityError:
        done = Booking.objects.filter(idempotency_key=key).first()
        if done is not None:
            return replayed(done)
        raise SlotTaken() from None
    return booking


# Cancelling -----------------------------------------------------------------------------------

def refund_deadline(booking: Booking) -> datetime:
    return booking.start - timedelta(hours=booking.resource.cancel_until_hours)


def _cancel(*, booking: Booking, actor, at: datetime, reason: str, refund, by_manager: bool):
    with transaction.atomic(durable=True):
        locked = Booking.objects.select_for_update(of=("self",)).select_related(
            "resource", "charge__account", "booked_by").get(pk=booking.pk)
        if locked.status == Status.CANCELLED:
            raise AlreadyCancelled()
        if not by_manager and locked.start <= at:
            raise BookingOver()
        changed = Booking.objects.filter(pk=locked.pk, status=Status.CONFIRMED).update(
            status=Status.CANCELLED, cancelled_at=at, cancel_reason=reason,
            cancelled_by=actor if getattr(actor, "is_authenticated", False) else None)
        if changed != 1:
            raise AlreadyCancelled()
        door.changed(locked, at=at)
        refunded = refund and locked.charge_id is not None
        if refunded:
            entry = refund(account=locked.charge.account, amount_cents=locked.price_cents,
                           reason=f"{locked.resource.name} {_when(locked)}",
                           idempotency_key=f"booking:{locked.pk}:refund", actor=actor, at=at)
            Booking.objects.filter(pk=locked.pk).update(refund=entry)
        if by_manager:
            audit.record(actor=actor, action="booking.cancelled", obj=locked, at=at,
                         extra={"reason": reason, "refunded": refunded})
            notify(to=locked.booked_by.addressee, kind="booking_cancelled",
                   subject=_("Booking cancelled: %(resource)s"),
                   body=_("Your booking of %(resource)s on %(when)s was cancelled by the "
                          "service: %(reason)s. It is refunded to your account."),
                   params={"resource": locked.resource.name, "when": _when(locked),
                           "reason": reason}, url=reverse("bookings:mine"), at=at)
    booking.refresh_from_db()
    return booking


def cancel(*, booking: Booking, person: Person, actor, at: datetime) -> Booking:
    """A member of the booking's household (or an editor of the association it was made for)
    cancels before the start: refunded up to the resource's limit, not after it."""
    if not booking.household.members.filter(pk=person.pk).exists() and not (
            booking.association_id is not None and booking.association.editors.filter(
                pk=getattr(actor, "pk", None)).exists()):
        raise PermissionRefused()
    if Rental.objects.filter(booking=booking).exists():
        raise RentalCancelledByService()
    refund = wallets.refund_owed if at <= refund_deadline(booking) else None
    return _cancel(booking=booking, actor=actor, at=at, reason="", refund=refund,
                   by_manager=False)


def cancel_as_manager(*, booking: Booking, reason: str, actor, at: datetime) -> Booking:
    """A manager cancels any booking, with a reason: refunded, and the booker is told."""
    check_role_over(actor, Role.SERVICE_MANAGER,
                    commune_id=booking.resource.facility.commune_id)
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why, in a few words.")]})
    return _cancel(booking=booking, actor=actor, at=at, reason=reason,
                   refund=partial(wallets.refund, joins_transaction=True), by_manager=True)


# No-shows -------------------------------------------------------------------------------------

def mark_no_shows(*, at: datetime, entered) -> int:
    """Mark the bookings over before `at` and not yet checked: a no-show when `entered(booking)`
    (a scan allowed at one of its doors during it) is false. Returns how many were missed."""
    missed = 0
    pending = (Booking.objects.filter(status=Status.CONFIRMED, end__lte=at, no_show__isnull=True)
               .select_related("resource").order_by("pk"))
    for booking in pending.iterator(chunk_size=500):
        came = entered(booking)
        if came is None:  # no door to tell
            came = True
        missed += not came
        Booking.objects.filter(pk=booking.pk, no_show__isnull=True).update(no_show=not came)
    return missed


# Calendar feeds -------------------------------------------------------------------------------

def renew_feed(*, household: Household, at: datetime) -> CalendarFeed:
    """A new secret address for the household's calendar: the old one stops working."""
    token = secrets.token_urlsafe(24)
    feed, created = CalendarFeed.objects.get_or_create(
        household=household, defaults={"token": token, "created_at": at})
    if not created:
        CalendarFeed.objects.filter(pk=feed.pk).update(token=token, created_at=at)
        feed.token = token
    return feed


# Managers: resources and blocks ---------------------------------------------------------------

def _one_line(text, limit=120) -> str:
    return " ".join((text or "").split())[:limit]


def save_resource(*, resource: Resource, checkpoints, communes, actor, at: datetime) -> Resource:
    """Create or change a resource of a place the manager manages (before and after)."""
    if resource.pk:
        before = Resource.objects.select_related("facility").get(pk=resource.pk)
        check_role_over(actor, Role.SERVICE_MANAGER, commune_id=before.facility.commune_id)
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=resource.facility.commune_id)
    resource.name = _one_line(resource.name)
    resource.opening_hours = _one_line(resource.opening_hours, 255)
    problem = opening_hours.problem(resource.opening_hours)
    if problem or not resource.opening_hours:
        raise InvalidInput(fields={"opening_hours": [problem or _("Enter the bookable hours.")]})
    if not 15 <= resource.slot_minutes <= 1440:
        raise InvalidInput(fields={"slot_minutes": [
            _("A slot lasts between 15 minutes and a day.")]})
    if not 1 <= resource.book_ahead_days <= 366:
        raise InvalidInput(fields={"book_ahead_days": [
            _("Bookings open between 1 and 366 days ahead.")]})
    if resource.deposit_cents and not (resource.service and resource.service.has_wallet):
        raise InvalidInput(fields={"deposit_cents": [
            _("A deposit is taken from an account: choose a paid service.")]})
    if resource.deposit_cents > MAX_AMOUNT_CENTS:
        raise InvalidInput(fields={"deposit_cents": [_("This deposit is too large.")]})
    foreign = [c for c in checkpoints if c.facility_id != resource.facility_id]
    if foreign:
        raise InvalidInput(fields={"checkpoints": [
            _("Choose doors of the resource's own place.")]})
    if Resource.objects.filter(facility=resource.facility, name=resource.name).exclude(
            pk=resource.pk).exists():
        raise InvalidInput(fields={"name": [_("This place already has a resource of this name.")]})
    with transaction.atomic():
        resource.save()
        resource.checkpoints.set(checkpoints)
        resource.communes.set(communes)
        audit.record(actor=actor, action="booking.resource_saved", obj=resource, at=at,
                     extra={"opening_hours": resource.opening_hours,
                            "checkpoints": sorted(c.pk for c in checkpoints)})
    return resource


def add_block(*, resource: Resource, weekday: int, starts, ends, reason: str, actor,
              at: datetime) -> Block:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=resource.facility.commune_id)
    reason = _one_line(reason)
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why, in a few words.")]})
    if weekday not in range(7):
        raise InvalidInput(fields={"weekday": [_("Choose a day.")]})
    if ends <= starts:
        raise InvalidInput(fields={"ends": [_("The end comes before the start.")]})
    block = Block.objects.create(resource=resource, weekday=weekday, starts=starts, ends=ends,
                                 reason=reason)
    audit.record(actor=actor, action="booking.block_added", obj=resource, at=at,
                 extra={"block": str(block), "reason": reason})
    return block


def remove_block(*, block: Block, actor, at: datetime) -> None:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=block.resource.facility.commune_id)
    audit.record(actor=actor, action="booking.block_removed", obj=block.resource, at=at,
                 extra={"block": str(block), "reason": block.reason})
    block.delete()



# Hall rentals ---------------------------------------------------------------------------------

MAX_RENTAL_DAYS = 7
MAX_HELPERS = 2


def check_hire(resource: Resource, first_day: date, last_day: date, *,
               at: datetime) -> tuple[datetime, datetime, int]:
    """(start, end, days) of hiring the resource from `first_day` to `last_day`: from the first
    bookable hour of the first day to the last one of the last day, every day open to hire and
    none reserved by a block, within the booking window."""
    if not resource.is_active:
        raise ResourceInactive()
    if not resource.by_request:
        raise NotRented()
    days = (last_day - first_day).days + 1
    if not 1 <= days <= MAX_RENTAL_DAYS:
        raise RentalTooLong(fields={"last_day": [
            str(RentalTooLong.message) % {"days": MAX_RENTAL_DAYS}]}, days=MAX_RENTAL_DAYS)
    today = timezone.localtime(at).date()
    if first_day < today:
        raise RentalInPast(fields={"first_day": [RentalInPast.message]})
    if first_day > today + timedelta(days=resource.book_ahead_days):
        raise SlotTooFar(days=resource.book_ahead_days)
    bounds = queries.slot_bounds(resource, first_day, days)
    open_days = {timezone.localtime(start).date() for start, _end in bounds}
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day not in open_days:
            message = str(RentalDayClosed.message) % {"day": date_format(day, "DATE_FORMAT")}
            raise RentalDayClosed(fields={"first_day": [message]},
                                  day=date_format(day, "DATE_FORMAT"))
    start, end = bounds[0][0], bounds[-1][1]
    if start <= at:
        raise RentalInPast(fields={"first_day": [RentalInPast.message]})
    if start > at + timedelta(days=resource.book_ahead_days):
        raise SlotTooFar(days=resource.book_ahead_days)
    for bound in bounds:
        block = queries.block_over(resource.blocks.all(), *bound)
        if block is not None:
            raise SlotBlocked(reason=block.reason)
    return start, end, days


def check_attendance(resource: Resource, attendance: int) -> int:
    if not isinstance(attendance, int) or attendance < 1:
        raise InvalidInput(fields={"attendance": [_("Say how many people you expect.")]})
    if resource.capacity is not None and attendance > resource.capacity:
        raise OverCapacity(fields={"attendance": [
            str(OverCapacity.message) % {"capacity": resource.capacity}]},
            capacity=resource.capacity)
    return attendance


def helpers_of(card_numbers) -> list[Person]:
    helpers = card_holders(card_numbers, unknown=HelperUnknown, field="helpers")
    if len(helpers) > MAX_HELPERS:
        raise TooManyHelpers(fields={"helpers": [
            str(TooManyHelpers.message) % {"limit": MAX_HELPERS}]}, limit=MAX_HELPERS)
    return list(helpers.values())


def rental_price(resource: Resource, household: Household, first_day: date,
                  days: int) -> tuple[int, int]:
    """(price, deposit) of a hire of `days` days: the tariff of the resource's tariff use is
    the price of a day, the one in force on the first day."""
    if resource.service is None or not resource.service.has_wallet:
        return 0, 0
    return (days * price_for(service=resource.service, household=household, on=first_day,
                              use=resource.price_use), resource.deposit_cents)


def _period(rental: Rental) -> str:
    start, end = timezone.localtime(rental.start), timezone.localtime(rental.end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def _amounts(held: int, kept: int, currency: str, language: str) -> dict:
    """The deposit's amounts written the reader's way."""
    with translation.override(language):
        return {"held": format_cents(held, currency), "kept": format_cents(kept, currency),
                "released": format_cents(held - kept, currency)}


def _rental_taken(resource: Resource, start: datetime, end: datetime) -> None:
    if queries.confirmed_between(resource, start, end).exists():
        raise RentalTaken()


def _hire(rental: Rental) -> dict:
    """The notice parameters of a rental: the reader's language writes the dates."""
    return {"resource": rental.resource.name, "start": timezone.localtime(rental.start),
            "end": timezone.localtime(rental.end)}


def request_rental(*, resource: Resource, person: Person, first_day: date, last_day: date,
                   purpose: str, attendance: int, idempotency_key: str, actor, at: datetime,
                   helper_cards=(), association: Association | None = None) -> Rental:
    """`person` asks to hire the resource for their household (or an association they edit)
    from `first_day` to `last_day`: a pending request, nothing paid yet. A retry with the same
    key returns the first request."""
    key = wallets.check_key(idempotency_key)
    done = Rental.objects.filter(idempotency_key=key).first()
    if done is not None:
        if (done.resource_id, done.requested_by_id) != (resource.pk, person.pk):
            raise IdempotencyConflict()
        return done
    household = queries.household_of(person)
    if household is None:
        raise NoHousehold()
    purpose = _one_line(purpose, 200)
    if not purpose:
        raise InvalidInput(fields={"purpose": [_("Say what the place is for.")]})
    if association is not None and not association.editors.filter(
            pk=getattr(actor, "pk", None)).exists():
        raise PermissionRefused()
    start, end, days = check_hire(resource, first_day, last_day, at=at)
    check_attendance(resource, attendance)
    check_may_book(resource, household, person, at)
    helpers = helpers_of(helper_cards)
    _rental_taken(resource, start, end)
    price, deposit = rental_price(resource, household, first_day, days)
    try:
        with transaction.atomic(durable=True):
            rental = Rental.objects.create(
                resource=resource, household=household, requested_by=person,
                association=association, start=start, end=end, purpose=purpose,
                attendance=attendance, price_cents=price, deposit_cents=deposit,
                idempotency_key=key, created_at=at)
            rental.helpers.set(helpers)
            audit.record(actor=actor, action="booking.rental_requested", obj=rental, at=at,
                         extra={"resource": resource.pk, "start": start.isoformat(),
                                "end": end.isoformat()})
    except IntegrityError:  # the same key, sent twice at once: the first request stands
        done = Rental.objects.filter(idempotency_key=key).first()
        if done is None or (done.resource_id, done.requested_by_id) != (resource.pk, person.pk):
            raise IdempotencyConflict() from None
        return done
    return rental


def withdraw_rental(*, rental: Rental, person: Person, actor, at: datetime) -> Rental:
    """A member of the household withdraws a request still waiting for an answer."""
    if not rental.household.members.filter(pk=person.pk).exists():
        raise PermissionRefused()
    changed = Rental.objects.filter(pk=rental.pk, status=RentalStatus.PENDING).update(
        status=RentalStatus.WITHDRAWN, decided_at=at)
    if changed != 1:
        raise RentalDecided()
    audit.record(actor=actor, action="booking.rental_withdrawn", obj=rental, at=at)
    rental.refresh_from_db()
    return rental


def _check_manages(actor, rental: Rental) -> None:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=rental.resource.facility.commune_id)


def accept_rental(*, rental: Rental, actor, at: datetime) -> Rental:
    """A manager accepts a pending request: in one durable transaction, under the resource's
    lock, the hire becomes a confirmed booking (the renter and the helpers' cards open the door
    for the hire period), the price and the deposit are charged to the household's account for
    the resource's service (its shortage rule applies), and the renter is told. Two requests
    for the same days accepted at once: one is accepted, the other gets `rental_taken`."""
    _check_manages(actor, rental)
    resource = rental.resource
    try:
        with transaction.atomic(durable=True):
            Resource.objects.select_for_update().filter(pk=resource.pk).exists()
            locked = Rental.objects.select_for_update().get(pk=rental.pk)
            if locked.status != RentalStatus.PENDING:
                raise RentalDecided()
            if locked.start <= at:
                raise RentalInPast()
            _rental_taken(resource, locked.start, locked.end)
            booking = Booking.objects.create(
                resource=resource, household=locked.household, booked_by=locked.requested_by,
                start=locked.start, end=locked.end,
                door_opens_at=locked.start - timedelta(minutes=resource.door_margin_minutes),
                price_cents=locked.price_cents, idempotency_key=f"rental:{locked.pk}",
                created_at=at)
            Companion.objects.bulk_create([Companion(booking=booking, person=helper)
                                           for helper in locked.helpers.all()])
            door.changed(booking, at=at)
            deposit_charge = None
            if locked.price_cents or locked.deposit_cents:
                account = wallets.open_account(household=locked.household,
                                               service=resource.service, at=at)
                hire = {"resource": resource.name, "when": _period(locked)}
                if locked.price_cents:
                    booking.charge = wallets.charge(
                        account=account, amount_cents=locked.price_cents,
                        reason=Label("rental", hire),
                        idempotency_key=f"rental:{locked.pk}:price", actor=actor, at=at,
                        joins_transaction=True)
                    booking.save(update_fields=["charge"])
                if locked.deposit_cents:
                    deposit_charge = wallets.charge(
                        account=account, amount_cents=locked.deposit_cents,
                        reason=Label("rental_deposit", hire),
                        idempotency_key=f"rental:{locked.pk}:deposit", actor=actor, at=at,
                        joins_transaction=True)
            Rental.objects.filter(pk=locked.pk, status=RentalStatus.PENDING).update(
                status=RentalStatus.ACCEPTED, booking=booking, deposit_charge=deposit_charge,
                decided_at=at, decided_by=actor)
            audit.record(actor=actor, action="booking.rental_accepted", obj=locked, at=at,
                         extra={"booking": booking.pk, "price_cents": locked.price_cents,
                                "deposit_cents": locked.deposit_cents})
            notify(to=locked.requested_by.addressee, kind="rental_accepted",
                   subject=_("Rental accepted: %(resource)s"),
                   body=_("Your rental of %(resource)s from %(start)s to %(end)s is accepted. "
                          "Your card and your helpers' cards open the door during the hire. "
                          "The rental agreement is on your rentals page."),
                   params=_hire(locked), url=reverse("bookings:my_rentals"), at=at)
    except IntegrityError:
        raise RentalTaken() from None
    rental.refresh_from_db()
    return rental


def refuse_rental(*, rental: Rental, reason: str, actor, at: datetime) -> Rental:
    """A manager refuses a pending request with a reason; the renter is told."""
    _check_manages(actor, rental)
    reason = _one_line(reason, 200)
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why, in a few words.")]})
    with transaction.atomic(durable=True):
        changed = Rental.objects.filter(pk=rental.pk, status=RentalStatus.PENDING).update(
            status=RentalStatus.REFUSED, refusal_reason=reason, decided_at=at,
            decided_by=actor)
        if changed != 1:
            raise RentalDecided()
        audit.record(actor=actor, action="booking.rental_refused", obj=rental, at=at,
                     extra={"reason": reason})
        notify(to=rental.requested_by.addressee, kind="rental_refused",
               subject=_("Rental refused: %(resource)s"),
               body=_("Your request to rent %(resource)s from %(start)s to %(end)s is refused: "
                      "%(reason)s"),
               params={**_hire(rental), "reason": reason},
               url=reverse("bookings:my_rentals"), at=at)
    rental.refresh_from_db()
    return rental


def settle_deposit(*, rental: Rental, kept_cents: int, reason: str, actor,
                   at: datetime) -> Rental:
    """A manager gives the held deposit back, keeping `kept_cents` of it (0: all given back)
    with a reason when something is kept: the rest is refunded to the account it came from.
    Keeping any of it waits for the end of the hire (or its cancellation)."""
    _check_manages(actor, rental)
    reason = _one_line(reason, 200)
    if (not isinstance(kept_cents, int) or isinstance(kept_cents, bool)
            or not 0 <= kept_cents <= rental.deposit_cents):
        raise InvalidInput(fields={"kept": [
            _("Keep between nothing and the whole deposit.")]})
    if kept_cents and not reason:
        raise InvalidInput(fields={"reason": [_("Say why part of the deposit is kept.")]})
    with transaction.atomic(durable=True):
        locked = (Rental.objects.select_for_update(of=("self",))
                  .select_related("deposit_charge__account", "booking", "resource")
                  .get(pk=rental.pk))
        if not locked.deposit_held:
            raise DepositSettled()
        if kept_cents and locked.booking.status == Status.CONFIRMED and locked.end > at:
            raise DepositTooEarly()
        refund = None
        if kept_cents < locked.deposit_cents:
            refund = wallets.refund(
                account=locked.deposit_charge.account,
                amount_cents=locked.deposit_cents - kept_cents,
                reason=Label("rental_deposit_back", {"resource": locked.resource.name,
                                                     "when": _period(locked)}),
                idempotency_key=f"rental:{locked.pk}:deposit-back", actor=actor, at=at,
                joins_transaction=True)
        changed = Rental.objects.filter(pk=locked.pk, deposit_kept_cents__isnull=True).update(
            deposit_kept_cents=kept_cents, deposit_reason=reason, deposit_refund=refund,
            deposit_settled_at=at, deposit_settled_by=actor)
        if changed != 1:
            raise DepositSettled()
        audit.record(actor=actor, action="booking.rental_deposit_settled", obj=locked, at=at,
                     extra={"held_cents": locked.deposit_cents, "kept_cents": kept_cents,
                            "released_cents": locked.deposit_cents - kept_cents,
                            "reason": reason})
        currency = locked.deposit_charge.account.currency
        if kept_cents:
            notify(to=locked.requested_by.addressee, kind="rental_deposit",
                   subject=_("Deposit for %(resource)s"),
                   body=_("Of your deposit of %(held)s, %(kept)s is kept (%(reason)s) and "
                          "%(released)s is given back to your account."),
                   params={"resource": locked.resource.name, "reason": reason,
                           **_amounts(locked.deposit_cents, kept_cents, currency,
                                     locked.requested_by.language)},
                   url=reverse("bookings:my_rentals"), at=at)
        else:
            notify(to=locked.requested_by.addressee, kind="rental_deposit",
                   subject=_("Deposit for %(resource)s"),
                   body=_("Your deposit of %(held)s is given back to your account."),
                   params={"resource": locked.resource.name,
                           **_amounts(locked.deposit_cents, 0, currency,
                                     locked.requested_by.language)},
                   url=reverse("bookings:my_rentals"), at=at)
    rental.refresh_from_db()
    return rental
