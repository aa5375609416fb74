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


class RentalOnly(DomainError):
    code = "rental_only"
    message = _("This place is rented on request: ask for a rental instead of booking a slot.")
    http_status = 409


class NotRented(DomainError):
    code = "not_rented"
    message = _("This resource is booked by the slot, not rented on request.")
    http_status = 409


class RentalTaken(DomainError):
    code = "rental_taken"
    message = _("This place is already booked or rented during these days. Choose other days.")
    http_status = 409


class RentalInPast(DomainError):
    code = "rental_past"
    message = _("These days have already begun or are over. Choose days to come.")
    http_status = 422


class RentalDayClosed(DomainError):
    code = "rental_day_closed"
    message = _("This place cannot be hired on %(day)s: choose days when it is open.")
    http_status = 422


class RentalTooLong(DomainError):
    code = "rental_too_long"
    message = _("A rental lasts at most %(days)s days, the last one not before the first.")
    http_status = 422


class OverCapacity(DomainError):
    code = "over_capacity"
    message = _("This place holds at most %(capacity)s people.")
    http_status = 422


class HelperUnknown(DomainError):
    code = "helper_unknown"
    message = _("No valid card has the number %(number)s.")
    http_status = 422


class TooManyHelpers(DomainError):
    code = "too_many_helpers"
    message = _("Name at most %(limit)s helpers.")
    http_status = 422


class RentalDecided(DomainError):
    code = "rental_decided"
    message = _("This request has already been answered or withdrawn.")
    http_status = 409


class DepositSettled(DomainError):
    code = "deposit_settled"
    message = _("This deposit has already been settled, or none is held.")
    http_status = 409


class DepositTooEarly(DomainError):
    code = "deposit_too_early"
    message = _("The deposit can be kept only once the hire is over.")
    http_status = 409


class RentalCancelledByService(DomainError):
    code = "rental_cancel_by_service"
    message = _("A rental is cancelled by the service: ask it.")
    http_status = 409
