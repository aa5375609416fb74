"""Reads of the agenda for the pages, the API and the calendar feeds."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from civicard.agenda.models import (
    AlertSettings,
    Category,
    Event,
    EventText,
    Follow,
    Occurrence,
    Publisher,
)
from civicard.core.errors import NotFound
from civicard.core.permissions import Role, holds_role
from civicard.mutualaid.queries import adjacent_neighbourhood_ids, home_neighbourhood

CHILD_AGE = 12  # "for children": for the children category or for ages up to this


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; `start` and `end` are local days, end excluded."""

    start: date
    end: date
    category: str = ""
    free: bool = False
    accessible: bool = False
    children: bool = False
    near: int | None = None  # a neighbourhood id: it and the rest of its commune
    publisher: int | None = None




def _event_filter(filters: Filters, prefix: str = "event__") -> Q:
    q = Q(**{f"{prefix}review": Event.Review.PUBLISHED})
    if filters.category:
        q &= Q(**{f"{prefix}categories__category": filters.category})
    if filters.free:
        q &= Q(**{f"{prefix}price_cents": 0}) | Q(**{f"{prefix}free_with_card": True})
    if filters.accessible:
        q &= ~Q(**{f"{prefix}accessibility": []})
    if filters.children:
        q &= Q(**{f"{prefix}categories__category": Category.CHILDREN}) \
            | Q(**{f"{prefix}age_max__lte": CHILD_AGE})
    if filters.near:
        from civicard.territory.models import Neighbourhood

        home = Neighbourhood.objects.filter(pk=filters.near).first()
        ids = [filters.near, *adjacent_neighbourhood_ids(home)]
        q &= Q(**{f"{prefix}neighbourhood_id__in": ids})
    if filters.publisher:
        q &= Q(**{f"{prefix}publisher_id": filters.publisher})
    return q


def occurrences(filters: Filters):
    """Occurrences overlapping [start, end), in order, with their events and their titles (what
    every listing shows; the map adds the events' places)."""
    found = Occurrence.objects.filter(
        _event_filter(filters), start__lt=local_midnight(filters.end),
        end__gte=local_midnight(filters.start))
    if filters.category or filters.children:
        found = found.distinct()
    texts = Prefetch("event__texts", queryset=EventText.objects.only("event_id", "language",
                                                                     "title"))
    return found.select_related("event").prefetch_related(texts).order_by("start", "pk")


# The event's columns a listing shows (and the text fallback needs).
LISTED = ("start", "end", "cancelled", "event__id", "event__language", "event__place_name",
          "event__status", "event__price_cents", "event__free_with_card")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_of(occurrence) -> str:
    """Where the next page starts: after this occurrence (its start in microseconds since
    1970, exact, and its id)."""
    return f"{(occurrence.start - EPOCH) // timedelta(microseconds=1)}-{occurrence.pk}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The (start, id) a cursor names, or None for the first page (also for a garbled one)."""
    micros, _sep, pk = (value or "").partition("-")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18:
        return None
    return EPOCH + timedelta(microseconds=int(micros)), int(pk)


def page_of(filters: Filters, *, after: str | None, size: int) -> tuple[list, str | None]:
    """`size` occurrences of the listing after the cursor `after`, and the cursor of the next
    page or None: read by keyset (start, id) with one row more, no count, whatever the page.
    Only the columns a listing shows; each event's `titles` ({language: title}) read for this
    page's events only, as plain values (see `listed_title`)."""
    found = occurrences(filters).prefetch_related(None).only(*LISTED)
    key = parse_cursor(after)
    if key is not None:
        found = found.filter(Q(start__gt=key[0]) | Q(start=key[0], pk__gt=key[1]))
    rows = list(found[:size + 1])
    following = cursor_of(rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    titles: dict[int, dict[str, str]] = {}
    for event_id, language, title in EventText.objects.filter(
            event_id__in={row.event_id for row in rows}).values_list("event_id", "language",
                                                                     "title"):
        titles.setdefault(event_id, {})[language] = title
    for row in rows:
        row.event.titles = titles.get(row.event_id, {})
    return rows, following


def listed_title(event: Event, language: str) -> tuple[str, str]:
    """(title, its language) of an event read by `page_of`: in `language`, else in the
    publisher's language, else any (as `text_of`)."""
    for code in (language, event.language):
        if code in event.titles:
            return event.titles[code], code
    return next(((title, code) for code, title in event.titles.items()), ("", ""))


def text_of(event: Event, language: str) -> EventText | None:
    """The event's words in `language`, else in the publisher's language, else any."""
    texts = {text.language: text for text in event.texts.all()}
    return texts.get(language) or texts.get(event.language) or next(iter(texts.values()), None)


def title_of(event: Event, language: str) -> str:
    text = text_of(event, language)
    return text.title if text else ""


def event_for(reader, pk: int) -> Event:
    """A published event for everyone; a pending or refused one only for its editors and the
    moderators."""
    event = get_object_or_404(Event.objects.select_related("publisher", "neighbourhood", "venue")
                              .prefetch_related("texts", "categories"), pk=pk)
    if event.review != Event.Review.PUBLISHED and not can_edit(reader, event.publisher) \
            and not holds_role(reader, Role.MODERATOR):
        raise NotFound()
    return event


def can_edit(user, publisher: Publisher) -> bool:
    """The publisher's editors (for an association, also its editors in mutual aid today)."""
    return publishers_of(user).filter(pk=publisher.pk).exists()


def can_rewrite(user, event: Event) -> bool:
    """Change the words and dates: once a moderator approved an association's event, only an
    administrator may (its editors still change its status)."""
    if event.publisher.moderated and event.review == Event.Review.PUBLISHED:
        return holds_role(user, Role.ADMINISTRATOR)
    return can_edit(user, event.publisher)


def publishers_of(user):
    if holds_role(user, Role.ADMINISTRATOR):
        return Publisher.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Publisher.objects.none()
    return Publisher.objects.filter(Q(editors=user) | Q(association__editors=user)).distinct()


def upcoming_occurrences(event: Event, at: datetime, limit: int = 12):
    return list(event.occurrences.filter(end__gte=at)[:limit])


def month_weeks(year: int, month: int, found) -> list[list[tuple[date, list]]]:
    """The month as weeks of (day, occurrences starting that day), Monday first."""
    by_day: dict[date, list] = {}
    for occurrence in found:
        by_day.setdefault(occurrence.start.astimezone(zone()).date(), []).append(occurrence)
    return [[(day, by_day.get(day, [])) for day in week]
            for week in calendar.Calendar().monthdatescalendar(year, month)]


def awaiting_moderation():
    return (Event.objects.filter(review=Event.Review.PENDING).select_related("publisher")
            .prefetch_related("texts").order_by("created_at"))


def follows_of(person) -> set[str]:
    if person is None:
        return set()
    return set(Follow.objects.filter(person=person).values_list("topic", flat=True))


def alert_settings_of(person) -> AlertSettings | None:
    return AlertSettings.objects.filter(person=person).first()


def personal_occurrences(token: str, at: datetime):
    """Occurrences of the events someone follows or saved, and of the categories, organisers
    and neighbourhoods they follow, from a week ago to the horizon."""
    found = AlertSettings.objects.filter(feed_token=token).select_related("person").first()
    if found is None or found.person.erased_at:
        raise NotFound()
    topics = Follow.objects.filter(person=found.person).values_list("topic", flat=True)
    q = Q(pk__in=[])
    for topic in topics:
        kind, _sep, value = topic.partition(":")
        q |= {"event": Q(event_id=value), "publisher": Q(event__publisher_id=value),
              "neighbourhood": Q(event__neighbourhood_id=value),
              "category": Q(event__categories__category=value)}[kind]
    return (Occurrence.objects.filter(q, event__review=Event.Review.PUBLISHED,
                                      end__gte=at - timedelta(days=7)).distinct()
            .select_related("event").prefetch_related("event__texts").order_by("start")[:2000])


def free_entries_for(person, event: Event, at: datetime):
    """(entries left this month, programme name) when the reader's card gives free entry at
    the event's venue, else None."""
    if person is None or not event.free_with_card or event.venue_id is None:
        return None
    from civicard.benefits.queries import my_rights

    for right in my_rights(person, at):
        if any(venue.pk == event.venue_id for venue in right.venues):
            return right.left, right.programme.name
    return None


def export_of(person) -> dict:
    """What the agenda holds about a person, for their data export."""
    found = alert_settings_of(person)
    return {
        "follows": [{"topic": follow.topic, "since": follow.created_at.isoformat()}
                    for follow in Follow.objects.filter(person=person).order_by("created_at",
                                                                                "pk")],
        "alert_settings": None if found is None else {
            "in_app": found.in_app, "email": found.email, "push": found.push,
            "rhythm": found.rhythm,
            "quiet_from": found.quiet_from.isoformat() if found.quiet_from else None,
            "quiet_until": found.quiet_until.isoformat() if found.quiet_until else None,
        },
    }


def home_of(person):
    return home_neighbourhood(person)
