"""Services, enrolments, tariffs, one account per household and service, and the ledger."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicard.core.append_only import AppendOnlyModel
from civicard.core.money import Currency
from civicard.people.models import Household, Person
from civicard.territory.models import Commune, IncomeBracket, Territory
from civicard.wallets import labels


class PaymentMode(models.TextChoices):
    PREPAID_WALLET = "prepaid_wallet", _("prepaid wallet")
    PER_USE = "per_use", _("charged per use")
    ENTRIES_PACK = "entries_pack", _("pack of entries")
    FREE = "free", _("free")


class ShortageRule(models.TextChoices):
    SERVE_AND_GO_NEGATIVE = "serve_and_go_negative", _("serve and let the balance go negative")
    REFUSE = "refuse", _("refuse when the balance is too low")


class Service(models.Model):
    """A public service of the territory or of one commune (canteen, pool, library…)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="services")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="services",
                                verbose_name=_("commune (empty: whole territory)"))
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60)
    payment_mode = models.CharField(_("how it is paid"), max_length=20,
                                    choices=PaymentMode.choices,
                                    default=PaymentMode.PREPAID_WALLET)
    shortage_rule = models.CharField(_("when the balance is too low"), max_length=24,
                                     choices=ShortageRule.choices, default=ShortageRule.REFUSE)
    floor_cents = models.IntegerField(
        _("lowest balance allowed, in cents"), null=True, blank=True,
        help_text=_("Only for services that serve and go negative. Empty: no limit."))
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "slug"], name="service_slug_unique"),
            models.CheckConstraint(condition=Q(floor_cents__isnull=True) | Q(floor_cents__lte=0),
                                   name="service_floor_not_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def has_wallet(self) -> bool:
        return self.payment_mode != PaymentMode.FREE


class Enrolment(models.Model):
    """A right to a service: for one person or a whole household, between two dates."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="enrolments", verbose_name=_("household"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="enrolments", verbose_name=_("person"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    resident_of = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+",
                                    verbose_name=_("only for residents of"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=True) & Q(person__isnull=False))
                | (Q(household__isnull=False) & Q(person__isnull=True)),
                name="enrolment_person_xor_household"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")),
                                   name="enrolment_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.service} — {self.household or self.person}"


class Tariff(models.Model):
    """The price of one use of a service for a bracket and residency, from a date on."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tariffs")
    use = models.SlugField(_("use"), max_length=40, default="use",
                           help_text=_("What is paid, e.g. meal, entry, hour."))
    income_bracket = models.ForeignKey(IncomeBracket, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+",
                                       verbose_name=_("income bracket (empty: any)"))
    resident = models.BooleanField(_("for residents"), null=True, blank=True,
                                   help_text=_("Empty: residents and non-residents alike."))
    amount_cents = models.PositiveIntegerField(_("price in cents"))
    valid_from = models.DateField(_("valid from"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["service", "use", "-valid_from"]
        indexes = [models.Index(fields=["service", "use", "valid_from"])]

    def __str__(self):
        return f"{self.service} {self.use} {self.amount_cents} ({self.valid_from})"


class Account(models.Model):
    """A household's prepaid wallet for one service. Its balance moves only through entries."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="accounts")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="accounts")
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    balance_cents = models.BigIntegerField(_("balance in cents"), default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["household", "service"],
                                    name="account_one_per_household_service"),
        ]

    def __str__(self):
        return f"{self.service} — {self.household}"


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", _("top-up")
    CHARGE = "charge", _("charge")
    REFUND = "refund", _("refund")
    TRANSFER_IN = "transfer_in", _("transfer in")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    CORRECTION = "correction", _("correction")


class Means(models.TextChoices):
    CASH = "cash", _("cash")
    CHEQUE = "cheque", _("cheque")
    BANK_CARD = "bank_card", _("bank card")
    ONLINE = "online", _("online payment")
    NONE = "", _("none")


class LedgerEntry(AppendOnlyModel):
    """One movement of money on one account. Never updated, never deleted."""

    # No single-column index where a composite one in Meta starts with the column, and the
    # key is unique by a constraint (no pattern index): every index is written on each entry.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries",
                                db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(_("amount in cents"))
    balance_after_cents = models.BigIntegerField(_("balance after, in cents"))
    means = models.CharField(_("means of payment"), max_length=12, choices=Means.choices,
                             blank=True, default="")
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("who"),
                              db_index=False)
    # A line the platform writes has a code and parameters (labels.SENTENCES); one typed by
    # staff has no code and their words in `reason`. Read it as `label`.
    reason = models.CharField(_("why"), max_length=200, blank=True)
    reason_code = models.CharField(max_length=24, blank=True, default="")
    reason_params = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120)
    related = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("related entry"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["account", "at"]),
                   models.Index(fields=["actor", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="entry_key_unique"),
            models.CheckConstraint(condition=~Q(amount_cents=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(kind__in=["top_up", "refund", "transfer_in"], amount_cents__gt=0)
                | Q(kind__in=["charge", "transfer_out"], amount_cents__lt=0)
                | Q(kind="correction"),
                name="entry_sign_matches_kind"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.kind} {self.amount_cents}"

    @property
    def label(self) -> str:
        """What the line says, in the reader's language."""
        return labels.render(self.reason_code, self.reason_params, self.reason)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the bank")
    PAID = "paid", _("paid")
    FAILED = "failed", _("refused or cancelled")


class OnlinePayment(models.Model):
    """A top-up paid through a payment provider; credited once, by the provider's notice."""

    reference = models.CharField(max_length=40, unique=True)
    provider = models.CharField(max_length=30)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="payment")

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="payment_amount_positive"),
        ]

    def __str__(self):
        return self.reference
