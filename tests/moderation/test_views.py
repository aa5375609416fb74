import pytest
from django.test import Client
from django.urls import reverse

from civicard.core import clock
from civicard.moderation.models import Appeal, ContentReport, Decision
from civicard.mutualaid.models import Post

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    with clock.frozen(AT):
        yield


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_report_decide_appeal_through_the_pages(people, make_post):
    post = make_post(people["rosa"])
    for who in ("paul", "lea", "omar"):
        response = login(people[who]).post(reverse("moderation:report", args=["post", post.pk]),
                                           {"reason": "spam", "note": "advert"})
        assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    moderator = login(people["moderator"])
    queue = moderator.get(reverse("moderation:queue")).content.decode()
    assert reverse("moderation:item", args=["post", post.pk]) in queue
    page = moderator.get(reverse("moderation:item", args=["post", post.pk])).content.decode()
    assert post.title in page and "advert" in page
    response = moderator.post(reverse("moderation:item", args=["post", post.pk]),
                              {"action": "hide", "justification": "Commercial advert"})
    assert response.status_code == 302
    decision = Decision.objects.get()
    rosa = login(people["rosa"])
    assert "Commercial advert" in rosa.get(reverse("moderation:my_decisions")).content.decode()
    rosa.post(reverse("moderation:my_decisions"),
              {"decision": decision.pk, f"d{decision.pk}-text": "Not an advert"})
    appeal = Appeal.objects.get()
    same = moderator.post(reverse("moderation:appeal", args=[appeal.pk]),
                          {"outcome": "overturned", "outcome_note": "ok"})
    assert same.status_code == 200 and "another moderator" in same.content.decode()
    appeal.refresh_from_db()
    assert appeal.decided_at is None
    other = login(people["moderator2"]).post(reverse("moderation:appeal", args=[appeal.pk]),
                                             {"outcome": "overturned", "outcome_note": "Fine"})
    assert other.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN


@pytest.mark.parametrize("who", [None, "rosa", "social", "editor", "agent"])
def test_moderation_pages_refused_to_non_moderators(people, make_post, who):
    post = make_post(people["paul"])
    operations_made = Decision.objects.count(), ContentReport.objects.count()
    client = login(people[who]) if who else Client()
    expected = 302 if who is None else 403
    for url in (reverse("moderation:queue"),
                reverse("moderation:item", args=["post", post.pk])):
        assert client.get(url).status_code == expected
        assert client.post(url, {"action": "hide", "justification": "x"}).status_code == expected
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN
    assert (Decision.objects.count(), ContentReport.objects.count()) == operations_made


def test_unknown_kind_is_a_404_not_a_500(people):
    assert login(people["rosa"]).get("/moderation/report/nonsense/1/").status_code == 404
    assert login(people["moderator"]).get("/moderation/content/post/999999/").status_code == 404
