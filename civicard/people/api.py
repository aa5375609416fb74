from ninja import Router, Schema
from ninja.security import django_auth

from civicard.core.errors import NotFound

router = Router(tags=["people"], auth=django_auth)


class HouseholdMember(Schema):
    person_id: int
    display_name: str
    is_guardian: bool


class HouseholdOut(Schema):
    id: int
    neighbourhood: str | None
    members: list[HouseholdMember]


class MeOut(Schema):
    person_id: int
    display_name: str
    language: str
    households: list[HouseholdOut]


@router.get("/me", response=MeOut, summary="The logged-in person and their households")
def me(request):
    from civicard.people.queries import households_of

    person = request.resident
    if person is None:
        raise NotFound()
    return {
        "person_id": person.pk,
        "display_name": person.display_name,
        "language": person.language,
        "households": [
            {
                "id": h.pk,
                "neighbourhood": h.address.neighbourhood.name if h.address else None,
                "members": [
                    {"person_id": m.person_id, "display_name": m.person.display_name,
                     "is_guardian": m.is_guardian}
                    for m in h.memberships.all()
                ],
            }
            for h in households_of(person)
        ],
    }
