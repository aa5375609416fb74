"""Nursery contracts read for a month: the monthly amount, the hours beyond the contract taken
from the roll-call times, and the justified absences deducted. The arithmetic is in `pricing`;
closing a month (operations.close_month), the billing check and the family page use these."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from civicard.childhood import pricing
from civicard.childhood.models import (
    Absence,
    AbsenceReason,
    AbsenceStatus,
    Activity,
    ContractLine,
    ContractLineKind,
    CreditNoteLine,
    NurseryContract,
    NurseryFloor,
    Period,
    Reservation,
    State,
    Statement,
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
                          -deduction_cents(deducted, rate, monthly)))
    return lines


def deduction_cents(minutes: int, hourly_rate_cents: int, monthly_cents: int) -> int:
    """The justified absences' minutes at the hourly rate, never more than the monthly amount."""
    return min(pricing.hours_amount(minutes, hourly_rate_cents), monthly_cents)


@dataclass(frozen=True)
class MonthDeduction:
    """A closed month of a contract: the deduction its accepted absences make now (`due`),
    against what the closing deducted and the absences accepted since were credited."""

    statement: Statement
    monthly: ContractLine
    due: int
    deducted: int

    @property
    def shortfall(self) -> int:
        return self.due - self.deducted


def closed_month_deductions(enrolment_id: int, first: date, last: date, *, at: datetime
                            ) -> list[MonthDeduction]:
    """The closed months of the enrolment's contracts between two dates, as of `at`."""
    deductions = []
    for contract in (NurseryContract.objects.filter(enrolment_id=enrolment_id,
                                                    starts_on__lte=last, ends_on__gte=first)
                     .select_related("enrolment__activity").prefetch_related("days")
                     .order_by("pk")):
        months = defaultdict(dict)
        for line in (ContractLine.objects.filter(
                contract=contract, statement__period__month__range=(first.replace(day=1), last))
                .select_related("statement__period").order_by("pk")):
            months[line.statement][line.kind] = line
        for statement, kinds in sorted(months.items(), key=lambda item: item[0].pk):
            monthly = kinds.get(ContractLineKind.MONTHLY)
            if monthly is None:
                continue
            month = statement.period.month
            since_first, until = max(month, contract.starts_on), min(pricing.month_end(month),
                                                                     contract.ends_on)
            closing = kinds.get(ContractLineKind.DEDUCTION)
            deductions.append(MonthDeduction(
                statement, monthly,
                due=deduction_cents(deducted_minutes(contract, since_first, until,
                                                     decided_by=at),
                                    monthly.hourly_rate_cents, monthly.amount_cents),
                deducted=(-closing.amount_cents if closing else 0) + sum(
                    CreditNoteLine.objects.filter(contract_line=monthly,
                                                  credit_note__reason_code="absence")
                    .values_list("amount_cents", flat=True))))
    return deductions


def deductions_after_closing(absence: Absence, *, at: datetime
                             ) -> list[tuple[Statement, ContractLine, int]]:
    """For an absence accepted at `at`: [(statement, a contract's monthly line, cents)] for each
    closed month of the child's contracts it touches, what the month's deduction is now, less
    what the closing deducted and what absences accepted since were credited."""
    return [(month.statement, month.monthly, month.shortfall)
            for month in closed_month_deductions(absence.enrolment_id, absence.starts_on,
                                                 absence.ends_on, at=at)
            if month.shortfall > 0]


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


# End-of-contract reconciliation ("régularisation") ---------------------------------------------

@dataclass(frozen=True)
class Balance:
    """A contract's end: the hours billed in equal monthly parts against the hours its weeks
    of care give for the dates it actually ran; the difference at the hourly rate of its last
    month, to pay (positive) or given back (negative)."""

    contract: NurseryContract
    billed_minutes: int
    due_minutes: int
    whole_weeks: int
    care_weeks: Decimal
    hourly_rate_cents: int

    @property
    def minutes(self) -> int:
        return abs(self.due_minutes - self.billed_minutes)

    @property
    def amount_cents(self) -> int:
        amount = pricing.hours_amount(self.minutes, self.hourly_rate_cents)
        return amount if self.due_minutes >= self.billed_minutes else -amount

    def line(self) -> Line:
        return Line(ContractLineKind.RECONCILIATION, self.minutes, self.hourly_rate_cents,
                    self.amount_cents)


def due_minutes(contract: NurseryContract) -> tuple[int, int, Decimal]:
    """(minutes due, whole weeks run, weeks of care in them) for the dates the contract ran:
    its weeks of care in proportion of the whole weeks it ran to the whole weeks it was
    written for (the closure and holiday weeks spread evenly: the contract does not say when
    they fall), × its hours per week, rounded down to the minute."""
    planned = contract.weeks_of_care + contract.closure_weeks + contract.holiday_weeks
    ran = min(((contract.ends_on - contract.starts_on).days + 1) // 7, planned)
    if planned == 0:
        return 0, ran, Decimal(0)
    weekly = weekly_minutes(contract)
    return (weekly * contract.weeks_of_care * ran // planned, ran,
            (Decimal(contract.weeks_of_care * ran) / planned).quantize(Decimal("0.01")))


def balance(contract: NurseryContract, *, also_billed: int = 0) -> Balance:
    """The contract's reconciliation from its billed monthly lines (and `also_billed` minutes
    of a month being closed)."""
    billed = sum(ContractLine.objects.filter(contract=contract, kind=ContractLineKind.MONTHLY)
                 .values_list("minutes", flat=True)) + also_billed
    due, ran, weeks = due_minutes(contract)
    last_month = max(contract.ends_on.replace(day=1), contract.starts_on)
    return Balance(contract, billed, due, ran, weeks,
                   hourly_rate(contract, last_month).hourly_rate_cents)


def months_of(contract: NurseryContract) -> list[date]:
    month, months = contract.starts_on.replace(day=1), []
    while month <= contract.ends_on:
        months.append(month)
        month = pricing.month_end(month) + timedelta(days=1)
    return months


def balances_due(activity: Activity, first: date, last: date,
                 lines: dict[int, list[tuple[NurseryContract, Line]]]
                 ) -> dict[int, list[tuple[NurseryContract, Line]]]:
    """The reconciliations the closing of the month from `first` to `last` adds to `lines`:
    each contract of the activity ended by `last`, every month of it billed (this one
    included), not reconciled yet."""
    closed = set(Period.objects.filter(activity=activity).values_list("month", flat=True))
    closed.add(first)
    this_month = {contract.pk: line.minutes for contract_lines in lines.values()
                  for contract, line in contract_lines if line.kind == ContractLineKind.MONTHLY}
    added = defaultdict(list)
    for contract in (NurseryContract.objects.filter(enrolment__activity=activity,
                                                    ends_on__lte=last)
                     .exclude(lines__kind=ContractLineKind.RECONCILIATION)
                     .select_related("enrolment__activity").prefetch_related("days")
                     .order_by("pk")):
        if all(month in closed for month in months_of(contract)):
            line = balance(contract, also_billed=this_month.get(contract.pk, 0)).line()
            added[contract.enrolment.household_id].append((contract, line))
    return added


def limit_to_bill(lines: list[tuple[NurseryContract, Line]], others_cents: int
                  ) -> tuple[list[tuple[NurseryContract, Line]], list[tuple[NurseryContract, int]]]:
    """A reconciliation in the family's favour takes the month's bill to zero at most: the
    lines as billed, and [(contract, cents)] of what is left of it to give back by a credit
    note (operations.close_month)."""
    total = others_cents + sum(line.amount_cents for _c, line in lines)
    result, beyond = [], []
    for contract, line in lines:
        if total < 0 and line.kind == ContractLineKind.RECONCILIATION and line.amount_cents < 0:
            raised = min(-total, -line.amount_cents)
            line = replace(line, amount_cents=line.amount_cents + raised)
            total += raised
            beyond.append((contract, raised))
        result.append((contract, line))
    return result, beyond
