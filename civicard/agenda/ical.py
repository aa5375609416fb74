"""iCalendar in and out with `icalendar`; recurrences expanded by `recurring-ical-events`
(time zones across daylight-saving changes, EXDATE, moved or cancelled single occurrences)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from django.conf import settings
from icalendar import Calendar
from icalendar import Event as VEvent

DEFAULT_DURATION = timedelta(hours=2)
MAX_OCCURRENCES = 1000  # per event: a rule that never ends stops at the horizon or here
MAX_COMPONENTS = 50_000  # per feed, whatever its rules


@dataclass
class Timing:
    start: datetime
    end: datetime
    cancelled: bool = False


@dataclass
class FeedItem:
    uid: str
    title: str
    description: str
    location: str
    url: str
    cancelled: bool
    categories: list[str]
    timings: list[Timing]


@dataclass
class ParsedFeed:
    items: list[FeedItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line 12: …", in English for operators


def _aware(value, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time(0), tzinfo=zone)  # an all-day event starts at midnight


def _timing(component, zone: ZoneInfo) -> Timing:
    start = _aware(component.decoded("DTSTART"), zone)
    if "DTEND" in component:
        end = _aware(component.decoded("DTEND"), zone)
    elif "DURATION" in component:
        end = start + component.decoded("DURATION")
    elif isinstance(component.decoded("DTSTART"), date) and not isinstance(
            component.decoded("DTSTART"), datetime):
        end = start + timedelta(days=1)
    else:
        end = start + DEFAULT_DURATION
    cancelled = str(component.get("STATUS", "")).upper() == "CANCELLED"
    return Timing(start=start, end=max(end, start), cancelled=cancelled)


def expand(calendar: Calendar, *, start: datetime, end: datetime, zone: ZoneInfo) -> dict:
    """{uid: [Timing…]} for every occurrence between start and end, in order."""
    found: dict[str, list[Timing]] = {}
    query = recurring_ical_events.of(calendar, keep_recurrence_attributes=True)
    for count, component in enumerate(query.between(start, end)):
        if count >= MAX_COMPONENTS:
            break
        timings = found.setdefault(str(component.get("UID")), [])
        if len(timings) < MAX_OCCURRENCES:
            timings.append(_timing(component, zone))
    for timings in found.values():
        timings.sort(key=lambda timing: timing.start)
    return found


def expand_rule(*, first_start: datetime, first_end: datetime, rrule: str, horizon_end: datetime,
                from_: datetime) -> list[Timing]:
    """The timings of an event typed in the app: its first date repeated by an RFC 5545 rule.
    Raises ValueError when the rule cannot be read."""
    calendar = Calendar()
    vevent = VEvent()
    vevent.add("UID", "rule")
    vevent.add("DTSTART", first_start)
    vevent.add("DTEND", first_end)
    vevent.add("RRULE", _parse_rule(rrule))
    calendar.add_component(vevent)
    zone = first_start.tzinfo
    return expand(calendar, start=from_, end=horizon_end, zone=zone).get("rule", [])


RULE_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-:T]+$")


def _parse_rule(rrule: str):
    from icalendar.prop import vRecur

    text = rrule.strip().removeprefix("RRULE:").upper()
    if not text or not all(RULE_PART.match(part) for part in text.split(";")) \
            or "FREQ=" not in text:
        raise ValueError(rrule)
    return vRecur.from_ical(text)


def _block_starts(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, last line) of each VEVENT, numbered from 1 as an editor shows them."""
    blocks, start = [], None
    for number, line in enumerate(lines, 1):
        word = line.strip().upper()
        if word == "BEGIN:VEVENT":
            start = number
        elif word == "END:VEVENT" and start is not None:
            blocks.append((start, number))
            start = None
    return blocks


def _timezones(lines: list[str]) -> str:
    out, inside = [], 0
    for line in lines:
        word = line.strip().upper()
        if word == "BEGIN:VTIMEZONE":
            inside += 1
        if inside:
            out.append(line)
        if word == "END:VTIMEZONE":
            inside -= 1
    return "\n".join(out)


def parse_feed(text: str, *, start: datetime, end: datetime) -> ParsedFeed:
    """Read a feed event by event: a broken VEVENT is reported with its line and skipped,
    the others are kept. Occurrences are expanded between start and end."""
    zone = ZoneInfo(settings.TIME_ZONE)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parsed = ParsedFeed()
    if not any(line.strip().upper() == "BEGIN:VCALENDAR" for line in lines[:5]):
        parsed.problems.append("line 1: this is not an iCalendar file (no BEGIN:VCALENDAR)")
        return parsed
    timezones = _timezones(lines)
    good = Calendar()
    for first, last in _block_starts(lines):
        block = "\n".join(lines[first - 1:last])
        try:
            calendar = Calendar.from_ical(f"BEGIN:VCALENDAR\n{timezones}\n{block}\nEND:VCALENDAR\n")
            vevent = calendar.walk("VEVENT")[0]
            if getattr(vevent, "errors", None):
                raise ValueError("; ".join(str(error[1]) for error in vevent.errors))
            for required in ("UID", "DTSTART"):
                if required not in vevent:
                    raise ValueError(f"{required} is missing")
            vevent.decoded("DTSTART")
        except Exception as error:  # the library raises many kinds; each is reported, not fatal
            parsed.problems.append(f"line {first}: {type(error).__name__}: {error}"[:300])
            continue
        good.add_component(vevent)
    for timezone in Calendar.from_ical(f"BEGIN:VCALENDAR\n{timezones}\nEND:VCALENDAR\n").walk(
            "VTIMEZONE") if timezones else []:
        good.add_component(timezone)
    try:
        timings = expand(good, start=start, end=end, zone=zone)
    except Exception as error:  # a rule the expander refuses: report it, keep nothing half-read
        parsed.problems.append(f"line 1: {type(error).__name__}: {error}"[:300])
        return parsed
    masters = {}
    for vevent in good.walk("VEVENT"):
        uid = str(vevent["UID"])
        if "RECURRENCE-ID" not in vevent or uid not in masters:
            masters[uid] = vevent
    for uid, vevent in masters.items():
        parsed.items.append(FeedItem(
            uid=uid[:255], title=str(vevent.get("SUMMARY", ""))[:200] or uid[:200],
            description=str(vevent.get("DESCRIPTION", ""))[:8000],
            location=str(vevent.get("LOCATION", ""))[:200], url=str(vevent.get("URL", ""))[:200],
            cancelled=str(vevent.get("STATUS", "")).upper() == "CANCELLED",
            categories=_categories(vevent), timings=timings.get(uid, []),
        ))
    return parsed


def _categories(vevent) -> list[str]:
    """CATEGORIES, one line or several, lower-cased."""
    lines = vevent.get("CATEGORIES") or []
    lines = lines if isinstance(lines, list) else [lines]
    return [str(word).strip().lower() for line in lines for word in line.cats]


def calendar_of(occurrences, *, name: str, title_of, url_of) -> bytes:
    """An .ics of occurrences: one VEVENT per occurrence, UID stable per occurrence."""
    calendar = Calendar()
    calendar.add("PRODID", "-//Civicard//Agenda//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", name)
    for occurrence in occurrences:
        event = occurrence.event
        vevent = VEvent()
        vevent.add("UID", f"{event.pk}-{occurrence.start:%Y%m%dT%H%M%SZ}@civicard")
        vevent.add("DTSTAMP", event.updated_at)
        vevent.add("DTSTART", occurrence.start)
        vevent.add("DTEND", occurrence.end)
        vevent.add("SUMMARY", title_of(event))
        vevent.add("LOCATION", ", ".join(p for p in (event.place_name, event.address) if p))
        vevent.add("URL", url_of(event))
        vevent.add("SEQUENCE", event.revision)
        cancelled = occurrence.cancelled or event.status == event.Status.CANCELLED
        vevent.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(vevent)
    return calendar.to_ical()
