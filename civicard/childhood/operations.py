"""Every write of the childhood app: set-up, enrolments and their waiting list, reservations,
roll-call marks, and closing a month (priced once, charged to the wallets through
wallets.operations.charge).

Locks are taken in one order: activity, enrolment, unit day. A day's places are a counter
(`UnitDay.booked`) moved by compare-and-swap updates that check the capacity and that the day
is not closed, so two families taking the last place cannot both get it, and a day closed for
billing cannot change afterwards."""

import csv
import io
from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.cards.queries import card_for_credential
from civicard.childhood import invoices, pricing, reminders
from civicard.childhood.deadlines import deadline_for
from civicard.childhood.exceptions import (
    AlreadyEnrolled,
    ChildTooOld,
    ChildTooYoung,
    DayClosed,
    DayNotOpen,
    DeadlinePassed,
    DebtLimitReached,
    MarkInvalid,
    MonthNotOver,
    NotAChildOfTheHousehold,
    NotARollCallPoint,
    NotEnrolled,
    UnitFull,
    UnitIncompatible,
)
from civicard.childhood.models import (
    BILLED,
    BILLED_AS_UNEXPECTED,
    HOLDS_A_PLACE,
    Activity,
    BilledLine,
    BillingMode,
    ChildEnrolment,
    DebtLimitOverride,
    EnrolmentStatus,
    Invoice,
    InvoiceStatus,
    Period,
    Reservation,
    RollCallPoint,
    State,
    Statement,
    Unit,
    UnitDay,
)
from civicard.core import audit
from civicard.core.errors import DomainError, InvalidInput
from civicard.core.idempotency import KEY_MAX_LENGTH, replay_or_run
from civicard.core.models import IdempotencyKey
from civicard.core.permissions import Role, check_role_over, holds_role
from civicard.people.models import Household, Person
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account

STAFF_ROLES = (Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
MAX_TEXT = 300


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_TEXT]


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def is_staff_for(actor, activity: Activity) -> bool:
    return holds_role(actor, *STAFF_ROLES, commune_id=activity.commune_id)


def _check_manages(actor, activity: Activity) -> None:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=activity.commune_id)


def guarded_by(person: Person | None):
    if person is None:
        return Household.objects.none()
    return Household.objects.filter(memberships__person=person, memberships__is_guardian=True)


def _household_for(actor, child: Person, activity: Activity) -> Household:
    """The child's household the actor acts for: one they guard, or any for staff."""
    households = Household.objects.filter(memberships__person=child)
    if not is_staff_for(actor, activity):
        person = getattr(actor, "person", None) if actor.is_authenticated else None
        households = households.filter(pk__in=guarded_by(person))
    household = households.order_by("pk").first()
    if household is None:
        raise NotAChildOfTheHousehold()
    return household


def _age_in_months(birth: date, on: date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def check_age(activity: Activity, child: Person, on: date) -> None:
    if child.birth_date is None:
        return
    months = _age_in_months(child.birth_date, max(on, activity.season_starts_on))
    if activity.min_age_months is not None and months < activity.min_age_months:
        raise ChildTooYoung()
    if activity.max_age_months is not None and months > activity.max_age_months:
        raise ChildTooOld()


# Set-up ----------------------------------------------------------------------------------------

def open_days(*, unit: Unit, days, actor, at: datetime) -> int:
    """Open the unit on each of `days` with its capacity; a day already open stays as it is.
    Returns how many days were opened."""
    _check_manages(actor, unit.activity)
    days = sorted({d for d in days if unit.activity.season_starts_on <= d
                   <= unit.activity.season_ends_on})
    with transaction.atomic():
        existing = set(UnitDay.objects.filter(unit=unit, day__in=days)
                       .values_list("day", flat=True))
        created = UnitDay.objects.bulk_create(
            [UnitDay(unit=unit, day=d, capacity=unit.capacity) for d in days
             if d not in existing])
        audit.record(actor=actor, action="childhood.days_opened", obj=unit, at=at,
                     extra={"count": len(created)})
    return len(created)


def school_days(*, starts_on: date, ends_on: date, weekdays, closed=()) -> list[date]:
    """The days from `starts_on` to `ends_on` on `weekdays` (0 = Monday) but `closed` ones."""
    closed, day, found = set(closed), starts_on, []
    while day <= ends_on:
        if day.weekday() in weekdays and day not in closed:
            found.append(day)
        day += timedelta(days=1)
    return found


def import_calendar(*, activity: Activity, text: str, actor, at: datetime) -> int:
    """Open every unit of the activity on the days of a CSV with a `date` column
    (YYYY-MM-DD); a bad row is reported with its number and nothing is opened."""
    rows = list(csv.DictReader(io.StringIO(text)))
    days, errors = [], {}
    for number, row in enumerate(rows, start=2):
        try:
            days.append(date.fromisoformat((row.get("date") or "").strip()))
        except ValueError:
            errors[f"row {number}"] = [_("Write the date as YYYY-MM-DD.")]
    if errors or not days:
        raise InvalidInput(fields=errors or {"file": [_("The file has no dates.")]})
    with transaction.atomic():
        return sum(open_days(unit=unit, days=days, actor=actor, at=at)
                   for unit in activity.units.all())


# Enrolments ------------------------------------------------------------------------------------

def enrol_child(*, activity: Activity, child: Person, actor, at: datetime, allergies: str = "",
                care_plan: str = "", authorised_pickup: str = "",
                photo_consent: bool = False) -> ChildEnrolment:
    """Enrol a child for the season, or put them on the waiting list when the places are taken
    (or others already wait: the list is served in order of request)."""
    household = _household_for(actor, child, activity)
    check_age(activity, child, local_day(at))
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        live = ChildEnrolment.objects.filter(activity=locked, status__in=[
            EnrolmentStatus.WAITING, EnrolmentStatus.ACTIVE])
        if live.filter(child=child).exists():
            raise AlreadyEnrolled()
        has_place = locked.places is None or (
            live.filter(status=EnrolmentStatus.ACTIVE).count() < locked.places
            and not live.filter(status=EnrolmentStatus.WAITING).exists())
        enrolment = ChildEnrolment.objects.create(
            activity=locked, child=child, household=household,
            status=EnrolmentStatus.ACTIVE if has_place else EnrolmentStatus.WAITING,
            requested_at=at, requested_by=actor if actor.is_authenticated else None,
            activated_at=at if has_place else None, allergies=_one_line(allergies),
            care_plan=_one_line(care_plan), authorised_pickup=_one_line(authorised_pickup),
            photo_consent=bool(photo_consent))
        if locked.service.has_wallet:
            wallets.open_account(household=household, service=locked.service, at=at)
        audit.record(actor=actor, action="childhood.enrolled", obj=enrolment, at=at,
                     extra={"status": enrolment.status})
    return enrolment


def cancel_enrolment(*, enrolment: ChildEnrolment, actor, at: datetime) -> ChildEnrolment:
    """End an enrolment: its bookings from today on are cancelled, and freed places go to the
    waiting list in order."""
    _household_for(actor, enrolment.child, enrolment.activity)
    with transaction.atomic():
        Activity.objects.select_for_update().get(pk=enrolment.activity_id)
        enrolment = ChildEnrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status == EnrolmentStatus.CANCELLED:
            return enrolment
        enrolment.status = EnrolmentStatus.CANCELLED
        enrolment.save(update_fields=["status"])
        for reservation in (Reservation.objects.select_related("unit_day")
                            .filter(enrolment=enrolment, state=State.RESERVED,
                                    unit_day__day__gte=local_day(at),
                                    unit_day__closed_at__isnull=True)):
            _move_state(reservation, State.CANCELLED, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.enrolment_cancelled", obj=enrolment, at=at)
        promote_waiting(activity=enrolment.activity, at=at)
    return enrolment


def promote_waiting(*, activity: Activity, at: datetime) -> list[ChildEnrolment]:
    """Give the free places to the oldest requests and tell their guardians. Runs in the
    caller's transaction, which holds the activity's lock."""
    free = None
    if activity.places is not None:
        active = ChildEnrolment.objects.filter(activity=activity,
                                               status=EnrolmentStatus.ACTIVE).count()
        free = max(activity.places - active, 0)
    waiting = ChildEnrolment.objects.filter(activity=activity, status=EnrolmentStatus.WAITING)
    promoted = list(waiting.select_related("child")[:free] if free is not None else waiting)
    for enrolment in promoted:
        enrolment.status, enrolment.activated_at = EnrolmentStatus.ACTIVE, at
        enrolment.save(update_fields=["status", "activated_at"])
        reminders.place_offered(enrolment, at)
    return promoted


# Reservations ----------------------------------------------------------------------------------

def _live_enrolment(child: Person, activity_id: int) -> ChildEnrolment:
    enrolment = (ChildEnrolment.objects.select_related("activity", "activity__service")
                 .filter(child=child, activity_id=activity_id, status=EnrolmentStatus.ACTIVE)
                 .first())
    if enrolment is None:
        raise NotEnrolled()
    return enrolment


def _unit_day(unit: Unit, day: date) -> UnitDay:
    unit_day = UnitDay.objects.filter(unit=unit, day=day).first()
    if unit_day is None:
        raise DayNotOpen()
    return unit_day


def _move_state(reservation: Reservation, state: str, *, actor, at: datetime, **times) -> None:
    """Change a reservation's state, moving the day's places with it. Taking a place fails
    (UnitFull) when none is left; any change fails (DayClosed) once the day is closed."""
    delta = (state in HOLDS_A_PLACE) - (reservation.state in HOLDS_A_PLACE)
    days = UnitDay.objects.filter(pk=reservation.unit_day_id, closed_at__isnull=True)
    if delta > 0:
        days = days.filter(booked__lt=F("capacity"))
    if not days.update(booked=F("booked") + delta):
        if UnitDay.objects.filter(pk=reservation.unit_day_id, closed_at__isnull=False).exists():
            raise DayClosed()
        raise UnitFull()
    reservation.state, reservation.changed_at = state, at
    reservation.changed_by = actor if getattr(actor, "is_authenticated", False) else None
    for name, value in times.items():
        setattr(reservation, name, value)
    reservation.save()


def deadline_passed(activity: Activity, day: date, at: datetime) -> bool:
    return at >= deadline_for(activity, day)


def owed_cents(household_id: int, activity: Activity) -> int:
    """What the household owes: its invoices left to pay, and what its wallet for the
    activity's service is below zero."""
    unpaid = sum(total - paid for total, paid in Invoice.objects.filter(
        household_id=household_id,
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID])
        .values_list("total_cents", "paid_cents"))
    balance = (Account.objects.filter(household_id=household_id, service_id=activity.service_id)
               .values_list("balance_cents", flat=True).first()) or 0
    return unpaid + max(-balance, 0)


def _check_debt(activity: Activity, household_id: int) -> None:
    """New bookings are refused when the household owes more than the activity's limit, or
    than its own limit when the town set one (none: never refused)."""
    override = DebtLimitOverride.objects.filter(household_id=household_id).first()
    limit = override.limit_cents if override else activity.debt_limit_cents
    if limit is not None and owed_cents(household_id, activity) > limit:
        raise DebtLimitReached()


def set_debt_limit(*, household: Household, limit_cents: int | None, actor,
                   at: datetime) -> DebtLimitOverride:
    """A manager sets a household's own debt limit (a payment plan): it replaces the
    activities' limits; None: its bookings are never refused for debt."""
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=household.commune_id)
    if limit_cents is not None and not 0 <= limit_cents <= 1_000_000_00:
        raise InvalidInput(fields={"limit": [_("Enter an amount such as 12.50.")]})
    with transaction.atomic():
        override, _created = DebtLimitOverride.objects.update_or_create(
            household=household, defaults={"limit_cents": limit_cents, "set_at": at,
                                           "set_by": actor})
        audit.record(actor=actor, action="childhood.debt_limit_set", obj=household, at=at,
                     extra={"limit_cents": limit_cents})
    return override


def reserve(*, child: Person, unit: Unit, day: date, actor, at: datetime) -> Reservation:
    """Book a day. Residents book before the deadline; staff may book later. Booking a day
    already booked returns its reservation."""
    activity = unit.activity
    _household_for(actor, child, activity)
    enrolment = _live_enrolment(child, activity.pk)
    unit_day = _unit_day(unit, day)
    if unit_day.closed_at is not None:
        raise DayClosed()
    if deadline_passed(activity, day, at) and not is_staff_for(actor, activity):
        raise DeadlinePassed(deadline=date_format(
            timezone.localtime(deadline_for(activity, day)), "DATETIME_FORMAT"))
    with transaction.atomic():
        enrolment = ChildEnrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise NotEnrolled()
        reservation = (Reservation.objects.select_for_update()
                       .filter(unit_day=unit_day, child=child).first())
        if reservation is not None and reservation.state not in (State.CANCELLED,
                                                                 State.LATE_CANCELLED):
            return reservation
        clash = (Reservation.objects.select_related("unit_day__unit")
                 .filter(child=child, unit_day__day=day, state__in=HOLDS_A_PLACE,
                         unit_day__unit__in=unit.incompatible.all()).first())
        if clash is not None:
            raise UnitIncompatible(unit=clash.unit_day.unit.name)
        _check_debt(activity, enrolment.household_id)
        if reservation is None:
            reservation = Reservation(unit_day=unit_day, child=child, enrolment=enrolment,
                                      state=State.CANCELLED)
        _move_state(reservation, State.RESERVED, actor=actor, at=at)
    return reservation


def cancel(*, child: Person, unit: Unit, day: date, actor, at: datetime) -> Reservation | None:
    """Cancel a booked day: free before the deadline, billed after it unless justified."""
    activity = unit.activity
    _household_for(actor, child, activity)
    unit_day = _unit_day(unit, day)
    with transaction.atomic():
        reservation = (Reservation.objects.select_for_update()
                       .filter(unit_day=unit_day, child=child).first())
        if reservation is None or reservation.state != State.RESERVED:
            return reservation
        late = deadline_passed(activity, day, at)
        _move_state(reservation, State.LATE_CANCELLED if late else State.CANCELLED,
                    actor=actor, at=at)
    return reservation


@dataclass
class DayResult:
    day: date
    reservation: Reservation | None = None
    error: DomainError | None = None


def reserve_pattern(*, child: Person, unit: Unit, weekdays, starts_on: date, ends_on: date,
                    actor, at: datetime) -> list[DayResult]:
    """Book every open day of the unit on `weekdays` between two dates ("Mondays and
    Thursdays until the holidays"); each day is booked or refused on its own."""
    days = (UnitDay.objects.filter(unit=unit, day__range=(starts_on, ends_on))
            .values_list("day", flat=True).order_by("day"))
    results = []
    for day in days:
        if day.weekday() not in weekdays:
            continue
        try:
            results.append(DayResult(day, reservation=reserve(child=child, unit=unit, day=day,
                                                              actor=actor, at=at)))
        except DomainError as error:
            results.append(DayResult(day, error=error))
    return results


def justify(*, reservation: Reservation, actor, at: datetime) -> Reservation:
    """Staff accept a justification (a medical certificate…): the absence is not billed."""
    activity = reservation.unit_day.unit.activity
    check_role_over(actor, *STAFF_ROLES, commune_id=activity.commune_id)
    with transaction.atomic():
        reservation = Reservation.objects.select_for_update().get(pk=reservation.pk)
        if reservation.state not in (State.RESERVED, State.ABSENT_UNJUSTIFIED,
                                     State.LATE_CANCELLED):
            raise MarkInvalid()
        _move_state(reservation, State.ABSENT_JUSTIFIED, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.absence_justified", obj=reservation, at=at)
    return reservation


# Roll-call -------------------------------------------------------------------------------------

class Mark:
    PRESENT = "present"
    ABSENT = "absent"
    COLLECTED = "collected"
    ALL = (PRESENT, ABSENT, COLLECTED)


def mark(*, unit_day: UnitDay, child: Person, mark: str, at: datetime,
         actor=None) -> Reservation:
    """Record a roll-call mark. Present: a booked child is present, any other enrolled child
    is an unexpected presence. Absent: a booked child is absent (not justified). Collected:
    a present child left at `at`. A mark already recorded changes nothing."""
    if mark not in Mark.ALL:
        raise MarkInvalid()
    activity = unit_day.unit.activity
    enrolment = (ChildEnrolment.objects.filter(child=child, activity=activity)
                 .exclude(status=EnrolmentStatus.WAITING)
                 .order_by("status", "-pk").first())  # "active" before "cancelled"
    if enrolment is None:
        raise NotEnrolled()
    with transaction.atomic():
        enrolment = ChildEnrolment.objects.select_for_update().get(pk=enrolment.pk)
        reservation = (Reservation.objects.select_for_update()
                       .filter(unit_day=unit_day, child=child).first())
        state = reservation.state if reservation else None
        if mark == Mark.PRESENT:
            if state in (State.PRESENT, State.UNEXPECTED):
                return reservation
            target = State.PRESENT if state in HOLDS_A_PLACE else State.UNEXPECTED
            if target == State.UNEXPECTED and enrolment.status != EnrolmentStatus.ACTIVE:
                raise NotEnrolled()
            if reservation is None:
                reservation = Reservation(unit_day=unit_day, child=child, enrolment=enrolment,
                                          state=State.CANCELLED)
            _move_state(reservation, target, actor=actor, at=at,
                        arrived_at=reservation.arrived_at or at)
        elif mark == Mark.ABSENT:
            if state in (State.RESERVED, State.PRESENT):
                _move_state(reservation, State.ABSENT_UNJUSTIFIED, actor=actor, at=at,
                            arrived_at=None, left_at=None)
            elif state == State.UNEXPECTED:
                _move_state(reservation, State.CANCELLED, actor=actor, at=at, arrived_at=None,
                            left_at=None)
            elif state is None:
                raise MarkInvalid()
        else:
            if state not in (State.PRESENT, State.UNEXPECTED):
                raise MarkInvalid()
            if reservation.left_at is None:
                _move_state(reservation, state, actor=actor, at=at, left_at=at)
    return reservation


def roll_call_unit(checkpoint_id: int) -> Unit:
    """The unit whose roll-call a checkpoint's terminals take, or NotARollCallPoint."""
    point = (RollCallPoint.objects.select_related("unit__activity")
             .filter(checkpoint_id=checkpoint_id).first())
    if point is None:
        raise NotARollCallPoint()
    return point.unit


@dataclass
class MarkResult:
    idempotency_key: str
    status: str  # recorded, duplicate, rejected
    code: str = ""
    state: str = ""
    name: str = ""
    allergies: bool = False


def _marked(*, unit: Unit, child: Person, mark_name: str, at: datetime, actor) -> dict:
    unit_day = UnitDay.objects.filter(unit=unit, day=local_day(at)).select_related(
        "unit__activity").first()
    if unit_day is None:
        raise DayNotOpen()
    reservation = mark(unit_day=unit_day, child=child, mark=mark_name, at=at, actor=actor)
    return {"state": reservation.state, "name": child.display_name,
            "allergies": bool(reservation.enrolment.allergies or reservation.enrolment.care_plan)}


def record_mark(*, scope: str, unit: Unit, idempotency_key: str, at: datetime | None,
                now: datetime, mark_name: str, credential: str | None = None,
                child_id: int | None = None, actor=None) -> MarkResult:
    """One roll-call mark sent by a tablet or a terminal, for the child behind a presented card
    (`credential`) or chosen on the list (`child_id`, staff pages), taken at `at` (else now).
    A retry with the same key returns the first answer and changes nothing; a refused mark
    records nothing."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > KEY_MAX_LENGTH:
        return MarkResult(key[:KEY_MAX_LENGTH], "rejected", "key_missing")
    payload = {"credential": credential, "child": child_id, "mark": mark_name,
               "at": at.isoformat() if at else None}
    at = at or now
    already = IdempotencyKey.objects.filter(scope=scope, key=key).exists()

    def run():
        if credential is not None:
            child = card_for_credential(credential, at).person
        else:
            child = Person.objects.filter(pk=child_id).first()
            if child is None:
                raise NotEnrolled()
        return 200, _marked(unit=unit, child=child, mark_name=mark_name, at=at, actor=actor)

    try:
        _status, body = replay_or_run(scope=scope, key=key, payload=payload, run=run)
    except DomainError as error:
        return MarkResult(key, "rejected", error.code)
    return MarkResult(key, "duplicate" if already else "recorded", **body)


MAX_MARKS = 500


def record_marks(*, scope: str, unit: Unit, marks: list[dict], now: datetime,
                 actor=None) -> list[MarkResult]:
    """Marks taken offline, each recorded or refused on its own (record_mark)."""
    if len(marks) > MAX_MARKS:
        raise InvalidInput(fields={"events": [_("Send at most 500 marks at a time.")]})
    return [record_mark(scope=scope, unit=unit, actor=actor, now=now, **m) for m in marks]


# Closing a month -------------------------------------------------------------------------------

def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def _ranks(activity: Activity) -> dict[int, int]:
    """Each enrolled child's rank among the household's children enrolled in the activity,
    the eldest first."""
    ranks, seen = {}, defaultdict(int)
    for child_id, household_id in (
            ChildEnrolment.objects.filter(activity=activity)
            .exclude(status=EnrolmentStatus.WAITING)
            .order_by("household_id", F("child__birth_date").asc(nulls_last=True), "child_id")
            .values_list("child_id", "household_id").distinct()):
        if (household_id, child_id) not in ranks:
            seen[household_id] += 1
            ranks[(household_id, child_id)] = seen[household_id]
    return ranks


@dataclass(frozen=True)
class Billable:
    """What pricing reads of a reservation, without building model instances."""

    pk: int
    state: str
    child_id: int
    household_id: int
    unit_id: int
    day: date
    arrived_at: datetime | None
    left_at: datetime | None

    def minutes(self, unit: Unit) -> int:
        if self.arrived_at and self.left_at and self.left_at > self.arrived_at:
            return int((self.left_at - self.arrived_at).total_seconds() // 60)
        return unit.planned_minutes


def billable(activity: Activity, first: date, last: date) -> list[Billable]:
    """The reservations of the activity's days between two dates in a billed state."""
    return [Billable(*row) for row in (
        Reservation.objects.filter(unit_day__unit__activity=activity,
                                   unit_day__day__range=(first, last),
                                   state__in=BILLED + BILLED_AS_UNEXPECTED)
        .order_by("pk").values_list("pk", "state", "child_id", "enrolment__household_id",
                                    "unit_day__unit_id", "unit_day__day", "arrived_at",
                                    "left_at"))]


def price_reservations(activity: Activity,
                       reservations: list[Billable]) -> dict[int, list[tuple[Billable, int]]]:
    """{household id: [(reservation, amount)]}: each reservation at its tariff."""
    units = {u.pk: u for u in activity.units.prefetch_related("prices")}
    prices = {pk: list(unit.prices.all()) for pk, unit in units.items()}
    ranks = _ranks(activity)
    brackets = dict(Household.objects.filter(pk__in={r.household_id for r in reservations})
                    .values_list("pk", "income_bracket_id"))
    lines = defaultdict(list)
    for reservation in reservations:
        unit = units[reservation.unit_id]
        price = pricing.best_price(prices[unit.pk], day=reservation.day,
                                   bracket_id=brackets.get(reservation.household_id),
                                   rank=ranks.get((reservation.household_id,
                                                   reservation.child_id), 1))
        amount = 0 if price is None else pricing.line_amount(
            price, pricing=unit.pricing, state=reservation.state,
            minutes=reservation.minutes(unit))
        lines[reservation.household_id].append((reservation, amount))
    return lines


def statement_key(period_id: int, household_id: int) -> str:
    """The idempotency key of a statement's wallet charge: one charge per household and month."""
    return f"childhood:period:{period_id}:household:{household_id}"


def close_month(*, activity: Activity, month: date, actor, at: datetime) -> Period:
    """Lock the month's days, price each billed reservation once, and bill each household's
    total: charged to its wallet for the activity's service under the service's shortage rule
    (a refusal is kept on the statement, to be charged again later), or put on an invoice
    numbered without gap (invoice mode). All in one transaction; closing a month already
    closed returns it and bills nothing more."""
    _check_manages(actor, activity)
    first, last = month_bounds(month)
    if last >= local_day(at):
        raise MonthNotOver()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().select_related(
            "service", "territory").get(pk=activity.pk)
        period = Period.objects.filter(activity=activity, month=first).first()
        if period is not None:
            return period
        period = Period.objects.create(activity=activity, month=first, closed_at=at,
                                       closed_by=actor)
        UnitDay.objects.filter(unit__activity=activity, day__range=(first, last)).update(
            closed_at=at)
        lines = price_reservations(activity, billable(activity, first, last))
        accounts = {a.household_id: a for a in Account.objects.select_related("service")
                    .filter(service=activity.service, household_id__in=lines)}
        statements = []
        for household_id, household_lines in sorted(lines.items()):
            statement = Statement(period=period, household_id=household_id,
                                  total_cents=sum(amount for _r, amount in household_lines))
            if activity.billing_mode == BillingMode.WALLET:
                _charge(statement, activity=activity, account=accounts.get(household_id),
                        actor=actor, at=at)
            statements.append(statement)
        Statement.objects.bulk_create(statements, batch_size=2000)
        if activity.billing_mode == BillingMode.INVOICE:
            invoices.issue(statements=statements, territory_id=activity.territory_id,
                           currency=activity.territory.currency, at=at)
        BilledLine.objects.bulk_create([
            BilledLine(reservation_id=reservation.pk, statement=statement,
                       state=reservation.state, amount_cents=amount)
            for statement in statements for reservation, amount in lines[statement.household_id]
        ], batch_size=5000)
        audit.record(actor=actor, action="childhood.month_closed", obj=period, at=at,
                     extra={"statements": len(statements)})
    return period


def _charge(statement: Statement, *, activity: Activity, actor, at: datetime,
            account: Account | None = None) -> None:
    """Charge the statement's total through wallets.operations.charge, in the caller's
    transaction; a refusal by the shortage rule writes nothing and is kept on the statement."""
    if statement.total_cents == 0 or not activity.service.has_wallet:
        return
    if account is None:
        account = wallets.open_account(household=statement.household,
                                       service=activity.service, at=at)
    try:
        statement.entry = wallets.charge(
            account=account, amount_cents=statement.total_cents,
            reason=f"{activity.name} {statement.period.month:%Y-%m}",
            idempotency_key=statement_key(statement.period_id, statement.household_id),
            actor=actor, at=at, joins_transaction=True)
        statement.refused_code = ""
    except DomainError as error:
        statement.refused_code = error.code


def charge_again(*, statement: Statement, actor, at: datetime) -> Statement:
    """Charge a statement the shortage rule refused, once the household has topped up."""
    activity = statement.period.activity
    check_role_over(actor, *STAFF_ROLES, commune_id=activity.commune_id)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().select_related(
            "period", "household").get(pk=statement.pk)
        if statement.entry_id is None and activity.billing_mode == BillingMode.WALLET:
            _charge(statement, activity=activity, actor=actor, at=at)
            statement.save(update_fields=["entry", "refused_code"])
    return statement

