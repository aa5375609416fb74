"""Reads for the family page, the staff pages, the terminals and the billing check."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Sum

from civicard.childhood import operations
from civicard.childhood.models import (
    HOLDS_A_PLACE,
    Activity,
    BilledLine,
    BillingMode,
    ChildEnrolment,
    EnrolmentStatus,
    Invoice,
    InvoiceCounter,
    InvoicePayment,
    InvoiceStatus,
    NumberSeries,
    NurseryFloor,
    Period,
    Reservation,
    State,
    Statement,
    UnitDay,
)
from civicard.core import audit
from civicard.core.permissions import check_role_over, role_communes
from civicard.people.models import Household, Person
from civicard.wallets.models import Account, LedgerEntry


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# Families ------------------------------------------------------------------------------------

def children_of(person: Person):
    """The children (members who are not guardians) of the households the person guards."""
    households = operations.guarded_by(person)
    return (Person.objects.filter(memberships__household__in=households,
                                  memberships__is_guardian=False, erased_at__isnull=True)
            .distinct().order_by("birth_date", "pk"))


def child_of(person: Person, child_id: int) -> Person | None:
    return children_of(person).filter(pk=child_id).first()


def enrolments_of(child: Person):
    return (ChildEnrolment.objects.select_related("activity").filter(child=child)
            .exclude(status=EnrolmentStatus.CANCELLED).order_by("activity__name"))


def open_activities(on: date):
    return Activity.objects.filter(season_ends_on__gte=on).order_by("name")


@dataclass
class Cell:
    unit_day: UnitDay | None
    state: str | None = None
    deadline: datetime | None = None
    can_book: bool = False
    can_cancel: bool = False

    @property
    def label(self) -> str:
        return State(self.state).label if self.state else ""


@dataclass
class UnitWeek:
    unit: object
    cells: list[Cell] = field(default_factory=list)


def child_week(child: Person, monday: date, now: datetime) -> list[tuple]:
    """[(enrolment, [UnitWeek])] for the child's active enrolments: for each unit, the seven
    days of the week from `monday` with what is booked and what may still be changed."""
    days = [monday + timedelta(days=n) for n in range(7)]
    weeks = []
    for enrolment in enrolments_of(child).filter(status=EnrolmentStatus.ACTIVE):
        activity = enrolment.activity
        units = list(activity.units.all())
        open_days = {(d.unit_id, d.day): d for d in UnitDay.objects.filter(
            unit__in=units, day__range=(days[0], days[-1]))}
        states = dict(((r.unit_day_id), r.state) for r in Reservation.objects.filter(
            child=child, unit_day__in=open_days.values()))
        unit_weeks = []
        for unit in units:
            row = UnitWeek(unit)
            for day in days:
                unit_day = open_days.get((unit.pk, day))
                if unit_day is None:
                    row.cells.append(Cell(None))
                    continue
                deadline = operations.deadline_for(activity, day)
                state = states.get(unit_day.pk)
                changeable = unit_day.closed_at is None and now < deadline
                row.cells.append(Cell(
                    unit_day, state=state, deadline=deadline,
                    can_book=changeable and state not in (*HOLDS_A_PLACE, State.UNEXPECTED)
                    and unit_day.booked < unit_day.capacity,
                    can_cancel=unit_day.closed_at is None and state == State.RESERVED))
            unit_weeks.append(row)
        weeks.append((enrolment, unit_weeks))
    return weeks


def household_balances(person: Person):
    return (Account.objects.select_related("service")
            .filter(household__in=operations.guarded_by(person)).order_by("service__name"))


# Invoices ------------------------------------------------------------------------------------

INVOICE_RELATED = ("statement__period__activity", "household", "credit_note")


def invoices_of(person: Person):
    """The invoices of the households the person guards, the newest first."""
    return (Invoice.objects.select_related(*INVOICE_RELATED)
            .filter(household__in=operations.guarded_by(person)))


def staff_invoices(actor):
    """The invoices of the activities of the communes where the actor is staff."""
    return (Invoice.objects.select_related(*INVOICE_RELATED)
            .filter(statement__period__activity__in=staff_activities(actor)))


@dataclass
class InvoiceLine:
    child: str
    unit: str
    day: date
    state: str
    amount_cents: int

    @property
    def label(self) -> str:
        return State(self.state).label


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines: a child, a unit, a day, by child then day."""
    return [InvoiceLine(*row) for row in BilledLine.objects.filter(
        statement_id=invoice.statement_id)
        .order_by("reservation__child__full_name", "reservation__unit_day__day",
                  "reservation__unit_day__unit_id")
        .values_list("reservation__child__full_name", "reservation__unit_day__unit__name",
                     "reservation__unit_day__day", "state", "amount_cents")]


def family_language(household: Household) -> str:
    """The language the household's papers are written in: its first guardian's."""
    guardian = (Person.objects.filter(memberships__household=household,
                                      memberships__is_guardian=True)
                .order_by("memberships__pk").first())
    return guardian.language if guardian else ""


def unpaid_households(actor) -> list[dict]:
    """Households with invoices left to pay, what they owe the most first."""
    owed = {}
    for invoice in staff_invoices(actor).filter(
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID]):
        row = owed.setdefault(invoice.household_id, {"household": invoice.household,
                                                     "invoices": 0, "owed_cents": 0,
                                                     "currency": invoice.currency})
        row["invoices"] += 1
        row["owed_cents"] += invoice.due_cents
    return sorted(owed.values(), key=lambda r: (-r["owed_cents"], r["household"].pk))


def invoice_payments(actor, limit: int = 50):
    return (InvoicePayment.objects.select_related("invoice__household", "actor")
            .filter(invoice__in=staff_invoices(actor)).order_by("-at", "-pk")[:limit])


# Staff ---------------------------------------------------------------------------------------

def staff_activities(actor):
    """The activities of the communes where the actor is staff, by name."""
    communes = role_communes(actor, *operations.STAFF_ROLES)
    activities = Activity.objects.order_by("name")
    return activities if communes is None else activities.filter(commune_id__in=communes)


def head_counts(activity: Activity, day: date) -> list[dict]:
    """Per unit on `day`: places, booked, present, absent and unexpected children."""
    rows = []
    for unit_day in (UnitDay.objects.select_related("unit").filter(unit__activity=activity,
                                                                    day=day)):
        states = Counter(unit_day.reservations.values_list("state", flat=True))
        rows.append({"unit_day": unit_day, "capacity": unit_day.capacity,
                     "booked": unit_day.booked,
                     "present": states[State.PRESENT] + states[State.UNEXPECTED],
                     "absent": states[State.ABSENT_JUSTIFIED] + states[State.ABSENT_UNJUSTIFIED],
                     "unexpected": states[State.UNEXPECTED]})
    return rows


@dataclass
class ListEntry:
    child: Person
    enrolment: ChildEnrolment
    state: str | None
    arrived_at: datetime | None
    left_at: datetime | None

    @property
    def label(self) -> str:
        return State(self.state).label if self.state else ""


def day_list(unit_day: UnitDay, *, reader, at: datetime) -> list[ListEntry]:
    """The roll-call list: every child enrolled in the activity, booked ones first, with the
    health sheet. Staff only; the read of health data is written to the audit log."""
    activity = unit_day.unit.activity
    check_role_over(reader, *operations.STAFF_ROLES, commune_id=activity.commune_id)
    reservations = {r.child_id: r for r in unit_day.reservations.all()}
    entries = []
    for enrolment in (ChildEnrolment.objects.select_related("child")
                      .filter(activity=activity, status=EnrolmentStatus.ACTIVE)):
        reservation = reservations.get(enrolment.child_id)
        entries.append(ListEntry(
            enrolment.child, enrolment, reservation.state if reservation else None,
            reservation.arrived_at if reservation else None,
            reservation.left_at if reservation else None))
    entries.sort(key=lambda e: (e.state not in (*HOLDS_A_PLACE, State.UNEXPECTED),
                                e.child.full_name))
    audit.record(actor=reader, action="childhood.health_read", obj=unit_day, at=at,
                 extra={"children": len(entries)})
    return entries


def attendance_report(activity: Activity, month: date) -> list[dict]:
    """Per unit of the month: how many reservations ended in each state."""
    first, last = operations.month_bounds(month)
    rows = (Reservation.objects.filter(unit_day__unit__activity=activity,
                                       unit_day__day__range=(first, last))
            .values("unit_day__unit__name", "state").annotate(count=Count("pk"))
            .order_by("unit_day__unit__name", "state"))
    report = {}
    for row in rows:
        report.setdefault(row["unit_day__unit__name"], Counter())[row["state"]] = row["count"]
    return [{"unit": name, "counts": [(State(s).label, n) for s, n in sorted(counts.items())]}
            for name, counts in report.items()]


def unpaid_statements(actor):
    """Wallet charges the shortage rule refused (invoices are followed on their own page)."""
    return (Statement.objects.select_related("period__activity", "household")
            .filter(period__activity__in=staff_activities(actor), entry__isnull=True,
                    period__activity__billing_mode=BillingMode.WALLET)
            .exclude(total_cents=0).order_by("period__month", "pk"))


def nursery_floor(territory_id: int | None, on: date) -> int | None:
    floors = NurseryFloor.objects.filter(valid_from__lte=on)
    if territory_id is not None:
        floors = floors.filter(territory_id=territory_id)
    return floors.values_list("monthly_cents", flat=True).first()


# The billing check -----------------------------------------------------------------------------

def check_billing() -> list[str]:
    """Every closed month: each reservation in a billed state has exactly one line at the
    price of its attendance, each statement's total is the sum of its lines, and each charged
    statement's wallet entry takes exactly that total. Returns the differences found."""
    problems = []
    for period in Period.objects.select_related("activity").order_by("pk"):
        activity = period.activity
        first, last = operations.month_bounds(period.month)
        billable = operations.billable(activity, first, last)
        priced = {r.pk: amount for lines in operations.price_reservations(
            activity, billable).values() for r, amount in lines}
        lines = {line.reservation_id: line for line in BilledLine.objects.filter(
            statement__period=period)}
        for reservation_id in priced.keys() - lines.keys():
            problems.append(f"period {period.pk}: reservation {reservation_id} not billed")
        for reservation_id in lines.keys() - priced.keys():
            problems.append(f"period {period.pk}: reservation {reservation_id} billed but "
                            f"not in a billed state")
        for reservation_id in priced.keys() & lines.keys():
            if lines[reservation_id].amount_cents != priced[reservation_id]:
                problems.append(f"period {period.pk}: reservation {reservation_id} billed "
                                f"{lines[reservation_id].amount_cents} != "
                                f"{priced[reservation_id]}")
        statements = list(period.statements.annotate(lines_total=Sum("lines__amount_cents")))
        keys = {operations.statement_key(period.pk, s.household_id): s for s in statements}
        entries = {e.idempotency_key: e for e in LedgerEntry.objects.filter(
            idempotency_key__in=list(keys))}
        for key, statement in keys.items():
            if statement.total_cents != (statement.lines_total or 0):
                problems.append(f"statement {statement.pk}: total {statement.total_cents} != "
                                f"lines {statement.lines_total or 0}")
            entry = entries.get(key)
            if entry is not None and (statement.entry_id != entry.pk
                                      or entry.amount_cents != -statement.total_cents):
                problems.append(f"statement {statement.pk}: wallet entry {entry.pk} of "
                                f"{entry.amount_cents} does not match")
            if entry is None and statement.entry_id is not None:
                problems.append(f"statement {statement.pk}: its entry has another key")
            if activity.billing_mode == BillingMode.INVOICE and statement.entry_id is not None:
                problems.append(f"statement {statement.pk}: invoiced and charged to a wallet")
    return problems + check_invoices()


def _gaps(name: str, numbers: dict[tuple, list[int]], counters: dict[tuple, int]) -> list[str]:
    problems = []
    for (territory_id, year), sequences in numbers.items():
        if sorted(sequences) != list(range(1, len(sequences) + 1)):
            problems.append(f"{name} {territory_id}/{year}: numbers are not 1 to "
                            f"{len(sequences)} without gap")
    for (territory_id, year), last in counters.items():
        if last != len(numbers.get((territory_id, year), [])):
            problems.append(f"{name} {territory_id}/{year}: counter at {last} for "
                            f"{len(numbers.get((territory_id, year), []))} numbers")
    return problems


def check_invoices() -> list[str]:
    """Each invoice-mode statement with something to pay has one invoice of its total; each
    invoice's paid amount is the sum of its payments, each payment the charge that took it
    from the wallet and the sum of its allocations; statuses follow; numbers have no gap."""
    problems = []
    invoiced = {s.pk: s.total_cents for s in Statement.objects.filter(
        period__activity__billing_mode=BillingMode.INVOICE, total_cents__gt=0)}
    invoices = {i.statement_id: i for i in Invoice.objects.select_related("credit_note")}
    for statement_id in invoiced.keys() - invoices.keys():
        problems.append(f"statement {statement_id}: not invoiced")
    numbers, notes = defaultdict(list), defaultdict(list)
    for statement_id, invoice in invoices.items():
        numbers[(invoice.territory_id, invoice.year)].append(invoice.sequence)
        if invoiced.get(statement_id) != invoice.total_cents:
            problems.append(f"invoice {invoice.number}: total {invoice.total_cents} != "
                            f"statement {invoiced.get(statement_id)}")
        cancelled = hasattr(invoice, "credit_note")
        expected = (InvoiceStatus.CANCELLED if cancelled else InvoiceStatus.PAID
                    if invoice.paid_cents == invoice.total_cents else InvoiceStatus.ISSUED
                    if invoice.paid_cents == 0 else InvoiceStatus.PARTLY_PAID)
        if invoice.status != expected:
            problems.append(f"invoice {invoice.number}: {invoice.status} should be {expected}")
        if cancelled:
            note = invoice.credit_note
            notes[(note.territory_id, note.year)].append(note.sequence)
            refunded = note.refund.amount_cents if note.refund_id else 0
            if refunded != invoice.paid_cents:
                problems.append(f"credit note {note.number}: refunded {refunded} != paid "
                                f"{invoice.paid_cents}")
    paid = defaultdict(int)
    for payment in InvoicePayment.objects.select_related("entry").annotate(
            allocated=Sum("allocations__amount_cents")):
        paid[payment.invoice_id] += payment.amount_cents
        if payment.entry.amount_cents != -payment.amount_cents or payment.entry.kind != "charge":
            problems.append(f"payment {payment.pk}: its wallet entry does not match")
        if (payment.allocated or 0) != payment.amount_cents:
            problems.append(f"payment {payment.pk}: allocated {payment.allocated or 0} != "
                            f"{payment.amount_cents}")
    for invoice in invoices.values():
        if paid[invoice.pk] != invoice.paid_cents:
            problems.append(f"invoice {invoice.number}: paid {invoice.paid_cents} != payments "
                            f"{paid[invoice.pk]}")
    for line_id, amount, allocated in (BilledLine.objects.annotate(
            allocated=Sum("allocations__amount_cents")).filter(allocated__gt=F("amount_cents"))
            .values_list("pk", "amount_cents", "allocated")):
        problems.append(f"line {line_id}: {allocated} allocated to {amount}")
    counters = {series: {(c.territory_id, c.year): c.last
                         for c in InvoiceCounter.objects.filter(series=series)}
                for series in NumberSeries.values}
    return (problems + _gaps("invoices", numbers, counters[NumberSeries.INVOICE])
            + _gaps("credit notes", notes, counters[NumberSeries.CREDIT_NOTE]))



def expected_children(unit, day: date) -> list[dict]:
    """For a roll-call tablet: the enrolled children, booked ones first, with their state and
    an allergy flag (the health sheet itself stays on the staff page)."""
    states = dict(Reservation.objects.filter(unit_day__unit=unit, unit_day__day=day)
                  .values_list("child_id", "state"))
    children = [{"child": e.child_id, "name": e.child.full_name,
                 "state": states.get(e.child_id, ""),
                 "allergies": bool(e.allergies or e.care_plan)}
                for e in ChildEnrolment.objects.select_related("child")
                .filter(activity_id=unit.activity_id, status=EnrolmentStatus.ACTIVE)]
    return sorted(children, key=lambda c: (c["state"] not in (*HOLDS_A_PLACE, State.UNEXPECTED),
                                           c["name"]))
