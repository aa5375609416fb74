"""Errors of enrolments, reservations, roll-call and billing: a stable code each."""

from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class ChildTooYoung(DomainError):
    code = "child_too_young"
    message = _("This child is too young for this activity.")
    http_status = 422


class ChildTooOld(DomainError):
    code = "child_too_old"
    message = _("This child is too old for this activity.")
    http_status = 422


class NotAChildOfTheHousehold(DomainError):
    code = "not_a_child_of_the_household"
    message = _("You can only do this for a child of your household.")
    http_status = 403


class AlreadyEnrolled(DomainError):
    code = "already_enrolled"
    message = _("This child is already enrolled or on the waiting list.")
    http_status = 409


class NotEnrolled(DomainError):
    code = "not_enrolled"
    message = _("This child is not enrolled in this activity.")
    http_status = 409


class DayNotOpen(DomainError):
    code = "day_not_open"
    message = _("This activity is not open on that day.")
    http_status = 409


class DeadlinePassed(DomainError):
    code = "deadline_passed"
    message = _("The deadline to book or cancel this day was %(deadline)s.")
    http_status = 409


class UnitFull(DomainError):
    code = "unit_full"
    message = _("There is no place left on that day.")
    http_status = 409


class UnitIncompatible(DomainError):
    code = "unit_incompatible"
    message = _("This cannot be booked with %(unit)s on the same day.")
    http_status = 409


class DebtLimitReached(DomainError):
    code = "debt_limit_reached"
    message = _("New bookings are paused until what is owed is paid. Ask at the town hall.")
    http_status = 409


class DayClosed(DomainError):
    code = "day_closed"
    message = _("This day is closed and billed: it can no longer be changed.")
    http_status = 409


class NotARollCallPoint(DomainError):
    code = "not_a_roll_call_point"
    message = _("This terminal does not take a roll-call.")
    http_status = 409


class MarkInvalid(DomainError):
    code = "mark_invalid"
    message = _("This mark does not fit the child's state on that day.")
    http_status = 422


class MonthNotOver(DomainError):
    code = "month_not_over"
    message = _("A month can only be closed once it is over.")
    http_status = 409


class NurseryScaleUnknown(DomainError):
    code = "nursery_scale_unknown"
    message = _("The national scale is not known for that date.")
    http_status = 422


class NothingDue(DomainError):
    code = "nothing_due"
    message = _("Nothing is left to pay on this invoice.")
    http_status = 409


class AmountAboveDue(DomainError):
    code = "amount_above_due"
    message = _("The amount is more than what is left to pay (%(due)s).")
    http_status = 422


class InvoiceAlreadyCancelled(DomainError):
    code = "invoice_already_cancelled"
    message = _("This invoice is already cancelled by a credit note.")


class CreditAboveInvoice(DomainError):
    code = "credit_above_invoice"
    message = _("The credit note is more than what is left to credit (%(left)s).")
    http_status = 422


class NotANursery(DomainError):
    code = "not_a_nursery"
    message = _("Contracts are only for a nursery.")
    http_status = 409


class ContractOutsideSeason(DomainError):
    code = "contract_outside_season"
    message = _("The contract must start and end within the activity's season.")
    http_status = 422


class ContractOverlap(DomainError):
    code = "contract_overlap"
    message = _("This child already has a contract for some of these dates.")
    http_status = 409


class ScheduleInvalid(DomainError):
    code = "schedule_invalid"
    message = _("Give at least one day, each with an end time after its start time.")
    http_status = 422


class ContractMonthBilled(DomainError):
    code = "contract_month_billed"
    message = _("A change can only start after the last billed month (%(month)s).")
    http_status = 409


class DocumentNotAccepted(DomainError):
    code = "document_type"
    message = _("Send a PDF file or a photo (JPEG, PNG or WebP).")
    http_status = 422


class DocumentTooLarge(DomainError):
    code = "document_too_large"
    message = _("The file is too large: at most 10 MB.")
    http_status = 422


class DocumentErased(DomainError):
    code = "document_erased"
    message = _("This document was erased at the end of its retention period.")
    http_status = 410


class AbsenceAlreadyDecided(DomainError):
    code = "absence_decided"
    message = _("This absence was already accepted or refused.")
    http_status = 409


class TermStillUnfunded(DomainError):
    code = "term_still_unfunded"
    message = _("The term could not be charged: the prepaid account still holds too little. "
                "Top it up, then try again.")
    http_status = 409
