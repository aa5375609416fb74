import threading

import pytest
from django.db import connection

from civicard.core.models import AuditLogEntry
from civicard.moderation import operations
from civicard.moderation.models import ContentReport
from civicard.mutualaid.models import Post

from .conftest import AT


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_hide_the_post_once(postgres_only, people, make_post):
    post = make_post(people["rosa"])
    reporters = [people[name] for name in ("paul", "lea", "omar", "zoe")]
    barrier = threading.Barrier(len(reporters))
    errors = []

    def report(user):
        try:
            barrier.wait()
            operations.report_content(kind="post", object_id=post.pk, reporter=user.person,
                                      reason="spam", note="", actor=user, at=AT)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(user,)) for user in reporters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ContentReport.objects.filter(object_id=post.pk).count() == 4
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert AuditLogEntry.objects.filter(action="moderation.auto_hidden").count() == 1
