"""The library's part in the resident's data export (/me/export.json) and in their erasure."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from civicard.library import operations, queries
from civicard.library.models import Channel, CopyState, HoldOutcome, Loan
from civicard.people import operations as people
from civicard.people import queries as people_queries
from tests.conftest import PASSWORD

from .conftest import AT, add_title, give_back, lend

pytestmark = pytest.mark.django_db


def _hold(member, title, branch, at=AT):
    user, membership = member
    return operations.place_hold(title=title, membership=membership, person=user.person,
                                 pickup_branch=branch, channel=Channel.ONLINE, actor=user, at=at)


def test_the_export_holds_memberships_loans_and_holds(client, amina, librarian, library,
                                                      centre):
    returned = add_title(library, "Lu", copies=[("B1", centre)]).copies.get()
    lend(amina[1], returned, librarian)
    give_back(returned, librarian, at=AT + timedelta(days=3))
    out = add_title(library, "Dehors", copies=[("B2", centre)]).copies.get()
    lend(amina[1], out, librarian, at=AT + timedelta(days=4))
    operations.renew(loan=Loan.objects.get(copy=out), channel=Channel.ONLINE, actor=amina[0],
                     at=AT + timedelta(days=5))
    hold = _hold(amina, add_title(library, "Voulu", copies=[("B3", centre)]), centre,
                 at=AT + timedelta(days=6))
    client.login(email=amina[0].email, password=PASSWORD)
    data = json.loads(client.get(reverse("people:export")).content)["library"]
    assert data["memberships"] == [{
        "library": "Médiathèque", "number": amina[1].number, "home_branch": "Centre",
        "for_household": False, "from": "2026-03-10", "until": "2027-03-10",
        "shared_with_library_system": False}]
    assert data["loans"] == [
        {"library": "Médiathèque", "title": "Lu", "barcode": "B1",
         "lent_at": "2026-03-10T10:00:00+00:00", "due_at": "2026-03-31T10:00:00+00:00",
         "renewals": 0, "returned_at": "2026-03-13T10:00:00+00:00"},
        {"library": "Médiathèque", "title": "Dehors", "barcode": "B2",
         "lent_at": "2026-03-14T10:00:00+00:00", "due_at": "2026-04-05T10:00:00+00:00",
         "renewals": 1, "returned_at": None}]
    assert data["holds"] == [{
        "library": "Médiathèque", "title": "Voulu", "pickup_branch": "Centre",
        "placed_at": "2026-03-16T10:00:00+00:00", "sent_from_another_branch_at": None,
        "ready_at": "2026-03-16T10:00:00+00:00", "ended": None, "ended_at": None}]
    assert hold.ready.collect_by == AT + timedelta(days=11)


def test_erasure_keeps_the_loans_nameless_cancels_holds_and_ends_the_membership(
        amina, make_member, librarian, library, centre):
    out = add_title(library, "Encore dehors", copies=[("B1", centre)]).copies.get()
    lend(amina[1], out, librarian)
    kept = add_title(library, "Mis de côté", copies=[("B2", centre)]).copies.get()
    _hold(amina, kept.title, centre)
    next_in_line = make_member("next@example.org")
    second = _hold(next_in_line, kept.title, centre, at=AT + timedelta(hours=1))
    person = amina[0].person

    people.erase_person(person=person, actor=amina[0], at=AT + timedelta(days=30))

    membership = amina[1]
    membership.refresh_from_db()
    assert (membership.ends_on, membership.share_with_library_system) == (
        (AT + timedelta(days=30)).date(), False)
    kept.refresh_from_db()
    assert (kept.state, kept.waiting_for_id) == (CopyState.WAITING, second.pk)
    assert [h.end.outcome for h in person.library_holds.all()] == [HoldOutcome.CANCELLED]
    with pytest.raises(Exception) as refused:
        queries.find_patron(library, membership.number, AT + timedelta(days=30))
    assert refused.value.code == "patron_unknown"
    assert operations.send_reminders(at=AT + timedelta(days=31)) == 0
    # The copy still out can come back; its loan stays, with no name on it.
    give_back(out, librarian, at=AT + timedelta(days=31))
    loan = Loan.objects.get(copy=out)
    assert loan.returned.at == AT + timedelta(days=31)
    assert loan.person.full_name == "" and loan.person.erased_at is not None
    assert "Amina" not in json.dumps(people_queries.export_person_data(person))
