import pytest

from civicard.core.models import AuditLogEntry
from civicard.moderation import operations
from civicard.moderation.models import ContentReport
from civicard.mutualaid.models import Post
from tests.races import race

from .conftest import AT


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_hide_the_post_once(postgres_only, people, make_post):
    post = make_post(people["rosa"])
    reporters = [people[name] for name in ("paul", "lea", "omar", "zoe")]

    def report(index):
        user = reporters[index]
        return operations.report_content(kind="post", object_id=post.pk,
                                         reporter=user.person, reason="spam", note="",
                                         actor=user, at=AT).pk

    assert len(set(race(len(reporters), report))) == 4
    assert ContentReport.objects.filter(object_id=post.pk).count() == 4
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert AuditLogEntry.objects.filter(action="moderation.auto_hidden").count() == 1
