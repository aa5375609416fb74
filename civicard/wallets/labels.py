"""What a ledger line says, stored language-neutral: a code and its parameters, written out in
the reader's language when read. A line typed by staff (a correction, a refund) has no code and
keeps their words as written."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civicard.territory.queries import local_name

SENTENCES = {
    "counter_top_up": _("Top-up at the counter"),
    "online_payment": _("Online payment %(reference)s"),
    "entry": _("Entry: %(facility)s — %(checkpoint)s"),
    "meal": _("Meal: %(service)s"),
    "invoice_payment": _("Paid on invoice %(number)s"),
    "credit_note": _("Credit note %(number)s"),
    "rental": _("Rental: %(resource)s, %(when)s"),
    "rental_deposit": _("Deposit: %(resource)s, %(when)s"),
    "rental_deposit_back": _("Deposit given back: %(resource)s, %(when)s"),
    "month_charge": _("%(activity)s, %(month)s"),
}
NAME_PARAMS = {"facility", "checkpoint", "service"}  # the territory's own names (see |local)
MONTH_PARAMS = {"month"}  # "2026-11", written "November 2026" in the reader's language


@dataclass(frozen=True)
class Label:
    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in SENTENCES:
            raise ValueError(f"unknown ledger label {self.code!r}")


Reason = str | Label  # what operations take: staff's words or the platform's label


def render(code: str, params: dict, typed: str) -> str:
    """The line in the active language: its sentence, or the words staff typed."""
    if not code:
        return typed
    return str(SENTENCES[code]) % {name: _param(name, value) for name, value in params.items()}


def _param(name: str, value):
    if name in NAME_PARAMS:
        return local_name(value)
    if name in MONTH_PARAMS:
        return date_format(date.fromisoformat(f"{value}-01"), "YEAR_MONTH_FORMAT")
    return value
