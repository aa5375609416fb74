"""Notices to people: an inbox entry and an e-mail, sent in the background; a failed delivery
is recorded and retried, never blocking the request. Their words are stored language-neutral
(see sentences.py): the inbox reads them in the reader's language of the moment, an e-mail is
written in the addressee's language when it is sent."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation

from civicard.core import clock
from civicard.notifications import sentences
from civicard.notifications.addressee import Addressee, Attachment
from civicard.notifications.models import Delivery, Notification, PushSubscription


def absolute_url(path: str) -> str:
    return f"{settings.CIVICARD_BASE_URL}{path}"


def _words(subject, body, params: dict | None, language: str) -> dict:
    """The fields of `Words`: each of subject and body as a sentence code with the shared
    parameters, or, when it is plain text, written out now in `language`."""
    fields = {"language": language, "params": sentences.encode(params, language)}
    for part, text in (("subject", subject), ("body", body)):
        sentence = sentences.Sentence.of(text)
        if sentence is None:
            fields[f"written_{part}"] = sentences.write(text, params, language)
        else:
            fields[f"{part}_code"] = sentence.as_json()
    fields["written_subject"] = fields.get("written_subject", "")[:200]
    return fields


def _queue(delivery: Delivery) -> None:
    from civicard.notifications.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(delivery.pk))


def notify(*, to: Addressee, kind: str, subject, body, params: dict | None = None,
           url: str = "", at: datetime | None = None,
           attachment: Attachment | None = None) -> Notification:
    """Write `subject`/`body` (lazy translatable strings with %(name)s placeholders) to the
    addressee's inbox, and e-mail it, with `attachment` if any, if they have an address."""
    at = at or clock.now()
    notification = write_to_inbox(to=to, kind=kind, subject=subject, body=body, params=params,
                                  url=url, at=at)
    if to.email:
        delivery = Delivery.objects.create(
            notification=notification, to=to.email, link=absolute_url(url) if url else "",
            created_at=at, **_words(subject, body, params, to.language),
            **({"attachment_name": attachment.name, "attachment_type": attachment.mimetype,
                "attachment": attachment.text} if attachment else {}))
        _queue(delivery)
    return notification


def write_to_inbox(*, to: Addressee, kind: str, subject, body, params: dict | None = None,
                   url: str = "", at: datetime) -> Notification:
    """Only the inbox entry (for callers that choose the channels)."""
    return Notification.objects.create(person_id=to.person_id, kind=kind, url=url, created_at=at,
                                       **_words(subject, body, params, to.language))


def write_to_inboxes(entries: list[tuple[Addressee, object, object, dict | None, str]], *,
                     kind: str, at: datetime) -> None:
    """Many inbox entries at once: (addressee, subject, body, params, url), the words as
    `notify` takes them."""
    Notification.objects.bulk_create(
        Notification(person_id=to.person_id, kind=kind, url=url, created_at=at,
                     **_words(subject, body, params, to.language))
        for to, subject, body, params, url in entries)


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
    """An e-mail to an address that is not (yet) a person, e.g. an invitation, written in
    `language` when sent."""
    delivery = Delivery.objects.create(to=to, created_at=at or clock.now(),
                                       **_words(subject, body, params, language))
    _queue(delivery)
    return delivery


def send_rendered_email(*, to: str, subject: str, body: str) -> Delivery:
    """An e-mail already rendered by a library (allauth's confirmation and reset mails)."""
    delivery = Delivery.objects.create(
        to=to, language=translation.get_language() or settings.LANGUAGE_CODE,
        written_subject=subject[:200], written_body=body, created_at=clock.now())
    _queue(delivery)
    return delivery


def mark_read(*, person, notification_id: int, at: datetime) -> int:
    return Notification.objects.filter(person=person, pk=notification_id,
                                       read_at__isnull=True).update(read_at=at)
