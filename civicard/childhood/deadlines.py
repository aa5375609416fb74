"""When booking or cancelling a day stops being free."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicard.childhood.models import Activity


def deadline_for(activity: Activity, day: date) -> datetime:
    """When booking or cancelling `day` stops being free: `deadline_days_before` days before
    it, or with `deadline_weekday` that weekday of the previous week, at `deadline_time`."""
    if activity.deadline_weekday is not None:
        monday = day - timedelta(days=day.weekday())
        on = monday - timedelta(days=7 - activity.deadline_weekday)
    else:
        on = day - timedelta(days=activity.deadline_days_before)
    at = activity.deadline_time
    if isinstance(at, str):
        at = time.fromisoformat(at)
    return timezone.make_aware(datetime.combine(on, at))
