from django import template
from django.utils.html import format_html

from civicard.core.money import format_cents

register = template.Library()


@register.filter
def cents(value, currency="EUR"):
    """{{ account.balance_cents|cents:account.currency }} → '12,50 €', isolated left to right
    so that a right-to-left page (Arabic) shows '-3,20 €', not '€ 3,20-'."""
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', format_cents(int(value), currency or "EUR"))
