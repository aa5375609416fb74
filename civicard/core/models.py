from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicard.core.append_only import AppendOnlyModel


class AuditLogEntry(AppendOnlyModel):
    """Who did what to which object, when: sensitive reads and every privileged write."""

    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("who"),
    )
    acting_for_id = models.BigIntegerField(_("on behalf of person"), null=True, blank=True)
    action = models.CharField(_("what"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    extra = models.JSONField(_("extra data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyKey(models.Model):
    """The first answer to a request a client may retry, for operations whose answer is not a
    row of their own (core.idempotency.replay_or_run); a retry gets it back unchanged."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"
