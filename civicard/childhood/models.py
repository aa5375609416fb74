"""Activities for children: units open day by day with a capacity, enrolments with a waiting
list, reservations and their roll-call states, closed months and what they billed: charged to
the wallet, or put on a numbered invoice paid online or at the counter."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.access.models import Checkpoint
from civicard.core.append_only import AppendOnlyModel
from civicard.core.money import Currency
from civicard.people.models import Household, Person
from civicard.territory.models import Commune, IncomeBracket, Territory
from civicard.wallets.models import LedgerEntry, Means, OnlinePayment, Service


class ActivityKind(models.TextChoices):
    CANTEEN = "canteen", _("canteen")
    AFTER_SCHOOL = "after_school", _("after-school care")
    LEISURE_CENTRE = "leisure_centre", _("leisure centre")
    HOLIDAY_CAMP = "holiday_camp", _("holiday camp")
    NURSERY = "nursery", _("nursery")
    LESSONS = "lessons", _("lessons")


class BillingMode(models.TextChoices):
    WALLET = "wallet", _("charged to the prepaid account")
    INVOICE = "invoice", _("a monthly invoice")


class Activity(models.Model):
    """A season of one activity (a school's canteen for a school year, a term of swimming
    lessons…), billed when a month closes: charged to the households' wallet for `service`,
    or put on a monthly invoice paid through that wallet (see Invoice)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    season_starts_on = models.DateField()
    season_ends_on = models.DateField()
    places = models.PositiveIntegerField(null=True, blank=True,
                                         help_text="Children enrolled at most; empty: no limit.")
    min_age_months = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # The deadline to book or cancel a day: `deadline_days_before` days before it, at
    # `deadline_time`; with `deadline_weekday`, that weekday of the week before the day's week.
    deadline_days_before = models.PositiveSmallIntegerField(default=1)
    deadline_weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline_time = models.TimeField(default="12:00")
    debt_limit_cents = models.PositiveIntegerField(
        null=True, blank=True, help_text="Refuse new reservations when the household owes more.")
    billing_mode = models.CharField(max_length=10, choices=BillingMode.choices,
                                    default=BillingMode.WALLET, db_default=BillingMode.WALLET)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(season_ends_on__gte=F("season_starts_on")),
                                   name="activity_season_ordered"),
            models.CheckConstraint(condition=Q(deadline_weekday__isnull=True)
                                   | Q(deadline_weekday__lte=6),
                                   name="activity_deadline_weekday"),
        ]

    def __str__(self):
        return self.name


class Pricing(models.TextChoices):
    PER_UNIT = "per_unit"
    PER_HOUR = "per_hour"


class Unit(models.Model):
    """What is booked on a day: a meal, a morning, a full day, a lesson…"""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=80)
    capacity = models.PositiveIntegerField(help_text="Places per day when a day is opened.")
    pricing = models.CharField(max_length=10, choices=Pricing.choices, default=Pricing.PER_UNIT)
    planned_minutes = models.PositiveSmallIntegerField(default=60)
    incompatible = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["activity", "pk"]
        constraints = [models.UniqueConstraint(fields=["activity", "name"],
                                               name="unit_name_unique")]

    def __str__(self):
        return f"{self.activity} — {self.name}"


class UnitPrice(models.Model):
    """A price of a unit for an income bracket (empty: any) from a child rank in the
    household on, from a date on. Per hour: the amount of an hour, kept between the floor and
    the ceiling."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="prices")
    income_bracket = models.ForeignKey(IncomeBracket, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+")
    from_rank = models.PositiveSmallIntegerField(default=1)
    amount_cents = models.PositiveIntegerField()
    unexpected_amount_cents = models.PositiveIntegerField(
        null=True, blank=True, help_text="A presence without reservation; empty: the amount.")
    floor_cents = models.PositiveIntegerField(null=True, blank=True)
    ceiling_cents = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(from_rank__gte=1), name="unit_price_rank"),
            models.CheckConstraint(condition=Q(floor_cents__isnull=True)
                                   | Q(ceiling_cents__isnull=True)
                                   | Q(ceiling_cents__gte=F("floor_cents")),
                                   name="unit_price_floor_below_ceiling"),
        ]

    def __str__(self):
        return f"{self.unit} {self.amount_cents} ({self.valid_from})"


class UnitDay(models.Model):
    """A unit open on a day: `booked` of `capacity` places taken; closed with its month."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="days")
    day = models.DateField()
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="unit_day_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")),
                                   name="unit_day_within_capacity"),
        ]
        indexes = [models.Index(fields=["day", "unit"])]

    def __str__(self):
        return f"{self.unit} {self.day}"


class EnrolmentStatus(models.TextChoices):
    WAITING = "waiting", _("on the waiting list")
    ACTIVE = "active", _("enrolled")
    CANCELLED = "cancelled", _("cancelled")


class ChildEnrolment(models.Model):
    """A child enrolled in an activity's season by a guardian or an agent, with the health
    sheet the activity's staff need. Waiting ones are promoted in the order they were taken
    (their key: requests are taken one at a time under the activity's lock)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="enrolments")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=EnrolmentStatus.choices)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    allergies = models.CharField(max_length=300, blank=True)
    care_plan = models.CharField(max_length=300, blank=True)
    authorised_pickup = models.CharField(max_length=300, blank=True)
    photo_consent = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "child"],
                                    condition=Q(status__in=["waiting", "active"]),
                                    name="one_live_enrolment_per_child"),
        ]
        indexes = [models.Index(fields=["activity", "status"])]

    def __str__(self):
        return f"{self.activity} — {self.child}"


class State(models.TextChoices):
    RESERVED = "reserved", _("booked")
    CANCELLED = "cancelled", _("cancelled")
    LATE_CANCELLED = "late_cancelled", _("cancelled after the deadline")
    PRESENT = "present", _("present")
    ABSENT_JUSTIFIED = "absent_justified", _("absent, justified")
    ABSENT_UNJUSTIFIED = "absent_unjustified", _("absent, not justified")
    UNEXPECTED = "unexpected", _("present without booking")


# States that hold one of the day's places (counted in UnitDay.booked): a justified absence
# or a cancellation frees it; a presence without booking never took one.
HOLDS_A_PLACE = (State.RESERVED, State.PRESENT, State.ABSENT_UNJUSTIFIED)
# States billed when the month is closed, and those billed at the unexpected price.
BILLED = (State.RESERVED, State.PRESENT, State.ABSENT_UNJUSTIFIED, State.LATE_CANCELLED)
BILLED_AS_UNEXPECTED = (State.UNEXPECTED,)


class Reservation(models.Model):
    """One child in one unit on one day: booked by the family, then marked at roll-call."""

    unit_day = models.ForeignKey(UnitDay, on_delete=models.PROTECT, related_name="reservations")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(ChildEnrolment, on_delete=models.PROTECT,
                                  related_name="reservations")
    state = models.CharField(max_length=20, choices=State.choices)
    arrived_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_day", "child"],
                                               name="reservation_one_per_child_and_day")]
        indexes = [models.Index(fields=["child", "unit_day"])]

    def __str__(self):
        return f"{self.child} {self.unit_day}: {self.state}"


class RollCallPoint(models.Model):
    """A checkpoint whose terminals take the roll-call of a unit by card."""

    checkpoint = models.OneToOneField(Checkpoint, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="roll_call_points")

    def __str__(self):
        return f"{self.checkpoint} → {self.unit}"


class Period(models.Model):
    """A month of an activity closed by a manager: its days are locked and priced once."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="periods")
    month = models.DateField(help_text="Its first day.")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["activity", "month"],
                                               name="childhood_period_unique"),
                       models.CheckConstraint(condition=Q(month__day=1),
                                              name="period_month_first_day")]

    def __str__(self):
        return f"{self.activity} {self.month:%Y-%m}"


class Statement(models.Model):
    """What one household owes for a closed period: charged to its wallet once (`entry`), or
    refused by the service's shortage rule (`refused_code`) until charged again."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="statements")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    total_cents = models.PositiveIntegerField()
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    refused_code = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "household"],
                                               name="childhood_statement_unique")]

    def __str__(self):
        return f"{self.period} {self.household}: {self.total_cents}"

    def credited_cents(self) -> int:
        """What credit notes took off the month (absences accepted after the closing)."""
        return self.credit_notes.aggregate(total=models.Sum("amount_cents"))["total"] or 0


class BilledLine(models.Model):
    """One priced reservation: a reservation is billed at most once (one-to-one)."""

    reservation = models.OneToOneField(Reservation, on_delete=models.PROTECT,
                                       related_name="billed")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    state = models.CharField(max_length=20, choices=State.choices)
    amount_cents = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.reservation_id}: {self.amount_cents}"


class NurseryFloor(models.Model):
    """The monthly resources floor of the national scale, entered by a manager each year."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    monthly_cents = models.PositiveIntegerField()

    class Meta:
        ordering = ["-valid_from"]
        constraints = [models.UniqueConstraint(fields=["territory", "valid_from"],
                                               name="nursery_floor_unique")]

    def __str__(self):
        return f"{self.valid_from}: {self.monthly_cents}"


class DebtLimitOverride(models.Model):
    """A household's own limit of what it may owe before new bookings are refused (a payment
    plan agreed with the town): it replaces every activity's limit; empty: never refused."""

    household = models.OneToOneField(Household, on_delete=models.PROTECT, related_name="+")
    limit_cents = models.PositiveIntegerField(null=True, blank=True)
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")

    def __str__(self):
        return f"{self.household_id}: {self.limit_cents}"


# Invoices --------------------------------------------------------------------------------------

class NumberSeries(models.TextChoices):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceCounter(models.Model):
    """The last number given in a series for a territory and a year. It moves in the
    transaction that uses the number, under its row lock: a rollback takes the number back,
    so the series has no gap."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=12, choices=NumberSeries.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["territory", "series", "year"],
                                               name="invoice_counter_unique")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last}"


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("to pay")
    PARTLY_PAID = "partly_paid", _("partly paid")
    PAID = "paid", _("paid")
    CANCELLED = "cancelled", _("cancelled by a credit note")


class Invoice(models.Model):
    """A closed month of an invoice-mode activity for one household (the statement's lines), or
    a term of lessons billed when the child got a place (`term`, one line), numbered without
    gap per territory and year ("2026-000123") in one series. Never deleted: a mistake is
    cancelled by a credit note."""

    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="invoice",
                                     null=True, blank=True)
    term = models.OneToOneField("TermCharge", on_delete=models.PROTECT, related_name="invoice",
                                null=True, blank=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    total_cents = models.PositiveIntegerField()
    paid_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    # What credit notes took off the total, and what of the payments they gave back.
    credited_cents = models.PositiveIntegerField(default=0, db_default=0)
    refunded_cents = models.PositiveIntegerField(default=0, db_default=0)
    status = models.CharField(max_length=12, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.ISSUED)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "year", "sequence"],
                                    name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(paid_cents__lte=F("total_cents")),
                                   name="invoice_not_overpaid"),
            models.CheckConstraint(condition=Q(statement__isnull=True) ^ Q(term__isnull=True),
                                   name="invoice_statement_or_term"),
        ]
        indexes = [models.Index(fields=["household", "status"])]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:06d}"

    @property
    def activity(self) -> "Activity":
        return (self.statement.period.activity if self.statement_id
                else self.term.enrolment.activity)

    @property
    def month(self):
        """The closed month invoiced; None for a term of lessons."""
        return self.statement.period.month if self.statement_id else None

    @property
    def net_cents(self) -> int:
        """The total less what credit notes took off."""
        return self.total_cents - self.credited_cents

    @property
    def kept_cents(self) -> int:
        """What was paid and not given back."""
        return self.paid_cents - self.refunded_cents

    @property
    def due_cents(self) -> int:
        return max(self.net_cents - self.kept_cents, 0)

    @property
    def creditable_cents(self) -> int:
        """What credit notes may still take off."""
        return self.net_cents

    def status_for_amounts(self) -> str:
        if self.net_cents == 0:
            return InvoiceStatus.CANCELLED
        if self.kept_cents == 0:
            return InvoiceStatus.ISSUED
        if self.kept_cents >= self.net_cents:
            return InvoiceStatus.PAID
        return InvoiceStatus.PARTLY_PAID


class InvoicePayment(AppendOnlyModel):
    """Money paid on an invoice, online or at the counter. It passed through the household's
    wallet for the activity's service: `entry` is the charge that took it to the invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount_cents = models.PositiveIntegerField()
    means = models.CharField(max_length=12, choices=Means.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    online_payment = models.OneToOneField(OnlinePayment, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                              name="invoice_payment_positive")]

    def __str__(self):
        return f"{self.invoice_id}: {self.amount_cents}"


class PaymentAllocation(AppendOnlyModel):
    """The part of a payment given to one line, the oldest lines first."""

    payment = models.ForeignKey(InvoicePayment, on_delete=models.PROTECT,
                                related_name="allocations")
    line = models.ForeignKey(BilledLine, on_delete=models.PROTECT, related_name="allocations",
                             null=True, blank=True)
    contract_line = models.ForeignKey("ContractLine", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="allocations")
    # Its index is built without locking the table (migration 0007).
    term = models.ForeignKey("TermCharge", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="allocations", db_index=False)
    amount_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["payment", "line"],
                                               name="allocation_once_per_line")]
        indexes = [models.Index(fields=["term"], name="childhood_allocation_term")]


class InvoiceOnlinePayment(models.Model):
    """An online payment started for an invoice: when the provider's notice credits it to the
    wallet, it is passed on to the invoice (InvoicePayment)."""

    online_payment = models.OneToOneField(OnlinePayment, on_delete=models.PROTECT,
                                          related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.invoice_id}: {self.online_payment_id}"


# The rule's own reasons for a credit note, written out in the reader's language (the
# parameters: an absence's reason code and dates, a term's first session).
CREDIT_REASONS = {
    "absence": _("Justified absence (%(reason)s), %(first)s to %(last)s"),
    "term_withdrawn": _("Left before the first session, %(day)s"),
}
ONE_DAY_ABSENCE = _("Justified absence (%(reason)s), %(first)s")


class CreditNote(AppendOnlyModel):
    """Takes an amount off what a household was billed for a closed month or a term, numbered
    in its own gap-free series: off an invoice — all of it, some of its lines, or an amount —,
    or off a month charged to the wallet (`statement`: an absence accepted after the closing).
    What was paid beyond what is left goes back to the household's wallet (`refund`); a month
    the wallet has not been charged yet is charged that much less. Never more than what was
    billed. The reason is the manager's words, or the rule's code and parameters."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes",
                                null=True, blank=True, db_index=False)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="credit_notes", db_index=False)
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    reason_code = models.CharField(max_length=24, blank=True, default="", db_default="")
    reason_params = models.JSONField(
        blank=True, default=dict, db_default=models.Value({}, output_field=models.JSONField()))
    refund = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        indexes = [models.Index(fields=["statement"], name="credit_note_statement",
                                condition=Q(statement__isnull=False))]
        constraints = [
            models.UniqueConstraint(fields=["territory", "year", "sequence"],
                                    name="credit_note_number_unique"),
            models.CheckConstraint(condition=Q(invoice__isnull=True) ^ Q(statement__isnull=True),
                                   name="credit_note_invoice_or_statement"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"AV-{self.year}-{self.sequence:06d}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language: the rule's sentence, or the manager's words."""
        if not self.reason_code:
            return self.reason
        params = dict(self.reason_params)
        if "reason" in params:
            params["reason"] = AbsenceReason(params["reason"]).label
        for name in ("first", "last", "day"):
            if name in params:
                params[name] = date_format(date.fromisoformat(params[name]), "DATE_FORMAT")
        sentence = CREDIT_REASONS[self.reason_code]
        if self.reason_code == "absence" and params["first"] == params["last"]:
            sentence = ONE_DAY_ABSENCE
        return str(sentence) % params


class CreditNoteLine(AppendOnlyModel):
    """The part of a credit note given to one line of the invoice: a reserved day's or a
    nursery contract's. A credit note of an amount has no line."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    line = models.ForeignKey("BilledLine", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="credits")
    contract_line = models.ForeignKey("ContractLine", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="credits")
    amount_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(line__isnull=True) ^ Q(contract_line__isnull=True),
                                   name="credit_note_line_one_target"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="credit_note_line_positive"),
        ]

    def __str__(self):
        return f"{self.credit_note_id}: {self.amount_cents}"


class TermCharge(models.Model):
    """A term of lessons billed once when the child gets a place (enrolled, or promoted from
    the waiting list): the sessions opened for the term at the price of the household's
    bracket, charged to the wallet for the activity's service under its shortage rule (a
    promotion the rule refuses keeps the code), or — an invoice-mode activity — the one line
    of its own invoice (`invoice`); given back when the child leaves before the first session
    (a refund, or a credit note of the invoice)."""

    enrolment = models.OneToOneField(ChildEnrolment, on_delete=models.PROTECT,
                                     related_name="term_charge")
    sessions = models.PositiveSmallIntegerField()
    session_price_cents = models.PositiveIntegerField()
    amount_cents = models.PositiveIntegerField()
    billed_at = models.DateTimeField()
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    refused_code = models.CharField(max_length=40, blank=True)
    refund = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(amount_cents=F("sessions") * F("session_price_cents")),
            name="term_charge_amount")]

    def __str__(self):
        return f"{self.enrolment_id}: {self.amount_cents}"


class Reminder(AppendOnlyModel):
    """A notice sent once: `key` names what it was about (a guardian and a booking deadline, a
    waiting-list place), so running the reminders again sends nothing twice."""

    key = models.CharField(max_length=120, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self):
        return self.key


# Nursery contracts (PSU, the CAF national scale) -----------------------------------------------

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday"))


class NurseryContract(models.Model):
    """A nursery contract: the hours reserved each week from one date to another, billed in
    equal monthly parts at the household's hourly rate on the national scale. A change is a
    new contract from a date (the previous one ends the day before): a billed month is never
    recomputed from changed terms."""

    enrolment = models.ForeignKey(ChildEnrolment, on_delete=models.PROTECT,
                                  related_name="contracts")
    starts_on = models.DateField()
    ends_on = models.DateField()
    closure_weeks = models.PositiveSmallIntegerField(
        default=0, help_text="Weeks the nursery is closed during the contract.")
    holiday_weeks = models.PositiveSmallIntegerField(
        default=0, help_text="Weeks of the family's holidays during the contract.")
    # The base of the equal monthly parts, fixed when the terms are written: ending the
    # contract earlier (a change) does not recompute the months already billed.
    weeks_of_care = models.PositiveSmallIntegerField()
    months = models.PositiveSmallIntegerField()
    monthly_resources_cents = models.PositiveIntegerField()
    dependent_children = models.PositiveSmallIntegerField(default=1)
    disabled_child = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["enrolment", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="nursery_contract_dates_ordered"),
            models.CheckConstraint(condition=Q(dependent_children__gte=1),
                                   name="nursery_contract_one_child_at_least"),
            models.CheckConstraint(condition=Q(months__gte=1), name="nursery_contract_months"),
        ]

    def __str__(self):
        return f"{self.enrolment} {self.starts_on}–{self.ends_on}"


class ContractDay(models.Model):
    """The hours reserved on one weekday (0 = Monday) of a contract."""

    contract = models.ForeignKey(NurseryContract, on_delete=models.CASCADE,
                                 related_name="days")
    weekday = models.PositiveSmallIntegerField()
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["contract", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "weekday"],
                                    name="contract_day_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="contract_day_weekday"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                   name="contract_day_hours_ordered"),
        ]

    def __str__(self):
        return f"{self.weekday}: {self.starts_at}–{self.ends_at}"


class ContractLineKind(models.TextChoices):
    MONTHLY = "monthly", _("monthly amount of the contract")
    EXTRA = "extra", _("hours beyond the contract")
    DEDUCTION = "deduction", _("justified absences deducted")
    RECONCILIATION = "balance", _("end-of-contract reconciliation")


class ContractLine(models.Model):
    """One part of a contract's closed month: the monthly amount, the extra hours, or the
    justified absences deducted (negative)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT,
                                  related_name="contract_lines")
    contract = models.ForeignKey(NurseryContract, on_delete=models.PROTECT,
                                 related_name="lines")
    kind = models.CharField(max_length=10, choices=ContractLineKind.choices)
    minutes = models.PositiveIntegerField()
    hourly_rate_cents = models.PositiveIntegerField()
    amount_cents = models.IntegerField()

    class Meta:
        ordering = ["contract", "kind"]
        constraints = [models.UniqueConstraint(fields=["statement", "contract", "kind"],
                                               name="contract_line_unique")]

    def __str__(self):
        return f"{self.contract_id} {self.kind}: {self.amount_cents}"


class ContractCredit(AppendOnlyModel):
    """The part of an end-of-contract reconciliation in the family's favour that the month's
    bill could not take (it went to zero): a credit note ("avoir") numbered in the credit-note
    series, given back at once to the household's wallet for the activity's service
    (`refund`). One per contract, written by the closing that reconciled it."""

    contract = models.OneToOneField(NurseryContract, on_delete=models.PROTECT,
                                    related_name="credit")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT,
                                  related_name="contract_credits")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    amount_cents = models.PositiveIntegerField()
    refund = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["territory", "year", "sequence"],
                                    name="contract_credit_number_unique"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="contract_credit_positive"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"AV-{self.year}-{self.sequence:06d}"


# Documents and absences --------------------------------------------------------------------------

class DocumentKind(models.TextChoices):
    VACCINATION = "vaccination", _("vaccination record")
    INSURANCE = "insurance", _("insurance certificate")
    MEDICAL = "medical", _("medical certificate")
    OTHER = "other", _("other document")


class Document(models.Model):
    """A file attached to an enrolment: read only by the guardians and the activity's staff
    (every staff read audited), through a view that checks it — never served publicly; its
    content is erased after `erase_after`."""

    enrolment = models.ForeignKey(ChildEnrolment, on_delete=models.PROTECT,
                                  related_name="documents")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    file = models.FileField(upload_to="childhood/documents/%Y/%m/", max_length=200,
                            blank=True)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, related_name="+")
    erase_after = models.DateField()
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["erase_after"], condition=Q(erased_at__isnull=True),
                                name="childhood_document_to_erase")]

    def __str__(self):
        return f"{self.enrolment_id} {self.kind} {self.name}"


class AbsenceReason(models.TextChoices):
    ILLNESS = "illness", _("illness, with a medical certificate")
    HOSPITALISATION = "hospitalisation", _("hospitalisation")
    CLOSURE = "closure", _("closure of the nursery")


class AbsenceStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")


class Absence(models.Model):
    """An absence a guardian justifies (with a certificate) or staff record, accepted or
    refused by staff. Accepted: the booked days are not billed, and a nursery contract's
    hours of those days are deducted (illness: after the waiting days)."""

    enrolment = models.ForeignKey(ChildEnrolment, on_delete=models.PROTECT,
                                  related_name="absences")
    reason = models.CharField(max_length=16, choices=AbsenceReason.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    document = models.OneToOneField(Document, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="absence")
    status = models.CharField(max_length=10, choices=AbsenceStatus.choices,
                              default=AbsenceStatus.PENDING)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                              name="absence_dates_ordered")]

    def __str__(self):
        return f"{self.enrolment_id} {self.reason} {self.starts_on}–{self.ends_on}"
