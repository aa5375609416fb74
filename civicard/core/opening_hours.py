"""OpenStreetMap `opening_hours` expressions ("Mo-Fr 09:00-12:00; PH off") read for residents.

One parser for every app: an expression is parsed once per country (LRU cache), with that
country's public holidays for `PH`. Nothing here raises on a bad expression: `parse` gives None,
`problem` a plain-words reason, `is_open` False, `week` and `summary` nothing to show.

Times are local wall-clock times; an aware datetime is first converted to the current time zone.
"""

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

import opening_hours
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DEFAULT_COUNTRY = "FR"
HORIZON_DAYS = 8  # a change further away counts as never: enough for a week, and fast
NIGHT = timedelta(hours=12)  # an opening that ends this long after midnight belongs to its evening
EXAMPLE = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"


@lru_cache(maxsize=1024)
def parse(expression: str, country: str = DEFAULT_COUNTRY) -> opening_hours.OpeningHours | None:
    """The parsed expression, or None when it is empty or not valid OSM syntax."""
    if not expression or not expression.strip():
        return None
    try:
        return opening_hours.OpeningHours(expression, country=country or None,
                                          max_interval_days=HORIZON_DAYS)
    except (opening_hours.ParserError, opening_hours.UnknownCountryError, ValueError):
        return None


def unreadable_part(expression: str) -> str | None:
    """The part of `expression` from the word where reading stopped (the whole expression
    when that is unknown); None when it is valid OSM syntax."""
    try:
        opening_hours.OpeningHours(expression)
    except opening_hours.ParserError as error:
        found = re.search(r"--> 1:(\d+)", str(error))
        start = int(found.group(1)) - 1 if found else 0
        while start > 0 and expression[start - 1] not in " ;,":  # from the start of the word
            start -= 1
        return expression[start:] or expression
    return None


def problem(expression: str) -> str:
    """'' when `expression` is empty or valid, else a plain-words reason with an example."""
    if not expression or not expression.strip():
        return ""
    part = unreadable_part(expression)
    if part is None:
        return ""
    if part != expression:
        return _("“%(value)s” is not in the OpenStreetMap opening hours syntax: “%(part)s” "
                 "is not understood. Example: %(example)s.") % {
            "value": expression, "part": part, "example": EXAMPLE}
    return _("“%(value)s” is not in the OpenStreetMap opening hours syntax. "
             "Example: %(example)s.") % {"value": expression, "example": EXAMPLE}


def _local(at: datetime) -> datetime:
    return timezone.localtime(at).replace(tzinfo=None) if timezone.is_aware(at) else at


def is_open(expression: str, at: datetime, country: str = DEFAULT_COUNTRY) -> bool:
    """Open at `at`; False when the hours are missing, invalid or only "unknown"."""
    hours = parse(expression, country)
    return hours is not None and hours.is_open(_local(at))


def _is_holiday(day: date, country: str) -> bool:
    return is_open("PH", datetime.combine(day, time(12)), country)


class Day(NamedTuple):
    """One day of a week view: `intervals` like ["09:00–12:00", "20:00–02:00"], [] when closed."""

    date: date
    intervals: list[str]
    holiday: bool

    @property
    def name(self) -> str:
        """"Monday 14 July" in the reader's language."""
        return date_format(self.date, "l j F")

    @property
    def hours(self) -> str:
        """The intervals in words: "09:00–12:00, 14:00–18:00", "All day", "Closed",
        "Closed (public holiday)"."""
        text = _("All day") if self.intervals == ["00:00–24:00"] else ", ".join(self.intervals)
        if self.holiday:
            return (_("%(hours)s (public holiday)") % {"hours": text} if text
                    else _("Closed (public holiday)"))
        return text or _("Closed")


def week(expression: str, start: date, country: str = DEFAULT_COUNTRY,
         days: int = 7) -> list[Day]:
    """The openings of `days` days from `start`; [] when the hours are missing or invalid.
    An opening past midnight is shown on its evening ("Fr 20:00-02:00": Friday "20:00–02:00")."""
    hours = parse(expression, country)
    if hours is None:
        return []
    first = datetime.combine(start, time.min)
    spans: list[list[datetime]] = []
    for begin, end, state, _comment in hours.intervals(first, first + timedelta(days=days + 1)):
        if state == opening_hours.State.OPEN:
            if spans and spans[-1][1] == begin:  # same opening, only the comment changes
                spans[-1][1] = end
            else:
                spans.append([begin, end])
    found: dict[date, list[str]] = {}
    for begin, end in spans:
        while begin < end:
            midnight = datetime.combine(begin.date() + timedelta(days=1), time.min)
            overnight = midnight < end <= midnight + NIGHT and end.time() < begin.time()
            stop = end if end <= midnight or overnight else midnight
            finish = "24:00" if stop == midnight else f"{stop:%H:%M}"
            found.setdefault(begin.date(), []).append(f"{begin:%H:%M}–{finish}")
            begin = stop
    return [Day(day, found.get(day, []), _is_holiday(day, country))
            for day in (start + timedelta(days=n) for n in range(days))]


def summary(expression: str, at: datetime, country: str = DEFAULT_COUNTRY) -> str:
    """One line for lists and map popups: "Open now · until 22:30", "Closed now · opens Monday
    at 09:00"; '' when the hours are missing or invalid."""
    hours = parse(expression, country)
    if hours is None:
        return ""
    local = _local(at)
    change = hours.next_change(local)
    if hours.is_open(local):
        if change is None:
            return _("Open now")
        if change - local < timedelta(days=1):
            return _("Open now · until %(time)s") % {"time": f"{change:%H:%M}"}
        return _("Open now · until %(day)s at %(time)s") % {
            "day": date_format(change, "l"), "time": f"{change:%H:%M}"}
    while change is not None and not hours.is_open(change):  # "unknown" before opening
        change = hours.next_change(change)
    if change is None:
        return _("Closed now")
    if change.date() == local.date():
        return _("Closed now · opens today at %(time)s") % {"time": f"{change:%H:%M}"}
    if change.date() == local.date() + timedelta(days=1):
        return _("Closed now · opens tomorrow at %(time)s") % {"time": f"{change:%H:%M}"}
    return _("Closed now · opens %(day)s at %(time)s") % {
        "day": date_format(change, "l" if change - local < timedelta(days=6) else "l j F"),
        "time": f"{change:%H:%M}"}
