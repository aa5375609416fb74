from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class SelfModeration(DomainError):
    code = "self_moderation"
    message = _("You cannot moderate your own content or your own appeal: another moderator "
                "must do it.")
    http_status = 403


class SameModerator(DomainError):
    code = "same_moderator"
    message = _("An appeal must be decided by another moderator than the one who took the "
                "decision.")
    http_status = 403


class AlreadyAppealed(DomainError):
    code = "already_appealed"
    message = _("You can appeal a decision only once.")
    http_status = 409


class AppealAlreadyDecided(DomainError):
    code = "appeal_already_decided"
    message = _("This appeal was already decided.")
    http_status = 409


class NotYourDecision(DomainError):
    code = "not_your_decision"
    message = _("Only the person concerned can appeal this decision.")
    http_status = 403


class ActionNotPossible(DomainError):
    code = "action_not_possible"
    message = _("This action is not possible on this kind of content.")
    http_status = 422


class OwnContent(DomainError):
    code = "own_content"
    message = _("You cannot report your own content.")
    http_status = 409
