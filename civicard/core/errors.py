"""Domain errors: a stable `code`, a translatable message, and the fields it concerns."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    message = _("The request could not be completed.")
    http_status = 400

    def __init__(self, message=None, *, fields: dict[str, list] | None = None, **params):
        self.message = message if message is not None else self.message
        self.fields = fields or {}
        self.params = params
        super().__init__(self.code)

    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.text(),
            "fields": {name: [str(m) for m in msgs] for name, msgs in self.fields.items()},
        }


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _("Some fields are not filled in correctly.")
    http_status = 422


class BadRequest(DomainError):
    code = "bad_request"
    message = _("The request could not be read: it is too large or not well formed.")


class NotFound(DomainError):
    code = "not_found"
    message = _("We could not find what you asked for.")
    http_status = 404


class PermissionRefused(DomainError):
    code = "permission_refused"
    message = _("You are not allowed to do this.")
    http_status = 403


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    message = _("This idempotency key was already used for a different request.")
    http_status = 409


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    message = _("Each request needs its own key of 1 to 100 characters.")
    http_status = 422


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = _("Enter an amount between %(minimum)s and %(maximum)s.")
    http_status = 422
