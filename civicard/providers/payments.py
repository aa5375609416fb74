"""Payment providers: how an online top-up is paid.

A provider turns a pending `OnlinePayment` into a page where the payer pays (`start` returns the
URL to send the browser to), and later tells Civicard the outcome with a server-to-server notice
that `parse_notification` verifies and decodes. Civicard credits the account only on that
verified notice, once (the ledger's idempotency key is `payment:<reference>`); the browser's
return only shows the status. See docs/wallets.md for PayFiP, PayZen and Stripe.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode


@dataclass(frozen=True)
class Notice:
    reference: str
    paid: bool
    amount_cents: int
    currency: str


class PaymentProvider:
    name = ""

    def start(self, payment, *, return_url: str, notify_url: str) -> str:
        """Register the payment with the provider; return where to send the payer's browser."""
        raise NotImplementedError

    def parse_notification(self, data: dict) -> Notice:
        """Verify the provider's signature on a notice and decode it; raise
        PaymentSignatureInvalid when it does not verify."""
        raise NotImplementedError


class DummyProvider(PaymentProvider):
    """Simulates a bank: a page of ours with "Pay" and "Cancel", and a signed notice."""

    name = "dummy"

    @staticmethod
    def _key() -> bytes:
        return hashlib.sha256(b"civicard-dummy-provider:" + settings.SECRET_KEY.encode()).digest()

    @classmethod
    def sign(cls, reference: str, status: str, amount_cents: int, currency: str) -> str:
        message = f"{reference}|{status}|{amount_cents}|{currency}".encode()
        return hmac.new(cls._key(), message, hashlib.sha256).hexdigest()

    @classmethod
    def notice_for(cls, payment, *, paid: bool = True) -> dict:
        status = "paid" if paid else "refused"
        return {"reference": payment.reference, "status": status,
                "amount_cents": str(payment.amount_cents), "currency": payment.currency,
                "signature": cls.sign(payment.reference, status, payment.amount_cents,
                                      payment.currency)}

    def start(self, payment, *, return_url: str, notify_url: str) -> str:
        # As a real bank does, it sends the payer back to `return_url` (see wallets.views).
        return (f"{reverse('wallets:dummy_bank', args=[payment.reference])}"
                f"?{urlencode({'return': return_url})}")

    def parse_notification(self, data: dict) -> Notice:
        from civicard.providers.exceptions import PaymentSignatureInvalid

        try:
            reference = str(data["reference"])[:40]
            status = str(data["status"])
            amount = int(str(data["amount_cents"]))
            currency = str(data["currency"])[:3]
            signature = str(data["signature"])
        except (KeyError, ValueError, TypeError):
            raise PaymentSignatureInvalid() from None
        expected = self.sign(reference, status, amount, currency)
        if not hmac.compare_digest(expected, signature) or status not in ("paid", "refused"):
            raise PaymentSignatureInvalid()
        return Notice(reference=reference, paid=status == "paid", amount_cents=amount,
                      currency=currency)


PROVIDERS: dict[str, PaymentProvider] = {"dummy": DummyProvider()}


def enabled() -> list[str]:
    """The providers this install offers: configured, known, and never the dummy bank in
    production (settings refuse to start with it; this holds even if a setting is changed)."""
    return [name for name in settings.CIVICARD_PAYMENT_PROVIDERS if name in PROVIDERS
            and not (name == DummyProvider.name and settings.PRODUCTION)]


def get_provider(name: str) -> PaymentProvider:
    from civicard.providers.exceptions import ProviderUnknown

    if name not in enabled():
        raise ProviderUnknown()
    return PROVIDERS[name]


def default_provider() -> str | None:
    """The provider of online top-ups, or None: residents then top up at the counter."""
    return next(iter(enabled()), None)
