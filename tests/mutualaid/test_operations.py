from datetime import date, timedelta

import pytest

from civicard.core.errors import InvalidInput, PermissionRefused
from civicard.core.models import AuditLogEntry
from civicard.moderation.models import ModerationSettings
from civicard.mutualaid import operations, queries
from civicard.mutualaid.exceptions import (
    Blocked,
    ContactDetailsInPublicPost,
    NoConsent,
    NotInConversation,
    NotYourPost,
    OwnPost,
    PostNotOpen,
)
from civicard.mutualaid.models import (
    Category,
    Conversation,
    Message,
    PaperSlip,
    Post,
    TownRequest,
    VulnerabilityReport,
)
from civicard.notifications.models import Notification

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field,text", [
    ("description", "Call me: 06 12 34 56 78"), ("title", "Drill +33612345678"),
    ("description", "mail name@example.org"), ("availability", "06.12.34.56.78 evenings"),
])
def test_contact_details_refused_in_public_post_and_nothing_written(people, make_post, field,
                                                                    text):
    kwargs = {field: text} if field != "availability" else {}
    if field == "availability":
        with pytest.raises(ContactDetailsInPublicPost) as error:
            operations.create_post(
                author=people["rosa"].person, kind="offer",
                category=Category.objects.get(code="lend"), title="Drill",
                description="A drill to lend", neighbourhood=queries.home_neighbourhood(
                    people["rosa"].person), availability=text, language="en",
                actor=people["rosa"], at=AT)
    else:
        with pytest.raises(ContactDetailsInPublicPost) as error:
            make_post(people["rosa"], **kwargs)
    assert list(error.value.fields) == [field]
    assert Post.objects.count() == 0


def test_contact_details_allowed_in_private_messages(people, make_post):
    post = make_post(people["rosa"])
    conversation = operations.start_conversation(
        post=post, person=people["paul"].person, body="I can help. My number: 06 12 34 56 78",
        actor=people["paul"], at=AT)
    message = operations.send_message(conversation=conversation, sender=people["rosa"].person,
                                      body="Thanks! mine is rosa@example.org, +33612345678",
                                      actor=people["rosa"], at=AT)
    assert list(conversation.messages.values_list("body", flat=True)) == [
        "I can help. My number: 06 12 34 56 78", message.body]


def test_post_expires_after_the_territory_lifetime_and_renews(people, make_post):
    post = make_post(people["rosa"])
    assert post.expires_at == AT + timedelta(days=30)
    later = AT + timedelta(days=31)
    assert list(queries.visible_posts(later)) == []
    with pytest.raises(PostNotOpen):
        operations.start_conversation(post=post, person=people["paul"].person, body="hi",
                                      actor=people["paul"], at=later)
    operations.renew_post(post=post, person=people["rosa"].person, actor=people["rosa"],
                          at=later)
    assert list(queries.visible_posts(later)) == [post]


def test_only_the_author_closes_and_a_closed_post_takes_no_new_conversation(people, make_post):
    post = make_post(people["rosa"])
    with pytest.raises(NotYourPost):
        operations.close_post(post=post, person=people["paul"].person, actor=people["paul"],
                              at=AT)
    operations.close_post(post=post, person=people["rosa"].person, actor=people["rosa"], at=AT)
    post.refresh_from_db()
    assert (post.status, post.closed_at) == (Post.Status.CLOSED, AT)
    with pytest.raises(PostNotOpen):
        operations.start_conversation(post=post, person=people["paul"].person, body="hi",
                                      actor=people["paul"], at=AT)


def test_conversation_is_private_and_notifies_without_contact_details(people, make_post):
    post = make_post(people["rosa"])
    with pytest.raises(OwnPost):
        operations.start_conversation(post=post, person=people["rosa"].person, body="me",
                                      actor=people["rosa"], at=AT)
    conversation = operations.start_conversation(post=post, person=people["paul"].person,
                                                 body="I can help", actor=people["paul"], at=AT)
    again = operations.start_conversation(post=post, person=people["paul"].person,
                                          body="Still here", actor=people["paul"], at=AT)
    assert again.pk == conversation.pk and conversation.messages.count() == 2
    assert list(queries.conversations_of(people["rosa"].person)) == [conversation]
    assert list(queries.conversations_of(people["lea"].person)) == []
    with pytest.raises(NotInConversation):
        operations.send_message(conversation=conversation, sender=people["lea"].person,
                                body="intrude", actor=people["lea"], at=AT)
    notices = list(Notification.objects.filter(person=people["rosa"].person))
    assert len(notices) == 2
    assert all("Paul" in n.body and "paul@example.org" not in n.body for n in notices)


def test_blocked_person_cannot_write_either_way(people, make_post):
    post = make_post(people["rosa"])
    conversation = operations.start_conversation(post=post, person=people["paul"].person,
                                                 body="hello", actor=people["paul"], at=AT)
    operations.block_person(blocker=people["rosa"].person, blocked=people["paul"].person,
                            actor=people["rosa"], at=AT)
    count = Message.objects.count()
    with pytest.raises(Blocked):
        operations.send_message(conversation=conversation, sender=people["paul"].person,
                                body="again", actor=people["paul"], at=AT)
    with pytest.raises(Blocked):
        operations.send_message(conversation=conversation, sender=people["rosa"].person,
                                body="no", actor=people["rosa"], at=AT)
    assert Message.objects.count() == count


def test_feed_puts_my_neighbourhood_then_my_commune_first(people, make_post):
    far = make_post(people["omar"], hood="Le Port", at=AT + timedelta(hours=3))
    near = make_post(people["lea"], hood="Les Tours", at=AT + timedelta(hours=2))
    mine = make_post(people["paul"], hood="Centre", at=AT)
    feed = list(queries.feed(person=people["rosa"].person, at=AT + timedelta(hours=4)))
    assert feed == [mine, near, far]
    pages = [queries.feed(person=people["rosa"].person, at=AT + timedelta(hours=4), limit=1,
                          offset=offset) for offset in range(4)]
    assert pages == [[mine], [near], [far], []]
    assert queries.feed(person=people["rosa"].person, at=AT + timedelta(hours=4), limit=2,
                        offset=1) == [near, far]
    assert list(queries.feed(person=people["rosa"].person, at=AT + timedelta(hours=4),
                             kind="offer")) == []


def test_held_word_holds_the_post_for_review(people, make_post, territory):
    ModerationSettings.objects.create(territory=territory, held_words="casino\nmoney transfer")
    held = make_post(people["rosa"], title="Win at the CASINO")
    fine = make_post(people["rosa"], title="Casinos are not mentioned here")
    assert (held.status, fine.status) == (Post.Status.HELD, Post.Status.OPEN)
    assert list(queries.visible_posts(AT)) == [fine]


def test_town_request_answer_publish_with_consent_and_match(people, hoods):
    person, social = people["rosa"].person, people["social"]
    request = operations.ask_town(person=person, category=Category.objects.get(code="shopping"),
                                  body="I cannot carry my shopping since my operation",
                                  neighbourhood=hoods["Centre"], consent_to_publish=False,
                                  actor=people["rosa"], at=AT)
    with pytest.raises(PermissionRefused):
        operations.answer_town_request(request=request, body="x", actor=people["paul"], at=AT)
    operations.answer_town_request(request=request, body="We will find someone", actor=social,
                                   at=AT)
    with pytest.raises(NoConsent):
        operations.publish_town_request(request=request, kind="request", title="Shopping help",
                                        description="A neighbour needs shopping carried",
                                        actor=social, at=AT)
    assert Post.objects.count() == 0
    operations.give_consent(request=request, person=person, actor=people["rosa"], at=AT)
    post = operations.publish_town_request(request=request, kind="request",
                                           title="Shopping help",
                                           description="A neighbour needs shopping carried",
                                           actor=social, at=AT)
    assert post.author is None and post.contact == social.person and post.relayed_by_town
    assert person.full_name not in post.title + post.description
    helper = operations.declare_helpful(person=people["paul"].person,
                                        neighbourhood=hoods["Centre"],
                                        skills=[Category.objects.get(code="shopping")],
                                        what="Carry things", when="Weekends",
                                        actor=people["paul"], at=AT)
    operations.match_town_request(request=request, helper=helper, actor=social, at=AT)
    request.refresh_from_db()
    assert request.status == TownRequest.Status.MATCHED
    notice = Notification.objects.get(person=people["paul"].person, kind="mutualaid.match")
    assert "operation" not in notice.body and "Rosa" not in notice.body


def test_vulnerable_report_reads_are_audited_and_reporter_only_acknowledged(people, territory):
    report = operations.report_vulnerable_person(
        reporter=people["paul"].person, territory=territory, who="Mr Dupont, 3rd floor",
        where="Building C, Centre", why="Has not opened his shutters for a week",
        actor=people["paul"], at=AT)
    ack = Notification.objects.get(person=people["paul"].person)
    assert "Dupont" not in ack.body + ack.subject and "shutters" not in ack.body
    with pytest.raises(PermissionRefused):
        queries.report_for(people["moderator"], report.pk)
    assert not AuditLogEntry.objects.filter(action="mutualaid.report_read").exists()
    queries.report_for(people["social"], report.pk)
    queries.report_for(people["social"], report.pk)
    reads = AuditLogEntry.objects.filter(action="mutualaid.report_read",
                                         object_id=str(report.pk))
    assert reads.count() == 2 and {e.actor for e in reads} == {people["social"]}
    list(queries.reports(people["social"]))  # the list holds no content and is not a read
    assert reads.count() == 2


def test_reports_are_erased_after_the_retention(people, territory):
    def report(outcome, close, contact_days_ago):
        made = operations.report_vulnerable_person(
            reporter=people["paul"].person, territory=territory, who="X", where="Y", why="Z",
            actor=people["paul"], at=AT - timedelta(days=900))
        if outcome:
            operations.record_outcome(report=made, outcome=outcome, note="", close=close,
                                      actor=people["social"],
                                      at=AT - timedelta(days=contact_days_ago))
        return made

    unfounded_old = report("unfounded", False, 731)
    closed_old = report("help_accepted", True, 800)
    unfounded_recent = report("unfounded", False, 700)
    open_old = report("contacted", False, 800)
    never_handled = report("", False, 0)
    assert operations.erase_expired_reports(at=AT) == 2
    remaining = set(VulnerabilityReport.objects.values_list("pk", flat=True))
    assert remaining == {unfounded_recent.pk, open_old.pk, never_handled.pk}
    assert unfounded_old.pk not in remaining and closed_old.pk not in remaining
    assert AuditLogEntry.objects.get(action="mutualaid.reports_erased").extra["count"] == 2


def test_paper_slip_publishes_a_post_relayed_by_the_town(people, hoods):
    with pytest.raises(PermissionRefused):
        operations.type_paper_slip(
            box_location="Bakery", slip_date=date(2026, 3, 1), kind="request",
            category=Category.objects.get(code="company"), title="Visit", description="d",
            neighbourhood=hoods["Centre"], reach_by="box", phone="", actor=people["rosa"], at=AT)
    with pytest.raises(InvalidInput):
        operations.type_paper_slip(
            box_location="Bakery", slip_date=date(2026, 3, 1), kind="request",
            category=Category.objects.get(code="company"), title="Visit", description="d",
            neighbourhood=hoods["Centre"], reach_by="phone", phone="",
            actor=people["social"], at=AT)
    slip = operations.type_paper_slip(
        box_location="Bakery, place du Marché", slip_date=date(2026, 3, 1), kind="request",
        category=Category.objects.get(code="company"), title="Someone to chat with",
        description="Elderly lady would like a visit on Sunday afternoons",
        neighbourhood=hoods["Centre"], reach_by="phone", phone="05 49 00 00 00",
        actor=people["social"], at=AT)
    assert PaperSlip.objects.count() == 1
    assert slip.post.origin == Post.Origin.SLIP and slip.post.contact == people["social"].person
    assert "05 49" not in slip.post.description
    conversation = operations.start_conversation(post=slip.post, person=people["paul"].person,
                                                 body="I can visit", actor=people["paul"], at=AT)
    assert conversation.recipient == people["social"].person
    assert Conversation.objects.count() == 1


def test_erasing_a_person_removes_their_posts_requests_and_helper_card(people, make_post, hoods):
    from civicard.people.operations import erase_person

    rosa = people["rosa"]
    make_post(rosa)
    operations.ask_town(person=rosa.person, category=Category.objects.get(code="other"),
                        body="help", neighbourhood=hoods["Centre"], consent_to_publish=False,
                        actor=rosa, at=AT)
    operations.declare_helpful(person=rosa.person, neighbourhood=hoods["Centre"], skills=[],
                               what="w", when="w", actor=rosa, at=AT)
    erase_person(person=rosa.person, actor=rosa, at=AT)
    assert not Post.objects.filter(author=rosa.person).exists()
    assert not TownRequest.objects.filter(person=rosa.person).exists()
    assert not queries.find_helpers(people["social"]).filter(person=rosa.person).exists()
