from datetime import timedelta

import pytest

from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.models import AuditLogEntry
from civicard.moderation import operations, queries
from civicard.moderation.exceptions import (
    AlreadyAppealed,
    AppealAlreadyDecided,
    NotYourDecision,
    OwnContent,
    SameModerator,
    SelfModeration,
)
from civicard.moderation.models import ContentReport, Decision, ModerationSettings
from civicard.mutualaid import operations as aid
from civicard.mutualaid.exceptions import SanctionInForce
from civicard.mutualaid.models import Message, News, Post
from civicard.notifications.models import Notification

from .conftest import AT

pytestmark = pytest.mark.django_db


def report(post, user, reason="spam"):
    return operations.report_content(kind="post", object_id=post.pk, reporter=user.person,
                                     reason=reason, note="", actor=user, at=AT)


def test_auto_hide_counts_distinct_reporters(people, make_post):
    post = make_post(people["rosa"])
    report(post, people["paul"])
    report(post, people["paul"], "fraud")  # the same person again changes nothing
    report(post, people["lea"])
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN
    assert ContentReport.objects.filter(object_id=post.pk).count() == 2
    report(post, people["omar"])
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert AuditLogEntry.objects.filter(action="moderation.auto_hidden").count() == 1
    assert queries.queue(people["moderator"])["reported"][0]["reports"] == 3


def test_threshold_is_configurable_and_own_content_not_reportable(people, make_post, territory):
    ModerationSettings.objects.create(territory=territory, auto_hide_threshold=1)
    post = make_post(people["rosa"])
    with pytest.raises(OwnContent):
        report(post, people["rosa"])
    report(post, people["paul"])
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN


def test_private_message_can_be_reported_only_by_a_participant(people, make_post):
    post = make_post(people["rosa"])
    conversation = aid.start_conversation(post=post, person=people["paul"].person,
                                          body="you idiot", actor=people["paul"], at=AT)
    message = conversation.messages.get()
    from civicard.core.errors import NotFound

    with pytest.raises(NotFound):
        operations.report_content(kind="message", object_id=message.pk,
                                  reporter=people["lea"].person, reason="insult", note="",
                                  actor=people["lea"], at=AT)
    operations.report_content(kind="message", object_id=message.pk,
                              reporter=people["rosa"].person, reason="insult", note="",
                              actor=people["rosa"], at=AT)
    operations.decide(kind="message", object_id=message.pk, action="hide",
                      justification="Insult", actor=people["moderator"], at=AT)
    assert Message.objects.get(pk=message.pk).hidden_at == AT
    assert AuditLogEntry.objects.filter(action="moderation.hide").count() == 1


def test_decide_requires_the_role_a_justification_and_never_own_content(people, make_post,
                                                                          make_household, hoods):
    post = make_post(people["rosa"])
    with pytest.raises(PermissionRefused):
        operations.decide(kind="post", object_id=post.pk, action="hide", justification="x",
                          actor=people["paul"], at=AT)
    with pytest.raises(InvalidInput):
        operations.decide(kind="post", object_id=post.pk, action="hide", justification=" ",
                          actor=people["moderator"], at=AT)
    own = make_post(people["moderator"])
    with pytest.raises(SelfModeration):
        operations.decide(kind="post", object_id=own.pk, action="hide", justification="mine",
                          actor=people["moderator"], at=AT)
    with pytest.raises(SelfModeration):
        operations.decide(kind="profile", object_id=people["moderator"].person.pk,
                          action="warn", justification="me", actor=people["moderator"], at=AT)
    assert Decision.objects.count() == 0
    post.refresh_from_db()
    own.refresh_from_db()
    assert (post.status, own.status) == (Post.Status.OPEN, Post.Status.OPEN)


def test_hide_restore_warn_suspend_ban_tell_the_author(people, make_post):
    post = make_post(people["rosa"])
    report(post, people["paul"])
    operations.decide(kind="post", object_id=post.pk, action="hide", justification="Advert",
                      actor=people["moderator"], at=AT)
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert ContentReport.objects.get().resolved_at == AT
    notice = Notification.objects.filter(person=people["rosa"].person,
                                         kind="moderation.decision").get()
    assert "hid your content" in notice.body and "Advert" in notice.body
    operations.decide(kind="post", object_id=post.pk, action="restore", justification="OK",
                      actor=people["moderator2"], at=AT)
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN
    with pytest.raises(InvalidInput):
        operations.decide(kind="profile", object_id=people["rosa"].person.pk,
                          action="suspend", justification="Rude", until=AT,
                          actor=people["moderator"], at=AT)
    operations.decide(kind="profile", object_id=people["rosa"].person.pk, action="suspend",
                      justification="Rude", until=AT + timedelta(days=7),
                      actor=people["moderator"], at=AT)
    with pytest.raises(SanctionInForce):
        aid.create_post(author=people["rosa"].person, kind="offer", category=post.category,
                        title="t", description="d", neighbourhood=post.neighbourhood,
                        availability="", language="en", actor=people["rosa"], at=AT)
    assert queries.sanction_in_force(people["rosa"].person,
                                     at=AT + timedelta(days=8)) is None
    operations.decide(kind="profile", object_id=people["omar"].person.pk, action="ban",
                      justification="Fraud", actor=people["moderator"], at=AT)
    assert queries.sanction_in_force(people["omar"].person, at=AT + timedelta(days=999))
    actions = set(AuditLogEntry.objects.filter(action__startswith="moderation.")
                  .values_list("action", flat=True))
    assert {"moderation.hide", "moderation.restore", "moderation.suspend",
            "moderation.ban"} <= actions


def test_held_post_is_published_by_a_moderator(people, make_post, territory):
    ModerationSettings.objects.create(territory=territory, held_words="bitcoin")
    post = make_post(people["rosa"], title="Bitcoin help")
    assert [p["pk"] for p in queries.queue(people["moderator"])["held"]] == [post.pk]
    operations.decide(kind="post", object_id=post.pk, action="publish",
                      justification="Harmless", actor=people["moderator"], at=AT)
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN


def test_appeal_once_and_decided_by_another_moderator(people, make_post):
    post = make_post(people["rosa"])
    decision = operations.decide(kind="post", object_id=post.pk, action="hide",
                                 justification="Looks like spam", actor=people["moderator"],
                                 at=AT)
    with pytest.raises(NotYourDecision):
        operations.appeal(decision=decision, person=people["paul"].person, text="x",
                          actor=people["paul"], at=AT)
    made = operations.appeal(decision=decision, person=people["rosa"].person,
                             text="It is a real offer", actor=people["rosa"], at=AT)
    with pytest.raises(AlreadyAppealed):
        operations.appeal(decision=decision, person=people["rosa"].person, text="again",
                          actor=people["rosa"], at=AT)
    with pytest.raises(SameModerator):
        operations.decide_appeal(appeal=made, outcome="overturned", note="ok",
                                 actor=people["moderator"], at=AT)
    with pytest.raises(PermissionRefused):
        operations.decide_appeal(appeal=made, outcome="overturned", note="ok",
                                 actor=people["paul"], at=AT)
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    operations.decide_appeal(appeal=made, outcome="overturned", note="A genuine offer",
                             actor=people["moderator2"], at=AT)
    post.refresh_from_db()
    decision.refresh_from_db()
    assert post.status == Post.Status.OPEN and decision.overturned_at == AT
    with pytest.raises(AppealAlreadyDecided):
        operations.decide_appeal(appeal=made, outcome="upheld", note="no",
                                 actor=people["moderator2"], at=AT)
    notice = Notification.objects.filter(person=people["rosa"].person,
                                         kind="moderation.appeal").get()
    assert "A genuine offer" in notice.body
    assert AuditLogEntry.objects.filter(action="moderation.appeal_decided").count() == 1


def test_association_news_can_be_reported_and_hidden(people, territory):
    from civicard.mutualaid.models import Association

    association = Association.objects.create(territory=territory, name="A", slug="a",
                                             presentation="p")
    association.editors.add(people["editor"])
    news = aid.publish_news(association=association, title="Buy crypto", body="now",
                            language="en", actor=people["editor"], at=AT)
    operations.report_content(kind="news", object_id=news.pk, reporter=people["rosa"].person,
                              reason="spam", note="", actor=people["rosa"], at=AT)
    operations.decide(kind="news", object_id=news.pk, action="hide", justification="Spam",
                      actor=people["moderator"], at=AT)
    assert News.objects.get(pk=news.pk).hidden_at == AT
