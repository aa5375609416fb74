from datetime import datetime

from ninja import Router, Schema
from ninja.security import django_auth

from civicard.core.errors import NotFound
from civicard.wallets import queries

router = Router(tags=["wallets"], auth=django_auth)


class EntryOut(Schema):
    at: datetime
    kind: str
    amount_cents: int
    balance_after_cents: int
    reason: str


class AccountOut(Schema):
    id: int
    service: str
    currency: str
    balance_cents: int
    last_entries: list[EntryOut]


@router.get("/accounts", response=list[AccountOut],
            summary="The service accounts of the logged-in person's households")
def my_accounts(request):
    if request.resident is None:
        raise NotFound()
    return [{"id": a.pk, "service": a.service.name, "currency": a.currency,
             "balance_cents": a.balance_cents,
             "last_entries": [EntryOut.from_orm(e).dict() for e in queries.last_entries(a)]}
            for a in queries.accounts_of(request.resident)]
