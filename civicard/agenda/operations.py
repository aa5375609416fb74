"""Every write of the agenda: publishing and moderating events, importing feeds, follows and
alert settings. Alerts are fanned out by tasks (tasks.py) after the transaction commits."""

import urllib.request
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from civicard.agenda import ical, queries
from civicard.agenda.exceptions import (
    ApprovedEventLocked,
    BadRecurrence,
    EventInThePast,
    FeedUnreadable,
    NotAnEditor,
)
from civicard.agenda.models import (
    Accessibility,
    Alert,
    AlertSettings,
    Category,
    Event,
    EventCategory,
    EventText,
    Follow,
    Occurrence,
    Publisher,
    new_feed_token,
)
from civicard.core import audit
from civicard.core.errors import InvalidInput
from civicard.core.permissions import Role, check_role
from civicard.notifications.operations import forget_push_subscriptions
from civicard.people.models import Person, User

Status = Event.Status


@dataclass
class EventDetails:
    """What a publisher writes about an event. `texts` maps a language to (title, description);
    the event's `language` must be among them."""

    language: str
    texts: dict[str, tuple[str, str]]
    start: datetime
    end: datetime
    place_name: str
    rrule: str = ""
    address: str = ""
    neighbourhood: object = None
    latitude: object = None
    longitude: object = None
    venue: object = None
    categories: list[str] = field(default_factory=list)
    price_cents: int | None = None
    free_with_card: bool = False
    age_min: int | None = None
    age_max: int | None = None
    accessibility: list[str] = field(default_factory=list)
    registration_url: str = ""
    capacity: int | None = None


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def horizon(at: datetime) -> datetime:
    return at + timedelta(days=settings.CIVICARD_AGENDA_HORIZON_DAYS)


def check_editor(publisher: Publisher, actor: User) -> None:
    if not queries.can_edit(actor, publisher):
        raise NotAnEditor()


def _check_details(details: EventDetails) -> None:
    fields = {}
    title = details.texts.get(details.language, ("", ""))[0].strip()
    if not title:
        fields["title"] = [_("Write a title.")]
    if not details.place_name.strip():
        fields["place_name"] = [_("Say where it takes place.")]
    if details.end < details.start:
        fields["end"] = [_("The end must come after the start.")]
    if details.age_min is not None and details.age_max is not None \
            and details.age_min > details.age_max:
        fields["age_max"] = [_("The highest age must not be below the lowest.")]
    if details.free_with_card and details.venue is None:
        fields["venue"] = [_("Choose the partner venue where the card gives free entry.")]
    unknown = set(details.categories) - set(Category.values) \
        | set(details.accessibility) - set(Accessibility.values)
    if unknown:
        fields["categories"] = [_("Choose among the proposed values.")]
    if fields:
        raise InvalidInput(fields=fields)


def _timings(details: EventDetails, at: datetime) -> list[ical.Timing]:
    if not details.rrule:
        return [ical.Timing(start=details.start, end=details.end)]
    start = details.start.astimezone(_zone())
    try:
        return ical.expand_rule(first_start=start, first_end=details.end.astimezone(_zone()),
                                rrule=details.rrule, horizon_end=horizon(at),
                                from_=min(start, at))
    except (ValueError, TypeError) as error:
        raise BadRecurrence() from error


def _write_occurrences(event: Event, timings: list[ical.Timing]) -> bool:
    """Bring the event's occurrences to `timings`, keeping the rows whose start is unchanged.
    True when a date residents may count on changed: one removed, moved, (un)cancelled, or
    added before the last one known (dates added after it are the horizon moving on)."""
    existing = {occurrence.start: occurrence for occurrence in event.occurrences.all()}
    wanted = {timing.start: timing for timing in timings}
    last_known = max(existing, default=None)
    changed = [o for start, o in existing.items() if start in wanted
               and (o.end, o.cancelled) != (wanted[start].end, wanted[start].cancelled)]
    for occurrence in changed:
        occurrence.end, occurrence.cancelled = wanted[occurrence.start].end, \
            wanted[occurrence.start].cancelled
    Occurrence.objects.bulk_update(changed, ["end", "cancelled"])
    removed = [o.pk for start, o in existing.items() if start not in wanted]
    Occurrence.objects.filter(pk__in=removed).delete()
    added = [t for start, t in wanted.items() if start not in existing]
    Occurrence.objects.bulk_create(Occurrence(event=event, start=t.start, end=t.end,
                                              cancelled=t.cancelled) for t in added)
    return bool(changed or removed
                or (last_known is not None and any(t.start < last_known for t in added)))


def _keeping_cancellations(event: Event, timings: list[ical.Timing]) -> list[ical.Timing]:
    """The timings, with the single dates already cancelled still cancelled."""
    cancelled = set(event.occurrences.filter(cancelled=True).values_list("start", flat=True))
    return [replace(timing, cancelled=timing.cancelled or timing.start in cancelled)
            for timing in timings]


def extend_recurrences(*, at: datetime) -> int:
    """Expand the rules typed in the app over the horizon as it moves on (a rule that never
    ends is only ever expanded that far); returns how many events gained dates."""
    extended = 0
    running = (Event.objects.exclude(rrule="").exclude(status=Status.CANCELLED)
               .annotate(last=Max("occurrences__start")).filter(last__gte=at))
    for event in running:
        with transaction.atomic():
            event = _locked(event)
            first = event.occurrences.order_by("start").first()
            zone = _zone()
            timings = ical.expand_rule(first_start=first.start.astimezone(zone),
                                       first_end=first.end.astimezone(zone), rrule=event.rrule,
                                       horizon_end=horizon(at), from_=first.start)
            before = event.occurrences.count()
            _write_occurrences(event, _keeping_cancellations(event, timings))
            extended += event.occurrences.count() > before
    return extended


def _write_event(event: Event, details: EventDetails, at: datetime) -> None:
    for name in ("language", "place_name", "address", "neighbourhood", "latitude", "longitude",
                 "venue", "price_cents", "free_with_card", "age_min", "age_max",
                 "registration_url", "capacity", "rrule"):
        value = getattr(details, name)
        setattr(event, name, value.strip() if isinstance(value, str) else value)
    event.accessibility = sorted(set(details.accessibility))
    event.updated_at = at
    event.save()
    event.texts.exclude(language__in=list(details.texts)).delete()
    for language, (title, description) in details.texts.items():
        if title.strip():
            EventText.objects.update_or_create(
                event=event, language=language,
                defaults={"title": title.strip()[:200], "description": description.strip()})
    event.categories.exclude(category__in=details.categories).delete()
    EventCategory.objects.bulk_create(
        [EventCategory(event=event, category=code) for code in set(details.categories)],
        ignore_conflicts=True)


def announce(event: Event, reason: str) -> None:
    """Tell the event's followers, once the transaction has committed."""
    from civicard.agenda.tasks import fan_out

    event_id, revision = event.pk, event.revision
    transaction.on_commit(lambda: fan_out.enqueue(event_id, revision, reason))


@transaction.atomic
def publish_event(*, publisher: Publisher, details: EventDetails, actor: User | None,
                  at: datetime, uid: str = "", source_event_id: int | None = None,
                  timings: list[ical.Timing] | None = None) -> Event:
    """A new event. An association's waits for a moderator; the others are public at once.
    `timings` (from an imported feed) replace the expansion of the details' dates and rule."""
    if actor is not None:
        check_editor(publisher, actor)
    _check_details(details)
    timings = timings or _timings(details, at)
    if not any(timing.end >= at for timing in timings):
        raise EventInThePast()
    review = Event.Review.PENDING if publisher.moderated else Event.Review.PUBLISHED
    event = Event(publisher=publisher, uid=uid or "", review=review, created_at=at,
                  source_event_id=source_event_id)
    _write_event(event, details, at)
    if not uid:
        event.uid = f"civicard-{event.pk}"
        event.save(update_fields=["uid"])
    _write_occurrences(event, timings)
    if actor is not None:
        audit.record(actor=actor, action="agenda.event_published", obj=event, at=at)
    if review == Event.Review.PUBLISHED:
        announce(event, "published")
    return event


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def update_event(*, event: Event, details: EventDetails, actor: User, at: datetime,
                 status: str | None = None) -> Event:
    """Change an event and, when given, its status. Occurrences whose dates stay are kept (a
    single date cancelled stays cancelled). Followers hear of it once: of the new status when
    it changed, else of the new dates when they moved."""
    check_editor(event.publisher, actor)
    _check_details(details)
    if status is not None and status not in Status.values:
        raise InvalidInput(fields={"status": [_("Choose among the proposed values.")]})
    event = _locked(event)
    if not queries.can_rewrite(actor, event):
        raise ApprovedEventLocked()
    timings = _keeping_cancellations(event, _timings(details, at))
    reason = status if status not in (None, event.status) else None
    event.status = status or event.status
    _write_event(event, details, at)
    moved = _write_occurrences(event, timings)
    reason = reason or ("moved" if moved else None)
    if reason and event.review == Event.Review.PUBLISHED:
        event.revision += 1
        event.save(update_fields=["revision"])
        announce(event, reason)
    audit.record(actor=actor, action="agenda.event_updated", obj=event, at=at,
                 extra={"status": event.status} if status else None)
    return event


@transaction.atomic
def change_status(*, event: Event, status: str, actor: User | None, at: datetime) -> Event:
    """Cancelled, postponed, full, moved online or scheduled again: everyone who follows or
    saved the event is told, whatever their digest rhythm."""
    if actor is not None:
        check_editor(event.publisher, actor)
    if status not in Status.values:
        raise InvalidInput(fields={"status": [_("Choose among the proposed values.")]})
    event = _locked(event)
    if event.status == status:
        return event
    event.status, event.updated_at = status, at
    event.revision += 1
    event.save(update_fields=["status", "updated_at", "revision"])
    if actor is not None:
        audit.record(actor=actor, action="agenda.event_status", obj=event, at=at,
                     extra={"status": status})
    if event.review == Event.Review.PUBLISHED:
        announce(event, status)
    return event


@transaction.atomic
def moderate_event(*, event: Event, approve: bool, actor: User, at: datetime) -> Event:
    check_role(actor, Role.MODERATOR)
    event = _locked(event)
    if event.review != Event.Review.PENDING:
        return event
    event.review = Event.Review.PUBLISHED if approve else Event.Review.REJECTED
    event.updated_at = at
    event.save(update_fields=["review", "updated_at"])
    audit.record(actor=actor, action="agenda.event_moderated", obj=event, at=at,
                 extra={"approved": approve})
    if approve:
        announce(event, "published")
    return event


# Association events (kept in mutual aid) reach the agenda through moderation.


def publisher_for_association(association) -> Publisher:
    publisher, created = Publisher.objects.get_or_create(
        association=association,
        defaults={"territory_id": association.territory_id, "slug": f"asso-{association.slug}"[:50],
                  "name": association.name, "kind": Publisher.Kind.ASSOCIATION})
    if created:  # the association's editors may also publish from the agenda (moderated)
        publisher.editors.set(association.editors.all())
    return publisher


def submit_association_event(*, association_event, at: datetime) -> Event | None:
    """A mutual-aid association event becomes an agenda event waiting for a moderator
    (once: the agenda keeps its id). Past events are left out."""
    if Event.objects.filter(source_event_id=association_event.pk).exists():
        return None
    if association_event.starts_at < at:
        return None
    details = EventDetails(
        language=association_event.language,
        texts={association_event.language: (association_event.title,
                                            association_event.description)},
        start=association_event.starts_at,
        end=association_event.starts_at + ical.DEFAULT_DURATION,
        place_name=association_event.place, price_cents=0 if association_event.is_free else None,
        neighbourhood=association_event.association.neighbourhood,
        categories=[Category.SOLIDARITY])
    return publish_event(publisher=publisher_for_association(association_event.association),
                         details=details, actor=None, at=at,
                         uid=f"mutualaid-{association_event.pk}",
                         source_event_id=association_event.pk)


# Follows and alert settings


def topic_of(kind: str, value) -> str:
    if kind not in Follow.Kind.values or (kind == Follow.Kind.CATEGORY
                                          and value not in Category.values):
        raise InvalidInput(fields={"topic": [_("Choose among the proposed values.")]})
    return f"{kind}:{value}"


@transaction.atomic
def follow(*, person: Person, kind: str, value, at: datetime) -> Follow:
    found, _created = Follow.objects.get_or_create(person=person, topic=topic_of(kind, value),
                                                   defaults={"created_at": at})
    return found


@transaction.atomic
def unfollow(*, person: Person, kind: str, value, at: datetime) -> int:
    deleted, _details = Follow.objects.filter(person=person, topic=topic_of(kind, value)).delete()
    return deleted


def settings_of(person: Person) -> AlertSettings:
    found, _created = AlertSettings.objects.get_or_create(person=person)
    return found


@transaction.atomic
def save_alert_settings(*, person: Person, in_app: bool, email: bool, push: bool, rhythm: str,
                        quiet_from, quiet_until, at: datetime) -> AlertSettings:
    if rhythm not in AlertSettings.Rhythm.values:
        raise InvalidInput(fields={"rhythm": [_("Choose among the proposed values.")]})
    if (quiet_from is None) != (quiet_until is None):
        raise InvalidInput(fields={"quiet_until": [_("Give both times of the quiet hours, or "
                                                     "neither.")]})
    found = settings_of(person)
    found.in_app, found.email, found.push, found.rhythm = in_app, email, push, rhythm
    found.quiet_from, found.quiet_until = quiet_from, quiet_until
    found.save()
    return found


@transaction.atomic
def renew_feed_token(*, person: Person, at: datetime) -> AlertSettings:
    """A new secret address for the personal feed; the old one stops working."""
    found = settings_of(person)
    found.feed_token = new_feed_token()
    found.save(update_fields=["feed_token"])
    return found


@transaction.atomic
def forget_person(*, person: Person, at: datetime) -> None:
    """On erasure: the person's follows, alert settings (and so their feed address), alerts
    and phone subscriptions go."""
    Follow.objects.filter(person=person).delete()
    AlertSettings.objects.filter(person=person).delete()
    Alert.objects.filter(person=person).delete()
    forget_push_subscriptions(person_id=person.pk)


# Import of a partner's .ics feed


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


CATEGORY_WORDS = {code: code for code in Category.values} | {
    "théâtre": Category.CULTURE, "theatre": Category.CULTURE, "concert": Category.MUSIC,
    "musique": Category.MUSIC, "enfants": Category.CHILDREN, "jeune public": Category.CHILDREN,
    "cinéma": Category.CINEMA, "lecture": Category.READING, "atelier": Category.WORKSHOP,
}


def _details_from_feed(item: ical.FeedItem, publisher: Publisher) -> EventDetails:
    first = item.timings[0]
    return EventDetails(
        language=publisher.language, texts={publisher.language: (item.title, item.description)},
        start=first.start, end=first.end, place_name=item.location or publisher.name,
        venue=publisher.venue, neighbourhood=publisher.venue.neighbourhood if publisher.venue
        else None, registration_url=item.url if item.url.startswith("http") else "",
        categories=sorted({CATEGORY_WORDS[w] for w in item.categories if w in CATEGORY_WORDS}))


@transaction.atomic
def _import_item(publisher: Publisher, item: ical.FeedItem, at: datetime,
                 report: ImportReport) -> None:
    event = Event.objects.select_for_update().filter(publisher=publisher, uid=item.uid).first()
    details = _details_from_feed(item, publisher)
    if event is None:
        event = publish_event(publisher=publisher, details=details, actor=None, at=at,
                              uid=item.uid, timings=item.timings)
        report.added.append(item.title)
        if item.cancelled:
            change_status(event=event, status=Status.CANCELLED, actor=None, at=at)
        return
    was_missing = event.missing_from_feed_since is not None
    _write_event(event, details, at)
    moved = _write_occurrences(event, item.timings)
    if was_missing:
        event.missing_from_feed_since = None
        event.save(update_fields=["missing_from_feed_since"])
    if item.cancelled and event.status != Status.CANCELLED:
        change_status(event=event, status=Status.CANCELLED, actor=None, at=at)
        report.cancelled.append(item.title)
        return
    if not item.cancelled and event.status == Status.CANCELLED:
        change_status(event=event, status=Status.SCHEDULED, actor=None, at=at)
    elif moved:
        event.revision += 1
        event.save(update_fields=["revision"])
        announce(event, "moved")
    if moved or was_missing:
        report.changed.append(item.title)


def import_calendar(*, publisher: Publisher, text: str, at: datetime,
                    dry_run: bool = False) -> ImportReport:
    """Upsert the feed's events by UID: new ones added, changed ones updated, those cancelled
    in the feed or gone from it cancelled. Each event is its own transaction: a bad one is
    reported and the others kept. `dry_run` reports without writing."""
    parsed = ical.parse_feed(text, start=at - timedelta(days=1), end=horizon(at))
    report = ImportReport(problems=list(parsed.problems))
    seen = set()
    for item in parsed.items:
        seen.add(item.uid)
        if not item.timings:
            continue  # entirely in the past or beyond the horizon
        if dry_run:
            exists = Event.objects.filter(publisher=publisher, uid=item.uid).exists()
            (report.changed if exists else report.added).append(item.title)
            continue
        try:
            _import_item(publisher, item, at, report)
        except (InvalidInput, EventInThePast) as error:
            report.problems.append(f"{item.uid}: {error.text()} {error.fields or ''}".strip())
    gone = (Event.objects.filter(publisher=publisher, missing_from_feed_since__isnull=True)
            .exclude(uid__in=seen).exclude(status=Status.CANCELLED)
            .exclude(source_event_id__isnull=False))
    if not parsed.items and parsed.problems:
        return report  # an unreadable feed is no reason to cancel anything
    for event in gone:
        if event.occurrences.filter(end__gte=at).exists():
            report.cancelled.append(str(event.texts.filter(language=event.language)
                                        .values_list("title", flat=True).first() or event.uid))
            if not dry_run:
                with transaction.atomic():
                    Event.objects.filter(pk=event.pk).update(missing_from_feed_since=at)
                    change_status(event=event, status=Status.CANCELLED, actor=None, at=at)
    return report


MAX_FEED_BYTES = 5 * 1024 * 1024


def fetch_calendar(url: str) -> str:
    """The text of a feed at `url` (http, https or file); raises FeedUnreadable."""
    if not url.startswith(("http://", "https://")):
        raise FeedUnreadable(reason=_("the address must start with http:// or https://"))
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (scheme checked)
            data = response.read(MAX_FEED_BYTES + 1)
    except OSError as error:
        raise FeedUnreadable(reason=str(error)[:200]) from error
    if len(data) > MAX_FEED_BYTES:
        raise FeedUnreadable(reason=_("the file is larger than 5 MB"))
    return data.decode("utf-8", errors="replace")


def read_feed(*, publisher: Publisher, at: datetime) -> ImportReport:
    """Read a publisher's feed on schedule. A feed that cannot be fetched keeps its events and
    marks the publisher as failing since that time."""
    try:
        text = fetch_calendar(publisher.feed_url)
    except FeedUnreadable as error:
        Publisher.objects.filter(pk=publisher.pk, feed_failing_since__isnull=True).update(
            feed_failing_since=at)
        Publisher.objects.filter(pk=publisher.pk).update(feed_error=error.text())
        return ImportReport(problems=[error.text()])
    report = import_calendar(publisher=publisher, text=text, at=at)
    Publisher.objects.filter(pk=publisher.pk).update(
        feed_read_at=at, feed_failing_since=None, feed_error="\n".join(report.problems)[:4000])
    return report
