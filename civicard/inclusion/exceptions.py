from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class ImportFileInvalid(DomainError):
    code = "import_file_invalid"
    message = _("The file could not be read.")
    http_status = 422


class SlotNotAvailable(DomainError):
    code = "slot_not_available"
    message = _("This time is not available any more. Please choose another one.")
    http_status = 409


class SlotInThePast(DomainError):
    code = "slot_in_the_past"
    message = _("This time has already passed. Please choose another one.")
    http_status = 409


class AppointmentNotCancellable(DomainError):
    code = "appointment_not_cancellable"
    message = _("This appointment cannot be cancelled any more.")
    http_status = 409


class ProposalAlreadyDecided(DomainError):
    code = "proposal_already_decided"
    message = _("A decision was already taken on this proposal.")
    http_status = 409


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _("Explain the reason in a few words.")
    http_status = 422


class NotYourOfficeHours(DomainError):
    code = "not_your_office_hours"
    message = _("You can only change your own office hours.")
    http_status = 403


class ProposalInvalid(DomainError):
    code = "proposal_invalid"
    message = _("Some values do not follow the national standard.")
    http_status = 422


class NoSessionThatDay(DomainError):
    code = "no_session_that_day"
    message = _("There is no session on that day.")
    http_status = 422
