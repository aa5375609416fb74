from django.db import models

from civicard.core import clock
from civicard.core.models import AuditLogEntry


def record(*, actor, action: str, obj: models.Model | None = None, extra: dict | None = None,
           acting_for=None, at=None) -> AuditLogEntry:
    """Write one audit entry. `acting_for` is the person an agent assists, if any."""
    return AuditLogEntry.objects.create(
        at=at or clock.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        acting_for_id=getattr(acting_for, "pk", None),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        extra=extra or {},
    )
