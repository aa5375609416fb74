"""Two workers racing on the same alerts (a retried task, two worker processes): every alert is
sent once. Real connections on PostgreSQL."""

import threading

import pytest
from django.core import mail
from django.db import connection

from civicard.agenda import tasks
from civicard.agenda.models import Alert, Follow
from civicard.core import clock
from civicard.notifications.models import Notification

from .conftest import AT


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_batch_send_each_alert_once(postgres_only, publish,
                                                                     follower):
    event = publish()  # followed by nobody yet: its own fan-out finds no one
    readers = [follower(f"reader{n}@example.org") for n in range(30)]
    assert Follow.objects.count() == 30
    with clock.frozen(AT):
        tasks.create_alerts([p.pk for p in readers], event=event, revision=event.revision,
                            reason="published", at=AT)
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def worker():
        try:
            barrier.wait()
            with clock.frozen(AT):
                sent.append(tasks.deliver_event_alerts.call(event.pk, event.revision,
                                                            readers[0].pk, readers[-1].pk))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 60  # 30 e-mails and 30 inbox entries, between the two workers
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"reader{n}@example.org"
                                                          for n in range(30))
    assert Notification.objects.count() == 30
    assert Alert.objects.exclude(status="sent").count() == 0
