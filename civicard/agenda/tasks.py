"""Delivery through the task worker. Publishing enqueues `fan_out`, which writes one Alert row
per follower and channel in batches (the unique key makes a second fan-out write nothing) and
enqueues `deliver_alerts` per batch. Delivery claims pending rows, sends each channel's batch
over one connection, and records every failure; a failed alert is retried later with back-off."""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core import mail
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from civicard.agenda import alerts
from civicard.agenda.models import Alert, AlertSettings, Channel, Event
from civicard.core import clock
from civicard.notifications.models import PushSubscription
from civicard.notifications.operations import absolute_url, write_to_inboxes
from civicard.notifications.sentences import write
from civicard.people.models import Person
from civicard.providers import push


def _batches(items: list, size: int):
    """Runs of `size` ids of a sorted list. A delivery task finds its batch's alerts by the
    run's first and last ids, a range the unique index answers; a list of 1,000 ids in a
    prepared statement's generic plan was compared with every alert of the event instead
    (1.9 s a batch at 100,000 followers, bench/agenda.py)."""
    for index in range(0, len(items), size):
        yield items[index:index + size]


def _people(person_ids: list[int]) -> dict[int, Person]:
    return {person.pk: person for person in Person.objects.filter(
        pk__in=person_ids, erased_at__isnull=True).select_related("user")}


def email_of(person: Person) -> str:
    return person.email or (person.user.email if person.user_id else "")


def create_alerts(person_ids: list[int], *, reason: str, at, event: Event | None = None,
                  revision: int = 0, month: date | None = None) -> None:
    """Write the alerts of one batch of people about an event's revision or a month's free
    entries (those already written are left as they are)."""
    people = _people(person_ids)
    found = {s.person_id: s for s in AlertSettings.objects.filter(person_id__in=person_ids)}
    with_push = set(PushSubscription.objects.filter(person_id__in=person_ids)
                    .values_list("person_id", flat=True))
    rows = []
    for person_id, person in people.items():
        for plan in alerts.plans_for(found.get(person_id), reason=reason,
                                     has_email=bool(email_of(person)),
                                     has_push=person_id in with_push, at=at):
            rows.append(Alert(person_id=person_id, channel=plan.channel, event=event,
                              revision=revision, month=month, reason=reason,
                              not_before=plan.not_before,
                              status=Alert.Status.DIGEST if plan.digest else Alert.Status.PENDING,
                              created_at=at))
    Alert.objects.bulk_create(rows, ignore_conflicts=True)


@task()
def fan_out(event_id: int, revision: int, reason: str) -> int:
    """Alerts for everyone who follows the event or one of its topics; returns how many
    people were considered."""
    event = Event.objects.select_related("publisher").filter(pk=event_id).first()
    if event is None or event.revision != revision or event.review != Event.Review.PUBLISHED:
        return 0  # a newer change has its own fan-out
    at = clock.now()
    person_ids = alerts.follower_ids(event)
    for batch in _batches(person_ids, settings.CIVICARD_AGENDA_BATCH_SIZE):
        with transaction.atomic():
            create_alerts(batch, event=event, revision=revision, reason=reason, at=at)
            transaction.on_commit(lambda batch=batch: deliver_event_alerts.enqueue(
                event_id, revision, batch[0], batch[-1]))
    return len(person_ids)


class Renderer:
    """Each alert's words: an event's kept language-neutral once per (event, reason); all
    written out once per (event or month, reason, language) in a batch."""

    def __init__(self, at):
        self.at, self.cache, self.events, self.words, self.venues = at, {}, {}, {}, None

    def event(self, event_id):
        if event_id not in self.events:
            self.events[event_id] = (Event.objects.prefetch_related("texts")
                                     .select_related("publisher").get(pk=event_id))
        return self.events[event_id]

    def neutral(self, alert: Alert) -> tuple:
        """(subject, body, params, url), as the inbox keeps them."""
        key = (alert.event_id, alert.reason)
        if key not in self.words:
            event = self.event(alert.event_id)
            self.words[key] = (*alerts.event_alert(event, alert.reason, self.at),
                               alerts.event_url(event))
        return self.words[key]

    def __call__(self, alert: Alert, language: str) -> tuple[str, str, str]:
        key = (alert.event_id or alert.month, alert.reason, language)
        if key not in self.cache and alert.event_id is None:
            if self.venues is None:
                self.venues = alerts.venues_open_this_week(timezone.localdate(self.at))
            subject, body = alerts.render_reminder(alert.month, self.venues, language)
            self.cache[key] = (subject, body, reverse("benefits:mine"))
        if key not in self.cache:
            subject, body, params, url = self.neutral(alert)
            self.cache[key] = (write(subject, params, language)[:200],
                               write(body, params, language), url)
        return self.cache[key]


def _fail(alert: Alert, error: str, at) -> None:
    alert.attempts += 1
    alert.last_error = error[:2000]
    if alert.attempts >= settings.CIVICARD_DELIVERY_MAX_ATTEMPTS:
        alert.status = Alert.Status.FAILED
    else:  # back-off: 1, 2, 4, 8… times the retry delay
        alert.not_before = at + timedelta(
            seconds=settings.CIVICARD_DELIVERY_RETRY_SECONDS * 2 ** (alert.attempts - 1))
    alert.save(update_fields=["attempts", "last_error", "status", "not_before"])


class _Letter(mail.EmailMessage):
    """An alert's e-mail. The readers of one language read the same words: over one connection
    the MIME message (its encoded subject and body) is built once per words, and only its To,
    Date and Message-ID are written again for each reader."""

    def __init__(self, *args, built: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.built = built

    def message(self):
        key = (self.subject, self.body, self.from_email)
        found = self.built.get(key)
        if found is None:
            found = self.built[key] = super().message()
            return found
        for name in ("To", "Date", "Message-ID"):
            del found[name]
        found["To"] = ", ".join(self.to)
        found["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        found["Message-ID"] = make_msgid(domain=DNS_NAME)
        return found


def _send_over_one_connection(items) -> tuple[list[int], list[tuple]]:
    """Send `items` over one SMTP connection: (sent alert ids, [(alert, error)]). Touches no
    database row, so that several can run at once beside the delivery's transaction."""
    sent, failed, built = [], [], {}
    connection = mail.get_connection()
    try:
        connection.open()
    except OSError as error:
        return sent, [(alert, f"{type(error).__name__}: {error}") for alert, _p, _w in items]
    try:
        for alert, person, (subject, body, url) in items:
            message = _Letter(subject, f"{body}\n\n{absolute_url(url)}",
                              to=[email_of(person)], connection=connection, built=built)
            try:
                message.send()
            except Exception as error:  # any transport failure is recorded and retried
                failed.append((alert, f"{type(error).__name__}: {error}"))
            else:
                sent.append(alert.pk)
    finally:
        connection.close()
    return sent, failed


def _send_emails(items, at) -> list[int]:
    """A batch's e-mails over up to CIVICARD_SMTP_CONNECTIONS connections at once (each
    carrying at least CIVICARD_SMTP_MESSAGES_PER_CONNECTION messages): one worker process then
    waits for several SMTP replies at a time instead of one. Failures are recorded afterwards,
    in this thread and transaction."""
    share = settings.CIVICARD_SMTP_MESSAGES_PER_CONNECTION
    count = max(1, min(settings.CIVICARD_SMTP_CONNECTIONS, len(items) // share))
    parts = [items[index::count] for index in range(count)]
    if count == 1:
        results = [_send_over_one_connection(items)]
    else:
        with ThreadPoolExecutor(max_workers=count) as pool:
            results = list(pool.map(_send_over_one_connection, parts))
    sent = []
    for done, failed in results:
        sent += done
        for alert, error in failed:
            _fail(alert, error, at)
    return sent


def _send_pushes(items, at) -> list[int]:
    sent, provider = [], push.provider()
    for alert, person, (subject, body, url) in items:
        errors = []
        for subscription in PushSubscription.objects.filter(person=person):
            result = provider.send(subscription, {"title": subject, "body": body, "url": url})
            if result.gone:
                subscription.delete()
            elif not result.delivered:
                errors.append(result.error or str(result.status))
        if errors:
            _fail(alert, "; ".join(errors), at)
        else:
            sent.append(alert.pk)
    return sent


def _write_inboxes(items, at) -> list[int]:
    """In the inbox an event's alert keeps its words language-neutral; a digest's lines and the
    monthly reminder stay as written."""
    neutral = Renderer(at).neutral
    write_to_inboxes([(person.addressee, *((subject, body, None, url)
                                           if alert.status == Alert.Status.DIGEST
                                           or alert.event_id is None else neutral(alert)))
                      for alert, person, (subject, body, url) in items], kind="agenda", at=at)
    return [alert.pk for alert, _person, _words in items]


SENDERS = {Channel.EMAIL: _send_emails, Channel.PUSH: _send_pushes,
           Channel.IN_APP: _write_inboxes}


@task()
def deliver_event_alerts(event_id: int, revision: int, first_person_id: int,
                         last_person_id: int) -> int:
    """Send the due pending alerts of one fan-out batch; returns how many were sent."""
    return _deliver(Alert.objects.filter(event_id=event_id, revision=revision,
                                         person_id__gte=first_person_id,
                                         person_id__lte=last_person_id))


@task()
def deliver_alerts(alert_ids: list[int]) -> int:
    """Send the due pending alerts among `alert_ids`; returns how many were sent."""
    return _deliver(Alert.objects.filter(pk__in=alert_ids))


def _deliver(alerts_to_send) -> int:
    at = clock.now()
    with transaction.atomic():
        claimed = list(alerts_to_send.select_for_update(skip_locked=True)
                       .filter(status=Alert.Status.PENDING, not_before__lte=at).order_by("pk"))
        people = _people([alert.person_id for alert in claimed])
        render, by_channel, sent = Renderer(at), defaultdict(list), []
        for alert in claimed:
            person = people.get(alert.person_id)
            if person is None:  # erased since: nothing to send
                _fail(alert, "erased", at)
                continue
            by_channel[alert.channel].append((alert, person, render(alert, person.language)))
        for channel, items in by_channel.items():
            sent += SENDERS[channel](items, at)
        Alert.objects.filter(pk__in=sent).update(status=Alert.Status.SENT, sent_at=at,
                                                 attempts=F("attempts") + 1)
    return len(sent)


@task()
def remind_free_entries(month: str) -> int:
    """The reminder "your free entries for <month> are ready" to every holder who allows it,
    once per person and channel (a second run writes nothing); returns how many people."""
    first = date.fromisoformat(month).replace(day=1)
    at = clock.now()
    person_ids = alerts.reminder_recipient_ids(first)
    for batch in _batches(person_ids, settings.CIVICARD_AGENDA_BATCH_SIZE):
        with transaction.atomic():
            create_alerts(batch, reason=Alert.FREE_ENTRIES, month=first, at=at)
            transaction.on_commit(lambda batch=batch: deliver_reminders.enqueue(
                first.isoformat(), batch[0], batch[-1]))
    return len(person_ids)


@task()
def deliver_reminders(month: str, first_person_id: int, last_person_id: int) -> int:
    """Send the due free-entries reminders of one batch; returns how many were sent."""
    return _deliver(Alert.objects.filter(event__isnull=True, month=date.fromisoformat(month),
                                         person_id__gte=first_person_id,
                                         person_id__lte=last_person_id))


@task()
def deliver_due() -> int:
    """Alerts whose quiet hours or back-off are over; scheduled every few minutes."""
    at = clock.now()
    ids = list(Alert.objects.filter(status=Alert.Status.PENDING, not_before__lte=at)
               .order_by("pk").values_list("pk", flat=True)[:50_000])
    for batch in _batches(ids, settings.CIVICARD_AGENDA_BATCH_SIZE):
        deliver_alerts.enqueue(batch)
    return len(ids)


@task()
def send_digests(rhythm: str) -> int:
    """One message per person and channel gathering their alerts kept for the digest."""
    at = clock.now()
    person_ids = list(AlertSettings.objects.filter(rhythm=rhythm).values_list("person_id",
                                                                             flat=True))
    count = 0
    for batch in _batches(person_ids, settings.CIVICARD_AGENDA_BATCH_SIZE):
        with transaction.atomic():
            kept = list(Alert.objects.select_for_update().filter(
                person_id__in=batch, status=Alert.Status.DIGEST).order_by("pk"))
            people = _people(batch)
            groups = defaultdict(list)
            for alert in kept:
                groups[(alert.person_id, alert.channel)].append(alert)
            render = Renderer(at)
            for (person_id, channel), items in groups.items():
                person = people.get(person_id)
                if person is None:
                    continue
                lines = []
                for alert in items:
                    subject, _body, url = render(alert, person.language)
                    lines.append(f"{subject} {absolute_url(url)}")
                subject, body = alerts.render_digest(lines, person.language)
                words = (subject, body, "/agenda/")
                if SENDERS[channel]([(items[0], person, words)], at):
                    Alert.objects.filter(pk__in=[a.pk for a in items]).update(
                        status=Alert.Status.SENT, sent_at=at)
                    count += 1
    return count
