import json

import pytest
from django.test import Client
from django.urls import reverse

from civicard.core import clock
from civicard.core.models import AuditLogEntry
from civicard.moderation.models import ContentReport, Decision
from civicard.mutualaid.models import (
    Conversation,
    Follow,
    Message,
    PaperSlip,
    Post,
    TownMessage,
    TownRequest,
    VulnerabilityReport,
)
from civicard.notifications.models import Notification

from .conftest import AT

pytestmark = pytest.mark.django_db
SECRETS = ("ZEBRA-TOWN-SECRET", "ZEBRA-WHO-SECRET", "ZEBRA-WHERE-SECRET", "ZEBRA-WHY-SECRET")


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(AT):
        yield


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def snapshot():
    models = (Post, Conversation, Message, TownRequest, TownMessage, VulnerabilityReport,
              PaperSlip, Follow, ContentReport, Decision, Notification)
    return ({m.__name__: m.objects.count() for m in models},
            list(Post.objects.values_list("status", flat=True).order_by("pk")),
            list(VulnerabilityReport.objects.values_list("outcome", flat=True)))


def resident_pages(world):
    return [reverse("mutualaid:feed"), reverse("mutualaid:new_post"),
            reverse("mutualaid:post", args=[world["post"].pk]), reverse("mutualaid:mine"),
            reverse("mutualaid:helpful"), reverse("mutualaid:ask_town"),
            reverse("mutualaid:report_person"), reverse("moderation:my_decisions"),
            reverse("moderation:report", args=["post", world["post"].pk])]


def test_resident_pages_render_and_public_pages_are_open(world, people):
    client = client_for(people["rosa"])
    for url in resident_pages(world) + [
            reverse("mutualaid:conversation", args=[world["conversation"].pk]),
            reverse("mutualaid:town_request", args=[world["town"].pk])]:
        assert client.get(url).status_code == 200, url
    anonymous = client_for(None)
    for url in (reverse("mutualaid:map"), reverse("mutualaid:associations"),
                reverse("mutualaid:association", args=["amis"])):
        assert anonymous.get(url).status_code == 200, url
    for url in resident_pages(world):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def staff_pages(world):
    return {
        "social_worker": [reverse("mutualaid:ccas"),
                          reverse("mutualaid:ccas_request", args=[world["town"].pk]),
                          reverse("mutualaid:ccas_report", args=[world["report"].pk]),
                          reverse("mutualaid:ccas_helpers"), reverse("mutualaid:ccas_slip")],
        "moderator": [reverse("moderation:queue"),
                      reverse("moderation:item", args=["post", world["post"].pk])],
        "association_editor": [reverse("mutualaid:association_edit", args=["amis"]),
                               reverse("mutualaid:association_news", args=["amis"]),
                               reverse("mutualaid:association_event", args=["amis"])],
    }


ROLE_USERS = {"social_worker": "social", "moderator": "moderator",
              "association_editor": "editor"}


@pytest.mark.parametrize("who", [None, "rosa", "agent", "social", "moderator", "editor"])
def test_permission_matrix_on_staff_pages(world, people, who):
    client = client_for(people[who] if who else None)
    for role, urls in staff_pages(world).items():
        allowed = who == ROLE_USERS[role]
        for url in urls:
            before = snapshot()
            audit_before = AuditLogEntry.objects.count()
            response = client.get(url)
            if allowed:
                assert response.status_code == 200, (who, url)
                continue
            expected = 302 if who is None else 403
            assert response.status_code == expected, (who, url)
            post = client.post(url, {"action": "reply", "body": "x", "outcome": "unfounded",
                                     "justification": "x", "presentation": "x", "title": "x",
                                     "place": "x", "is_free": "on", "language": "fr",
                                     "box_location": "x", "slip_date": "2026-03-01",
                                     "kind": "request", "category": "1", "description": "x",
                                     "neighbourhood": "1", "reach_by": "box"})
            assert post.status_code == expected, (who, url)
            assert snapshot() == before and AuditLogEntry.objects.count() == audit_before


def test_editor_of_another_association_is_refused(world, people, make_login, territory):
    from civicard.core.permissions import Role
    from civicard.mutualaid.models import Association

    other = Association.objects.create(territory=territory, name="Other", slug="other",
                                       presentation="p")
    client = client_for(people["editor"])
    before = snapshot()
    assert client.post(reverse("mutualaid:association_news", args=[other.slug]),
                       {"title": "t", "body": "b", "language": "fr"}).status_code == 403
    assert snapshot() == before
    outsider = make_login("outsider@example.org", role=Role.ASSOCIATION_EDITOR)
    assert client_for(outsider).get(
        reverse("mutualaid:association_edit", args=["amis"])).status_code == 403


def test_other_residents_cannot_open_someone_elses_conversation_or_request(world, people):
    client = client_for(people["lea"])
    before = snapshot()
    assert client.get(reverse("mutualaid:conversation",
                              args=[world["conversation"].pk])).status_code == 404
    assert client.post(reverse("mutualaid:conversation", args=[world["conversation"].pk]),
                       {"body": "intrusion"}).status_code == 404
    assert client.get(reverse("mutualaid:town_request",
                              args=[world["town"].pk])).status_code == 404
    assert client.post(reverse("mutualaid:close", args=[world["post"].pk])).status_code == 403
    assert snapshot() == before


def test_private_request_and_report_never_reach_non_social_workers(world, people):
    """Pages, search, API, export and notifications of everyone but social workers."""
    urls = [reverse("mutualaid:feed"), reverse("mutualaid:feed") + "?q=ZEBRA",
            reverse("mutualaid:mine"), reverse("mutualaid:map"), reverse("moderation:queue"),
            "/api/mutualaid/posts?q=ZEBRA", "/api/mutualaid/posts", "/api/mutualaid/map",
            "/api/moderation/queue", reverse("people:export"),
            reverse("notifications:inbox"), reverse("mutualaid:associations"),
            reverse("mutualaid:post", args=[world["slip"].post_id]),
            f"/api/mutualaid/vulnerable-person-reports/{world['report'].pk}",
            "/api/mutualaid/town-requests",
            reverse("mutualaid:ccas_report", args=[world["report"].pk]),
            reverse("mutualaid:ccas_request", args=[world["town"].pk])]
    for who in ("rosa", "paul", "lea", "moderator", "editor", "agent"):
        client = client_for(people[who])
        for url in urls:
            body = client.get(url).content.decode()
            for secret in SECRETS:
                if who == "rosa" and secret == "ZEBRA-TOWN-SECRET" and url in (
                        reverse("people:export"),):
                    continue
                assert secret not in body, (who, url, secret)
            if who != "social":
                assert "05 49 11 22 33" not in body, (who, url)
    from civicard.notifications.models import Delivery

    # No notice carries them, not even the social worker's (it may travel by e-mail).
    assert Notification.objects.filter(person=people["social"].person,
                                       kind="mutualaid.ccas_inbox").count() == 2
    for notice in Notification.objects.all():
        for secret in SECRETS:
            assert secret not in notice.subject + notice.body
    for delivery in Delivery.objects.all():
        for secret in SECRETS:
            assert secret not in delivery.subject + delivery.body
    # Only the social worker reads them, and each read is audited.
    social = client_for(people["social"])
    assert "ZEBRA-WHY-SECRET" in social.get(
        reverse("mutualaid:ccas_report", args=[world["report"].pk])).content.decode()
    api = social.get(f"/api/mutualaid/vulnerable-person-reports/{world['report'].pk}")
    assert api.status_code == 200 and api.json()["who"].startswith("ZEBRA-WHO")
    assert "ZEBRA-TOWN-SECRET" in social.get("/api/mutualaid/town-requests").content.decode()
    assert AuditLogEntry.objects.filter(action="mutualaid.report_read",
                                        actor=people["social"]).count() == 2


def test_export_of_the_reporter_holds_nothing_about_the_reported_person(world, people):
    data = json.loads(client_for(people["paul"]).get(reverse("people:export")).content)
    text = json.dumps(data)
    for secret in SECRETS:
        assert secret not in text


def test_post_form_refuses_contact_details_with_an_explanation(world, people, hoods):
    client = client_for(people["rosa"])
    before = snapshot()
    response = client.post(reverse("mutualaid:new_post"), {
        "kind": "offer", "category": world["post"].category_id, "title": "Drill to lend",
        "description": "Call me on 06 12 34 56 78", "neighbourhood": hoods["Centre"].pk,
        "availability": "", "language": "en"})
    assert response.status_code == 200
    assert "do not write a phone number or an e-mail address" in response.content.decode()
    assert snapshot() == before
    response = client.post(reverse("mutualaid:new_post"), {
        "kind": "offer", "category": world["post"].category_id, "title": "Drill to lend",
        "description": "A good drill", "neighbourhood": hoods["Centre"].pk,
        "availability": "", "language": "en"})
    assert response.status_code == 302
    assert Post.objects.filter(title="Drill to lend", author=people["rosa"].person).exists()


def test_api_contact_detail_refusal_and_matrix(world, people, hoods):
    body = {"kind": "offer", "category": "lend", "title": "Ladder",
            "description": "write to me: name@example.org", "neighbourhood_id": hoods["Centre"].pk}
    client = client_for(people["rosa"])
    before = snapshot()
    response = client.post("/api/mutualaid/posts", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "contact_details_in_public_post"
    assert list(response.json()["fields"]) == ["description"]
    assert client_for(None).post("/api/mutualaid/posts", {**body, "description": "ok"},
                                 content_type="application/json").status_code == 403
    for who in ("rosa", "moderator", "editor", "agent"):
        assert client_for(people[who]).get("/api/mutualaid/town-requests").status_code == 403
        assert client_for(people[who]).get(
            f"/api/mutualaid/vulnerable-person-reports/{world['report'].pk}").status_code == 403
        assert client_for(people[who]).get("/api/moderation/queue").status_code == 403 or \
            who == "moderator"
    assert snapshot() == before
    created = client.post("/api/mutualaid/posts", {**body, "description": "A ladder"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["neighbourhood"] == "Centre"
    contact = client_for(people["lea"]).post(
        f"/api/mutualaid/posts/{created.json()['id']}/contact",
        {"body": "my number is 06 12 34 56 78"}, content_type="application/json")
    assert contact.status_code == 201


def test_conversation_block_and_close_through_pages(world, people):
    rosa = client_for(people["rosa"])
    response = rosa.post(reverse("mutualaid:conversation", args=[world["conversation"].pk]),
                         {"body": "Thanks, call me 06 12 34 56 78"})
    assert response.status_code == 302
    assert Message.objects.filter(body__contains="06 12 34 56 78").count() == 1
    rosa.post(reverse("mutualaid:close", args=[world["post"].pk]))
    world["post"].refresh_from_db()
    assert world["post"].status == Post.Status.CLOSED
    rosa.post(reverse("mutualaid:block", args=[world["conversation"].pk]))
    response = client_for(people["paul"]).post(
        reverse("mutualaid:conversation", args=[world["conversation"].pk]), {"body": "hello?"})
    assert response.status_code == 200 and "You cannot write to this person" in \
        response.content.decode()


def test_follow_and_notification_in_the_follower_language(world, people):
    people["lea"].person.language = "fr"
    people["lea"].person.save()
    client_for(people["lea"]).post(reverse("mutualaid:association", args=["amis"]),
                                   {"follow": "1"})
    client_for(people["editor"]).post(reverse("mutualaid:association_event", args=["amis"]), {
        "title": "Repair café", "starts_at": "2026-04-01T14:00", "place": "Salle des fêtes",
        "is_free": "on", "language": "fr"})
    notice = Notification.objects.get(person=people["lea"].person)
    assert notice.language == "fr" and "Repair café" in notice.body


def test_map_shows_counts_never_people(world, people):
    body = client_for(None).get(reverse("mutualaid:map")).content.decode()
    assert "Paul" not in body and "Rosa" not in body
    rows = client_for(None).get("/api/mutualaid/map").json()
    centre = next(r for r in rows if r["name"] == "Centre")
    assert centre["helpful_neighbours"] == 1 and centre["open_offers"] == 0
    assert set(centre) == {"id", "name", "commune", "latitude", "longitude",
                           "helpful_neighbours", "open_offers"}


def test_anonymous_writes_are_refused_and_change_nothing(world, people, hoods):
    anonymous = client_for(None)
    pk, conversation = world["post"].pk, world["conversation"].pk
    before = snapshot()
    for url in (reverse("mutualaid:new_post"), reverse("mutualaid:contact", args=[pk]),
                reverse("mutualaid:close", args=[pk]), reverse("mutualaid:helpful"),
                reverse("mutualaid:conversation", args=[conversation]),
                reverse("mutualaid:block", args=[conversation]), reverse("mutualaid:ask_town"),
                reverse("mutualaid:report_person"),
                reverse("moderation:report", args=["post", pk]),
                reverse("moderation:my_decisions")):
        response = anonymous.post(url, {"body": "x", "who": "x", "where": "x", "why": "x",
                                        "reason": "spam", "title": "x", "kind": "offer"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    follow = anonymous.post(reverse("mutualaid:association", args=["amis"]), {"follow": "1"})
    assert follow.status_code == 302 and "/accounts/login/" in follow["Location"]
    for method, url in (("post", "/api/mutualaid/posts"),
                        ("post", f"/api/mutualaid/posts/{pk}/contact"),
                        ("post", "/api/mutualaid/town-requests"),
                        ("get", "/api/mutualaid/town-requests"),
                        ("post", "/api/mutualaid/vulnerable-person-reports"),
                        ("get", f"/api/mutualaid/vulnerable-person-reports/{world['report'].pk}"),
                        ("get", "/api/mutualaid/posts"), ("post", "/api/moderation/reports"),
                        ("get", "/api/moderation/queue")):
        response = getattr(anonymous, method)(url, {} if method == "get" else {"body": "x"},
                                              **({} if method == "get" else
                                                 {"content_type": "application/json"}))
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_refused"
    assert snapshot() == before


def test_town_request_read_by_a_social_worker_is_audited(world, people):
    client_for(people["social"]).get(reverse("mutualaid:ccas_request", args=[world["town"].pk]))
    entry = AuditLogEntry.objects.get(action="mutualaid.town_request_read")
    assert entry.actor == people["social"] and entry.object_id == str(world["town"].pk)


def test_a_message_keeps_its_language_and_direction_on_a_page_in_another(world, people):
    """Paul writes in French; Rosa reads Arabic: his words keep lang="fr" and their own
    direction, so the final "?" stays where he put it."""
    people["rosa"].person.language = "ar"
    people["rosa"].person.save(update_fields=["language"])
    people["paul"].person.language = "fr"
    people["paul"].person.save(update_fields=["language"])
    conversation = world["conversation"]
    client_for(people["paul"]).post(reverse("mutualaid:conversation", args=[conversation.pk]),
                                    {"body": "Samedi, 10 h, ça vous va ?"})
    assert Message.objects.get(body__startswith="Samedi").language == "fr"
    page = client_for(people["rosa"]).get(
        reverse("mutualaid:conversation", args=[conversation.pk])).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<div lang="fr" dir="auto"><p>Samedi, 10 h, ça vous va ?</p></div>' in page
    assert '<bdi>Paul</bdi>' in page
