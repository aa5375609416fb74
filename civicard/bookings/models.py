"""Bookable resources (courts, rooms, halls), their recurring blocks, the bookings with their
companions, hall rentals, and each household's private calendar feed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.access.models import Checkpoint, Facility
from civicard.mutualaid.models import Association
from civicard.people.models import Household, Person
from civicard.territory.models import Commune
from civicard.wallets.models import LedgerEntry, Service


class ResourceKind(models.TextChoices):
    COURT = "court", _("court")
    SPORTS_HALL = "sports_hall", _("sports hall")
    MEETING_ROOM = "meeting_room", _("meeting room")
    VILLAGE_HALL = "village_hall", _("village hall")


class WhoMayBook(models.TextChoices):
    ANYONE = "anyone", _("anyone with an account")
    TERRITORY = "territory", _("residents of the territory")
    COMMUNES = "communes", _("residents of the chosen communes")
    MEMBERS = "members", _("members of the service")


class Resource(models.Model):
    """Something booked by the slot. Its price is the tariff `price_use` of `service`, by
    income bracket and residency, paid from the household's account; no service: free."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("place"))
    checkpoints = models.ManyToManyField(Checkpoint, blank=True, related_name="+",
                                         verbose_name=_("doors that a booking opens"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("service paid (empty: free)"))
    price_use = models.SlugField(_("tariff of a slot"), max_length=40, default="slot")
    slot_minutes = models.PositiveSmallIntegerField(_("length of a slot, in minutes"),
                                                    default=60)
    opening_hours = models.CharField(_("bookable hours"), max_length=255,
                                     default="Mo-Su 08:00-22:00; PH off",
                                     help_text=_("OpenStreetMap syntax, e.g. "
                                                 "Mo-Fr 09:00-18:00; PH off"))
    country = models.CharField(_("country for public holidays"), max_length=2, default="FR")
    book_ahead_days = models.PositiveSmallIntegerField(_("bookable up to (days ahead)"),
                                                       default=14)
    book_until_minutes = models.PositiveIntegerField(
        _("latest booking before the start (minutes)"), default=0)
    cancel_until_hours = models.PositiveIntegerField(
        _("latest refunded cancellation before the start (hours)"), default=24)
    max_future_bookings = models.PositiveSmallIntegerField(
        _("future bookings a household may hold"), default=2)
    max_companions = models.PositiveSmallIntegerField(_("companions per booking"), default=3)
    door_margin_minutes = models.PositiveSmallIntegerField(
        _("door opens before the start (minutes)"), default=10)
    who_may_book = models.CharField(_("who may book"), max_length=12,
                                    choices=WhoMayBook.choices, default=WhoMayBook.TERRITORY)
    communes = models.ManyToManyField(Commune, blank=True, related_name="+",
                                      verbose_name=_("communes whose residents may book"))
    no_shows_to_bar = models.PositiveSmallIntegerField(
        _("no-shows that bar a household (0: never)"), default=0)
    no_show_days = models.PositiveSmallIntegerField(
        _("period counted for no-shows, and length of the bar (days)"), default=90)
    is_active = models.BooleanField(_("open to bookings"), default=True)
    by_request = models.BooleanField(
        _("rented on request"), default=False,
        help_text=_("Residents ask for whole days; a manager accepts or refuses."))
    capacity = models.PositiveIntegerField(_("people allowed at once"), null=True, blank=True)
    deposit_cents = models.PositiveIntegerField(_("deposit for a rental, in cents"), default=0)
    associations_may_book = models.BooleanField(
        _("associations may book"), default=False, db_default=False,
        help_text=_("An editor of an association of the territory books in its name."))
    association_price_use = models.SlugField(
        _("tariff of a slot for an association (empty: free)"), max_length=40, blank=True,
        db_index=False,
        default="", db_default="")

    class Meta:
        verbose_name = _("bookable resource")
        verbose_name_plural = _("bookable resources")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="resource_name_unique"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15, slot_minutes__lte=1440),
                                   name="resource_slot_length"),
            models.CheckConstraint(condition=Q(book_ahead_days__gte=1, book_ahead_days__lte=366),
                                   name="resource_book_ahead"),
        ]

    def __str__(self):
        return self.name


class Block(models.Model):
    """A weekly time when the resource cannot be booked (school use, maintenance)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=[
        (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
        (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))])
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    reason = models.CharField(_("why"), max_length=120)

    class Meta:
        verbose_name = _("recurring block")
        verbose_name_plural = _("recurring blocks")
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="block_weekday_valid"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")),
                                   name="block_times_ordered"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Status(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Booking(models.Model):
    """One household's hold on a resource from `start` to `end`. Two confirmed bookings of a
    resource never overlap: a unique slot start on every database, and on PostgreSQL an
    exclusion constraint over the time range (migration 0002). An association's booking is
    made by one of its editors (`booked_by`, whose household is `household` and pays when the
    resource sets an association price: associations have no account, docs/decisions/0017)."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    association = models.ForeignKey(Association, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", db_index=False,
                                    verbose_name=_("on behalf of"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    door_opens_at = models.DateTimeField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.CONFIRMED)
    price_cents = models.PositiveIntegerField(_("price in cents"), default=0)
    charge = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    refund = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    idempotency_key = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    no_show = models.BooleanField(_("nobody came"), null=True, blank=True)  # None: not checked

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="booking_key_unique"),
            models.UniqueConstraint(fields=["resource", "start"],
                                    condition=Q(status="confirmed"),
                                    name="booking_slot_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="booking_end_after_start"),
            models.CheckConstraint(condition=Q(door_opens_at__lte=models.F("start")),
                                   name="booking_door_before_start"),
        ]
        indexes = [models.Index(fields=["resource", "start"]),
                   models.Index(fields=["household", "status", "start"]),
                   models.Index(fields=["booked_by", "status", "end"])]

    def __str__(self):
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}"


class Companion(models.Model):
    """Someone the booker brings: the door opens for their card too."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="companions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "person"],
                                               name="companion_once")]

    def __str__(self):
        return f"{self.booking} + {self.person}"


class CalendarFeed(models.Model):
    """The secret address of a household's own bookings as a calendar; renewing changes it."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self):
        return str(self.household)


class RentalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("rental", "withdrawn")


class Rental(models.Model):
    """A household's request to hire a resource rented on request (a village hall) for whole
    days. Accepted, it becomes a confirmed Booking over the hire period (so nothing else can
    overlap it and the renter's and helpers' cards open the door), the price and the deposit
    are charged to the household's account, and the deposit is later given back in full or in
    part (`deposit_kept_cents`, None until settled)."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="rentals")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    association = models.ForeignKey(Association, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("on behalf of"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    purpose = models.CharField(pgettext_lazy("rental", "purpose"), max_length=200)
    attendance = models.PositiveIntegerField(_("expected attendance"))
    helpers = models.ManyToManyField(Person, blank=True, related_name="+",
                                     verbose_name=_("helpers"))
    status = models.CharField(_("status"), max_length=10, choices=RentalStatus.choices,
                              default=RentalStatus.PENDING)
    price_cents = models.PositiveIntegerField(_("price in cents"), default=0)
    deposit_cents = models.PositiveIntegerField(_("deposit in cents"), default=0)
    idempotency_key = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    refusal_reason = models.CharField(_("reason"), max_length=200, blank=True)
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="rental")
    deposit_charge = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+")
    deposit_refund = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+")
    deposit_kept_cents = models.PositiveIntegerField(null=True, blank=True)
    deposit_reason = models.CharField(_("reason"), max_length=200, blank=True)
    deposit_settled_at = models.DateTimeField(null=True, blank=True)
    deposit_settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                           null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("rental")
        verbose_name_plural = _("rentals")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="rental_key_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="rental_end_after_start"),
            models.CheckConstraint(condition=Q(attendance__gte=1), name="rental_attendance"),
            models.CheckConstraint(condition=~Q(status="accepted") | Q(booking__isnull=False),
                                   name="rental_accepted_has_booking"),
            models.CheckConstraint(
                condition=Q(deposit_kept_cents__isnull=True)
                | Q(deposit_kept_cents__lte=models.F("deposit_cents")),
                name="rental_deposit_kept_within_held"),
        ]
        indexes = [models.Index(fields=["resource", "status", "start"]),
                   models.Index(fields=["household", "status"])]

    def __str__(self):
        return f"{self.resource} {self.start:%Y-%m-%d}"

    @property
    def deposit_held(self) -> bool:
        return self.deposit_charge_id is not None and self.deposit_kept_cents is None

    @property
    def deposit_released_cents(self) -> int | None:
        if self.deposit_kept_cents is None:
            return None
        return self.deposit_cents - self.deposit_kept_cents
