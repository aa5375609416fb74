from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks import task

from civicard.core import clock
from civicard.notifications.models import Delivery


def written_out(delivery: Delivery) -> tuple[str, str]:
    """Subject and body in the addressee's language now (the one they had when it was written,
    for an address that is not a person's), with the link at the end."""
    person = delivery.notification.person if delivery.notification_id else None
    language = person.addressee.language if person is not None else delivery.language
    body = delivery.body_in(language)
    return delivery.subject_in(language), f"{body}\n\n{delivery.link}" if delivery.link else body


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery; on failure record why and try again later, up to a limit."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",))
                    .select_related("notification__person__user")
                    .filter(pk=delivery_id, status=Delivery.Status.PENDING).first())
        if delivery is None:
            return "nothing to do"
        delivery.attempts += 1
        try:
            subject, body = written_out(delivery)
            message = EmailMessage(subject, body, None, [delivery.to])
            if delivery.attachment_name:
                message.attach(delivery.attachment_name, delivery.attachment,
                               delivery.attachment_type)
            message.send()
        except Exception as error:  # any transport failure is recorded and retried
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            if delivery.attempts >= settings.CIVICARD_DELIVERY_MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
            if delivery.status == Delivery.Status.PENDING and deliver.get_backend().supports_defer:
                retry_at = clock.now() + timedelta(
                    seconds=settings.CIVICARD_DELIVERY_RETRY_SECONDS * delivery.attempts)
                transaction.on_commit(
                    lambda: deliver.using(run_after=retry_at).enqueue(delivery_id))
            return "failed"
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = clock.now()
        delivery.save(update_fields=["attempts", "status", "sent_at"])
        return "sent"
