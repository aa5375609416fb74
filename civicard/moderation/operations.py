"""Every moderation write: reports, decisions, appeals. Each decision is audited and the
person concerned is told what happened and why, in their language."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import InvalidInput, NotFound
from civicard.core.permissions import Role, check_role
from civicard.moderation import content as contents
from civicard.moderation.exceptions import (
    ActionNotPossible,
    AlreadyAppealed,
    AppealAlreadyDecided,
    NotYourDecision,
    OwnContent,
    SameModerator,
    SelfModeration,
)
from civicard.moderation.models import Appeal, ContentReport, Decision
from civicard.moderation.queries import settings_for
from civicard.notifications.operations import notify
from civicard.people.models import Person, User

HIDE_ACTIONS = {Decision.Action.HIDE, Decision.Action.RESTORE, Decision.Action.PUBLISH}
PERSON_ACTIONS = {Decision.Action.WARN, Decision.Action.SUSPEND, Decision.Action.BAN}

WHAT_HAPPENED = {
    Decision.Action.HIDE: _("A moderator hid your content."),
    Decision.Action.RESTORE: _("A moderator restored your content."),
    Decision.Action.PUBLISH: _("A moderator published your post after review."),
    Decision.Action.WARN: _("A moderator sent you a warning."),
    Decision.Action.SUSPEND: _("A moderator suspended your account until %(until)s."),
    Decision.Action.BAN: _("A moderator closed your access to the neighbourhood network."),
}


def _check_can_see(content: contents.Content, reporter: Person) -> None:
    if not content.listed or (content.readers is not None
                              and reporter.pk not in content.readers):
        raise NotFound()


@transaction.atomic
def report_content(*, kind: str, object_id: int, reporter: Person, reason: str, note: str,
                   actor: User, at: datetime) -> ContentReport:
    """A resident reports a content. A post reported by enough different people is hidden
    until a moderator reviews it. A second report by the same person changes nothing."""
    if reason not in ContentReport.Reason.values:
        raise InvalidInput(fields={"reason": [_("Choose a reason.")]})
    content = contents.load(kind, object_id)
    _check_can_see(content, reporter)
    if content.author is not None and content.author.pk == reporter.pk:
        raise OwnContent()
    existing = ContentReport.objects.filter(kind=kind, object_id=object_id, reporter=reporter,
                                            resolved_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            report = ContentReport.objects.create(
                kind=kind, object_id=object_id, author=content.author, reporter=reporter,
                reason=reason, note=(note or "").strip()[:500], created_at=at)
    except IntegrityError:  # the same person, at the same instant, twice
        return ContentReport.objects.get(kind=kind, object_id=object_id, reporter=reporter,
                                         resolved_at__isnull=True)
    if content.hides_on_reports:
        content = contents.load(kind, object_id, lock=True)
        reporters = (ContentReport.objects.filter(kind=kind, object_id=object_id,
                                                  resolved_at__isnull=True)
                     .values("reporter").distinct().count())
        threshold = settings_for(content.territory).auto_hide_threshold
        if content.hides_on_reports and reporters >= threshold:
            contents.set_hidden(content, True, at)
            audit.record(actor=None, action="moderation.auto_hidden", obj=content.obj, at=at,
                         extra={"reporters": reporters})
    return report


def describe(decision: Decision) -> str:
    """What happened, as one sentence in the active language."""
    what = str(WHAT_HAPPENED[decision.action])
    if decision.until:
        return what % {"until": date_format(timezone.localtime(decision.until), "DATETIME_FORMAT")}
    return what


def _tell(person: Person | None, decision: Decision, at: datetime) -> None:
    if person is None or person.erased_at:
        return
    notify(to=person.addressee, kind="moderation.decision",
           subject=_("A moderation decision about you"),
           body=_("%(what)s Reason: %(why)s You can appeal this decision once."),
           params={"what": _Describe(decision), "why": decision.justification},
           url=reverse("moderation:my_decisions"), at=at)


class _Describe:
    """Rendered lazily, so that `notify` writes it in the reader's language."""

    def __init__(self, decision):
        self.decision = decision

    def __str__(self):
        return describe(self.decision)


@transaction.atomic
def decide(*, kind: str, object_id: int, action: str, justification: str,
           until: datetime | None = None, actor: User, at: datetime) -> Decision:
    """A moderator hides, restores or publishes a content, or warns, suspends or bans its
    author. Never on their own content; always with a written justification."""
    check_role(actor, Role.MODERATOR)
    if action not in Decision.Action.values:
        raise InvalidInput(fields={"action": [_("Choose an action.")]})
    justification = (justification or "").strip()
    if not justification:
        raise InvalidInput(fields={"justification": [_("Write why you take this decision.")]})
    content = contents.load(kind, object_id)
    if content.author is not None and content.author.user_id == actor.pk:
        raise SelfModeration()
    if action in HIDE_ACTIONS and not content.hideable:
        raise ActionNotPossible()
    if action == Decision.Action.PUBLISH and not content.held:
        raise ActionNotPossible()
    if action in PERSON_ACTIONS and content.author is None:
        raise ActionNotPossible()
    if action == Decision.Action.SUSPEND and (until is None or until <= at):
        raise InvalidInput(fields={"until": [_("Choose an end date in the future.")]})
    if action in HIDE_ACTIONS:
        contents.set_hidden(content, action == Decision.Action.HIDE, at)
    decision = Decision.objects.create(
        action=action, kind=kind, object_id=object_id, subject=content.author,
        moderator=actor, justification=justification,
        until=until if action == Decision.Action.SUSPEND else None, created_at=at)
    ContentReport.objects.filter(kind=kind, object_id=object_id,
                                 resolved_at__isnull=True).update(resolved_at=at)
    audit.record(actor=actor, action=f"moderation.{action}", obj=decision, at=at,
                 extra={"kind": kind, "object_id": object_id})
    _tell(content.author, decision, at)
    return decision


@transaction.atomic
def appeal(*, decision: Decision, person: Person, text: str, actor: User,
           at: datetime) -> Appeal:
    if decision.subject_id != person.pk:
        raise NotYourDecision()
    if not (text or "").strip():
        raise InvalidInput(fields={"text": [_("Write why you disagree.")]})
    if Appeal.objects.filter(decision=decision).exists():
        raise AlreadyAppealed()
    try:
        with transaction.atomic():
            made = Appeal.objects.create(decision=decision, appellant=person, text=text.strip(),
                                         created_at=at,
                                         original_moderator_id=decision.moderator_id)
    except IntegrityError:
        raise AlreadyAppealed() from None
    audit.record(actor=actor, action="moderation.appealed", obj=made, at=at)
    return made


@transaction.atomic
def decide_appeal(*, appeal: Appeal, outcome: str, note: str, actor: User,
                  at: datetime) -> Appeal:
    """Another moderator upholds or overturns the decision; overturning undoes its effect."""
    check_role(actor, Role.MODERATOR)
    appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
    if appeal.decided_at is not None:
        raise AppealAlreadyDecided()
    if appeal.original_moderator_id == actor.pk:
        raise SameModerator()
    if appeal.appellant.user_id == actor.pk:
        raise SelfModeration()
    if outcome not in Appeal.Outcome.values:
        raise InvalidInput(fields={"outcome": [_("Choose an outcome.")]})
    if not (note or "").strip():
        raise InvalidInput(fields={"outcome_note": [_("Write why you take this decision.")]})
    decision = appeal.decision
    if outcome == Appeal.Outcome.OVERTURNED:
        Decision.objects.filter(pk=decision.pk).update(overturned_at=at)
        if decision.action == Decision.Action.HIDE:
            contents.set_hidden(contents.load(decision.kind, decision.object_id), False, at)
    appeal.decided_by, appeal.outcome = actor, outcome
    appeal.outcome_note, appeal.decided_at = note.strip(), at
    appeal.save(update_fields=["decided_by", "outcome", "outcome_note", "decided_at"])
    audit.record(actor=actor, action="moderation.appeal_decided", obj=appeal, at=at,
                 extra={"outcome": outcome})
    notify(to=appeal.appellant.addressee, kind="moderation.appeal",
           subject=_("Your appeal was decided"),
           body=_("Another moderator looked at your appeal: %(outcome)s. %(note)s"),
           params={"outcome": Appeal.Outcome(outcome).label, "note": appeal.outcome_note},
           url=reverse("moderation:my_decisions"), at=at)
    return appeal


