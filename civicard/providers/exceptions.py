from django.utils.translation import gettext_lazy as _

from civicard.core.errors import DomainError


class PaymentSignatureInvalid(DomainError):
    code = "payment_signature_invalid"
    message = _("The provider's notice is not signed correctly.")
    http_status = 403


class ProviderUnknown(DomainError):
    code = "provider_unknown"
    message = _("This payment provider is not configured.")
    http_status = 404
