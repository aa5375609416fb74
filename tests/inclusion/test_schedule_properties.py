"""Properties of the office-hours recurrence, for any rule and any period."""

from datetime import date, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from civicard.inclusion import schedule

PARIS = ZoneInfo("Europe/Paris")


@settings(max_examples=60, deadline=None)
@given(weekday=st.integers(0, 6),
       weeks=st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]), max_size=3),
       start=st.dates(date(2025, 1, 1), date(2028, 12, 31)),
       days=st.integers(0, 120), hour=st.integers(7, 18))
def test_every_session_follows_the_rule_and_keeps_local_time(weekday, weeks, start, days,
                                                             hour):
    rule = SimpleNamespace(pk=1, weekday=weekday, weeks_of_month=",".join(map(str, weeks)),
                           start_time=time(hour), end_time=time(hour + 2),
                           valid_from=date(2025, 1, 1), valid_until=None)
    end = start + timedelta(days=days)
    found = schedule.sessions(rule, start, end, changes=[])
    expected = []
    day = start
    while day <= end:
        nth = (day.day - 1) // 7 + 1
        last = (day + timedelta(days=7)).month != day.month
        if day.weekday() == weekday and (not weeks or nth in weeks or (-1 in weeks and last)):
            expected.append(day)
        day += timedelta(days=1)
    assert [s.date for s in found] == expected
    for session in found:
        local = session.starts_at.astimezone(PARIS)
        assert (local.date(), local.time()) == (session.date, time(hour))
        assert session.ends_at - session.starts_at == timedelta(hours=2)
