from django import template

from civicard.core.money import format_cents

register = template.Library()


@register.filter
def cents(value, currency="EUR"):
    """{{ account.balance_cents|cents:account.currency }} → '12,50 €'."""
    if value is None or value == "":
        return ""
    return format_cents(int(value), currency or "EUR")
