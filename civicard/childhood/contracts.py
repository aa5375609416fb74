"""Nursery contracts read for a month: the monthly amount, the hours beyond the contract taken
from the roll-call times, and the justified absences deducted. The arithmetic is in `pricing`;
closing a month (operations.close_month), the billing check and the family page use these."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from civicard.childhood import pricing
from civicard.childhood.models import (
    Absence,
    AbsenceReason,
    AbsenceStatus,
    Activity,
    ContractLineKind,
    NurseryContract,
    NurseryFloor,
    Reservation,
    State,
    UnitDay,
)


def nursery_floor(territory_id: int | None, on: date) -> int | None:
    """The monthly resources floor the manager entered for the year of `on`."""
    floors = NurseryFloor.objects.filter(valid_from__lte=on)
    if territory_id is not None:
        floors = floors.filter(territory_id=territory_id)
    return floors.values_list("monthly_cents", flat=True).first()


def hourly_rate(contract: NurseryContract, on: date) -> pricing.NurseryRate:
    return pricing.nursery_rate(
        monthly_resources_cents=contract.monthly_resources_cents,
        children=contract.dependent_children, disabled_child=contract.disabled_child, on=on,
        floor_cents=nursery_floor(contract.enrolment.activity.territory_id, on))


def _minutes(at) -> int:
    return at.hour * 60 + at.minute


def schedule(contract: NurseryContract) -> dict[int, tuple[int, int]]:
    """{weekday: (first minute, last minute)} of the contracted hours."""
    return {d.weekday: (_minutes(d.starts_at), _minutes(d.ends_at)) for d in contract.days.all()}


def weekly_minutes(contract: NurseryContract) -> int:
    return sum(end - start for start, end in schedule(contract).values())


def contract_terms(contract: NurseryContract) -> tuple[int, int]:
    """(weeks of care, months) of the contract, as fixed when its terms were written."""
    return contract.weeks_of_care, contract.months


@dataclass(frozen=True)
class Line:
    kind: str
    minutes: int
    hourly_rate_cents: int
    amount_cents: int


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _local_minutes(at: datetime) -> int:
    return _minutes(timezone.localtime(at))


def extra_minutes(contract: NurseryContract, first: date, last: date) -> int:
    """The minutes beyond the contract from the roll-call times of the child's presences
    (arrival and departure both recorded) in the nursery between two dates."""
    hours = schedule(contract)
    total = 0
    for day, arrived, left in (
            Reservation.objects.filter(
                child_id=contract.enrolment.child_id,
                unit_day__unit__activity_id=contract.enrolment.activity_id,
                unit_day__day__range=(first, last), state__in=[State.PRESENT, State.UNEXPECTED],
                arrived_at__isnull=False, left_at__isnull=False)
            .order_by("pk").values_list("unit_day__day", "arrived_at", "left_at")):
        if left > arrived:
            total += pricing.extra_minutes(arrived=_local_minutes(arrived),
                                           left=_local_minutes(left),
                                           contracted=hours.get(day.weekday()))
    return total


def deducted_minutes(contract: NurseryContract, first: date, last: date, *,
                     decided_by: datetime) -> int:
    """The contracted minutes of the days between two dates covered by an absence accepted
    by `decided_by`: an illness after its waiting days and on a day the nursery was open, a
    hospitalisation on a day it was open, a closure of the nursery on any contracted day."""
    hours = schedule(contract)
    absences = Absence.objects.filter(enrolment_id=contract.enrolment_id,
                                      status=AbsenceStatus.ACCEPTED, starts_on__lte=last,
                                      ends_on__gte=first, decided_at__lte=decided_by)
    open_days = set(UnitDay.objects.filter(unit__activity_id=contract.enrolment.activity_id,
                                           day__range=(first, last))
                    .values_list("day", flat=True))
    deducted = set()
    for absence in absences:
        from_day = absence.starts_on
        if absence.reason == AbsenceReason.ILLNESS:
            from_day += timedelta(days=pricing.ILLNESS_WAITING_DAYS)
        for day in _days(max(from_day, first), min(absence.ends_on, last)):
            if day.weekday() in hours and (absence.reason == AbsenceReason.CLOSURE
                                           or day in open_days):
                deducted.add(day)
    return sum(hours[day.weekday()][1] - hours[day.weekday()][0] for day in deducted)


def month_lines(contract: NurseryContract, month: date, *, decided_by: datetime,
                until: date | None = None) -> list[Line]:
    """A contract's lines for the month starting on `month` (the days up to `until` only,
    for a month not over yet): the monthly amount, the hours beyond the contract and the
    absences accepted by `decided_by` deducted — never more than the monthly amount."""
    first = max(month, contract.starts_on)
    last = min(pricing.month_end(month), contract.ends_on, until or contract.ends_on)
    rate = hourly_rate(contract, first).hourly_rate_cents
    weeks, months = contract_terms(contract)
    weekly = weekly_minutes(contract)
    monthly = pricing.monthly_amount(weekly_minutes=weekly, weeks=weeks, months=months,
                                     hourly_rate_cents=rate)
    lines = [Line(ContractLineKind.MONTHLY, weekly * weeks // months, rate, monthly)]
    extra = extra_minutes(contract, first, last)
    if extra:
        lines.append(Line(ContractLineKind.EXTRA, extra, rate, pricing.hours_amount(extra, rate)))
    deducted = deducted_minutes(contract, first, last, decided_by=decided_by)
    if deducted:
        lines.append(Line(ContractLineKind.DEDUCTION, deducted, rate,
                          -min(pricing.hours_amount(deducted, rate), monthly)))
    return lines


def contracts_in(activity: Activity, first: date, last: date):
    return (NurseryContract.objects.filter(enrolment__activity=activity, starts_on__lte=last,
                                           ends_on__gte=first)
            .select_related("enrolment__activity", "enrolment__child")
            .prefetch_related("days").order_by("pk"))


def covered_days(contracts) -> set[tuple[int, date]]:
    """(child, day) of every day inside a contract: its attendance is billed by the contract."""
    return {(c.enrolment.child_id, day) for c in contracts
            for day in _days(c.starts_on, c.ends_on)}


def priced_contracts(activity: Activity, first: date, last: date, *, decided_by: datetime
                     ) -> dict[int, list[tuple[NurseryContract, Line]]]:
    """{household id: [(contract, line)]} for the month from `first` to `last`, closed at
    `decided_by` (an absence accepted later is not deducted: corrections are not edits)."""
    lines = defaultdict(list)
    for contract in contracts_in(activity, first, last):
        for line in month_lines(contract, first, decided_by=decided_by):
            lines[contract.enrolment.household_id].append((contract, line))
    return lines


def live_contract(enrolment_id: int, on: date) -> NurseryContract | None:
    """The enrolment's contract on `on`, or else its next one."""
    return (NurseryContract.objects.filter(enrolment_id=enrolment_id, ends_on__gte=on)
            .order_by("starts_on")
            .select_related("enrolment__activity").prefetch_related("days").first())
