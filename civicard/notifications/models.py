from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """A notice in a person's inbox, written in their language when it was sent."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE,
                               related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """One attempt-tracked sending of a message by e-mail (more channels plug in here)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will not be retried")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20, default="email")
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
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
