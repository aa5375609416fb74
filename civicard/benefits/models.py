"""Benefits: programmes giving rights (monthly free entries, money vouchers in booklets), the
venues accepting them, every use of a right (a redemption) and the venues' monthly statements.

Monthly rights are never created ahead of time: a `MonthlyUsage` row per (person, programme,
month) appears at the first use (see docs/decisions/0005-benefits-monthly-rights.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicard.core.append_only import AppendOnlyModel
from civicard.core.money import Currency
from civicard.people.models import Person
from civicard.territory.models import Neighbourhood, Territory


class Funder(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    logo_svg = models.TextField(_("logo (SVG)"), blank=True,
                                help_text=_("Printed on the booklets."))
    accountant_reference = models.CharField(_("accounting reference"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")

    def __str__(self):
        return self.name


class SocialService(models.Model):
    """A social service (e.g. a CCAS) whose workers hand out booklets."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("social service")
        verbose_name_plural = _("social services")

    def __str__(self):
        return self.name


class Venue(models.Model):
    """A partner venue: a museum, a pool, a mediation association…"""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("neighbourhood"))
    opening_hours = models.CharField(
        _("opening hours"), max_length=200, blank=True,
        help_text=_("In the OpenStreetMap syntax, e.g. Tu-Sa 10:00-18:00."))
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True,
                                    blank=True)
    iban = models.CharField(_("IBAN for reimbursements"), max_length=34, blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffLink(models.Model):
    """Which venue, social service or funder a staff login works for (exactly one of them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="benefit_links")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="staff_links")
    social_service = models.ForeignKey(SocialService, on_delete=models.CASCADE, null=True,
                                       blank=True, related_name="staff_links")
    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="staff_links")

    class Meta:
        verbose_name = _("benefits staff link")
        verbose_name_plural = _("benefits staff links")
        constraints = [
            models.CheckConstraint(
                condition=Q(venue__isnull=False, social_service__isnull=True, funder__isnull=True)
                | Q(venue__isnull=True, social_service__isnull=False, funder__isnull=True)
                | Q(venue__isnull=True, social_service__isnull=True, funder__isnull=False),
                name="staff_link_exactly_one_target"),
            models.UniqueConstraint(fields=["user", "venue"], name="staff_link_venue_unique"),
            models.UniqueConstraint(fields=["user", "social_service"],
                                    name="staff_link_service_unique"),
            models.UniqueConstraint(fields=["user", "funder"], name="staff_link_funder_unique"),
        ]

    def __str__(self):
        return f"{self.user} → {self.venue or self.social_service or self.funder}"


class BenefitKind(models.TextChoices):
    ENTRIES = "entries", _("free entries")
    MONEY = "money", _("money vouchers")


class Eligibility(models.TextChoices):
    EVERYONE = "everyone", _("every card holder")
    NEIGHBOURHOODS = "neighbourhoods", _("residents of some neighbourhoods")
    CHOSEN = "chosen", _("people a social worker chooses")


class Grant(models.TextChoices):
    MONTHLY = "monthly", _("every calendar month")
    BOOKLETS = "booklets", _("paper booklets handed out")


class Programme(models.Model):
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of benefit"), max_length=10, choices=BenefitKind.choices)
    eligibility = models.CharField(_("who is eligible"), max_length=16,
                                   choices=Eligibility.choices, default=Eligibility.EVERYONE)
    neighbourhoods = models.ManyToManyField(Neighbourhood, blank=True, related_name="+",
                                            verbose_name=_("eligible neighbourhoods"))
    grant = models.CharField(_("how rights are given"), max_length=10, choices=Grant.choices)
    entries_per_month = models.PositiveSmallIntegerField(_("entries per month"), default=0)
    per_venue_cap = models.PositiveSmallIntegerField(
        _("at most per venue and month"), null=True, blank=True,
        help_text=_("Leave empty for no limit per venue."))
    voucher_value_cents = models.PositiveIntegerField(_("value of a voucher (cents)"), default=0)
    vouchers_per_booklet = models.PositiveSmallIntegerField(_("vouchers per booklet"), default=5)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices,
                                default=Currency.EUR)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("valid until"), null=True, blank=True,
                               help_text=_("Empty: monthly rights lapse at each month end."))

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="entries", grant="monthly", entries_per_month__gt=0))
                | Q(kind="money", grant="booklets", voucher_value_cents__gt=0,
                    vouchers_per_booklet__gt=0, ends_on__isnull=False),
                name="programme_kind_matches_grant"),
        ]

    def __str__(self):
        return self.name


class ProgrammeMember(models.Model):
    """A person a social worker chose for a programme with eligibility `chosen`."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "person"],
                                               name="programme_member_unique")]

    def __str__(self):
        return f"{self.programme} — {self.person}"


class Accreditation(models.Model):
    """A venue accepts a programme from a date (to a date); for money vouchers, what it may sell."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE,
                                  related_name="accreditations")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="accreditations")
    active_from = models.DateField(_("accredited from"))
    active_to = models.DateField(_("accredited until"), null=True, blank=True)
    services = models.JSONField(_("what the venue may sell"), default=list, blank=True,
                                help_text=_("Workshop types, e.g. e-mail, printer, CV."))

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        constraints = [
            models.UniqueConstraint(fields=["programme", "venue", "active_from"],
                                    name="accreditation_unique"),
            models.CheckConstraint(condition=Q(active_to__isnull=True)
                                   | Q(active_to__gte=models.F("active_from")),
                                   name="accreditation_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.venue} — {self.programme}"


class NoticePreference(models.Model):
    """A resident who does not want the monthly-entries notices."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    monthly_notices = models.BooleanField(default=True)

    def __str__(self):
        return str(self.person)


class MonthlyUsage(models.Model):
    """How many of a month's entries a person used: created at the first use, never ahead."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # first day of the month
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "programme", "month"],
                                    name="monthly_usage_unique"),
        ]

    def __str__(self):
        return f"{self.person} {self.month:%Y-%m}: {self.used}"


class BookletStatus(models.TextChoices):
    CREATED = "created", _("not yet handed out")
    HANDED_OUT = "handed_out", _("handed out")
    CANCELLED = "cancelled", _("cancelled")


class AgeBracket(models.TextChoices):
    UNDER_26 = "under_26", _("under 26")
    FROM_26_TO_59 = "26_59", _("26 to 59")
    FROM_60_TO_74 = "60_74", _("60 to 74")
    OVER_75 = "75_plus", _("75 and over")


class BookletBatch(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="batches")
    social_service = models.ForeignKey(SocialService, on_delete=models.PROTECT,
                                       related_name="batches")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("batch of booklets")
        verbose_name_plural = _("batches of booklets")

    def __str__(self):
        return f"{self.programme} #{self.pk}"


class Booklet(models.Model):
    batch = models.ForeignKey(BookletBatch, on_delete=models.PROTECT, related_name="booklets")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="booklets")
    social_service = models.ForeignKey(SocialService, on_delete=models.PROTECT,
                                       related_name="booklets")
    number = models.CharField(_("booklet number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=BookletStatus.choices,
                              default=BookletStatus.CREATED)
    valid_until = models.DateField(_("valid until"))
    handed_out_at = models.DateTimeField(null=True, blank=True)
    handed_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    age_bracket = models.CharField(_("age bracket"), max_length=10, choices=AgeBracket.choices,
                                   blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("neighbourhood"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    # Its vouchers, and those used (not undone): the dashboard's funnel counts booklets by these
    # instead of looking at every voucher. Kept by create_booklets, redeem_voucher and
    # undo_redemption; `civicard rebuild_summaries` recounts them.
    voucher_count = models.PositiveSmallIntegerField(default=0, db_default=0)
    vouchers_used = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("booklet")
        verbose_name_plural = _("booklets")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="created", handed_out_at__isnull=True)
                | Q(status__in=["handed_out", "cancelled"]),
                name="booklet_created_not_handed"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="booklet_cancelled_has_date"),
        ]
        indexes = [models.Index(fields=["social_service", "status"])]

    def __str__(self):
        return self.number


class Voucher(models.Model):
    booklet = models.ForeignKey(Booklet, on_delete=models.PROTECT, related_name="vouchers")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=13, unique=True)  # 12 base32 characters + check
    value_cents = models.PositiveIntegerField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["booklet_id", "position"]
        constraints = [models.UniqueConstraint(fields=["booklet", "position"],
                                               name="voucher_position_unique")]

    def __str__(self):
        return self.code


class RedemptionKind(models.TextChoices):
    ENTRY = "entry", _("free entry")
    VOUCHER = "voucher", _("money voucher")


class Redemption(models.Model):
    """One use of a right at a venue. Undone by mistake within minutes: `undone_at` is set."""

    kind = models.CharField(max_length=8, choices=RedemptionKind.choices)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    usage = models.ForeignKey(MonthlyUsage, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="redemptions")
    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="redemptions")
    service = models.CharField(_("service given"), max_length=80, blank=True)
    amount_cents = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    channel = models.CharField(max_length=10, default="desk")  # desk | terminal
    idempotency_key = models.CharField(max_length=120, unique=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["venue", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["voucher"], condition=Q(undone_at__isnull=True),
                                    name="voucher_spent_once"),
            models.CheckConstraint(
                condition=Q(kind="entry", usage__isnull=False, voucher__isnull=True)
                | Q(kind="voucher", voucher__isnull=False, usage__isnull=True),
                name="redemption_kind_matches"),
        ]

    def __str__(self):
        return f"{self.venue} {self.at:%Y-%m-%d %H:%M} {self.kind}"


class Statement(models.Model):
    """A venue's monthly statement of redeemed money vouchers, frozen once issued."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="statements")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="statements")
    month = models.DateField()
    number = models.CharField(max_length=40, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+")
    total_cents = models.IntegerField()

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-month", "venue__name"]
        constraints = [models.UniqueConstraint(fields=["programme", "venue", "month"],
                                               name="statement_unique")]

    def __str__(self):
        return self.number


class StatementLine(AppendOnlyModel):
    """A line of a statement: a redemption, or a correction (signed) made after an earlier one."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="statement_lines")
    amount_cents = models.IntegerField()
    label = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["redemption", "amount_cents"],
                                               name="statement_line_once")]


class NoticeRun(models.Model):
    """One sending of a month's notices for a programme: resumable (last person reached) and
    never repeated (unique per programme, month and kind)."""

    class Kind(models.TextChoices):
        AVAILABLE = "available", _("the month's entries are available")
        LAPSE = "lapse", _("unused entries lapse in 3 days")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    last_person_id = models.BigIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "month", "kind"],
                                               name="notice_run_unique")]

    def __str__(self):
        return f"{self.programme} {self.month:%Y-%m} {self.kind}"


class Correction(models.Model):
    """A signed amount the funder adds to a venue's next statement (a frozen one never changes)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="+")
    amount_cents = models.IntegerField(_("amount (cents, negative to take back)"))
    reason = models.CharField(_("reason"), max_length=160)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    settled_on = models.ForeignKey(StatementLine, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [models.CheckConstraint(condition=~Q(amount_cents=0),
                                              name="correction_not_zero")]

    def __str__(self):
        return f"{self.venue} {self.amount_cents} {self.reason}"


class RedemptionDay(models.Model):
    """Live (not undone) redemptions per programme, venue, kind and local day, with their value
    and the part already on a statement: what the funders' dashboard reads. Kept by the
    redeem, undo and statement operations in their transaction; `civicard rebuild_summaries`
    recounts it."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=RedemptionKind.choices)
    day = models.DateField()
    count = models.IntegerField(default=0)
    cents = models.BigIntegerField(default=0)
    settled_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "day", "venue", "kind"],
                                               name="redemption_day_unique")]

    def __str__(self):
        return f"{self.day} {self.venue_id} {self.kind}: {self.count}"
