from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from civicard.core import audit, clock
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role, check_role, holds_role
from civicard.core.text import searchable
from civicard.people.models import Household, Membership, Person

MEMBERS = Prefetch("memberships", queryset=Membership.objects.select_related("person")
                   .order_by("-is_guardian", "person__birth_date"))


def households_of(person: Person | None):
    if person is None:
        return Household.objects.none()
    return (Household.objects.filter(memberships__person=person)
            .select_related("address__neighbourhood__commune").prefetch_related(MEMBERS)
            .order_by("pk"))


def household_for_member(person: Person | None, pk: int) -> Household:
    return get_object_or_404(households_of(person), pk=pk)


def household_for_agent(agent, pk: int) -> Household:
    household = get_object_or_404(
        Household.objects.select_related("address__neighbourhood__commune", "income_bracket")
        .prefetch_related(MEMBERS), pk=pk)
    check_role(agent, Role.COUNTER_AGENT, Role.SERVICE_MANAGER, commune_id=household.commune_id)
    return household


def find_households(agent, text: str, *, limit: int = 30):
    """Households whose member's name, e-mail or phone contains `text`, within the agent's
    communes (households with no address yet are visible to every agent)."""
    check_role(agent, Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
    text = " ".join((text or "").split())
    if len(text) < 2:
        return Household.objects.none()
    # Names through the normalised, indexed column (as the counter's people search); an e-mail
    # or a phone number only when the text looks like one, so a name never scans every person.
    people = Q()
    for word in searchable(text).split():
        people &= Q(search_name__contains=word)
    if "@" in text:
        people = Q(email__iexact=text)
    elif text.lstrip("+").replace(" ", "").isdigit():
        people = Q(phone__contains=text.replace(" ", ""))
    if not people:
        return Household.objects.none()
    found = Q(pk__in=Membership.objects.filter(person__in=Person.objects.filter(people))
              .values("household_id"))
    if text.isdigit():
        found |= Q(pk=int(text))
    matches = Household.objects.filter(found)
    scopes = agent.role_assignments.values_list("commune_id", flat=True)
    if not holds_role(agent, Role.ADMINISTRATOR) and None not in set(scopes):
        matches = matches.filter(Q(address__neighbourhood__commune_id__in=scopes)
                                 | Q(address__isnull=True))
    return (matches.select_related("address__neighbourhood__commune")
            .prefetch_related(MEMBERS).order_by("pk")[:limit])


def income_bracket_for(household: Household, *, reader, reader_person: Person | None):
    """The household's bracket, for its own guardians or an agent; an agent's read is audited."""
    if reader_person and household.memberships.filter(person=reader_person,
                                                      is_guardian=True).exists():
        return household.income_bracket
    check_role(reader, Role.COUNTER_AGENT, Role.SERVICE_MANAGER, commune_id=household.commune_id)
    audit.record(actor=reader, action="household.income_bracket_read", obj=household,
                 at=clock.now())
    return household.income_bracket


def export_person_data(person: Person) -> dict:
    """Everything Civicard holds about a person, for the person themselves."""
    households = []
    for household in households_of(person):
        households.append({
            "id": household.pk,
            "address": str(household.address) if household.address else None,
            "neighbourhood": household.address.neighbourhood.name if household.address else None,
            "income_bracket": household.income_bracket.label if household.income_bracket else None,
            "members": [
                {"name": m.person.full_name, "guardian": m.is_guardian,
                 "birth_date": m.person.birth_date.isoformat() if m.person.birth_date else None}
                for m in household.memberships.all()
            ],
        })
    from civicard.notifications.models import Notification
    from civicard.people.signals import person_exported

    sections = {}
    for _receiver, contribution in person_exported.send(sender=Person, person=person):
        sections.update(contribution or {})
    return {
        "person": {
            "full_name": person.full_name,
            "preferred_name": person.preferred_name,
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "language": person.language,
            "email": person.email,
            "phone": person.phone,
            "login": person.user.email if person.user else None,
        },
        "households": households,
        "notifications": [
            {"at": n.created_at.isoformat(), "subject": n.subject, "body": n.body}
            for n in Notification.objects.filter(person=person).order_by("created_at")
        ],
        "actions_about_you": [
            {"at": e.at.isoformat(), "action": e.action}
            for e in AuditLogEntry.objects.filter(object_type="people.person",
                                                  object_id=str(person.pk)).order_by("at")
        ],
        **sections,
    }
