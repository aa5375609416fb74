from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class TerminalUnauthorized(DomainError):
    code = "terminal_unauthorized"
    message = _("This terminal is not registered or its access was revoked.")
    http_status = 401


class AtInFuture(DomainError):
    code = "at_in_future"
    message = _("The time sent by the terminal is ahead of the server's clock. Set its clock.")
    http_status = 422


class AtTooOld(DomainError):
    code = "at_too_old"
    message = _("This scan is too old to be answered online. Upload it as an offline event.")
    http_status = 422


class KeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    message = _("Each scan needs its own request key of 1 to 100 characters.")
    http_status = 422


class VersionInvalid(DomainError):
    code = "version_invalid"
    message = _("The allow-list version must be a whole number.")
    http_status = 422


class TooManyEvents(DomainError):
    code = "too_many_events"
    message = _("Send at most %(limit)s events at a time.")
    http_status = 422


class NameMissing(DomainError):
    code = "terminal_name_missing"
    message = _("Give the terminal a name, for example \"Pool turnstile 1\".")
    http_status = 422


class AlreadyRevoked(DomainError):
    code = "terminal_already_revoked"
    message = _("This terminal was already revoked.")
    http_status = 409
