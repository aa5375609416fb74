"""Money is an integer number of cents in the territory's currency."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from civicard.core.errors import InvalidAmount

MAX_AMOUNT_CENTS = 1_000_000_00  # one million: nothing a resident pays comes near it


class Currency(models.TextChoices):
    EUR = "EUR", _("euro")
    CHF = "CHF", _("Swiss franc")


SYMBOLS = {Currency.EUR: "€", Currency.CHF: "CHF"}


def format_cents(cents: int, currency: str) -> str:
    """'12,50 €' in French, '12.50 €' in English: the active language picks the separators."""
    amount = number_format(Decimal(cents) / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{amount}\u00a0{SYMBOLS.get(currency, currency)}"


def parse_amount(text: str, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Parse '12', '12.5' or '12,50' into cents; refuse negative, absurd or over-precise amounts."""
    minimum = 0 if allow_zero else 1
    error = InvalidAmount(
        fields={field: [_("Enter an amount such as 12.50.")]},
        minimum=format_cents(minimum, Currency.EUR).split("\u00a0")[0],
        maximum=format_cents(MAX_AMOUNT_CENTS, Currency.EUR).split("\u00a0")[0],
    )
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise error from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise error
    cents = int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if not minimum <= cents <= MAX_AMOUNT_CENTS:
        raise error
    return cents
