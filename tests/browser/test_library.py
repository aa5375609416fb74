"""Library at phone width: a resident finds a title that is on loan and asks for it; the desk
takes the copy back and it waits for her; she sees it ready; the desk lends it to her by her
card's chip; her page and My card agree."""

import pytest

from civicard.cards import operations as cards
from civicard.cards.models import CardKind
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.library import operations
from civicard.library.catalogue import search_text
from civicard.library.models import Branch, Channel, Copy, Library, Title
from civicard.territory.models import Commune
from tests.conftest import PASSWORD

CHIP = "04A1B2C3D4E5F6"


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def library_world(territory, make_login, make_household, neighbourhood):
    now = clock.now()
    library = Library.objects.create(territory=territory, name="Médiathèque", code="media",
                                     commune=Commune.objects.get(name="Nordville"))
    centre = Branch.objects.create(library=library, code="centre", name="Centre")
    Branch.objects.create(library=library, code="port", name="Le Port")
    title = Title(library=library, title="Dune", author="Frank Herbert", created_at=now)
    title.search_text = search_text(title)
    title.save()
    copy = Copy.objects.create(library=library, title=title, branch=centre, barcode="B1")
    librarian = make_login("librarian@example.org", role=Role.COUNTER_AGENT,
                           full_name="Lina Libraire")
    members = {}
    for email, name in (("amina@example.org", "Amina Benali"), ("karim@example.org", "Karim")):
        user = make_login(email, full_name=name)
        make_household(user.person, neighbourhood=neighbourhood)
        members[email] = (user, operations.join(library=library, person=user.person,
                                                home_branch=centre, actor=user, at=now))
    karim, karim_membership = members["karim@example.org"]
    operations.lend(membership=karim_membership, person=karim.person, copy=copy,
                    channel=Channel.DESK, actor=librarian, at=now)
    amina = members["amina@example.org"][0]
    cards.issue_card(person=amina.person, kind=CardKind.PHYSICAL, actor=librarian, at=now,
                     uid=CHIP)
    return {"library": library, "amina": amina, "librarian": librarian}


def _switch(visitor, user):
    visitor.page.context.clear_cookies()
    visitor.log_in(user.email, PASSWORD)


def test_ask_for_a_title_collect_it_at_the_desk_and_see_it(visitor, library_world):
    amina, librarian = library_world["amina"], library_world["librarian"]
    desk = f"/library/desk/{library_world['library'].pk}/"
    visitor.log_in(amina.email, PASSWORD)
    page = visitor.go("/library/?q=dune")
    assert page.locator(".title-list h3").all_inner_texts() == ["Dune"]
    assert "All on loan: you can ask for it" in page.inner_text(".title-list")
    visitor.screenshot("library-search")
    page.click("text=Dune")
    visitor.check()
    visitor.screenshot("library-title")
    page.click("form[action$='/hold/'] button[type=submit]")
    visitor.check()
    assert "You are number 1 in the queue." in page.inner_text("#holds")

    _switch(visitor, librarian)
    page = visitor.go(desk)
    page.fill("#id_return-item", "B1")
    page.click("#return-form button[type=submit]")
    visitor.check()
    assert "Put it aside: someone asked for it." in page.inner_text(".messages")

    _switch(visitor, amina)
    page = visitor.go("/library/me/")
    assert "Collect it at Centre before" in page.inner_text("#ready")
    visitor.screenshot("library-ready-for-pickup")

    _switch(visitor, librarian)
    page = visitor.go(desk)
    page.fill("#id_lend-patron", CHIP)
    page.fill("#id_lend-item", "B1")
    page.click("#lend-form button[type=submit]")
    visitor.check()
    assert page.locator("#patron-loans li").count() == 1
    assert "Dune — B1" in page.inner_text("#patron-loans")
    visitor.screenshot("library-desk")

    _switch(visitor, amina)
    page = visitor.go("/library/me/")
    assert "Dune" in page.inner_text("#loans")
    assert "You have no request." in page.inner_text("#holds")
    visitor.screenshot("library-my-library")
    page = visitor.go("/me/card/")
    assert "Médiathèque" in page.inner_text("#library-memberships")


def test_staff_catalogue_and_a_copy_sent_from_another_branch(visitor, library_world,
                                                            make_login):
    """The manager imports games from a CSV file and reads the report of the bad rows; the
    librarian adds a title and a copy at the port; Amina asks for it at the centre; the copy
    travels, is checked in at the centre and waits for her."""
    amina, librarian = library_world["amina"], library_world["librarian"]
    library = library_world["library"]
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/library/desk/{library.pk}/import/")
    rows = ["record_id,kind,title,author,publisher,year,isbn,barcode,branch,pieces",
            "J1,game,Dixit,,,2008,,J10,centre,84", "J2,game,,,,2010,,J20,centre,",
            "J3,game,Dobble,,,2009,,B1,port,55"]
    page.set_input_files("#id_file", files=[{"name": "jeux.csv", "mimeType": "text/csv",
                                             "buffer": "\n".join(rows).encode()}])
    page.click("form[enctype] button[type=submit]")
    visitor.check()
    assert "1 titles and 1 copies added, 0 already there, 2 records with errors." in (
        page.inner_text("[role=status]"))
    assert page.locator("table tbody tr").count() == 2
    visitor.screenshot("library-import-report")

    _switch(visitor, librarian)
    page = visitor.go(f"/library/desk/{library.pk}/catalogue/?q=dune")
    assert page.locator(".title-list h3").all_inner_texts() == ["Dune"]
    visitor.screenshot("library-catalogue")
    page.click("text=Add a title")
    visitor.check()
    page.fill("#id_title", "Le Petit Prince")
    page.fill("#id_author", "Antoine de Saint-Exupéry")
    page.click("#title-form button[type=submit]")
    visitor.check()
    assert "Title added. Now add its copies." in page.inner_text(".messages")
    page.fill("#id_copy-barcode", "B1")
    page.select_option("#id_copy-branch", label="Le Port")
    page.click("#add-copy-form button[type=submit]")
    visitor.check()
    assert "Another item already has this barcode." in page.inner_text("#add-copy-form")
    page.fill("#id_copy-barcode", "P1")
    page.click("#add-copy-form button[type=submit]")
    visitor.check()
    assert "P1 · Le Port" in page.inner_text("#copies")
    visitor.screenshot("library-catalogue-title")

    _switch(visitor, amina)
    page = visitor.go("/library/?q=petit+prince")
    page.click("text=Le Petit Prince")
    visitor.check()
    page.select_option("#id_pickup_branch", label="Centre")
    page.click("form[action$='/hold/'] button[type=submit]")
    visitor.check()
    assert "A copy is on its way to Centre." in page.inner_text("#holds")

    _switch(visitor, librarian)
    page = visitor.go(f"/library/desk/{library.pk}/")
    for branch, said in (("Le Port", "Put it aside: it goes to Centre."),
                         ("Centre", "Put it aside: someone asked for it.")):
        page.fill("#id_return-item", "P1")
        page.select_option("#id_return-branch", label=branch)
        page.click("#return-form button[type=submit]")
        visitor.check()
        assert said in page.inner_text(".messages")
        if branch == "Le Port":
            visitor.screenshot("library-desk-transit")

    _switch(visitor, amina)
    page = visitor.go("/library/me/")
    assert "Collect it at Centre before" in page.inner_text("#ready")
