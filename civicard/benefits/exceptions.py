from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class CodeMistyped(DomainError):
    code = "voucher_code_mistyped"
    message = _("This code has a typing mistake. Check each character again.")
    http_status = 422


class CodeMistypedWithHint(CodeMistyped):
    message = _("This code has a typing mistake. Did you mean %(suggestion)s?")


class VoucherUnknown(DomainError):
    code = "voucher_unknown"
    message = _("This code is not a voucher or a card we know.")
    http_status = 404


class VoucherNotHandedOut(DomainError):
    code = "voucher_not_handed_out"
    message = _("This booklet was never handed out by a social worker. It cannot be used yet.")
    http_status = 409


class VoucherCancelled(DomainError):
    code = "voucher_cancelled"
    message = _("This booklet was cancelled (reported lost) on %(when)s. Its vouchers are refused.")
    http_status = 409


class VoucherExpired(DomainError):
    code = "voucher_expired"
    message = _("This voucher expired on %(when)s.")
    http_status = 409


class VoucherAlreadyUsed(DomainError):
    code = "voucher_already_used"
    message = _("This voucher was already used on %(when)s at %(venue)s.")
    http_status = 409


class NotAcceptedHere(DomainError):
    code = "not_accepted_here"
    message = _("This venue does not accept this programme.")
    http_status = 403


class ServiceNotAllowed(DomainError):
    code = "service_not_allowed"
    message = _("This voucher cannot pay for this service here. Choose one of: %(services)s.")
    http_status = 422


class NotEligible(DomainError):
    code = "not_eligible"
    message = _("This person has no free entries at this venue.")
    http_status = 403


class NoEntriesLeft(DomainError):
    code = "no_entries_left"
    message = _("All free entries of this month are used. New ones come on the 1st.")
    http_status = 409


class VenueCapReached(DomainError):
    code = "venue_cap_reached"
    message = _("This person already used %(cap)s free entries here this month, the most allowed.")
    http_status = 409


class UndoTooLate(DomainError):
    code = "undo_too_late"
    message = _("It is too late to undo: only within 10 minutes. Ask the funder for a correction.")
    http_status = 409


class AlreadyUndone(DomainError):
    code = "already_undone"
    message = _("This use was already undone.")
    http_status = 409


class AlreadySettled(DomainError):
    code = "already_settled"
    message = _("This use is already on an issued statement. Ask the funder for a correction.")
    http_status = 409


class BookletNotAvailable(DomainError):
    code = "booklet_not_available"
    message = _("This booklet was already handed out or cancelled.")
    http_status = 409


class BookletAlreadyCancelled(DomainError):
    code = "booklet_already_cancelled"
    message = _("This booklet is already cancelled.")
    http_status = 409


class BeneficiaryMissing(DomainError):
    code = "beneficiary_missing"
    message = _("Give the person's card number, or their age bracket and neighbourhood.")
    http_status = 422


class StatementAlreadyIssued(DomainError):
    code = "statement_already_issued"
    message = _("The statement of this month was already issued.")
    http_status = 409


class MonthNotOver(DomainError):
    code = "month_not_over"
    message = _("A month's statement can only be issued once the month is over.")
    http_status = 409


class CardNumberUnknown(DomainError):
    code = "card_number_unknown"
    message = _("No card has this number. Check the number printed under the photo.")
    http_status = 422
