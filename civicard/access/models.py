"""Facilities, checkpoints, terminals, staff door groups, quotas, and the log of decisions."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.cards.models import Card
from civicard.core.append_only import AppendOnlyModel
from civicard.people.models import Household, Person
from civicard.territory.models import Commune, Territory
from civicard.wallets.models import LedgerEntry, Service


class FacilityKind(models.TextChoices):
    POOL = "pool", _("swimming pool")
    WASTE_CENTRE = "waste_centre", _("waste-disposal centre")
    SPORTS = "sports", _("sports hall or court")
    TOWN_HALL = "town_hall", _("town hall")
    SCHOOL = "school", _("school")
    LIBRARY = "library", _("library")
    OTHER = "other", _("other building")


class Facility(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="facilities")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="facilities", verbose_name=_("commune"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["territory", "name"],
                                               name="facility_name_unique")]

    def __str__(self):
        return self.name


class CheckpointKind(models.TextChoices):
    DOOR = "door", _("door")
    TURNSTILE = "turnstile", _("turnstile")
    GATE = "gate", _("gate")
    CANTEEN_TABLET = "canteen_tablet", _("canteen tablet")
    LIBRARY_DESK = "library_desk", _("library desk")


class Checkpoint(models.Model):
    """A place where a card is presented. `opening_hours` uses the OpenStreetMap syntax;
    public holidays of `country` apply (write `PH off` to close on them)."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="checkpoints")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="checkpoints",
                                verbose_name=_("service (empty: staff only)"))
    opening_hours = models.CharField(_("opening hours"), max_length=255, default="24/7",
                                     help_text=_("OpenStreetMap syntax, e.g. "
                                                 "Mo-Fr 09:00-18:00; PH off"))
    country = models.CharField(_("country for public holidays"), max_length=2, default="FR")
    charge_use = models.SlugField(_("tariff charged at each entry"), max_length=40, blank=True,
                                  help_text=_("Empty: entries are not charged here."))
    passback_seconds = models.PositiveIntegerField(
        _("refuse a second pass within (seconds)"), null=True, blank=True,
        help_text=_("Empty: no anti-passback."))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["facility__name", "name"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"],
                                               name="checkpoint_name_unique")]

    def __str__(self):
        return f"{self.facility} — {self.name}"


class Quota(models.Model):
    """Visits per household and calendar year: free up to `free_per_year`, then charged with
    the tariff `charge_use`, refused above `max_per_year`."""

    service = models.OneToOneField(Service, on_delete=models.PROTECT, related_name="quota")
    free_per_year = models.PositiveIntegerField(_("free visits per year"))
    max_per_year = models.PositiveIntegerField(_("most visits per year"))
    charge_use = models.SlugField(_("tariff of a visit beyond the free ones"), max_length=40,
                                  default="visit")

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [models.CheckConstraint(condition=Q(max_per_year__gte=models.F(
            "free_per_year")), name="quota_max_above_free")]

    def __str__(self):
        return f"{self.service}: {self.free_per_year}/{self.max_per_year}"


class QuotaCounter(models.Model):
    quota = models.ForeignKey(Quota, on_delete=models.PROTECT, related_name="counters")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quota", "household", "year"],
                                               name="quota_counter_unique")]

    def __str__(self):
        return f"{self.quota} {self.year}: {self.used}"


class Terminal(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT,
                                   related_name="terminals", verbose_name=_("checkpoint"))
    name = models.CharField(_("name"), max_length=120)
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8)
    language = models.CharField(_("language of its screen"), max_length=8,
                                choices=settings.LANGUAGES, default="fr")
    registered_at = models.DateTimeField(_("registered"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    software_version = models.CharField(_("software version"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["checkpoint__facility__name", "name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DoorGroup(models.Model):
    """Staff who may open some buildings and doors during weekly time windows."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    facilities = models.ManyToManyField(Facility, blank=True, related_name="door_groups",
                                        verbose_name=_("whole buildings"))
    checkpoints = models.ManyToManyField(Checkpoint, blank=True, related_name="door_groups",
                                         verbose_name=_("single doors"))
    members = models.ManyToManyField(Person, blank=True, related_name="door_groups",
                                     verbose_name=_("staff"))
    out_of_hours = models.BooleanField(_("opens outside opening hours"), default=True)

    class Meta:
        verbose_name = _("door group")
        verbose_name_plural = _("door groups")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("access:door_group", args=[self.pk])


class TimeWindow(models.Model):
    """From `starts` to `ends` on `weekday` (0 = Monday). When `ends` is not after `starts`
    the window runs past midnight into the next day."""

    group = models.ForeignKey(DoorGroup, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=[
        (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
        (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))])
    starts = models.TimeField(pgettext_lazy("time", "from"))
    ends = models.TimeField(pgettext_lazy("time", "until"))

    class Meta:
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        ordering = ["weekday", "starts"]
        constraints = [models.CheckConstraint(condition=Q(weekday__lte=6),
                                              name="window_weekday_valid")]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"

    @property
    def past_midnight(self) -> bool:
        return self.ends <= self.starts

    def label(self) -> str:
        """In plain words, naming the next day for a window past midnight."""
        days = dict(self._meta.get_field("weekday").choices)
        text = (_("%(day)s %(starts)s until %(next_day)s %(ends)s") if self.past_midnight
                else _("%(day)s %(starts)s until %(ends)s"))
        return str(text) % {"day": days[self.weekday], "next_day": days[(self.weekday + 1) % 7],
                            "starts": f"{self.starts:%H:%M}", "ends": f"{self.ends:%H:%M}"}

    def covers(self, local: datetime) -> bool:
        t, day = local.time().replace(tzinfo=None), local.weekday()
        if self.starts < self.ends:
            return day == self.weekday and self.starts <= t < self.ends
        # across midnight: the evening of `weekday` and the early hours of the next day
        return ((day == self.weekday and t >= self.starts)
                or (day == (self.weekday + 1) % 7 and t < self.ends))


class Outcome(models.TextChoices):
    ALLOW = "allow", _("allowed")
    DENY = "deny", _("refused")


class Via(models.TextChoices):
    ONLINE = "online", _("online")
    OFFLINE = "offline", _("offline, uploaded later")


class Decision(AppendOnlyModel):
    """One answer given at a terminal. Never updated: a retry finds it by its key."""

    # No single-column index where a composite one below starts with the column: every
    # index is written on every scan.
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, related_name="decisions",
                                 db_index=False)
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT,
                                   related_name="decisions", db_index=False)
    idempotency_key = models.CharField(max_length=100)
    at = models.DateTimeField(_("when"))
    recorded_at = models.DateTimeField()
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="access_decisions", db_index=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    outcome = models.CharField(_("result"), max_length=5, choices=Outcome.choices)
    reason_code = models.CharField(_("reason"), max_length=32)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.ONLINE)
    right = models.CharField(max_length=16, blank=True)  # enrolment, staff, booking
    # what gave another capability's right (rights.py): a booking's id
    right_reference = models.CharField(max_length=40, blank=True, default="", db_default="")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    shortfall_cents = models.PositiveIntegerField(default=0)
    counted = models.BooleanField(default=False)  # used a quota visit
    response = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("access decision")
        verbose_name_plural = _("access decisions")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["terminal", "idempotency_key"],
                                               name="decision_key_unique")]
        indexes = [models.Index(fields=["checkpoint", "at"]),
                   models.Index(fields=["person", "at"]),
                   models.Index(fields=["card", "checkpoint", "at"]),
                   models.Index(fields=["at"]),
                   models.Index(fields=["recorded_at", "id"], name="decision_log_order")]


class AccessChange(models.Model):
    """The change-version counter of allow-lists: each row's id is a version. A row names the
    person whose rights or cards changed; `person` empty means "everything may have changed"
    (a door group or checkpoint was edited): terminals then get a full list. `written_at` is
    the database's clock when the row was written: ids are taken in write order but become
    visible in commit order, so a delta also re-sends the rows written shortly before the
    terminal's version (allowlist.OVERLAP)."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    at = models.DateTimeField()
    written_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        indexes = [models.Index(fields=["written_at"], name="access_change_written")]

    def __str__(self):
        return f"v{self.id}"


class DailyUses(models.Model):
    """Allowed decisions per terminal (at its checkpoint) and local day: what the uses-per-week
    chart reads instead of counting decisions. Kept by decide.log in the decision's transaction;
    `civicard rebuild_summaries` recounts it from the decisions."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="+",
                                   db_index=False)
    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)
    day = models.DateField()
    allowed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checkpoint", "terminal", "day"],
                                               name="daily_uses_unique")]
        indexes = [models.Index(fields=["day", "checkpoint"], name="daily_uses_day")]

    def __str__(self):
        return f"{self.day} {self.checkpoint_id}/{self.terminal_id}: {self.allowed}"
