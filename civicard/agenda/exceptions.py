from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class EventInThePast(DomainError):
    code = "event_in_the_past"
    message = _("This event has no date in the future: check its dates.")
    http_status = 422


class BadRecurrence(DomainError):
    code = "bad_recurrence"
    message = _("The repetition rule could not be read.")
    http_status = 422


class NotAnEditor(DomainError):
    code = "not_an_editor"
    message = _("You do not publish events for this organiser.")
    http_status = 403


class FeedUnreadable(DomainError):
    code = "feed_unreadable"
    message = _("The calendar could not be read: %(reason)s")
    http_status = 422


class ApprovedEventLocked(DomainError):
    code = "approved_event_locked"
    message = _("A moderator approved this event: you may change its status, not its words or "
                "dates. Write a new event if it changed.")
    http_status = 409
