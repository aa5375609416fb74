from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class NotAGuardian(DomainError):
    code = "not_a_guardian"
    message = _("Only a guardian of this household can do this.")
    http_status = 403


class AlreadyMember(DomainError):
    code = "already_member"
    message = _("This person is already a member of this household.")
    http_status = 409


class InvitationInvalid(DomainError):
    code = "invitation_invalid"
    message = _("This invitation link is not valid any more. Ask for a new one.")
    http_status = 410


class InvitationWrongAccount(DomainError):
    code = "invitation_wrong_account"
    message = _("This invitation was sent to another e-mail address. Log in with that address.")
    http_status = 403


class BirthDateInvalid(DomainError):
    code = "birth_date_invalid"
    message = _("The date of birth cannot be in the future or more than 120 years ago.")
    http_status = 422


class NoAssistedSession(DomainError):
    code = "no_assisted_session"
    message = _("You are not assisting anyone at the moment.")
    http_status = 409


class AccountExists(DomainError):
    code = "account_exists"
    message = _("An account with this e-mail address already exists.")
    http_status = 409
