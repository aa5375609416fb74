"""Reads for moderation: sanctions in force, held words, the moderators' queue."""

import re
from datetime import datetime

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

from civicard.core import audit
from civicard.core.permissions import Role, check_role
from civicard.moderation import content as contents
from civicard.moderation.models import (
    Appeal,
    ContentKind,
    ContentReport,
    Decision,
    ModerationSettings,
)
from civicard.people.models import Person


def settings_for(territory) -> ModerationSettings:
    found, _created = ModerationSettings.objects.get_or_create(territory=territory)
    return found


def held_word_in(territory, text: str) -> str | None:
    """The first configured held word found in `text` (whole words, any case), or None."""
    words = [w.strip() for w in settings_for(territory).held_words.splitlines() if w.strip()]
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text or "", re.IGNORECASE):
            return word
    return None


def sanction_in_force(person: Person, *, at: datetime) -> Decision | None:
    return (Decision.objects.filter(subject=person, overturned_at__isnull=True,
                                     action__in=[Decision.Action.SUSPEND, Decision.Action.BAN])
            .filter(Q(until__isnull=True) | Q(until__gt=at)).order_by("-created_at").first())


def queue(reader, *, limit: int = 50):
    """Reported contents (most reported first), posts held by the word list, open appeals."""
    check_role(reader, Role.MODERATOR)
    reported = list(ContentReport.objects.filter(resolved_at__isnull=True)
                    .values("kind", "object_id")
                    .annotate(reports=Count("pk"), last=Max("created_at"))
                    .order_by("-reports", "-last")[:limit])
    for row in reported:
        row["label"] = ContentKind(row["kind"]).label
    held = contents.held(limit)
    appeals = list(Appeal.objects.filter(decided_at__isnull=True)
                   .select_related("decision", "appellant").order_by("created_at")[:limit])
    return {"reported": reported, "held": held, "appeals": appeals}


def item(reader, kind: str, object_id: int):
    """A reported content with its reports and past decisions; the read is audited because it
    may be a private message."""
    check_role(reader, Role.MODERATOR)
    content = contents.load(kind, object_id)
    audit.record(actor=reader, action="moderation.content_read", obj=content.obj,
                 extra={"kind": kind})
    reports = ContentReport.objects.filter(kind=kind, object_id=object_id).select_related(
        "reporter").order_by("-created_at")
    decisions = Decision.objects.filter(kind=kind, object_id=object_id).select_related(
        "moderator")
    return content, reports, decisions


def appeal_for(reader, pk: int) -> Appeal:
    check_role(reader, Role.MODERATOR)
    return get_object_or_404(Appeal.objects.select_related("decision", "appellant"), pk=pk)


def decisions_about(person: Person):
    return Decision.objects.filter(subject=person).select_related("appeal").order_by(
        "-created_at")
