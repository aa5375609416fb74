"""Library errors: a stable code (also mapped to SIP2 screen messages) and a plain message."""

from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class PatronUnknown(DomainError):
    code = "patron_unknown"
    message = _("This card is not a member of this library.")
    http_status = 404


class MembershipExpired(DomainError):
    code = "membership_expired"
    message = _("This membership has ended. It can be renewed at the desk.")
    http_status = 409


class AlreadyMember(DomainError):
    code = "already_member"
    message = _("You are already a member of this library.")
    http_status = 409


class NoHousehold(DomainError):
    code = "no_household"
    message = _("This membership is for a household: join a household first.")
    http_status = 409


class ItemUnknown(DomainError):
    code = "item_unknown"
    message = _("No item of this library has this barcode.")
    http_status = 404


class ItemOnLoan(DomainError):
    code = "item_on_loan"
    message = _("This item is already on loan. It must be returned first.")
    http_status = 409


class ItemWaitingForSomeoneElse(DomainError):
    code = "item_waiting_for_someone_else"
    message = _("This item is kept for another member who asked for it.")
    http_status = 409


class ItemWithdrawn(DomainError):
    code = "item_withdrawn"
    message = _("This item has been withdrawn and cannot be lent.")
    http_status = 409


class ItemInTransit(DomainError):
    code = "item_in_transit"
    message = _("This item is on its way to %(branch)s for a member who asked for it.")
    http_status = 409


class NotOnLoan(DomainError):
    code = "not_on_loan"
    message = _("This item is not on loan.")
    http_status = 409


class BorrowingPaused(DomainError):
    code = "borrowing_paused"
    message = _("Borrowing is paused until the overdue items are brought back (%(count)s).")
    http_status = 409


class LoanLimitReached(DomainError):
    code = "loan_limit_reached"
    message = _("Items on loan: %(count)s. This is the most this library allows.")
    http_status = 409


class PiecesMissing(DomainError):
    code = "pieces_missing"
    message = _("Count the pieces: enter a number between 0 and %(pieces)s.")
    http_status = 422


class RenewalRefused(DomainError):
    code = "renewal_refused"
    message = _("This loan cannot be renewed: someone is waiting for it.")
    http_status = 409


class RenewalLimitReached(DomainError):
    code = "renewal_limit_reached"
    message = _("This loan cannot be renewed again (renewals: %(count)s).")
    http_status = 409


class HoldNotPossible(DomainError):
    code = "hold_no_copy_to_lend"
    message = _("This title has no copy that can be lent.")
    http_status = 409


class AlreadyHeld(DomainError):
    code = "already_held"
    message = _("You have already asked for this title.")
    http_status = 409


class AlreadyBorrowed(DomainError):
    code = "already_borrowed"
    message = _("You already have this title on loan.")
    http_status = 409


class HoldNotOpen(DomainError):
    code = "hold_not_open"
    message = _("This request is already closed.")
    http_status = 409


class NotBuiltIn(DomainError):
    code = "not_built_in"
    message = _("This library lends with its own system: use its desk or its kiosks.")
    http_status = 409


class LibrarySystemUnreachable(DomainError):
    code = "library_system_unreachable"
    message = _("The library's own system does not answer right now. Please try again later.")
    http_status = 503


class ImportRefused(DomainError):
    code = "import_refused"
    message = _("The file was not imported. Records with errors: %(count)s.")
    http_status = 422
