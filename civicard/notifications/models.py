from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.notifications.sentences import Sentence, render

EMPTY = models.Value({}, output_field=models.JSONField())


class Words(models.Model):
    """A subject and a body kept language-neutral (see sentences.py): each a sentence code with
    the shared parameters, read in the active language; or, with no code, the text as written
    in `language` (plain text from a library, rows written before codes)."""

    # Database defaults and the old column names let the version before keep writing rows
    # while the migration that added them runs.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                db_default="")
    subject_code = models.JSONField(default=dict, blank=True, editable=False, db_default=EMPTY)
    body_code = models.JSONField(default=dict, blank=True, editable=False, db_default=EMPTY)
    params = models.JSONField(default=dict, blank=True, editable=False, db_default=EMPTY)
    written_subject = models.CharField(_("subject"), max_length=200, blank=True,
                                       db_column="subject")
    written_body = models.TextField(_("message"), blank=True, db_column="body")

    class Meta:
        abstract = True

    def subject_in(self, language: str | None = None) -> str:
        """The subject in `language` (the active one when None)."""
        sentence = Sentence.from_json(self.subject_code)
        return render(sentence, self.params, language)[:200] if sentence else self.written_subject

    def body_in(self, language: str | None = None) -> str:
        sentence = Sentence.from_json(self.body_code)
        return render(sentence, self.params, language) if sentence else self.written_body

    @property
    def subject(self) -> str:
        return self.subject_in()

    @subject.setter
    def subject(self, text: str):
        self.subject_code, self.written_subject = {}, text

    @property
    def body(self) -> str:
        return self.body_in()

    @body.setter
    def body(self, text: str):
        self.body_code, self.written_body = {}, text

    @property
    def written_language(self) -> str:
        """The language the words are fixed in, or '' when they follow the reader."""
        return "" if self.subject_code and self.body_code else self.language


class Notification(Words):
    """A notice in a person's inbox, read in the reader's language of the moment."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE,
                               related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class Delivery(Words):
    """One attempt-tracked sending of a message by e-mail (more channels plug in here), written
    out when sent, in the addressee's language then."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will not be retried")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20, default="email")
    to = models.CharField(_("to"), max_length=254)
    link = models.CharField(_("link"), max_length=400, blank=True)
    # A file sent with the e-mail (a booking's calendar entry): its name, type and text.
    attachment_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    attachment_type = models.CharField(max_length=100, blank=True, default="", db_default="")
    attachment = models.TextField(blank=True, default="", db_default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.channel} → {self.to} ({self.status})"


class PushSubscription(models.Model):
    """A device's web-push subscription (the browser's PushSubscription), kept until the push
    service answers that it is gone (404 or 410)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE,
                               related_name="push_subscriptions")
    endpoint = models.URLField(max_length=800, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    def __str__(self):
        return f"#{self.person_id} {self.endpoint[:40]}"
