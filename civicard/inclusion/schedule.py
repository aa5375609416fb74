"""Office-hours recurrence: local wall-clock times on chosen weekdays and weeks of the month,
turned into aware datetimes in the territory's time zone (so 14:00 stays 14:00 across DST)."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Session:
    office_hours_id: int
    date: date
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False


def weeks(rule: str) -> set[int]:
    return {int(part) for part in rule.replace(" ", "").split(",") if part}


def matches(day: date, weekday: int, rule: str) -> bool:
    if day.weekday() != weekday:
        return False
    wanted = weeks(rule)
    if not wanted:
        return True
    nth = (day.day - 1) // 7 + 1
    is_last = day.day + 7 > monthrange(day.year, day.month)[1]
    return nth in wanted or (-1 in wanted and is_last)


def sessions(office_hours, start: date, end: date, *, time_zone: str = "Europe/Paris",
             changes=None, include_cancelled: bool = False) -> list[Session]:
    """Sessions of `office_hours` from `start` to `end` inclusive. `changes`: its
    OfficeHoursChange rows (read from the database when not given)."""
    zone = ZoneInfo(time_zone)
    if changes is None:
        changes = list(office_hours.changes.all())
    by_date = {change.date: change.kind for change in changes}
    first = max(start, office_hours.valid_from)
    last = min(end, office_hours.valid_until) if office_hours.valid_until else end
    found = []
    day = first
    while day <= last:
        kind = by_date.get(day)
        regular = matches(day, office_hours.weekday, office_hours.weeks_of_month)
        if regular or kind == "extra":
            cancelled = kind == "cancelled"
            if include_cancelled or not cancelled:
                found.append(Session(
                    office_hours.pk, day,
                    datetime.combine(day, office_hours.start_time, tzinfo=zone),
                    datetime.combine(day, office_hours.end_time, tzinfo=zone), cancelled))
        day += timedelta(days=1)
    return found


def slots(session: Session, minutes: int) -> list[tuple[datetime, datetime]]:
    """Appointment slots inside a session, in wall-clock steps."""
    found = []
    start = session.starts_at
    step = timedelta(minutes=minutes)
    while start + step <= session.ends_at:
        found.append((start, start + step))
        start = start + step
    return found
