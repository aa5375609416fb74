"""What a terminal shows: a message per reason code, in the holder's and the terminal's
languages, and the short labels of the managers' log."""

from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MESSAGES = {
    "ok": _("Welcome, %(name)s."),
    "credential_invalid": _("The card could not be read. Please try again."),
    "card_unknown": _("This card is not known. Please ask at the counter."),
    "card_blocked": _("This card is blocked. Please ask at the counter."),
    "card_expired": _("This card has expired. Please ask at the counter."),
    "qr_expired": _("This code is too old. Show the card on your phone again."),
    "closed": _("Closed now. Please check the opening hours."),
    "no_right": _("This card does not open here."),
    "quota_exceeded": _("No visits are left for this year."),
    "insufficient_balance": _("The balance is too low. Please top it up first."),
    "already_used": _("This card was just used here. Please wait a moment."),
}
REASON_CODES = list(MESSAGES)
REASON_LABELS = {
    "ok": _("allowed"),
    "credential_invalid": _("unreadable card"),
    "card_unknown": _("unknown card"),
    "card_blocked": _("blocked card"),
    "card_expired": _("expired card"),
    "qr_expired": _("old phone code"),
    "closed": pgettext_lazy("place", "closed"),
    "no_right": _("no right here"),
    "quota_exceeded": _("no visits left"),
    "insufficient_balance": _("balance too low"),
    "already_used": _("used just before"),
}


@lru_cache(maxsize=512)
def _message(language: str, reason: str) -> str:
    with translation.override(language):
        return str(MESSAGES[reason])


def message_in(language: str, reason: str, name: str = "") -> str:
    text = _message(language, reason)
    return text % {"name": name} if reason == "ok" else text
