"""The staff's catalogue pages: titles and copies created and edited, barcodes unique, copies
withdrawn — for the library's own staff only."""

import pytest
from django.urls import reverse

from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.library import queries
from civicard.library.models import Copy, CopyState, Title
from civicard.territory.models import Commune
from tests.conftest import PASSWORD

from .conftest import add_title, lend

pytestmark = pytest.mark.django_db
TITLE = {"kind": "game", "title": "Jungle Speed", "author": "", "publisher": "Asmodée",
         "year": "1997", "isbn": ""}


def _login(client, user):
    client.login(email=user.email, password=PASSWORD)


def test_staff_add_a_title_and_its_copies_and_a_duplicate_barcode_is_refused_plainly(
        client, librarian, library, centre, port):
    _login(client, librarian)
    response = client.post(reverse("library:catalogue_new_title", args=[library.pk]), TITLE)
    title = Title.objects.get()
    assert response.url == reverse("library:catalogue_title", args=[library.pk, title.pk])
    assert (title.kind, title.publisher, title.year, title.search_text) == (
        "game", "Asmodée", 1997, "jungle speed")
    url = response.url
    response = client.post(url, {"copy-barcode": " G1 ", "copy-branch": port.pk,
                                 "copy-pieces": "80"})
    assert response.status_code == 302
    copy = Copy.objects.get()
    assert (copy.barcode, copy.branch, copy.pieces, copy.state) == (
        "G1", port, 80, CopyState.ON_SHELF)
    other = add_title(library, "Dixit", copies=[("G2", centre)])
    response = client.post(url, {"copy-barcode": "G2", "copy-branch": centre.pk})
    assert response.status_code == 200
    assert response.context["copy_form"].errors == {
        "barcode": ["Another item already has this barcode."]}
    assert Copy.objects.count() == 2 and other.copies.count() == 1
    assert [e.action for e in AuditLogEntry.objects.filter(action__startswith="library.")
            .order_by("pk")] == ["library.title_added", "library.copy_added"]


def test_staff_edit_a_title_and_search_finds_its_new_words(client, librarian, library,
                                                           centre):
    title = add_title(library, "Jungle", copies=[("G1", centre)])
    _login(client, librarian)
    url = reverse("library:catalogue_title", args=[library.pk, title.pk])
    response = client.post(url, {f"title-{k}": v for k, v in TITLE.items()} | {
        "title-title": "Jungle Speed Édition", "title-isbn": "12 ab"})
    assert response.context["title_form"].errors == {
        "isbn": ["An ISBN has only digits, dashes and the letter X."]}
    title.refresh_from_db()
    assert title.title == "Jungle"
    client.post(url, {f"title-{k}": v for k, v in TITLE.items()} | {
        "title-title": "Jungle Speed Édition"})
    assert [t.pk for t in queries.search(library=library, text="edition")] == [title.pk]
    response = client.get(reverse("library:catalogue", args=[library.pk]), {"q": "edit"})
    assert [t.title for t in response.context["page"]] == ["Jungle Speed Édition"]


def test_staff_change_a_copy_and_withdraw_it_but_not_while_on_loan(
        client, librarian, amina, library, centre):
    title = add_title(library, "Dune", copies=[("B1", centre), ("B2", centre)])
    first, second = title.copies.order_by("barcode")
    _login(client, librarian)
    response = client.post(reverse("library:catalogue_copy", args=[library.pk, first.pk]),
                           {"barcode": "B2"})
    assert response.context["form"].errors == {
        "barcode": ["Another item already has this barcode."]}
    response = client.post(reverse("library:catalogue_copy", args=[library.pk, first.pk]),
                           {"barcode": "B1-new"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Saved."]
    first.refresh_from_db()
    assert first.barcode == "B1-new"
    lend(amina[1], second, librarian)
    response = client.post(reverse("library:catalogue_withdraw", args=[library.pk, second.pk]),
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "This item is already on loan. It must be returned first."]
    client.post(reverse("library:catalogue_withdraw", args=[library.pk, first.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (CopyState.WITHDRAWN, CopyState.ON_LOAN)


@pytest.mark.parametrize("who, status", [
    ("anonymous", 302), ("resident", 403), ("agent of another commune", 403),
    ("manager", 200), ("librarian", 200)])
def test_only_the_library_s_staff_reach_its_catalogue(client, make_login, library, centre, who,
                                                      status):
    title = add_title(library, "Dune", copies=[("B1", centre)])
    copy = title.copies.get()
    users = {
        "resident": lambda: make_login("r@example.org"),
        "agent of another commune": lambda: make_login(
            "south@example.org", role=Role.COUNTER_AGENT,
            commune=Commune.objects.get(name="Sudville")),
        "manager": lambda: make_login("m@example.org", role=Role.SERVICE_MANAGER,
                                      commune=library.commune),
        "librarian": lambda: make_login("l@example.org", role=Role.COUNTER_AGENT,
                                        commune=library.commune),
    }
    if who in users:
        _login(client, users[who]())
    pages = [reverse("library:catalogue", args=[library.pk]),
             reverse("library:catalogue_new_title", args=[library.pk]),
             reverse("library:catalogue_title", args=[library.pk, title.pk]),
             reverse("library:catalogue_copy", args=[library.pk, copy.pk])]
    assert [client.get(page).status_code for page in pages] == [status] * 4
    writes = [(pages[1], TITLE), (pages[2], {"copy-barcode": "X", "copy-branch": centre.pk}),
              (pages[3], {"barcode": "B9"}),
              (reverse("library:catalogue_withdraw", args=[library.pk, copy.pk]), {})]
    if status != 200:
        assert [client.post(url, data).status_code for url, data in writes] == [status] * 4
        copy.refresh_from_db()
        assert (Title.objects.count(), Copy.objects.count(), copy.barcode, copy.state) == (
            1, 1, "B1", CopyState.ON_SHELF)
