"""Notices to people: an inbox entry and an e-mail, in the reader's language, sent in the
background; a failed delivery is recorded and retried, never blocking the request."""

from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format, time_format

from civicard.core import clock
from civicard.notifications.addressee import Addressee
from civicard.notifications.models import Delivery, Notification, PushSubscription
from civicard.territory.queries import Name, local_name


def absolute_url(path: str) -> str:
    return f"{settings.CIVICARD_BASE_URL}{path}"


def _render(text, params: dict | None, language: str) -> str:
    """The text in `language`; a date or time parameter written the language's way."""
    with translation.override(language):
        text = str(text)
        return text % {name: _written(value) for name, value in params.items()} if params else text


def _written(value):
    if isinstance(value, Name):
        return local_name(value)
    if isinstance(value, datetime):
        return date_format(value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, time):
        return time_format(value, "TIME_FORMAT")
    return value


def _queue(delivery: Delivery) -> None:
    from civicard.notifications.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(delivery.pk))


def notify(*, to: Addressee, kind: str, subject, body, params: dict | None = None,
           url: str = "", at: datetime | None = None) -> Notification:
    """Write `subject`/`body` (lazy translatable strings with %(name)s placeholders) to the
    addressee's inbox in their language, and e-mail it if they have an address."""
    at = at or clock.now()
    notification = write_to_inbox(to=to, kind=kind, subject=subject, body=body, params=params,
                                  url=url, at=at)
    if to.email:
        delivery = Delivery.objects.create(
            notification=notification, to=to.email, subject=notification.subject,
            body=notification.body + (f"\n\n{absolute_url(url)}" if url else ""),
            created_at=at,
        )
        _queue(delivery)
    return notification


def write_to_inbox(*, to: Addressee, kind: str, subject, body, params: dict | None = None,
                   url: str = "", at: datetime) -> Notification:
    """Only the inbox entry, in the addressee's language (for callers that choose the
    channels)."""
    return Notification.objects.create(
        person_id=to.person_id, kind=kind, language=to.language, url=url, created_at=at,
        subject=_render(subject, params, to.language), body=_render(body, params, to.language),
    )


def write_to_inboxes(entries: list[tuple[Addressee, str, str, str]], *, kind: str,
                     at: datetime) -> None:
    """Many inbox entries at once, already written in each addressee's language:
    (addressee, subject, body, url)."""
    Notification.objects.bulk_create(
        Notification(person_id=to.person_id, kind=kind, language=to.language,
                     subject=subject[:200], body=body, url=url, created_at=at)
        for to, subject, body, url in entries)


def subscribe_to_push(*, person_id: int, endpoint: str, p256dh: str, auth: str,
                      at: datetime) -> PushSubscription:
    """Keep a device's subscription; the same endpoint subscribed again moves to this person."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"person_id": person_id, "p256dh": p256dh, "auth": auth,
                                     "created_at": at})
    return subscription


def forget_push_subscriptions(*, person_id: int) -> int:
    deleted, _details = PushSubscription.objects.filter(person_id=person_id).delete()
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


def mark_read(*, person, notification_id: int, at: datetime) -> int:
    return Notification.objects.filter(person=person, pk=notification_id,
                                       read_at__isnull=True).update(read_at=at)
