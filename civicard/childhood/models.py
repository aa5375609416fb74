"""Activities for children: units open day by day with a capacity, enrolments with a waiting
list, reservations and their roll-call states, closed months and what they billed: charged to
the wallet, or put on a numbered invoice paid online or at the counter."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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
    """A closed month of an invoice-mode activity for one household: the statement's lines,
    numbered without gap per territory and year ("2026-000123"). Never deleted: a mistake is
    cancelled by a credit note."""

    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="invoice")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    total_cents = models.PositiveIntegerField()
    paid_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=12, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.ISSUED)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "year", "sequence"],
                                    name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(paid_cents__lte=F("total_cents")),
                                   name="invoice_not_overpaid"),
        ]
        indexes = [models.Index(fields=["household", "status"])]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.year}-{self.sequence:06d}"

    @property
    def due_cents(self) -> int:
        return 0 if self.status == InvoiceStatus.CANCELLED else self.total_cents - self.paid_cents


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
    line = models.ForeignKey(BilledLine, on_delete=models.PROTECT, related_name="allocations")
    amount_cents = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["payment", "line"],
                                               name="allocation_once_per_line")]


class InvoiceOnlinePayment(models.Model):
    """An online payment started for an invoice: when the provider's notice credits it to the
    wallet, it is passed on to the invoice (InvoicePayment)."""

    online_payment = models.OneToOneField(OnlinePayment, on_delete=models.PROTECT,
                                          related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.invoice_id}: {self.online_payment_id}"


class CreditNote(AppendOnlyModel):
    """Cancels a whole invoice, numbered in its own gap-free series; what was paid goes back
    to the household's wallet (`refund`)."""

    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="credit_note")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    amount_cents = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    refund = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["territory", "year", "sequence"],
                                               name="credit_note_number_unique")]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"AV-{self.year}-{self.sequence:06d}"


class Reminder(AppendOnlyModel):
    """A notice sent once: `key` names what it was about (a guardian and a booking deadline, a
    waiting-list place), so running the reminders again sends nothing twice."""

    key = models.CharField(max_length=120, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self):
        return self.key
