from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class InsufficientBalance(DomainError):
    code = "insufficient_balance"
    message = _("The balance of this account is too low. Top it up first.")
    http_status = 409


class FloorReached(DomainError):
    code = "balance_floor_reached"
    message = _("This charge would take the balance below the lowest amount the service allows.")
    http_status = 409


class ServiceIsFree(DomainError):
    code = "service_free"
    message = _("This service is free: there is nothing to pay.")
    http_status = 409


class WrongCurrency(DomainError):
    code = "wrong_currency"
    message = _("This account is kept in %(expected)s, not in %(given)s.")
    http_status = 422


class NotSameHousehold(DomainError):
    code = "transfer_other_household"
    message = _("Money can only move between two accounts of the same household.")
    http_status = 422


class NoWalletForService(DomainError):
    code = "no_wallet"
    message = _("This service has no prepaid account.")
    http_status = 409


class ReasonMissing(DomainError):
    code = "reason_missing"
    message = _("Say why, in a few words.")
    http_status = 422


class NoTariff(DomainError):
    code = "no_tariff"
    message = _("No price is set for this service on this date.")
    http_status = 409


class PaymentUnknown(DomainError):
    code = "payment_unknown"
    message = _("We do not know this payment.")
    http_status = 404


class PaymentMismatch(DomainError):
    code = "payment_mismatch"
    message = _("The provider's notice does not match the payment (amount or currency).")
    http_status = 409
