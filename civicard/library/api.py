"""The library's JSON API: search and availability for anyone, a resident's loans and holds,
and placing a hold — the phone app's view of the same operations as the pages."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from civicard.core import clock
from civicard.core.errors import NotFound
from civicard.core.validation import Id, Text
from civicard.library import operations, queries
from civicard.library.exceptions import PatronUnknown
from civicard.library.models import Branch, Channel, Library, Title

router = Router(tags=["library"])


class TitleOut(Schema):
    id: int
    library: str
    kind: str
    title: str
    author: str
    on_shelf: int
    copies: int


class BranchOut(Schema):
    branch_id: int
    branch: str
    on_shelf: int
    copies: int
    next_due: datetime | None


class LoanOut(Schema):
    id: int
    title: str
    library: str
    barcode: str
    due_at: datetime


class HoldOut(Schema):
    id: int
    title: str
    pickup_branch: str
    position: int | None  # in the queue, while no copy is on its way or waiting
    in_transit: bool  # a copy is on its way from another branch
    collect_by: datetime | None


class MembershipOut(Schema):
    library: str
    number: str
    ends_on: date


class MyLibraryOut(Schema):
    memberships: list[MembershipOut]
    loans: list[LoanOut]
    holds: list[HoldOut]


class HoldIn(Schema):
    pickup_branch_id: Id


@router.get("/titles", response=list[TitleOut])
def search(request, q: Text = "", library_id: Id | None = None, kind: Text = ""):
    library = get_object_or_404(Library, pk=library_id) if library_id else None
    titles = queries.with_shelf_counts(
        queries.search(library=library, text=q, kind=kind)[:queries.PAGE_SIZE])
    return [{"id": t.pk, "library": t.library.name, "kind": t.kind, "title": t.title,
             "author": t.author, "on_shelf": t.on_shelf, "copies": t.copy_count} for t in titles]


@router.get("/titles/{title_id}/availability", response=list[BranchOut])
def availability(request, title_id: Id):
    title = get_object_or_404(Title, pk=title_id)
    return [{"branch_id": row.branch.pk, "branch": row.branch.name, "on_shelf": row.on_shelf,
             "copies": row.total, "next_due": row.next_due}
            for row in queries.availability(title)]


def _resident(request):
    if request.resident is None:
        raise NotFound()
    return request.resident


@router.get("/me", response=MyLibraryOut, auth=django_auth)
def my_library(request):
    person = _resident(request)
    return {
        "memberships": [{"library": m.library.name, "number": m.number, "ends_on": m.ends_on}
                        for m in queries.memberships_of(person)],
        "loans": [{"id": loan.pk, "title": loan.copy.title.title,
                   "library": loan.copy.library.name, "barcode": loan.copy.barcode,
                   "due_at": loan.current_due_at} for loan in queries.loans_of(person)],
        "holds": [{"id": line.hold.pk, "title": line.hold.title.title,
                   "pickup_branch": line.hold.pickup_branch.name, "position": line.position,
                   "in_transit": line.in_transit, "collect_by": line.collect_by}
                  for line in queries.holds_of(person)],
    }


@router.post("/titles/{title_id}/holds", response={201: HoldOut}, auth=django_auth)
def place_hold(request, title_id: Id, payload: HoldIn):
    person = _resident(request)
    title = get_object_or_404(Title.objects.select_related("library"), pk=title_id)
    branch = get_object_or_404(Branch, pk=payload.pickup_branch_id)
    membership = queries.membership_of(title.library, person)
    if membership is None:
        raise PatronUnknown()
    hold = operations.place_hold(title=title, membership=membership, person=person,
                                 pickup_branch=branch, channel=Channel.ONLINE,
                                 actor=request.user, at=clock.now())
    [line] = [line for line in queries.holds_of(person) if line.hold.pk == hold.pk]
    return Status(201, {"id": hold.pk, "title": title.title, "pickup_branch": branch.name,
                        "position": line.position, "in_transit": line.in_transit,
                        "collect_by": line.collect_by})
