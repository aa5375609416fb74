"""Every write of the childhood app: set-up, enrolments and their waiting list, reservations,
roll-call marks, and closing a month (priced once, charged to the wallets through
wallets.operations.charge).

Locks are taken in one order: activity, enrolment, unit day. A day's places are a counter
(`UnitDay.booked`) moved by compare-and-swap updates that check the capacity and that the day
is not closed, so two families taking the last place cannot both get it, and a day closed for
billing cannot change afterwards."""

import csv
import io
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.cards.queries import card_for_credential
from civicard.childhood import contracts, invoices, pricing, reminders
from civicard.childhood.deadlines import deadline_for
from civicard.childhood.exceptions import (
    AbsenceAlreadyDecided,
    AlreadyEnrolled,
    ChildTooOld,
    ChildTooYoung,
    ContractMonthBilled,
    ContractOutsideSeason,
    ContractOverlap,
    DayClosed,
    DayNotOpen,
    DeadlinePassed,
    DebtLimitReached,
    DocumentErased,
    DocumentNotAccepted,
    DocumentTooLarge,
    MarkInvalid,
    MonthNotOver,
    NotAChildOfTheHousehold,
    NotANursery,
    NotARollCallPoint,
    NotEnrolled,
    ScheduleInvalid,
    TermStillUnfunded,
    UnitFull,
    UnitIncompatible,
)
from civicard.childhood.models import (
    BILLED,
    BILLED_AS_UNEXPECTED,
    HOLDS_A_PLACE,
    Absence,
    AbsenceReason,
    AbsenceStatus,
    Activity,
    ActivityKind,
    BilledLine,
    BillingMode,
    ChildEnrolment,
    ContractCredit,
    ContractDay,
    ContractLine,
    DebtLimitOverride,
    Document,
    DocumentKind,
    EnrolmentStatus,
    Invoice,
    InvoiceStatus,
    NumberSeries,
    NurseryContract,
    Period,
    Reservation,
    RollCallPoint,
    State,
    Statement,
    TermCharge,
    Unit,
    UnitDay,
    UnitPrice,
)
from civicard.core import audit
from civicard.core.errors import DomainError, InvalidInput, PermissionRefused
from civicard.core.idempotency import KEY_MAX_LENGTH, replay_or_run
from civicard.core.models import IdempotencyKey
from civicard.core.permissions import Role, check_role_over, holds_role
from civicard.people.models import Household, Person
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
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


ACTIVITY_FIELDS = ("name", "kind", "service", "commune", "season_starts_on", "season_ends_on",
                   "places", "min_age_months", "max_age_months", "deadline_days_before",
                   "deadline_weekday", "deadline_time", "debt_limit_cents")


def save_activity(*, activity: Activity | None, fields: dict, actor, at: datetime) -> Activity:
    """Create or change an activity's season and rules, in a commune the actor manages (both
    the one it had and the one it gets)."""
    if activity is not None:
        _check_manages(actor, activity)
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=getattr(fields["commune"], "pk",
                                                                    None))
    if fields["season_ends_on"] < fields["season_starts_on"]:
        raise InvalidInput(fields={"season_ends_on": [_("The season must end after it starts.")]})
    with transaction.atomic():
        activity = activity or Activity(territory=fields["service"].territory)
        for name in ACTIVITY_FIELDS:
            setattr(activity, name, fields[name])
        activity.save()
        audit.record(actor=actor, action="childhood.activity_saved", obj=activity, at=at)
    return activity


def add_unit(*, activity: Activity, name: str, capacity: int, pricing: str,
             planned_minutes: int, incompatible, actor, at: datetime) -> Unit:
    """A unit of the activity (a meal, a morning…) with its daily places; the units it
    excludes on the same day (a full day excludes a morning)."""
    _check_manages(actor, activity)
    name = _one_line(name)[:80]
    if not name or activity.units.filter(name=name).exists():
        raise InvalidInput(fields={"name": [_("Give a name no other unit has.")]})
    with transaction.atomic():
        unit = Unit.objects.create(activity=activity, name=name, capacity=capacity,
                                   pricing=pricing, planned_minutes=planned_minutes)
        unit.incompatible.set([u for u in incompatible if u.activity_id == activity.pk])
        audit.record(actor=actor, action="childhood.unit_added", obj=unit, at=at)
    return unit


def add_price(*, unit: Unit, fields: dict, actor, at: datetime) -> UnitPrice:
    """A price of a unit for an income bracket (none: any) from a child rank on, from a date;
    per hour, with a floor and a ceiling."""
    _check_manages(actor, unit.activity)
    floor, ceiling = fields.get("floor_cents"), fields.get("ceiling_cents")
    if floor is not None and ceiling is not None and ceiling < floor:
        raise InvalidInput(fields={"ceiling_cents": [
            _("The ceiling must not be below the floor.")]})
    with transaction.atomic():
        price = UnitPrice.objects.create(unit=unit, **fields)
        audit.record(actor=actor, action="childhood.price_added", obj=price, at=at)
    return price


def holidays_from_csv(text: str) -> set[date]:
    """The days of a school-holiday calendar: a CSV with `start` and `end` columns
    (YYYY-MM-DD, both included). A bad row is reported with its number."""
    closed, errors = set(), []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            start = date.fromisoformat((row.get("start") or "").strip())
            end = date.fromisoformat((row.get("end") or "").strip())
            if end < start or (end - start).days > 366:
                raise ValueError
        except ValueError:
            errors.append(_("Row %(row)s: write the start and the end as YYYY-MM-DD, the end "
                            "after the start.") % {"row": number})
            continue
        closed |= {start + timedelta(days=n) for n in range((end - start).days + 1)}
    if errors:
        raise InvalidInput(fields={"holidays": errors})
    return closed


def open_season(*, activity: Activity, weekdays, holidays_csv: str, actor,
                at: datetime) -> int:
    """Open every unit of the activity on its season's `weekdays` but the school holidays of
    the CSV (nothing is opened when a row is bad). Returns how many unit days were opened."""
    _check_manages(actor, activity)
    closed = holidays_from_csv(holidays_csv) if holidays_csv.strip() else set()
    days = school_days(starts_on=activity.season_starts_on, ends_on=activity.season_ends_on,
                       weekdays=set(weekdays), closed=closed)
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
        if enrolment.status == EnrolmentStatus.ACTIVE:
            bill_term(enrolment, activity=locked, actor=actor, at=at)
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
        refund_term(enrolment, actor=actor, at=at)
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
        try:
            with transaction.atomic():
                bill_term(enrolment, activity=activity, actor=None, at=at)
        except DomainError as error:  # the service's rule refused: kept, charged again later
            TermCharge.objects.filter(enrolment=enrolment).delete()
            _term_refused(enrolment, activity, error.code, at)
        reminders.place_offered(enrolment, at)
    return promoted


def _term_price(enrolment: ChildEnrolment, activity: Activity) -> tuple[int, int]:
    """(sessions, price of one) of a term of lessons for the enrolment's household: the
    sessions opened for the activity's first unit, at its price for the household's bracket
    and the child's rank."""
    unit = activity.units.order_by("pk").prefetch_related("prices").first()
    if unit is None:
        return 0, 0
    sessions = UnitDay.objects.filter(unit=unit).count()
    rank = 1 + ChildEnrolment.objects.filter(
        activity=activity, household_id=enrolment.household_id,
        status=EnrolmentStatus.ACTIVE, pk__lt=enrolment.pk).count()
    price = pricing.best_price(list(unit.prices.all()), day=activity.season_starts_on,
                               bracket_id=enrolment.household.income_bracket_id, rank=rank)
    return sessions, 0 if price is None else price.amount_cents


def term_key(enrolment: ChildEnrolment) -> str:
    return f"childhood:term:{enrolment.pk}"


def bill_term(enrolment: ChildEnrolment, *, activity: Activity, actor, at: datetime
              ) -> TermCharge | None:
    """Lessons: the whole term billed once when the child gets a place: charged through the
    wallet for the activity's service under its shortage rule (a pool refuses when unfunded:
    the enrolment is refused with the wallet's code), or — billed by invoice — put on an
    invoice of its own, payable like the monthly ones. In the caller's transaction."""
    by_invoice = activity.billing_mode == BillingMode.INVOICE
    if activity.kind != ActivityKind.LESSONS or not (by_invoice or activity.service.has_wallet):
        return None
    billed = TermCharge.objects.filter(enrolment=enrolment).first()
    if billed is not None:  # billed once: a retry writes nothing more
        return billed
    sessions, price = _term_price(enrolment, activity)
    if sessions * price == 0:
        return None
    if by_invoice:
        term = TermCharge.objects.create(enrolment=enrolment, sessions=sessions,
                                         session_price_cents=price,
                                         amount_cents=sessions * price, billed_at=at)
        invoice = invoices.issue_term(term=term, activity=activity, at=at)
        audit.record(actor=actor, action="childhood.term_invoiced", obj=term, at=at,
                     extra={"invoice": invoice.number, "amount_cents": term.amount_cents})
        return term
    account = wallets.open_account(household=enrolment.household, service=activity.service,
                                   at=at)
    entry = wallets.charge(account=account, amount_cents=sessions * price,
                           reason=activity.name, idempotency_key=term_key(enrolment),
                           actor=actor, at=at, joins_transaction=True)
    return TermCharge.objects.create(enrolment=enrolment, sessions=sessions,
                                     session_price_cents=price, amount_cents=sessions * price,
                                     billed_at=at, entry=entry)


def _term_refused(enrolment: ChildEnrolment, activity: Activity, code: str, at: datetime):
    sessions, price = _term_price(enrolment, activity)
    TermCharge.objects.create(enrolment=enrolment, sessions=sessions, session_price_cents=price,
                              amount_cents=sessions * price, billed_at=at, refused_code=code)


def charge_term_again(*, enrolment: ChildEnrolment, actor, at: datetime) -> TermCharge:
    """Charge again a term the shortage rule refused when the child got a place: the staff of
    the activity, or a guardian once they topped up. Once under retries: the term's row is
    locked and the wallet charge keeps the term's idempotency key, so a charged term is
    returned as it is; still unfunded → `term_still_unfunded`, nothing written."""
    activity = enrolment.activity
    if not is_staff_for(actor, activity):
        person = getattr(actor, "person", None) if actor.is_authenticated else None
        if not guarded_by(person).filter(pk=enrolment.household_id).exists():
            raise NotAChildOfTheHousehold()
    with transaction.atomic(durable=True):
        term = TermCharge.objects.select_for_update().select_related(
            "enrolment__household").get(enrolment=enrolment)
        if not term.refused_code:  # charged, given back, or billed by invoice
            return term
        account = wallets.open_account(household=term.enrolment.household,
                                       service=activity.service, at=at)
        try:
            with transaction.atomic():
                term.entry = wallets.charge(
                    account=account, amount_cents=term.amount_cents, reason=activity.name,
                    idempotency_key=term_key(enrolment), actor=actor, at=at,
                    joins_transaction=True)
        except DomainError as error:
            raise TermStillUnfunded() from error
        term.refused_code = ""
        term.save(update_fields=["entry", "refused_code"])
        audit.record(actor=actor, action="childhood.term_charged", obj=term, at=at,
                     extra={"amount_cents": term.amount_cents})
    return term


def refund_term(enrolment: ChildEnrolment, *, actor, at: datetime) -> None:
    """A child who leaves before the first session of the term gets it back (in the caller's
    transaction): a refund of the wallet charge, or a credit note of the term's invoice (what
    was paid on it refunded into the wallet); from the first session on, the term stays
    billed."""
    first = (UnitDay.objects.filter(unit__activity_id=enrolment.activity_id)
             .order_by("day").values_list("day", flat=True).first())
    if first is None or local_day(at) >= first:
        return
    invoice = Invoice.objects.filter(term__enrolment=enrolment).first()
    if invoice is not None:
        invoices.credit_term(invoice=invoice, first_session=first, actor=actor, at=at)
        return
    charge = TermCharge.objects.filter(enrolment=enrolment, entry__isnull=False,
                                       refund__isnull=True).select_related("entry").first()
    if charge is None:
        return
    charge.refund = wallets.refund_owed(
        account=charge.entry.account, amount_cents=charge.amount_cents,
        reason=enrolment.activity.name, idempotency_key=f"{term_key(enrolment)}:refund",
        actor=actor, at=at)
    charge.save(update_fields=["refund"])


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
            expected = state in HOLDS_A_PLACE or (state is None and NurseryContract.objects
                                                  .filter(enrolment=enrolment,
                                                          starts_on__lte=unit_day.day,
                                                          ends_on__gte=unit_day.day).exists())
            target = State.PRESENT if expected else State.UNEXPECTED
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
    message: str = ""  # a refusal in the reader's language, for the staff's roll-call page
    state: str = ""
    name: str = ""
    allergies: bool = False


def _marked(*, unit: Unit, day: date, child: Person, mark_name: str, at: datetime,
            actor) -> dict:
    unit_day = UnitDay.objects.filter(unit=unit, day=day).select_related(
        "unit__activity").first()
    if unit_day is None:
        raise DayNotOpen()
    reservation = mark(unit_day=unit_day, child=child, mark=mark_name, at=at, actor=actor)
    return {"state": reservation.state, "name": child.display_name,
            "allergies": bool(reservation.enrolment.allergies or reservation.enrolment.care_plan)}


def record_mark(*, scope: str, unit: Unit, idempotency_key: str, at: datetime | None,
                now: datetime, mark_name: str, credential: str | None = None,
                child_id: int | None = None, day: date | None = None,
                actor=None) -> MarkResult:
    """One roll-call mark sent by a tablet or a terminal, for the child behind a presented card
    (`credential`) or chosen on the list (`child_id`, staff pages), taken at `at` (else now),
    for `day` (a staff page's day), else for the day of `at`.
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
        return 200, _marked(unit=unit, day=day or local_day(at), child=child,
                            mark_name=mark_name, at=at, actor=actor)

    try:
        _status, body = replay_or_run(scope=scope, key=key, payload=payload, run=run)
    except DomainError as error:
        return MarkResult(key, "rejected", error.code, message=error.text())
    return MarkResult(key, "duplicate" if already else "recorded", **body)


MAX_MARKS = 500


def record_marks(*, scope: str, unit: Unit, marks: list[dict], now: datetime,
                 day: date | None = None, actor=None) -> list[MarkResult]:
    """Marks taken offline, each recorded or refused on its own (record_mark)."""
    if len(marks) > MAX_MARKS:
        raise InvalidInput(fields={"events": [_("Send at most 500 marks at a time.")]})
    return [record_mark(scope=scope, unit=unit, day=day, actor=actor, now=now, **m)
            for m in marks]


# Closing a month -------------------------------------------------------------------------------

def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, pricing.month_end(first)


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
    """The reservations of the activity's days between two dates in a billed state, but the
    days inside a nursery contract (the contract bills them)."""
    if activity.kind == ActivityKind.LESSONS:
        return []  # billed by the term, when the child got the place
    covered = contracts.covered_days(contracts.contracts_in(activity, first, last))
    rows = (Reservation.objects.filter(unit_day__unit__activity=activity,
                                       unit_day__day__range=(first, last),
                                       state__in=BILLED + BILLED_AS_UNEXPECTED)
            .order_by("pk").values_list("pk", "state", "child_id", "enrolment__household_id",
                                        "unit_day__unit_id", "unit_day__day", "arrived_at",
                                        "left_at"))
    return [Billable(*row) for row in rows if (row[2], row[5]) not in covered]


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
        contract_lines = contracts.priced_contracts(activity, first, last, decided_by=at)
        beyond_bill = {}
        for household_id, balances in contracts.balances_due(activity, first, last,
                                                             contract_lines).items():
            contract_lines[household_id], beyond_bill[household_id] = contracts.limit_to_bill(
                contract_lines[household_id] + balances,
                sum(amount for _r, amount in lines[household_id]))
        households = sorted(lines.keys() | contract_lines.keys())
        accounts = {a.household_id: a for a in Account.objects.select_related("service")
                    .filter(service=activity.service, household_id__in=households)}
        statements = []
        for household_id in households:
            statement = Statement(period=period, household_id=household_id, total_cents=sum(
                [amount for _r, amount in lines[household_id]]
                + [line.amount_cents for _c, line in contract_lines[household_id]]))
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
        ContractLine.objects.bulk_create([
            ContractLine(statement=statement, contract=contract, kind=line.kind,
                         minutes=line.minutes, hourly_rate_cents=line.hourly_rate_cents,
                         amount_cents=line.amount_cents)
            for statement in statements
            for contract, line in contract_lines[statement.household_id]])
        _credit_beyond_bill(activity, statements, beyond_bill, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.month_closed", obj=period, at=at,
                     extra={"statements": len(statements)})
    return period


def _credit_beyond_bill(activity: Activity, statements: list[Statement],
                        beyond_bill: dict[int, list[tuple[NurseryContract, int]]], *, actor,
                        at: datetime) -> None:
    """What an end-of-contract reconciliation gives back beyond the month's bill: a credit
    note numbered in the credit-note series, refunded into the household's wallet for the
    activity's service, in the closing's transaction (decision 0025). A contract is
    reconciled once (`balances_due`), so its credit is written once."""
    credits = [(statement, contract, cents) for statement in statements
               for contract, cents in beyond_bill.get(statement.household_id, [])]
    if not credits:
        return
    year = timezone.localtime(at).year
    first = invoices.take_numbers(territory_id=activity.territory_id,
                                  series=NumberSeries.CREDIT_NOTE, year=year, count=len(credits))
    for offset, (statement, contract, cents) in enumerate(credits):
        credit = ContractCredit(contract=contract, statement=statement,
                                territory_id=activity.territory_id, year=year,
                                sequence=first + offset, issued_at=at, amount_cents=cents)
        account = wallets.open_account(household=statement.household, service=activity.service,
                                       at=at)
        credit.refund = wallets.refund_owed(
            account=account, amount_cents=cents,
            reason=Label("credit_note", {"number": credit.number}),
            idempotency_key=f"childhood:contract:{contract.pk}:credit", actor=actor, at=at)
        credit.save()


def _charge(statement: Statement, *, activity: Activity, actor, at: datetime,
            account: Account | None = None, credited_cents: int = 0) -> None:
    """Charge the statement's total, less what credit notes took off it before
    (`credited_cents`), through wallets.operations.charge, in the caller's transaction; a
    refusal by the shortage rule writes nothing and is kept on the statement."""
    amount = statement.total_cents - credited_cents
    if amount == 0 or not activity.service.has_wallet:
        return
    if account is None:
        account = wallets.open_account(household=statement.household,
                                       service=activity.service, at=at)
    try:
        statement.entry = wallets.charge(
            account=account, amount_cents=amount,
            reason=Label("month_charge", {"activity": activity.name,
                                          "month": f"{statement.period.month:%Y-%m}"}),
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
            _charge(statement, activity=activity, actor=actor, at=at,
                    credited_cents=statement.credited_cents())
            statement.save(update_fields=["entry", "refused_code"])
    return statement



# Nursery contracts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractTerms:
    """What a manager enters for a contract. `schedule`: {weekday (0 = Monday): (from, to)}."""

    starts_on: date
    ends_on: date
    schedule: dict[int, tuple[time, time]]
    closure_weeks: int
    holiday_weeks: int
    monthly_resources_cents: int
    dependent_children: int
    disabled_child: bool


def _check_terms(activity: Activity, terms: ContractTerms) -> None:
    if activity.kind != ActivityKind.NURSERY:
        raise NotANursery()
    if not (activity.season_starts_on <= terms.starts_on <= terms.ends_on
            <= activity.season_ends_on):
        raise ContractOutsideSeason(fields={"ends_on": [ContractOutsideSeason.message]})
    if not terms.schedule or any(weekday not in range(7) or not start < end
                                 for weekday, (start, end) in terms.schedule.items()):
        raise ScheduleInvalid()
    if not 1 <= terms.dependent_children <= 30 or terms.monthly_resources_cents < 0:
        raise InvalidInput()


def first_changeable_day(activity: Activity) -> date | None:
    """The first day after the activity's last closed month (None: nothing closed yet)."""
    last = activity.periods.order_by("-month").values_list("month", flat=True).first()
    return None if last is None else month_bounds(last)[1] + timedelta(days=1)


def _check_not_billed(activity: Activity, starts_on: date) -> None:
    """Nothing may change in a month already closed: a contract or a change starts after."""
    first = first_changeable_day(activity)
    if first is not None and starts_on < first:
        last_day_billed = first - timedelta(days=1)
        raise ContractMonthBilled(month=date_format(last_day_billed, "YEAR_MONTH_FORMAT"))


def _write_contract(enrolment: ChildEnrolment, terms: ContractTerms, *, actor, at: datetime,
                    contract: NurseryContract | None = None) -> NurseryContract:
    overlapping = NurseryContract.objects.filter(enrolment=enrolment,
                                                 starts_on__lte=terms.ends_on,
                                                 ends_on__gte=terms.starts_on)
    if contract is not None:
        overlapping = overlapping.exclude(pk=contract.pk)
    if overlapping.exists():
        raise ContractOverlap()
    contract = contract or NurseryContract(enrolment=enrolment)
    for name in ("starts_on", "ends_on", "closure_weeks", "holiday_weeks",
                 "monthly_resources_cents", "dependent_children", "disabled_child"):
        setattr(contract, name, getattr(terms, name))
    contract.weeks_of_care = pricing.contract_weeks(
        terms.starts_on, terms.ends_on, closure_weeks=terms.closure_weeks,
        holiday_weeks=terms.holiday_weeks)
    contract.months = pricing.contract_months(terms.starts_on, terms.ends_on)
    contract.created_at, contract.created_by = at, actor
    contract.save()
    contract.days.all().delete()
    ContractDay.objects.bulk_create([
        ContractDay(contract=contract, weekday=weekday, starts_at=start, ends_at=end)
        for weekday, (start, end) in sorted(terms.schedule.items())])
    return contract


def create_contract(*, enrolment: ChildEnrolment, terms: ContractTerms, actor,
                    at: datetime) -> NurseryContract:
    """A nursery contract for an enrolled child, from a day after the last billed month."""
    activity = enrolment.activity
    _check_manages(actor, activity)
    _check_terms(activity, terms)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        enrolment = ChildEnrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise NotEnrolled()
        _check_not_billed(activity, terms.starts_on)
        contract = _write_contract(enrolment, terms, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.contract_created", obj=contract, at=at)
    return contract


def change_contract(*, contract: NurseryContract, terms: ContractTerms, actor,
                    at: datetime) -> NurseryContract:
    """New terms from `terms.starts_on`, after the last billed month: the same contract when
    nothing of it was billed yet and the date is its start, otherwise the contract ends the
    day before and a new one begins (a billed month keeps its terms)."""
    activity = contract.enrolment.activity
    _check_manages(actor, activity)
    _check_terms(activity, terms)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        enrolment = ChildEnrolment.objects.select_for_update().get(pk=contract.enrolment_id)
        contract = NurseryContract.objects.select_for_update().get(pk=contract.pk)
        _check_not_billed(activity, terms.starts_on)
        if not contract.starts_on <= terms.starts_on <= contract.ends_on:
            raise ContractOverlap(fields={"starts_on": [
                _("The change must start during the contract.")]})
        if terms.starts_on == contract.starts_on:
            changed = _write_contract(enrolment, terms, actor=actor, at=at, contract=contract)
        else:
            contract.ends_on = terms.starts_on - timedelta(days=1)
            contract.save(update_fields=["ends_on"])
            changed = _write_contract(enrolment, terms, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.contract_changed", obj=changed, at=at,
                     extra={"from": contract.pk})
    return changed


# Documents -------------------------------------------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Kept until a year after the end of the activity's season, then erased (erase_documents).
DOCUMENT_RETENTION = timedelta(days=365)
# What a file's first bytes say it is; its name and declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG, PNG or WebP file, from its magic bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def can_read_documents(reader, enrolment: ChildEnrolment) -> bool:
    person = getattr(reader, "person", None) if reader.is_authenticated else None
    return (is_staff_for(reader, enrolment.activity)
            or guarded_by(person).filter(pk=enrolment.household_id).exists())


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str
    name: str


def check_upload(upload) -> CheckedFile:
    """An uploaded file read and checked: at most 10 MB, a PDF or an image by its content."""
    if upload.size > DOCUMENT_MAX_BYTES:
        raise DocumentTooLarge(fields={"file": [DocumentTooLarge.message]})
    upload.seek(0)
    content = upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise DocumentTooLarge(fields={"file": [DocumentTooLarge.message]})
    found = sniff(content[:16])
    if found is None:
        raise DocumentNotAccepted(fields={"file": [DocumentNotAccepted.message]})
    return CheckedFile(content, *found, name=_one_line(getattr(upload, "name", ""))[:120])


def _store(enrolment: ChildEnrolment, kind: str, checked: CheckedFile, *, actor,
           at: datetime, stored: list) -> Document:
    """Write the file to the storage and its row (in the caller's transaction, which deletes
    the files in `stored` when it fails)."""
    document = Document(enrolment=enrolment, kind=kind, content_type=checked.content_type,
                        name=checked.name or kind, size=len(checked.content), uploaded_at=at,
                        uploaded_by=actor if actor.is_authenticated else None,
                        erase_after=enrolment.activity.season_ends_on + DOCUMENT_RETENTION)
    document.file.save(f"{secrets.token_hex(16)}.{checked.extension}",
                       ContentFile(checked.content), save=False)
    stored.append(document.file)
    document.save()
    audit.record(actor=actor, action="childhood.document_uploaded", obj=document, at=at)
    return document


def _atomic_with_files(write):
    """Run `write(stored)` in a transaction; if it fails, the files it stored are deleted."""
    stored = []
    try:
        with transaction.atomic():
            return write(stored)
    except BaseException:
        for file in stored:
            file.delete(save=False)
        raise


def upload_document(*, enrolment: ChildEnrolment, kind: str, upload, actor,
                    at: datetime) -> Document:
    """Attach a PDF or an image (at most 10 MB) to an enrolment, by a guardian or staff."""
    _household_for(actor, enrolment.child, enrolment.activity)
    if kind not in DocumentKind.values:
        raise InvalidInput(fields={"kind": [_("Choose the kind of document.")]})
    checked = check_upload(upload)
    return _atomic_with_files(lambda stored: _store(enrolment, kind, checked, actor=actor,
                                                    at=at, stored=stored))


def read_document(*, document: Document, reader, at: datetime):
    """The document's file for a guardian of the child or the activity's staff; every staff
    read is written to the audit log."""
    enrolment = document.enrolment
    if not can_read_documents(reader, enrolment):
        raise PermissionRefused()
    if document.erased_at is not None or not document.file:
        raise DocumentErased()
    if is_staff_for(reader, enrolment.activity):
        audit.record(actor=reader, action="childhood.document_read", obj=document, at=at)
    return document.file.open("rb")


def erase_documents(*, on: date, at: datetime) -> int:
    """Erase the content of every document whose retention ended before `on`; the row stays,
    marked erased. Returns how many were erased."""
    erased = 0
    for document in Document.objects.filter(erase_after__lt=on, erased_at__isnull=True):
        document.file.delete(save=False)
        document.name, document.erased_at = "", at
        document.save(update_fields=["file", "name", "erased_at"])
        audit.record(actor=None, action="childhood.document_erased", obj=document, at=at)
        erased += 1
    return erased


# Absences --------------------------------------------------------------------------------------

NEEDS_A_CERTIFICATE = (AbsenceReason.ILLNESS, AbsenceReason.HOSPITALISATION)


def declare_absence(*, enrolment: ChildEnrolment, reason: str, starts_on: date, ends_on: date,
                    upload, actor, at: datetime) -> Absence:
    """A guardian (or staff) justifies an absence with its certificate, for staff to accept
    or refuse. A closure of the nursery is recorded by staff, without a certificate."""
    activity = enrolment.activity
    _household_for(actor, enrolment.child, activity)
    if reason not in AbsenceReason.values:
        raise InvalidInput(fields={"reason": [_("Choose a reason.")]})
    if reason == AbsenceReason.CLOSURE and not is_staff_for(actor, activity):
        raise PermissionRefused()
    if not (activity.season_starts_on <= starts_on <= ends_on <= activity.season_ends_on):
        raise InvalidInput(fields={"ends_on": [
            _("The days must be within the activity's season, the last after the first.")]})
    if upload is None and reason in NEEDS_A_CERTIFICATE:
        raise InvalidInput(fields={"file": [_("Add the certificate.")]})
    checked = None if upload is None else check_upload(upload)

    def write(stored):
        document = None if checked is None else _store(
            enrolment, DocumentKind.MEDICAL, checked, actor=actor, at=at, stored=stored)
        absence = Absence.objects.create(
            enrolment=enrolment, reason=reason, starts_on=starts_on, ends_on=ends_on,
            document=document, requested_at=at,
            requested_by=actor if actor.is_authenticated else None)
        audit.record(actor=actor, action="childhood.absence_declared", obj=absence, at=at)
        return absence

    return _atomic_with_files(write)


def _credit_closed_days(absence: Absence, *, actor, at: datetime) -> None:
    """An absence accepted after its month was closed: the closed month keeps its lines
    (corrections are credit notes, never edits), and each month's bill gets one credit note
    with the absence as its reason (invoices.credit_absence): the days it covers that were
    billed as absences, and for a nursery contract the hours it adds to the month's
    deduction. Once: an absence is decided once, a line credited in full is never credited
    again, and a contract's month is credited up to what the deduction is now."""
    wanted = defaultdict(list)
    for line in (BilledLine.objects.filter(
            reservation__enrolment=absence.enrolment,
            reservation__unit_day__day__range=(absence.starts_on, absence.ends_on),
            state__in=(State.RESERVED, State.ABSENT_UNJUSTIFIED, State.LATE_CANCELLED),
            amount_cents__gt=0).select_related("statement").order_by("pk")):
        wanted[line.statement].append((line, line.amount_cents))
    for statement, line, cents in contracts.deductions_after_closing(absence, at=at):
        wanted[statement].append((line, cents))
    reason = invoices.Reason(code="absence", params={
        "absence": absence.pk, "reason": absence.reason, "first": absence.starts_on.isoformat(),
        "last": absence.ends_on.isoformat()})
    for statement, lines in sorted(wanted.items(), key=lambda item: item[0].pk):
        invoices.credit_absence(statement=statement, wanted=lines, reason=reason, actor=actor,
                                at=at)


def decide_absence(*, absence: Absence, accept: bool, actor, at: datetime) -> Absence:
    """Staff accept or refuse a justified absence. Accepted: the child's booked days of the
    activity in those dates, not yet closed, become justified absences (not billed); those of
    a closed month are credited (`_credit_closed_days`); a nursery contract deducts its hours
    when the month is closed, or by a credit note when it was closed already."""
    activity = absence.enrolment.activity
    check_role_over(actor, *STAFF_ROLES, commune_id=activity.commune_id)
    with transaction.atomic():
        # The child's decisions one at a time: what a closed month still owes is read once
        # the ones before it are written.
        ChildEnrolment.objects.select_for_update().get(pk=absence.enrolment_id)
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        if absence.status != AbsenceStatus.PENDING:
            raise AbsenceAlreadyDecided()
        absence.status = AbsenceStatus.ACCEPTED if accept else AbsenceStatus.REFUSED
        absence.decided_at, absence.decided_by = at, actor
        absence.save(update_fields=["status", "decided_at", "decided_by"])
        if accept:
            for reservation in (Reservation.objects.select_for_update()
                                .filter(enrolment=absence.enrolment,
                                        unit_day__day__range=(absence.starts_on,
                                                              absence.ends_on),
                                        unit_day__closed_at__isnull=True,
                                        state__in=(State.RESERVED, State.ABSENT_UNJUSTIFIED,
                                                   State.LATE_CANCELLED))
                                .order_by("pk")):
                _move_state(reservation, State.ABSENT_JUSTIFIED, actor=actor, at=at)
            _credit_closed_days(absence, actor=actor, at=at)
        audit.record(actor=actor, action="childhood.absence_decided", obj=absence, at=at,
                     extra={"status": absence.status})
    return absence
