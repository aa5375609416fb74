from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class SlotTaken(DomainError):
    code = "slot_taken"
    message = _("Someone has just taken this slot. Choose one of the next free slots.")
    http_status = 409


class SlotInvalid(DomainError):
    code = "slot_invalid"
    message = _("This is not a slot of this resource: choose one from its week.")
    http_status = 422


class SlotBlocked(DomainError):
    code = "slot_blocked"
    message = _("This slot is reserved for another use (%(reason)s).")
    http_status = 409


class SlotInPast(DomainError):
    code = "slot_past"
    message = _("This slot has already begun or is over.")
    http_status = 422


class SlotTooFar(DomainError):
    code = "slot_too_far"
    message = _("This slot cannot be booked yet: bookings open %(days)s days ahead.")
    http_status = 422


class BookingClosed(DomainError):
    code = "booking_closed"
    message = _("It is too late to book this slot.")
    http_status = 422


class LimitReached(DomainError):
    code = "booking_limit"
    message = _("Your household already holds %(limit)s future bookings here. Cancel one or "
                "wait until it is over.")
    http_status = 409


class NotAllowedToBook(DomainError):
    code = "booking_not_allowed"
    message = _("You may not book this resource.")
    http_status = 403


class NoHousehold(DomainError):
    code = "no_household"
    message = _("Only a member of a household can book. Ask at the town hall counter.")
    http_status = 409


class ResourceInactive(DomainError):
    code = "resource_inactive"
    message = _("This resource cannot be booked at the moment.")
    http_status = 409


class CompanionUnknown(DomainError):
    code = "companion_unknown"
    message = _("No valid card has the number %(number)s.")
    http_status = 422


class TooManyCompanions(DomainError):
    code = "too_many_companions"
    message = _("Bring at most %(limit)s companions.")
    http_status = 422


class AlreadyCancelled(DomainError):
    code = "booking_cancelled"
    message = _("This booking is already cancelled.")
    http_status = 409


class BookingOver(DomainError):
    code = "booking_over"
    message = _("This booking has already begun: it can no longer be cancelled.")
    http_status = 409
