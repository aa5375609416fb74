"""Alerts: who hears of an event (or of their month's free entries), on which channels and
when, and the words they read — written in each reader's language at sending time, the event's
title in that language when it has one."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from civicard.agenda.models import AlertSettings, Channel, Event, Follow, Occurrence

SUBJECTS = {
    "published": _("New in the agenda: %(title)s"),
    "moved": _("New date: %(title)s"),
    Event.Status.SCHEDULED: _("Back on: %(title)s"),
    Event.Status.CANCELLED: _("Cancelled: %(title)s"),
    Event.Status.POSTPONED: _("Postponed: %(title)s"),
    Event.Status.FULL: _("Full: %(title)s"),
    Event.Status.ONLINE: _("Moved online: %(title)s"),
}
BODY = _("%(title)s, %(when)s, %(place)s.")
DIGEST_SUBJECT = _("What's new in the agenda")
DIGEST_BODY = _("Events you follow changed or were added:\n%(lines)s")
REMINDER_SUBJECT = _("Your free entries for %(month)s are ready")
REMINDER_BODY = _("Partner venues open this week: %(venues)s.")
REMINDER_BODY_NO_VENUE = _("Show your card at a partner venue.")
# A status change reaches everyone at once; only news of an event may wait for a digest.
DIGESTIBLE = {"published", "moved"}


def topics_of(event: Event) -> list[str]:
    topics = [f"event:{event.pk}", f"publisher:{event.publisher_id}"]
    topics += [f"category:{code}" for code in event.categories.values_list("category", flat=True)]
    if event.neighbourhood_id:
        topics.append(f"neighbourhood:{event.neighbourhood_id}")
    return topics


def follower_ids(event: Event) -> list[int]:
    return list(Follow.objects.filter(topic__in=topics_of(event))
                .values_list("person_id", flat=True).distinct().order_by("person_id"))


def _in_quiet_hours(found: AlertSettings, local: datetime) -> datetime | None:
    """When the quiet hours that `local` falls in end, or None."""
    if found.quiet_from is None or found.quiet_until is None:
        return None
    now, start, end = local.time(), found.quiet_from, found.quiet_until
    inside = start <= now < end if start <= end else (now >= start or now < end)
    if not inside:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local.tzinfo)


DEFAULT_SETTINGS = AlertSettings()


@dataclass(frozen=True)
class Plan:
    channel: str
    digest: bool
    not_before: datetime


def plans_for(found: AlertSettings | None, *, reason: str, has_email: bool, has_push: bool,
              at: datetime) -> list[Plan]:
    """The channels a person is reached on for this reason, and when."""
    found = found or DEFAULT_SETTINGS
    digest = found.rhythm != AlertSettings.Rhythm.AT_ONCE and reason in DIGESTIBLE
    quiet_end = _in_quiet_hours(found, at.astimezone(ZoneInfo(settings.TIME_ZONE)))
    plans = []
    if found.in_app:
        plans.append(Plan(Channel.IN_APP, digest, at))  # the inbox is silent: no quiet hours
    if found.email and has_email:
        plans.append(Plan(Channel.EMAIL, digest, quiet_end or at))
    if found.push and has_push:
        plans.append(Plan(Channel.PUSH, digest, quiet_end or at))
    return plans


def title_in(event: Event, language: str) -> str:
    texts = {text.language: text.title for text in event.texts.all()}
    return texts.get(language) or texts.get(event.language) or next(iter(texts.values()), "")


def next_occurrence(event: Event, at: datetime) -> Occurrence | None:
    return (event.occurrences.filter(Q(end__gte=at)).order_by("start").first()
            or event.occurrences.order_by("-start").first())


def when(moment: datetime, language: str) -> str:
    with translation.override(language):
        local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
        return formats.date_format(local, "DATETIME_FORMAT")


def event_url(event: Event) -> str:
    return reverse("agenda:event", args=[event.pk])


def render_event_alert(event: Event, reason: str, language: str, at: datetime) -> tuple[str, str]:
    """(subject, body) in `language`."""
    occurrence = next_occurrence(event, at)
    params = {"title": title_in(event, language), "place": event.place_name,
              "when": when(occurrence.start, language) if occurrence else ""}
    with translation.override(language):
        return (str(SUBJECTS.get(reason, SUBJECTS["moved"])) % params)[:200], str(BODY) % params


def render_digest(lines: list[str], language: str) -> tuple[str, str]:
    with translation.override(language):
        return str(DIGEST_SUBJECT), str(DIGEST_BODY) % {"lines": "\n".join(
            f"- {line}" for line in lines)}


def reminder_recipient_ids(month: date) -> list[int]:
    """Card holders eligible for a monthly free-entries programme of `month` who did not turn
    its notices off, in id order."""
    from civicard.benefits import notices
    from civicard.benefits.models import Grant, Programme

    found = set()
    for programme in (Programme.objects.filter(grant=Grant.MONTHLY, starts_on__lte=month)
                      .exclude(ends_on__lt=month)):
        found.update(notices.recipients(programme, month, "available")
                     .values_list("pk", flat=True))
    return sorted(found)


def venues_open_this_week(day: date) -> list[str]:
    """The names of the venues giving the monthly free entries that open at least once in the
    seven days from `day`."""
    from civicard.benefits.models import Grant, Venue
    from civicard.core import opening_hours

    venues = (Venue.objects.filter(accreditations__programme__grant=Grant.MONTHLY,
                                   accreditations__active_from__lte=day)
              .exclude(accreditations__active_to__lt=day).distinct().order_by("name"))
    return [venue.name for venue in venues
            if any(d.intervals for d in opening_hours.week(venue.opening_hours, day))]


def render_reminder(month: date, venues: list[str], language: str) -> tuple[str, str]:
    """(subject, body) of the monthly free-entries reminder in `language`."""
    with translation.override(language):
        subject = str(REMINDER_SUBJECT) % {"month": formats.date_format(month, "YEAR_MONTH_FORMAT")}
        body = (str(REMINDER_BODY) % {"venues": ", ".join(venues)} if venues
                else str(REMINDER_BODY_NO_VENUE))
        return subject, body
