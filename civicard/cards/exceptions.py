from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class CardUnknown(DomainError):
    code = "card_unknown"
    message = _("This card is not known.")
    http_status = 404


class CardBlocked(DomainError):
    code = "card_blocked"
    message = _("This card is blocked. Ask at the counter for a new one.")
    http_status = 403


class CardExpired(DomainError):
    code = "card_expired"
    message = _("This card has expired. Ask at the counter for a new one.")
    http_status = 403


class QrExpired(DomainError):
    code = "qr_expired"
    message = _("This code is too old. Show the card on the phone again.")
    http_status = 403


class CardNotLive(DomainError):
    code = "card_not_live"
    message = _("This card is already blocked or replaced.")
    http_status = 409


class CardAlreadyHeld(DomainError):
    code = "card_already_held"
    message = _("This person already has a card of this kind. Block or replace it first.")
    http_status = 409


class UidTaken(DomainError):
    code = "card_uid_taken"
    message = _("A card with this chip number already exists.")
    http_status = 409


class UidInvalid(DomainError):
    code = "card_uid_invalid"
    message = _("Enter the chip number as 8 to 20 hexadecimal characters (0-9, A-F).")
    http_status = 422


class NotYourCard(DomainError):
    code = "not_your_card"
    message = _("You can only block your own cards or those of your children.")
    http_status = 403
