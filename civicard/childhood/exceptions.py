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
    http_status = 409
