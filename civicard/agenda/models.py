"""The town's agenda: publishers, events written in several languages, their occurrences,
residents' follows and alert settings, and one row per alert sent (the idempotency record)."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.benefits.models import Venue
from civicard.mutualaid.models import Association
from civicard.people.models import Person, User
from civicard.territory.models import Neighbourhood, Territory


class Category(models.TextChoices):
    CULTURE = "culture", _("Culture")
    CHILDREN = "children", _("For children")
    MUSIC = "music", _("Music")
    SPORT = "sport", _("Sport")
    CINEMA = "cinema", _("Cinema")
    READING = "reading", _("Books and reading")
    WORKSHOP = "workshop", _("Workshops")
    TOWN = "town", _("Town life")
    SOLIDARITY = "solidarity", _("Solidarity")
    NATURE = "nature", _("Nature and outings")


class Accessibility(models.TextChoices):
    HEARING = "hearing", _("Hearing impairment")
    INTELLECTUAL = "intellectual", _("Intellectual impairment")
    MOTOR = "motor", _("Reduced mobility")
    PSYCHIC = "psychic", _("Psychic impairment")
    VISUAL = "visual", _("Visual impairment")


class Publisher(models.Model):
    """Who publishes events: the town's communication staff, a venue, an association or a
    partner whose public .ics feed is imported. Association events wait for a moderator."""

    class Kind(models.TextChoices):
        TOWN = "town"
        VENUE = "venue"
        ASSOCIATION = "association"

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    language = models.CharField(max_length=8,
                                choices=settings.LANGUAGES, default="fr")
    editors = models.ManyToManyField(User, blank=True, related_name="agenda_publishers")
    association = models.OneToOneField(Association, on_delete=models.CASCADE, null=True,
                                       blank=True, related_name="+")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    feed_url = models.URLField(blank=True)
    feed_read_at = models.DateTimeField(null=True, blank=True)
    feed_failing_since = models.DateTimeField(null=True, blank=True)
    feed_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def moderated(self) -> bool:
        return self.kind == self.Kind.ASSOCIATION


class Event(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        POSTPONED = "postponed", _("Postponed")
        FULL = "full", _("Full")
        ONLINE = "online", _("Moved online")

    class Review(models.TextChoices):
        PENDING = "pending", _("Waiting for a moderator")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Refused")

    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="events")
    uid = models.CharField(max_length=255)
    language = models.CharField(max_length=8,
                                choices=settings.LANGUAGES)
    place_name = models.CharField(max_length=200)
    address = models.CharField(max_length=200, blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices,
                              default=Status.SCHEDULED)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PUBLISHED)
    price_cents = models.PositiveIntegerField(null=True, blank=True)
    free_with_card = models.BooleanField(default=False)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    accessibility = models.JSONField(default=list, blank=True)
    registration_url = models.URLField(blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    rrule = models.CharField(max_length=300, blank=True)
    # Bumped at each change residents are told about: an alert is unique per revision.
    revision = models.PositiveIntegerField(default=1)
    source_event_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True,
                                                     help_text="mutualaid.Event it came from")
    missing_from_feed_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publisher", "uid"], name="agenda_event_uid_unique"),
            models.CheckConstraint(
                condition=models.Q(free_with_card=False) | models.Q(venue__isnull=False),
                name="agenda_free_with_card_needs_a_venue"),
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True) | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")), name="agenda_event_age_range"),
        ]
        indexes = [models.Index(fields=["review", "status"])]

    def __str__(self):
        return self.uid

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    @property
    def price(self) -> Decimal | None:
        return None if self.price_cents is None else Decimal(self.price_cents) / 100


class EventText(models.Model):
    """Title and description in one language; the event's own language is the fallback."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=8000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "language"],
                                               name="agenda_text_language_unique")]

    def __str__(self):
        return self.title


class EventCategory(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(max_length=20, choices=Category.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "category"],
                                               name="agenda_category_once")]
        indexes = [models.Index(fields=["category", "event"])]

    def __str__(self):
        return self.category


class Occurrence(models.Model):
    """One timing of an event: given, or expanded from its recurrence over the horizon."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    start = models.DateTimeField()
    end = models.DateTimeField()
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "start"], name="agenda_occurrence_once"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                   name="agenda_occurrence_ends_after_start"),
        ]
        # A listing asks for start < its last day and end >= its first: the end index keeps
        # the scan to what is still to come however long the history grows.
        indexes = [models.Index(fields=["start", "event"]), models.Index(fields=["end"])]

    def __str__(self):
        return f"{self.event_id} {self.start:%Y-%m-%d %H:%M}"


class Follow(models.Model):
    """A resident follows a topic, written as `kind:value` (category:children, publisher:7,
    neighbourhood:3, event:42), so that the followers of an event are one indexed lookup."""

    class Kind(models.TextChoices):
        CATEGORY = "category"
        PUBLISHER = "publisher"
        NEIGHBOURHOOD = "neighbourhood"
        EVENT = "event"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="agenda_follows")
    topic = models.CharField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "person"],
                                               name="agenda_follow_once")]

    def __str__(self):
        return f"#{self.person_id} {self.topic}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class AlertSettings(models.Model):
    class Rhythm(models.TextChoices):
        AT_ONCE = "at_once", _("As soon as it happens")
        DAILY = "daily", _("Once a day")
        WEEKLY = "weekly", _("Once a week")

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    in_app = models.BooleanField(_("In my messages"), default=True)
    email = models.BooleanField(_("By e-mail"), default=True)
    push = models.BooleanField(_("On my phone (notifications)"), default=True)
    rhythm = models.CharField(_("How often"), max_length=10, choices=Rhythm.choices,
                              default=Rhythm.AT_ONCE)
    quiet_from = models.TimeField(_("Quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("Quiet until"), null=True, blank=True)
    feed_token = models.CharField(max_length=40, unique=True, default=new_feed_token)

    def __str__(self):
        return f"#{self.person_id}"


class Channel(models.TextChoices):
    IN_APP = "in_app"
    EMAIL = "email"
    PUSH = "push"


class Alert(models.Model):
    """One alert to one person on one channel about one revision of an event, or the monthly
    reminder of their free entries (no event, a month): the unique keys make every retry and
    every second fan-out harmless."""

    FREE_ENTRIES = "free_entries"  # the reason of the monthly reminder

    class Status(models.TextChoices):
        PENDING = "pending"
        DIGEST = "digest"  # kept for the daily or weekly digest
        SENT = "sent"
        FAILED = "failed"  # given up after CIVICARD_DELIVERY_MAX_ATTEMPTS

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="alerts", null=True,
                              blank=True)
    revision = models.PositiveIntegerField(default=0)
    month = models.DateField(null=True, blank=True)  # the reminder's month, its first day
    reason = models.CharField(max_length=20)  # what happened: "published", "moved", a status
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "revision", "person", "channel"],
                                    name="agenda_alert_once"),
            models.UniqueConstraint(fields=["month", "person", "channel"],
                                    condition=models.Q(event__isnull=True),
                                    name="agenda_reminder_once"),
            models.CheckConstraint(condition=models.Q(event__isnull=False)
                                   | models.Q(month__isnull=False),
                                   name="agenda_alert_about_an_event_or_a_month"),
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self):
        return f"{self.channel} → #{self.person_id} ({self.status})"
