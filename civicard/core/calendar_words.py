"""The calendar's words as dates are written here (month names, weekday names and their short
forms, months as said after a day number): in the project's catalog, so that every language
writes them, including those Django has no words for (Tigrinya, Somali) or leaves in English
(Tamil's short weekdays), and each in the case the language writes them in a date (Italian,
Portuguese and Albanian months in lower case). The project's catalog comes before Django's,
so these are the words `|date` uses. Never imported: makemessages reads them."""

from django.utils.translation import gettext_noop, pgettext_lazy

MONTHS = [gettext_noop("January"), gettext_noop("February"), gettext_noop("March"),
          gettext_noop("April"), gettext_noop("May"), gettext_noop("June"),
          gettext_noop("July"), gettext_noop("August"), gettext_noop("September"),
          gettext_noop("October"), gettext_noop("November"), gettext_noop("December")]
MONTHS_AFTER_A_DAY = [
    pgettext_lazy("alt. month", "January"), pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"), pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"), pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"), pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"), pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"), pgettext_lazy("alt. month", "December")]
WEEKDAYS = [gettext_noop("Monday"), gettext_noop("Tuesday"), gettext_noop("Wednesday"),
            gettext_noop("Thursday"), gettext_noop("Friday"), gettext_noop("Saturday"),
            gettext_noop("Sunday")]
WEEKDAYS_SHORT = [gettext_noop("Mon"), gettext_noop("Tue"), gettext_noop("Wed"),
                  gettext_noop("Thu"), gettext_noop("Fri"), gettext_noop("Sat"),
                  gettext_noop("Sun")]
