"""Reads about cards; `card_for_credential` is what every terminal and desk calls."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from civicard.cards import codes
from civicard.cards.exceptions import CardBlocked, CardExpired, CardUnknown, QrExpired
from civicard.cards.models import Card, CardKind, CardStatus
from civicard.core.permissions import Role, check_role
from civicard.core.text import searchable
from civicard.formats import DATE_INPUT_FORMATS
from civicard.people.models import Membership, Person


def _usable(card: Card, at: datetime) -> Card:
    if card.status in (CardStatus.BLOCKED, CardStatus.REPLACED):
        raise CardBlocked()
    if card.status != CardStatus.ACTIVE:
        raise CardBlocked()
    if card.expires_on < timezone.localdate(at):
        raise CardExpired()
    return card


def usable_physical_cards(on: date) -> QuerySet[Card]:
    """The chip cards a reader may accept on `on`, as `check_presented` judges one card."""
    return Card.objects.filter(kind=CardKind.PHYSICAL, status=CardStatus.ACTIVE,
                               expires_on__gte=on)


def credential_lookup(credential: str) -> dict | None:
    """The unique columns a presented credential names: a chip UID's keyed hash, or the number
    of a digital card for a rotating QR payload (CC1.<number>.<code>). None if unreadable."""
    credential = (credential or "").strip()
    if credential.startswith(codes.QR_PREFIX + "."):
        parts = credential.split(".")
        return {"number": parts[1], "kind": CardKind.DIGITAL} if len(parts) == 3 else None
    uid = codes.normalise_uid(credential)
    return {"uid_hash": codes.uid_hash(uid)} if uid else None


def check_presented(card: Card | None, credential: str, at: datetime) -> Card:
    """The card found by `credential_lookup`, if it may be used at `at`; else raises
    CardUnknown, CardBlocked, CardExpired or QrExpired. A rotating QR code must be current."""
    if card is None:
        raise CardUnknown()
    if card.kind != CardKind.DIGITAL:
        return _usable(card, at)
    if not card.secret:
        raise CardUnknown()
    age = codes.code_age(card.secret, credential.strip().split(".")[2], at.timestamp())
    if age is None:
        raise CardUnknown()
    _usable(card, at)
    if age > codes.TOLERANCE_STEPS:
        raise QrExpired()
    return card


def card_for_credential(credential: str, at: datetime) -> Card:
    """The card behind what a reader sent: a chip UID, or the rotating QR payload of a digital
    card. Raises CardUnknown, CardBlocked, CardExpired or QrExpired. The static QR printed on
    a card is refused here: it only finds a person at a counter."""
    lookup = credential_lookup(credential)
    card = (Card.objects.select_related("person").filter(**lookup).first()
            if lookup is not None else None)
    return check_presented(card, credential, at)


def card_for_typed_number(text: str, at: datetime) -> Card | None:
    """The physical card whose printed 12-digit number a desk agent typed (spaces allowed), if
    it may be used at `at`; None when the text is no card number. A digital card's number is
    refused: only its rotating QR proves the phone is there."""
    number = "".join(text.split())
    if not codes.number_is_valid(number):
        return None
    card = (Card.objects.select_related("person")
            .filter(number=number, kind=CardKind.PHYSICAL).first())
    return _usable(card, at) if card is not None else None


def people_matching(agent, text: str) -> QuerySet[Person]:
    """Counter search, every match in name order. A card number (spaces allowed), the printed
    QR, a rotating QR or a chip UID finds the card's holder; a date finds who was born that day;
    text starting with a number finds who lives at that address; any other text finds the names
    holding each of its words, accents and case aside ("benali" finds "Bénali"), and on
    PostgreSQL also the names within a typo of it (trigram similarity)."""
    check_role(agent, Role.COUNTER_AGENT, Role.SERVICE_MANAGER)
    text = " ".join((text or "").split())
    people = Person.objects.filter(erased_at__isnull=True).order_by("search_name", "pk")
    if len(text) < 2:
        return people.none()
    compact = text.replace(" ", "")
    if compact.startswith(codes.STATIC_PREFIX + "."):
        return people.filter(cards__number=compact.split(".", 1)[1])
    if compact.startswith(codes.QR_PREFIX + ".") and compact.count(".") == 2:
        return people.filter(cards__number=compact.split(".")[1])
    cards = Q(number=compact) if compact.isdigit() else Q(pk__in=[])
    uid = codes.normalise_uid(compact)
    if uid:
        cards |= Q(uid_hash=codes.uid_hash(uid))
    holders = Q(pk__in=Card.objects.filter(cards).values("person_id"))
    if compact.isdigit():
        return people.filter(holders)
    born = _typed_date(text)
    if born is not None:
        return people.filter(birth_date=born)
    if text[0].isdigit():  # "12 rue des Lilas"
        return people.filter(memberships__household__address__street__icontains=text)
    name = searchable(text)
    if not name:
        return people.none()
    by_name = Q()
    for word in name.split():
        by_name &= Q(search_name__contains=word)
    if len(name) >= 4:
        by_name |= Q(search_name__resembles=name)
    return people.filter(by_name | holders if uid else by_name)


def _typed_date(text: str) -> date | None:
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class PeoplePage:
    """One page of the counter search: `people` in name order, the first being the `start`-th
    of `total` matches; `next_after` the pk to continue after when more follow."""

    people: list[Person]
    start: int
    total: int
    next_after: int | None

    @property
    def end(self) -> int:
        return self.start + len(self.people) - 1


def people_page(agent, text: str, *, after: int | None = None, start: int = 1,
                size: int = 30) -> PeoplePage:
    """The `size` matches of the counter search that follow the person `after` in name order
    (keyset paging: a late page reads no more than the first), `start` being the position of
    the first of them (the caller's count, for display). One query: the matches are counted as
    they are read to be sorted (a second query counting them read every match again, the cost
    of a common surname: docs/decisions/0026)."""
    matching = people_matching(agent, text)
    last = (Person.objects.filter(pk=after).values_list("search_name", flat=True).first()
            if after is not None else None)
    if last is not None:
        matching = matching.filter(Q(search_name__gt=last) | Q(search_name=last, pk__gt=after),
                                   search_name__gte=last)
    else:
        start = 1
    rows = list(matching.annotate(matches=Window(Count("pk")))[:size + 1])
    if not rows and last is not None:  # a stale link: those after it have gone
        return people_page(agent, text, size=size)
    people = rows[:size]
    return PeoplePage(people=people, start=start,
                      total=start - 1 + rows[0].matches if rows else 0,
                      next_after=people[-1].pk if len(rows) > size else None)


def find_people(agent, text: str, *, limit: int = 30):
    """The first `limit` people of the counter search."""
    return people_matching(agent, text)[:limit]


def cards_of(person: Person):
    return person.cards.prefetch_related("events__actor").order_by("-issued_at", "-id")


def live_digital_card(person: Person) -> Card | None:
    return (Card.objects.filter(person=person, kind=CardKind.DIGITAL,
                                status=CardStatus.ACTIVE).first())


def household_cards(person: Person):
    """The resident's cards and those of the other members of households they guard."""
    # The few people read first: "this person OR a subquery" is planned as a scan of every card.
    guarded = Membership.objects.filter(household__in=Membership.objects.filter(
        person=person, is_guardian=True).values("household_id")).values_list("person_id", flat=True)
    return (Card.objects.filter(person__in={person.pk, *guarded})
            .select_related("person").order_by("person_id", "-issued_at"))
