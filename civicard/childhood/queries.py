"""Reads for the family page, the staff pages, the terminals and the billing check."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civicard.childhood import contracts, operations
from civicard.childhood.models import (
    HOLDS_A_PLACE,
    WEEKDAYS,
    Absence,
    AbsenceStatus,
    Activity,
    ActivityKind,
    BilledLine,
    BillingMode,
    ChildEnrolment,
    ContractCredit,
    ContractLine,
    ContractLineKind,
    CreditNote,
    CreditNoteLine,
    EnrolmentStatus,
    Invoice,
    InvoiceCounter,
    InvoicePayment,
    InvoiceStatus,
    NumberSeries,
    Period,
    Reservation,
    State,
    Statement,
    TermCharge,
    Unit,
    UnitDay,
)
from civicard.core import audit
from civicard.core.money import format_cents
from civicard.core.permissions import check_role_over, role_communes
from civicard.people.models import Household, Membership, Person
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
    late: bool = False  # past the deadline: a cancellation is billed

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
                    can_cancel=unit_day.closed_at is None and state == State.RESERVED,
                    late=now >= deadline))
            unit_weeks.append(row)
        weeks.append((enrolment, unit_weeks))
    return weeks


def household_balances(person: Person):
    return (Account.objects.select_related("service")
            .filter(household__in=operations.guarded_by(person)).order_by("service__name"))


# Invoices ------------------------------------------------------------------------------------

INVOICE_RELATED = ("statement__period__activity", "term__enrolment__activity", "household")


def invoices_of(person: Person):
    """The invoices of the households the person guards, the newest first, with their credit
    notes."""
    return (Invoice.objects.select_related(*INVOICE_RELATED).prefetch_related("credit_notes")
            .filter(household__in=operations.guarded_by(person)))


def staff_invoices(actor):
    """The invoices of the activities of the communes where the actor is staff."""
    activities = staff_activities(actor)
    return (Invoice.objects.select_related(*INVOICE_RELATED)
            .filter(Q(statement__period__activity__in=activities)
                    | Q(term__enrolment__activity__in=activities)))


@dataclass
class InvoiceLine:
    """One line of an invoice as printed: a reserved day (quantity 1 at its price), a part of
    a nursery contract's month (hours at the hourly rate) or a term of lessons (`sessions` at
    the session's price). `ref` names it for a credit note: "b<pk>" a BilledLine, "c<pk>" a
    ContractLine ("t<pk>", the term, is credited by an amount)."""

    ref: str
    child: str
    day: date | None
    what: str
    minutes: int | None  # None: one unit
    unit_price_cents: int
    amount_cents: int
    credited_cents: int = 0
    sessions: int | None = None

    @property
    def hours(self) -> Decimal | None:
        return None if self.minutes is None else Decimal(self.minutes) / 60

    @property
    def creditable_cents(self) -> int:
        return max(self.amount_cents - self.credited_cents, 0)

    def choice_label(self, currency: str) -> str:
        day = f"{date_format(self.day, 'SHORT_DATE_FORMAT')} " if self.day else ""
        return f"{self.child}, {day}{self.what}: {format_cents(self.creditable_cents, currency)}"


_CONTRACT_ORDER = {ContractLineKind.MONTHLY: 0, ContractLineKind.EXTRA: 1,
                   ContractLineKind.DEDUCTION: 2, ContractLineKind.RECONCILIATION: 3}


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines, by child: the reserved days by day, then the nursery contract's
    monthly amount, hours beyond it and absences deducted; or the term of lessons. Their
    amounts sum to the total."""
    if invoice.term_id:
        term = TermCharge.objects.select_related("enrolment__child").get(pk=invoice.term_id)
        unit = (Unit.objects.filter(activity_id=term.enrolment.activity_id).order_by("pk")
                .values_list("name", flat=True).first())
        return [InvoiceLine(f"t{term.pk}", term.enrolment.child.full_name, None,
                            _("%(unit)s — term of lessons") % {"unit": unit}, None,
                            term.session_price_cents, term.amount_cents,
                            invoice.credited_cents, sessions=term.sessions)]
    credited = defaultdict(int)
    for billed_id, contract_id, amount in CreditNoteLine.objects.filter(
            credit_note__invoice=invoice).values_list("line_id", "contract_line_id",
                                                      "amount_cents"):
        credited[f"b{billed_id}" if billed_id else f"c{contract_id}"] += amount
    lines = [InvoiceLine(f"b{pk}", child, day, f"{unit} — {State(state).label}", None, amount,
                         amount, credited[f"b{pk}"])
             for pk, child, unit, day, state, amount in BilledLine.objects.filter(
                 statement_id=invoice.statement_id)
             .order_by("reservation__child__full_name", "reservation__unit_day__day",
                       "reservation__unit_day__unit_id")
             .values_list("pk", "reservation__child__full_name",
                          "reservation__unit_day__unit__name", "reservation__unit_day__day",
                          "state", "amount_cents")]
    contract_rows = sorted(
        ContractLine.objects.filter(statement_id=invoice.statement_id)
        .values_list("pk", "contract__enrolment__child__full_name", "kind", "minutes",
                     "hourly_rate_cents", "amount_cents"),
        key=lambda row: (row[1], _CONTRACT_ORDER[row[2]], row[0]))
    lines += [InvoiceLine(f"c{pk}", child, None, str(ContractLineKind(kind).label), minutes,
                          rate, amount, credited[f"c{pk}"])
              for pk, child, kind, minutes, rate, amount in contract_rows]
    return lines


def invoices_with_lines(person: Person) -> list[tuple[Invoice, list[InvoiceLine]]]:
    """The family's invoices (invoices_of) each with its lines, for their page."""
    return [(invoice, invoice_lines(invoice)) for invoice in invoices_of(person)]


def family_language(household: Household) -> str:
    """The language the household's papers are written in: its first guardian's."""
    guardian = (Person.objects.filter(memberships__household=household,
                                      memberships__is_guardian=True)
                .order_by("memberships__pk").first())
    return guardian.language if guardian else ""


def name_guardians(households) -> None:
    """Gives each household `guardians`: its guardians' names, as its invoices are addressed
    ("Amina Haddad, Karim Haddad")."""
    households = list(households)
    names = defaultdict(list)
    for household_id, name in (Membership.objects.filter(
            household__in=[h.pk for h in households], is_guardian=True,
            person__erased_at__isnull=True).order_by("pk")
            .values_list("household_id", "person__full_name")):
        names[household_id].append(name)
    for household in households:
        household.guardians = ", ".join(names[household.pk])


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
    name_guardians(row["household"] for row in owed.values())
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
            .annotate(due_cents=F("total_cents") - Coalesce(Sum("credit_notes__amount_cents"),
                                                            0))
            .filter(due_cents__gt=0).order_by("period__month", "pk"))


nursery_floor = contracts.nursery_floor


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
        problems += _check_contract_lines(period, first, last)
        statements = list(period.statements.annotate(lines_total=Sum("lines__amount_cents")))
        contract_totals = dict(ContractLine.objects.filter(statement__period=period)
                               .values("statement_id").annotate(total=Sum("amount_cents"))
                               .values_list("statement_id", "total"))
        uncharged = dict(CreditNote.objects.filter(statement__period=period,
                                                   refund__isnull=True)
                         .values("statement_id").annotate(total=Sum("amount_cents"))
                         .values_list("statement_id", "total"))
        keys = {operations.statement_key(period.pk, s.household_id): s for s in statements}
        entries = {e.idempotency_key: e for e in LedgerEntry.objects.filter(
            idempotency_key__in=list(keys))}
        for key, statement in keys.items():
            lines_total = (statement.lines_total or 0) + contract_totals.get(statement.pk, 0)
            if statement.total_cents != lines_total:
                problems.append(f"statement {statement.pk}: total {statement.total_cents} != "
                                f"lines {lines_total}")
            entry = entries.get(key)
            to_charge = statement.total_cents - uncharged.get(statement.pk, 0)
            if entry is not None and (statement.entry_id != entry.pk
                                      or entry.amount_cents != -to_charge):
                problems.append(f"statement {statement.pk}: wallet entry {entry.pk} of "
                                f"{entry.amount_cents} does not match")
            if entry is None and statement.entry_id is not None:
                problems.append(f"statement {statement.pk}: its entry has another key")
            if activity.billing_mode == BillingMode.INVOICE and statement.entry_id is not None:
                problems.append(f"statement {statement.pk}: invoiced and charged to a wallet")
    return (problems + check_invoices() + check_statement_credits() + check_absence_credits()
            + check_balances() + check_terms())


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


def check_balances() -> list[str]:
    """Each ended contract's reconciliation is the difference of its billed monthly hours and
    the hours due for the dates it ran, accounted for once: on the month's bill, and — in the
    family's favour, beyond that bill, which it took to zero — by a credit note refunded into
    the wallet (decision 0025)."""
    problems = []
    seen = set()
    credits = {credit.contract_id: credit for credit in ContractCredit.objects.select_related(
        "refund", "refund__account")}
    for line in (ContractLine.objects.filter(kind=ContractLineKind.RECONCILIATION)
                 .select_related("statement", "contract__enrolment__activity")
                 .prefetch_related("contract__days").order_by("pk")):
        if line.contract_id in seen:
            problems.append(f"contract {line.contract_id}: reconciled twice")
        seen.add(line.contract_id)
        expected = contracts.balance(line.contract).amount_cents
        credit = credits.get(line.contract_id)
        credited = credit.amount_cents if credit else 0
        if line.amount_cents - credited != expected:
            problems.append(f"contract {line.contract_id}: reconciliation {line.amount_cents} "
                            f"and credit note {credited} != {expected}")
        if credit is not None and (line.amount_cents > 0 or line.statement.total_cents != 0
                                   or credit.statement_id != line.statement_id):
            problems.append(f"contract {line.contract_id}: credit note {credit.number} but "
                            f"the bill was not taken to zero")
        if credit is not None and (
                credit.refund.amount_cents != credit.amount_cents
                or credit.refund.kind != "refund"
                or credit.refund.account.household_id != line.statement.household_id):
            problems.append(f"contract {line.contract_id}: credit note {credit.number} does "
                            f"not match its refund")
    for contract_id in credits.keys() - seen:
        problems.append(f"contract {contract_id}: credit note without reconciliation")
    return problems


def check_terms() -> list[str]:
    """Each term of lessons is billed once: charged to the wallet (its charge, refunded at most
    once and in full), or — billed by invoice — on one invoice of its own and never charged."""
    problems = []
    invoiced = set(Invoice.objects.filter(term__isnull=False).values_list("term_id", flat=True))
    for term in TermCharge.objects.select_related(
            "entry", "refund", "enrolment__activity").order_by("pk"):
        by_invoice = term.enrolment.activity.billing_mode == BillingMode.INVOICE
        if by_invoice != (term.pk in invoiced) or (by_invoice and (term.entry_id
                                                                   or term.refund_id)):
            problems.append(f"term {term.pk}: not billed exactly once")
        if term.entry_id and (term.entry.amount_cents != -term.amount_cents
                              or term.entry.kind != "charge"):
            problems.append(f"term {term.pk}: its wallet charge does not match")
        if term.refund_id and (term.entry_id is None
                               or term.refund.amount_cents != term.amount_cents):
            problems.append(f"term {term.pk}: its refund does not match")
    return problems


def check_invoices() -> list[str]:
    """Each invoice-mode statement with something to pay has one invoice of its total; each
    invoice's paid amount is the sum of its payments, each payment the charge that took it
    from the wallet and the sum of its allocations; statuses follow; numbers have no gap."""
    problems = []
    invoiced = {s.pk: s.total_cents for s in Statement.objects.filter(
        period__activity__billing_mode=BillingMode.INVOICE, total_cents__gt=0)}
    every = list(Invoice.objects.select_related("term"))
    invoices = {i.statement_id: i for i in every if i.statement_id}
    for statement_id in invoiced.keys() - invoices.keys():
        problems.append(f"statement {statement_id}: not invoiced")
    numbers, notes = defaultdict(list), defaultdict(list)
    credited, refunded = defaultdict(int), defaultdict(int)
    for note in CreditNote.objects.select_related("refund").annotate(
            on_lines=Sum("lines__amount_cents")):
        notes[(note.territory_id, note.year)].append(note.sequence)
        if note.invoice_id is None:
            continue  # a month charged to the wallet: check_statement_credits
        credited[note.invoice_id] += note.amount_cents
        refunded[note.invoice_id] += note.refund.amount_cents if note.refund_id else 0
        if note.on_lines is not None and note.on_lines != note.amount_cents:
            problems.append(f"credit note {note.number}: lines {note.on_lines} != "
                            f"{note.amount_cents}")
    for credit in ContractCredit.objects.all():
        notes[(credit.territory_id, credit.year)].append(credit.sequence)
    for invoice in every:
        numbers[(invoice.territory_id, invoice.year)].append(invoice.sequence)
        billed = (invoiced.get(invoice.statement_id) if invoice.statement_id
                  else invoice.term.amount_cents)
        if billed != invoice.total_cents:
            problems.append(f"invoice {invoice.number}: total {invoice.total_cents} != "
                            f"{'statement' if invoice.statement_id else 'term'} {billed}")
        if (credited[invoice.pk], refunded[invoice.pk]) != (invoice.credited_cents,
                                                            invoice.refunded_cents):
            problems.append(f"invoice {invoice.number}: credited {invoice.credited_cents} and "
                            f"refunded {invoice.refunded_cents} != credit notes "
                            f"{credited[invoice.pk]} and {refunded[invoice.pk]}")
        if invoice.credited_cents > invoice.total_cents or invoice.kept_cents > max(
                invoice.net_cents, 0):
            problems.append(f"invoice {invoice.number}: credited {invoice.credited_cents} "
                            f"and kept {invoice.kept_cents} of {invoice.total_cents}")
        expected = invoice.status_for_amounts()
        if invoice.status != expected:
            problems.append(f"invoice {invoice.number}: {invoice.status} should be {expected}")
    paid = defaultdict(int)
    for payment in InvoicePayment.objects.select_related("entry").annotate(
            allocated=Sum("allocations__amount_cents")):
        paid[payment.invoice_id] += payment.amount_cents
        if payment.entry.amount_cents != -payment.amount_cents or payment.entry.kind != "charge":
            problems.append(f"payment {payment.pk}: its wallet entry does not match")
        if (payment.allocated or 0) != payment.amount_cents:
            problems.append(f"payment {payment.pk}: allocated {payment.allocated or 0} != "
                            f"{payment.amount_cents}")
    for invoice in every:
        if paid[invoice.pk] != invoice.paid_cents:
            problems.append(f"invoice {invoice.number}: paid {invoice.paid_cents} != payments "
                            f"{paid[invoice.pk]}")
    both = ("allocations", "credits")
    for name, model, relations in (("line", BilledLine, both),
                                   ("contract line", ContractLine, both),
                                   ("term", TermCharge, ("allocations",))):
        for relation in relations:
            for line_id, amount, taken in (model.objects.annotate(
                    taken=Sum(f"{relation}__amount_cents")).filter(taken__gt=F("amount_cents"))
                    .values_list("pk", "amount_cents", "taken")):
                problems.append(f"{name} {line_id}: {taken} {relation} on {amount}")
    counters = {series: {(c.territory_id, c.year): c.last
                         for c in InvoiceCounter.objects.filter(series=series)}
                for series in NumberSeries.values}
    return (problems + _gaps("invoices", numbers, counters[NumberSeries.INVOICE])
            + _gaps("credit notes", notes, counters[NumberSeries.CREDIT_NOTE]))

def check_statement_credits() -> list[str]:
    """Each credit note of a month charged to the wallet takes no more than the month's total
    with the others, equals its lines, and — written once the wallet was charged — is
    refunded in full into the household's wallet for the activity's service (one written
    before is taken off the charge: check_billing)."""
    problems = []
    taken = defaultdict(int)
    for note in (CreditNote.objects.filter(statement__isnull=False)
                 .select_related("statement__period__activity", "refund__account")
                 .annotate(on_lines=Sum("lines__amount_cents")).order_by("pk")):
        statement, activity = note.statement, note.statement.period.activity
        taken[statement.pk] += note.amount_cents
        if activity.billing_mode != BillingMode.WALLET:
            problems.append(f"credit note {note.number}: on a month billed by invoice")
        if (note.on_lines or 0) != note.amount_cents:
            problems.append(f"credit note {note.number}: lines {note.on_lines or 0} != "
                            f"{note.amount_cents}")
        if taken[statement.pk] > statement.total_cents:
            problems.append(f"statement {statement.pk}: credited {taken[statement.pk]} of "
                            f"{statement.total_cents}")
        if note.refund_id and (note.refund.amount_cents != note.amount_cents
                               or note.refund.kind != "refund"
                               or note.refund.account.household_id != statement.household_id
                               or note.refund.account.service_id != activity.service_id):
            problems.append(f"credit note {note.number}: does not match its refund")
    return problems


def check_absence_credits() -> list[str]:
    """Each absence accepted after a month of its dates was closed is credited on that
    month's bill, once: every day it covers billed as an absence, in full, and each nursery
    contract's month up to the deduction its hours now make — never more, and no less unless
    the bill has nothing left to credit (cancelled, or credited in full)."""
    accepted = Absence.objects.filter(status=AbsenceStatus.ACCEPTED)
    closings = defaultdict(list)
    for activity_id, month, closed_at in Period.objects.values_list("activity_id", "month",
                                                                   "closed_at"):
        closings[activity_id].append((month, closed_at))
    late = [absence for absence in accepted.select_related("enrolment").order_by("pk")
            if any(absence.starts_on.replace(day=1) <= month <= absence.ends_on
                   and closed_at < absence.decided_at
                   for month, closed_at in closings[absence.enrolment.activity_id])]
    if not late:  # every absence was decided before its months were closed: they count it
        return []
    latest = accepted.aggregate(latest=Max("decided_at"))["latest"]
    left = {invoice.statement_id: invoice.creditable_cents
            for invoice in Invoice.objects.filter(statement__isnull=False)}
    for statement_id, total, taken in (Statement.objects.filter(
            period__activity__billing_mode=BillingMode.WALLET)
            .annotate(taken=Sum("credit_notes__amount_cents"))
            .values_list("pk", "total_cents", "taken")):
        left[statement_id] = total - (taken or 0)
    problems, months = [], {}
    for absence in late:
        for line in (BilledLine.objects.filter(
                reservation__enrolment_id=absence.enrolment_id,
                reservation__unit_day__day__range=(absence.starts_on, absence.ends_on),
                statement__period__closed_at__lt=absence.decided_at,
                state__in=(State.RESERVED, State.ABSENT_UNJUSTIFIED, State.LATE_CANCELLED),
                amount_cents__gt=0)
                .annotate(taken=Sum("credits__amount_cents")).order_by("pk")):
            if (line.taken or 0) != line.amount_cents and left.get(line.statement_id, 0) > 0:
                problems.append(f"absence {absence.pk}: line {line.pk} not credited")
        for month in contracts.closed_month_deductions(absence.enrolment_id, absence.starts_on,
                                                       absence.ends_on, at=latest):
            months[month.monthly.pk] = month
    for pk, month in sorted(months.items()):
        line_left = month.monthly.amount_cents - sum(
            month.monthly.credits.values_list("amount_cents", flat=True))
        if month.shortfall < 0 or (month.shortfall > 0 and line_left > 0
                                   and left.get(month.statement.pk, 0) > 0):
            problems.append(f"contract line {pk}: deduction {month.due} != deducted "
                            f"{month.deducted}")
    return problems


def _check_contract_lines(period: Period, first: date, last: date) -> list[str]:
    """Each contract of the month has its lines as its terms, roll-call times and accepted
    absences give them today, once."""
    expected = {(contract.pk, line.kind): line.amount_cents
                for lines in contracts.priced_contracts(
                    period.activity, first, last, decided_by=period.closed_at).values()
                for contract, line in lines}
    billed = {(line.contract_id, line.kind): line.amount_cents
              for line in ContractLine.objects.filter(statement__period=period)
              .exclude(kind=ContractLineKind.RECONCILIATION)}
    return [f"period {period.pk}: contract {contract_id} {kind} billed "
            f"{billed.get((contract_id, kind))} != {expected.get((contract_id, kind))}"
            for contract_id, kind in sorted(expected.keys() | billed.keys())
            if billed.get((contract_id, kind)) != expected.get((contract_id, kind))]


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


# Nursery contracts, documents and absences -----------------------------------------------------

@dataclass
class ContractSummary:
    """A contract as the family and staff pages show it, with the month's amount so far."""

    contract: object
    days: list[tuple[str, object, object]]
    weekly_minutes: int
    weeks: int
    months: int
    rate: object
    month: date
    lines: list

    @property
    def monthly_cents(self) -> int:
        return self.lines[0].amount_cents

    @property
    def month_total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def contract_summary(contract, on: date, *, now: datetime) -> ContractSummary:
    month = max(on.replace(day=1), contract.starts_on.replace(day=1))
    weeks, months = contracts.contract_terms(contract)
    return ContractSummary(
        contract=contract,
        days=[(WEEKDAYS[d.weekday], d.starts_at, d.ends_at) for d in contract.days.all()],
        weekly_minutes=contracts.weekly_minutes(contract), weeks=weeks, months=months,
        rate=contracts.hourly_rate(contract, max(month, contract.starts_on)), month=month,
        lines=contracts.month_lines(contract, month, decided_by=now, until=max(on, month)))


def contract_of(enrolment, on: date, *, now: datetime) -> ContractSummary | None:
    if enrolment.activity.kind != ActivityKind.NURSERY:
        return None
    contract = contracts.live_contract(enrolment.pk, on)
    return None if contract is None else contract_summary(contract, on, now=now)


def enrolment_of(person: Person, enrolment_id: int) -> ChildEnrolment | None:
    """An enrolment of a child the person guards."""
    return (ChildEnrolment.objects.select_related("activity", "child")
            .filter(pk=enrolment_id, household__in=operations.guarded_by(person)).first())


def staff_enrolment(actor, enrolment_id: int) -> ChildEnrolment | None:
    return (ChildEnrolment.objects.select_related("activity", "child", "household")
            .filter(pk=enrolment_id, activity__in=staff_activities(actor)).first())


def documents_of(enrolment):
    return enrolment.documents.filter(erased_at__isnull=True)


def absences_of(enrolment) -> list[Absence]:
    """The enrolment's absences, each with the credit notes that gave back days of months
    already closed when it was accepted (`credit_notes`)."""
    absences = list(enrolment.absences.select_related("document"))
    notes = defaultdict(list)
    for note in CreditNote.objects.filter(
            reason_code="absence",
            reason_params__absence__in=[absence.pk for absence in absences]).order_by("pk"):
        notes[note.reason_params["absence"]].append(note)
    for absence in absences:
        absence.credit_notes = notes[absence.pk]
    return absences


def pending_absences(activity):
    return (Absence.objects.select_related("enrolment__child", "document")
            .filter(enrolment__activity=activity, status=AbsenceStatus.PENDING)
            .order_by("starts_on", "pk"))


@dataclass
class ContractEnd:
    """An ended contract's reconciliation as billed, with its explanation (contracts.Balance)."""

    line: ContractLine
    balance: contracts.Balance
    month: date

    @property
    def magnitude_cents(self) -> int:
        return abs(self.line.amount_cents)

    @property
    def credit(self) -> ContractCredit | None:
        """The credit note of what the month's bill could not take (decision 0025)."""
        return getattr(self.line.contract, "credit", None)


def contract_ends(enrolment) -> list[ContractEnd]:
    """The reconciliations of the enrolment's ended contracts, the latest first."""
    return [ContractEnd(line, contracts.balance(line.contract), line.statement.period.month)
            for line in ContractLine.objects.filter(
                contract__enrolment=enrolment, kind=ContractLineKind.RECONCILIATION)
            .select_related("statement__period", "contract__enrolment__activity",
                            "contract__credit")
            .prefetch_related("contract__days").order_by("-contract__ends_on")]


def contracts_of(enrolment):
    return enrolment.contracts.prefetch_related("days").order_by("starts_on")


# The kitchen -----------------------------------------------------------------------------------

@dataclass
class KitchenCount:
    activity: Activity
    unit_name: str
    meals: int
    special: list[tuple[str, str]]


def kitchen_counts(actor, day: date, *, at: datetime) -> list[KitchenCount]:
    """The canteens' meals to cook on `day` (booked or present), with the children whose
    health sheet names an allergy or a care plan. Staff only; the read is audited."""
    counts = []
    for unit_day in (UnitDay.objects.select_related("unit__activity")
                     .filter(day=day, unit__activity__in=staff_activities(actor)
                             .filter(kind=ActivityKind.CANTEEN))
                     .order_by("unit__activity__name", "unit__name")):
        eating = (unit_day.reservations.filter(state__in=[State.RESERVED, State.PRESENT,
                                                          State.UNEXPECTED])
                  .select_related("child", "enrolment"))
        special = sorted((r.child.full_name, " — ".join(
            t for t in (r.enrolment.allergies, r.enrolment.care_plan) if t))
            for r in eating if r.enrolment.allergies or r.enrolment.care_plan)
        counts.append(KitchenCount(unit_day.unit.activity, unit_day.unit.name, len(eating),
                                   special))
    audit.record(actor=actor, action="childhood.kitchen_read", at=at,
                 extra={"day": day.isoformat(), "units": len(counts)})
    return counts
