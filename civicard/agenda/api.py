"""The agenda's API: occurrences (paged), one event, and the calendar feeds."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from civicard.agenda import ical, queries
from civicard.agenda.models import Category
from civicard.core import clock
from civicard.core.errors import InvalidInput

router = Router(tags=["agenda"])
PAGE_SIZE = 100  # occurrences a page by default; `limit` asks for fewer or more
MAX_PAGE_SIZE = 500


class OccurrenceOut(Schema):
    id: int
    title: str
    start: datetime
    end: datetime
    status: str
    cancelled: bool
    place: str
    url: str


class OccurrencePage(Schema):
    results: list[OccurrenceOut]
    next: str | None = Field(
        None, description="Cursor of the next page: pass it as `after` with the same filters "
                          "(null on the last page).")


class EventOut(Schema):
    id: int
    title: str
    description: str
    language: str
    status: str
    place: str
    address: str
    categories: list[str]
    free: bool
    free_with_card: bool
    price_cents: int | None
    age_min: int | None
    age_max: int | None
    accessibility: list[str]
    registration_url: str
    occurrences: list[OccurrenceOut]


def _out(occurrence, language: str, title: str | None = None) -> OccurrenceOut:
    event, zone = occurrence.event, queries.zone()
    return OccurrenceOut(
        id=event.pk, title=queries.title_of(event, language) if title is None else title,
        start=occurrence.start.astimezone(zone), end=occurrence.end.astimezone(zone),
        status=event.status, cancelled=occurrence.cancelled, place=event.place_name,
        url=reverse("agenda:event", args=[event.pk]))


def _filters(start: date | None, end: date | None, **others) -> queries.Filters:
    today = clock.now().astimezone(queries.zone()).date()
    start = start or today
    end = end or start + timedelta(days=7)
    if end <= start or (end - start).days > 366:
        raise InvalidInput(fields={"to": [_("Give an end after the start, within a year.")]})
    return queries.Filters(start=start, end=end, **others)


@router.get("", response=OccurrencePage, summary="Occurrences between two days, with filters",
            description="Occurrences overlapping [from, to) in order of their start, `limit` "
                        "a page (100 by default, at most 500). Paged by keyset: a page's `next` "
                        "is a cursor to pass as `after` for the following page (no total is "
                        "counted; `next` is null on the last page).")
def occurrences(request, from_: date | None = Query(None, alias="from"),  # noqa: B008
                to: date | None = None, category: Category | None = None,
                near: int | None = None, free: bool = False, after: str | None = None,
                limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)):  # noqa: B008
    filters = _filters(from_, to, category=category or "", near=near, free=free)
    found, following = queries.page_of(filters, after=after, size=limit)
    language = get_language()
    return OccurrencePage(results=[_out(o, language, queries.listed_title(o.event, language)[0])
                                   for o in found], next=following)


def _ics(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def _calendar(found, name) -> bytes:
    language = get_language()
    return ical.calendar_of(
        found, name=name, title_of=lambda e: queries.title_of(e, language),
        url_of=lambda e: f"{settings.CIVICARD_BASE_URL}{reverse('agenda:event', args=[e.pk])}")


@router.get("/feed.ics", summary="iCalendar feed of the agenda, one category, organiser or "
                                 "neighbourhood")
def feed(request, category: Category | None = None, publisher: int | None = None,
         near: int | None = None):
    today = clock.now().astimezone(queries.zone()).date() - timedelta(days=7)
    filters = queries.Filters(start=today, end=today + timedelta(
        days=settings.CIVICARD_AGENDA_HORIZON_DAYS), category=category or "",
        publisher=publisher, near=near)
    return _ics(_calendar(queries.occurrences(filters)[:5000], "Civicard"))


@router.get("/feeds/{token}.ics", summary="A person's private feed of what they follow")
def personal_feed(request, token: str):
    return _ics(_calendar(queries.personal_occurrences(token[:60], clock.now()), "Civicard"))


@router.get("/{event_id}", response=EventOut, summary="One event with its coming occurrences")
def event(request, event_id: int):
    found = queries.event_for(request.user, event_id)
    language = get_language()
    text = queries.text_of(found, language)
    coming = queries.upcoming_occurrences(found, clock.now(), limit=100)
    for occurrence in coming:
        occurrence.event = found
    return EventOut(
        id=found.pk, title=text.title if text else "",
        description=text.description if text else "", language=text.language if text else "",
        status=found.status, place=found.place_name, address=found.address,
        categories=[c.category for c in found.categories.all()], free=found.is_free,
        free_with_card=found.free_with_card, price_cents=found.price_cents,
        age_min=found.age_min, age_max=found.age_max, accessibility=found.accessibility,
        registration_url=found.registration_url,
        occurrences=[_out(o, language) for o in coming])
