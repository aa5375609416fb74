"""JSON API: a resident's monthly entries, and redemption for a venue's own app or scanner."""

from datetime import date

from ninja import Router, Schema
from ninja.security import django_auth

from civicard.core import clock
from civicard.core.errors import NotFound, PermissionRefused
from civicard.core.permissions import Role, check_role
from civicard.core.validation import Id, Text

router = Router(tags=["benefits"], auth=django_auth)


class RightOut(Schema):
    programme: str
    entries_left: int
    until: date
    venues: list[str]


@router.get("/me", response=list[RightOut], summary="My free entries left this month")
def my_rights(request):
    from civicard.benefits.queries import my_rights as rights_of

    person = request.resident
    if person is None:
        raise NotFound()
    return [{"programme": r.programme.name, "entries_left": r.left, "until": r.month_end,
             "venues": [v.name for v in r.venues]} for r in rights_of(person, clock.now())]


class RedeemIn(Schema):
    venue_id: Id
    credential: Text
    service: Text = ""
    idempotency_key: Text


class RedeemOut(Schema):
    id: int
    kind: str
    amount_cents: int
    first_name: str


@router.post("/redeem", response=RedeemOut,
             summary="Redeem a voucher code or a card's free entry at the venue (venue staff)")
def redeem(request, payload: RedeemIn):
    from civicard.benefits import operations
    from civicard.benefits.models import Venue

    check_role(request.user, Role.VENUE_STAFF)
    venue = Venue.objects.filter(pk=payload.venue_id).first()
    if venue is None:
        raise PermissionRefused()
    redemption = operations.redeem_credential(
        credential=payload.credential, venue=venue, service=payload.service,
        actor=request.user, at=clock.now(), idempotency_key=payload.idempotency_key)
    return {"id": redemption.pk, "kind": redemption.kind, "amount_cents": redemption.amount_cents,
            "first_name": redemption.person.display_name if redemption.person_id else ""}
