"""Moderation of the neighbourhood network: reports by residents, moderators' decisions,
sanctions, and one appeal per decision decided by another moderator."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicard.people.models import Person, User
from civicard.territory.models import Territory


class ContentKind(models.TextChoices):
    POST = "post", _("post")
    MESSAGE = "message", _("private message")
    NEWS = "news", _("association news")
    PROFILE = "profile", _("profile")


class ModerationSettings(models.Model):
    territory = models.OneToOneField(Territory, on_delete=models.CASCADE,
                                     related_name="moderation_settings")
    auto_hide_threshold = models.PositiveSmallIntegerField(
        _("reports from different people that hide a post until review"), default=3)
    held_words = models.TextField(
        _("words that hold a post for review"), blank=True,
        help_text=_("One word or expression a line. A post containing one waits for a "
                    "moderator before it is published."))

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")
        constraints = [models.CheckConstraint(condition=Q(auto_hide_threshold__gte=1),
                                              name="moderation_threshold_positive")]

    def __str__(self):
        return str(self.territory)


class ContentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        FRAUD = "fraud", _("fraud or scam")
        INSULT = "insult", _("insulting or hateful")
        DANGEROUS = "dangerous", _("dangerous")
        PERSONAL_DATA = "personal_data", _("personal data shown")
        OTHER = "other", _("other")

    kind = models.CharField(max_length=10, choices=ContentKind.choices)
    object_id = models.BigIntegerField()
    author = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, related_name="+")
    reporter = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("anything to add?"), max_length=500, blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["resolved_at", "kind", "object_id"],
                                name="moderation_report_queue")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "reporter"],
                                    condition=Q(resolved_at__isnull=True),
                                    name="moderation_one_open_report_per_person"),
        ]

    def __str__(self):
        return f"{self.kind}#{self.object_id} ({self.reason})"


class Decision(models.Model):
    class Action(models.TextChoices):
        HIDE = "hide", _("hidden")
        RESTORE = "restore", _("restored")
        PUBLISH = "publish", _("published after review")
        WARN = "warn", _("warning")
        SUSPEND = "suspend", _("suspended")
        BAN = "ban", _("banned")

    action = models.CharField(max_length=10, choices=Action.choices)
    kind = models.CharField(max_length=10, choices=ContentKind.choices)
    object_id = models.BigIntegerField()
    subject = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, related_name="+")
    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    justification = models.TextField(_("justification"), max_length=2000)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    overturned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject", "action"], name="moderation_sanctions")]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""),
                                   name="moderation_decision_justified"),
            models.CheckConstraint(condition=~Q(action="suspend") | Q(until__isnull=False),
                                   name="moderation_suspension_has_end"),
        ]

    def __str__(self):
        return f"{self.action} {self.kind}#{self.object_id}"


class Appeal(models.Model):
    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("decision upheld")
        OVERTURNED = "overturned", _("decision overturned")

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("why do you disagree?"), max_length=2000)
    created_at = models.DateTimeField()
    original_moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True, max_length=2000)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("original_moderator")),
                name="moderation_appeal_other_moderator"),
        ]

    def __str__(self):
        return f"appeal #{self.pk}"
