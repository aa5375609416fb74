"""Notices to people: an inbox entry and an e-mail, in the reader's language, sent in the
background; a failed delivery is recorded and retried, never blocking the request."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation

from civicard.core import clock
from civicard.notifications.models import Delivery, Notification, PushSubscription
from civicard.people.models import Person


def absolute_url(path: str) -> str:
    return f"{settings.CIVICARD_BASE_URL}{path}"


def _render(text, params: dict | None, language: str) -> str:
    with translation.override(language):
        text = str(text)
        return text % params if params else text


def _queue(delivery: Delivery) -> None:
    from civicard.notifications.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(delivery.pk))


def notify(*, person: Person, kind: str, subject, body, params: dict | None = None,
           url: str = "", at: datetime | None = None) -> Notification:
    """Write `subject`/`body` (lazy translatable strings with %(name)s placeholders) to the
    person's inbox in their language, and e-mail it if they have an address."""
    at = at or clock.now()
    notification = write_to_inbox(person=person, kind=kind, subject=subject, body=body,
                                  params=params, url=url, at=at)
    email = person.email or (person.user.email if person.user_id else "")
    if email and not person.erased_at:
        delivery = Delivery.objects.create(
            notification=notification, to=email, subject=notification.subject,
            body=notification.body + (f"\n\n{absolute_url(url)}" if url else ""),
            created_at=at,
        )
        _queue(delivery)
    return notification


def write_to_inbox(*, person: Person, kind: str, subject, body, params: dict | None = None,
                   url: str = "", at: datetime) -> Notification:
    """Only the inbox entry, in the person's language (for callers that choose the channels)."""
    language = person.language
    return Notification.objects.create(
        person=person, kind=kind, language=language, url=url, created_at=at,
        subject=_render(subject, params, language), body=_render(body, params, language),
    )


def write_to_inboxes(entries: list[tuple[Person, str, str, str]], *, kind: str,
                     at: datetime) -> None:
    """Many inbox entries at once, already written in each person's language:
    (person, subject, body, url)."""
    Notification.objects.bulk_create(
        Notification(person=person, kind=kind, language=person.language, subject=subject[:200],
                     body=body, url=url, created_at=at)
        for person, subject, body, url in entries)


def subscribe_to_push(*, person: Person, endpoint: str, p256dh: str, auth: str,
                      at: datetime) -> PushSubscription:
    """Keep a device's subscription; the same endpoint subscribed again moves to this person."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"person": person, "p256dh": p256dh, "auth": auth,
                                     "created_at": at})
    return subscription


def forget_push_subscriptions(*, person: Person) -> int:
    deleted, _details = PushSubscription.objects.filter(person=person).delete()
    return deleted


def send_email(*, to: str, language: str, subject, body, params: dict | None = None,
               at: datetime | None = None) -> Delivery:
    """An e-mail to an address that is not (yet) a person, e.g. an invitation."""
    delivery = Delivery.objects.create(
        to=to, subject=_render(subject, params, language), body=_render(body, params, language),
        created_at=at or clock.now(),
    )
    _queue(delivery)
    return delivery


def send_rendered_email(*, to: str, subject: str, body: str) -> Delivery:
    """An e-mail already rendered by a library (allauth's confirmation and reset mails)."""
    delivery = Delivery.objects.create(to=to, subject=subject[:200], body=body,
                                       created_at=clock.now())
    _queue(delivery)
    return delivery


def mark_read(*, person: Person, notification_id: int, at: datetime) -> int:
    return Notification.objects.filter(person=person, pk=notification_id,
                                       read_at__isnull=True).update(read_at=at)
