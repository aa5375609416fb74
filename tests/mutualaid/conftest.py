from datetime import UTC, datetime

import pytest

from civicard.core.permissions import Role
from civicard.mutualaid import operations
from civicard.mutualaid.models import Category
from civicard.territory.models import Neighbourhood

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def hoods(territory):
    return {h.name: h for h in Neighbourhood.objects.all()}


@pytest.fixture
def people(make_login, make_household, hoods):
    """Residents with a household in a neighbourhood, and one login per staff role."""
    made = {}
    for name, hood in (("rosa", "Centre"), ("paul", "Centre"), ("lea", "Les Tours"),
                       ("omar", "Le Port"), ("zoe", "Centre")):
        user = make_login(f"{name}@example.org", full_name=f"{name.title()} Example")
        make_household(user.person, neighbourhood=hoods[hood])
        made[name] = user
    made["social"] = make_login("social@example.org", role=Role.SOCIAL_WORKER)
    made["moderator"] = make_login("moderator@example.org", role=Role.MODERATOR)
    made["moderator2"] = make_login("moderator2@example.org", role=Role.MODERATOR)
    made["editor"] = make_login("editor@example.org", role=Role.ASSOCIATION_EDITOR)
    made["agent"] = make_login("agent@example.org", role=Role.COUNTER_AGENT)
    return made


@pytest.fixture
def make_post(hoods):
    # a transactional test before this one may have flushed the migration's categories
    operations.ensure_default_categories()

    def make(user, *, kind="request", title="Help carrying shopping",
             description="I need someone to carry my shopping on Saturday.", hood="Centre",
             category="shopping", at=AT):
        return operations.create_post(
            author=user.person, kind=kind, category=Category.objects.get(code=category),
            title=title, description=description, neighbourhood=hoods[hood],
            availability="Saturday morning", language="en", actor=user, at=at)

    return make



@pytest.fixture
def world(people, make_post, hoods, territory):
    """One of everything: a post with a conversation, a request to the town, a report,
    a paper slip, an association with news, a helpful neighbour."""
    from datetime import date

    from civicard.mutualaid.models import Association

    rosa, paul, social = people["rosa"], people["paul"], people["social"]
    post = make_post(rosa)
    conversation = operations.start_conversation(post=post, person=paul.person,
                                                 body="I can help", actor=paul, at=AT)
    town = operations.ask_town(person=rosa.person, category=Category.objects.get(code="paperwork"),
                               body="ZEBRA-TOWN-SECRET I cannot pay my rent",
                               neighbourhood=hoods["Centre"], consent_to_publish=False,
                               actor=rosa, at=AT)
    report = operations.report_vulnerable_person(
        reporter=paul.person, territory=territory, who="ZEBRA-WHO-SECRET Mr Dupont",
        where="ZEBRA-WHERE-SECRET 3rd floor", why="ZEBRA-WHY-SECRET shutters closed",
        actor=paul, at=AT)
    slip = operations.type_paper_slip(
        box_location="Bakery", slip_date=date(2026, 3, 1), kind="request",
        category=Category.objects.get(code="company"), title="A visit on Sundays",
        description="Lady would like a visit", neighbourhood=hoods["Centre"], reach_by="phone",
        phone="05 49 11 22 33", actor=social, at=AT)
    association = Association.objects.create(territory=territory, name="Les Amis du Centre",
                                             slug="amis", presentation="We help.")
    association.editors.add(people["editor"])
    news = operations.publish_news(association=association, title="Fête", body="Come!",
                                   language="fr", actor=people["editor"], at=AT)
    helper = operations.declare_helpful(person=paul.person, neighbourhood=hoods["Centre"],
                                        skills=[Category.objects.get(code="shopping")],
                                        what="Shopping", when="Evenings", actor=paul, at=AT)
    return {"post": post, "conversation": conversation, "town": town, "report": report,
            "slip": slip, "association": association, "news": news, "helper": helper,
            "message": conversation.messages.get()}
