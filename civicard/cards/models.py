"""Cards: a physical card (chip UID, kept only as a keyed hash) or a digital card (a rotating
QR code derived from a per-card secret). Rights and balances belong to the person and their
households, never to a card: replacing a card changes nothing else."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.core.append_only import AppendOnlyModel
from civicard.people.models import Person


class CardKind(models.TextChoices):
    PHYSICAL = "physical", _("physical card")
    DIGITAL = "digital", _("digital card on the phone")


class CardPurpose(models.TextChoices):
    RESIDENT = "resident", _("resident card")
    STAFF = "staff", _("staff card")


class CardStatus(models.TextChoices):
    ISSUED = "issued", _("issued, not yet handed over")
    ACTIVE = "active", pgettext_lazy("card", "active")
    BLOCKED = "blocked", _("blocked")
    REPLACED = "replaced", _("replaced")


class BlockReason(models.TextChoices):
    LOST = "lost", _("lost")
    STOLEN = "stolen", _("stolen")
    DAMAGED = "damaged", _("damaged")
    OTHER = "other", _("other reason")


LIVE_STATUSES = [CardStatus.ISSUED, CardStatus.ACTIVE]


class Card(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cards")
    kind = models.CharField(_("kind"), max_length=10, choices=CardKind.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=CardPurpose.choices,
                               default=CardPurpose.RESIDENT)
    number = models.CharField(_("card number"), max_length=20, unique=True)
    uid_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    uid_hint = models.CharField(_("end of the chip number"), max_length=4, blank=True)
    secret = models.CharField(max_length=64, blank=True)  # base32, digital cards only
    status = models.CharField(_("status"), max_length=10, choices=CardStatus.choices,
                              default=CardStatus.ISSUED)
    block_reason = models.CharField(_("why it was blocked"), max_length=10,
                                    choices=BlockReason.choices, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    activated_at = models.DateTimeField(null=True, blank=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(pgettext_lazy("card", "valid until"))
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by")

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "purpose"],
                                    condition=Q(status__in=["issued", "active"]),
                                    name="card_one_live_per_person_kind"),
            models.CheckConstraint(condition=Q(kind="digital", uid_hash__isnull=True)
                                   | Q(kind="physical", uid_hash__isnull=False),
                                   name="card_uid_iff_physical"),
            models.CheckConstraint(condition=~Q(status="blocked") | ~Q(block_reason=""),
                                   name="card_blocked_has_reason"),
        ]

    def __str__(self):
        return self.number

    @property
    def masked_uid(self) -> str:
        return f"••••{self.uid_hint}" if self.uid_hint else ""

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class CardEvent(AppendOnlyModel):
    """The card's history: issued, activated, blocked, replaced, printed."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("who"))
    action = models.CharField(_("what"), max_length=20)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("card event")
        verbose_name_plural = _("card events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.card} {self.action}"
