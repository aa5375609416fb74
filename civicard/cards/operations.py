"""Every write about cards: issue, activate, block, replace, print. Each is audited."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicard.cards import codes
from civicard.cards.exceptions import (
    CardAlreadyHeld,
    CardNotLive,
    NotYourCard,
    UidInvalid,
    UidTaken,
)
from civicard.cards.models import (
    LIVE_STATUSES,
    BlockReason,
    Card,
    CardEvent,
    CardKind,
    CardPurpose,
    CardStatus,
)
from civicard.core import audit
from civicard.core.errors import InvalidInput
from civicard.core.permissions import Role, check_role, holds_role
from civicard.people.models import Person

VALIDITY_YEARS = 5


def _commune_of(person: Person):
    membership = person.memberships.select_related("household__address__neighbourhood").first()
    return membership.household.commune_id if membership else None


def _event(card: Card, *, action: str, actor, at: datetime, detail: str = "") -> None:
    CardEvent.objects.create(card=card, action=action, at=at, detail=detail,
                             actor=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(actor=actor, action=f"card.{action}", obj=card, at=at,
                 extra={"person_id": card.person_id, "detail": detail})


def _default_expiry(at: datetime) -> date:
    today = timezone.localdate(at)
    try:
        return today.replace(year=today.year + VALIDITY_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + VALIDITY_YEARS, day=28)


def _create(*, person: Person, kind: str, purpose: str, uid: str | None, at: datetime,
            expires_on: date | None, replaces: Card | None = None,
            status: str = CardStatus.ISSUED) -> Card:
    if kind not in CardKind.values or purpose not in CardPurpose.values:
        raise InvalidInput(fields={"kind": [InvalidInput.message]})
    fields = {}
    if kind == CardKind.PHYSICAL:
        normalised = codes.normalise_uid(uid or "")
        if normalised is None:
            raise UidInvalid(fields={"uid": [UidInvalid.message]})
        fields = {"uid_hash": codes.uid_hash(normalised), "uid_hint": normalised[-4:]}
        if Card.objects.filter(uid_hash=fields["uid_hash"]).exists():
            raise UidTaken(fields={"uid": [UidTaken.message]})
    else:
        fields = {"secret": codes.new_secret()}
    if Card.objects.filter(person=person, kind=kind, purpose=purpose,
                           status__in=LIVE_STATUSES).exists():
        raise CardAlreadyHeld()
    if expires_on is not None and expires_on <= timezone.localdate(at):
        raise InvalidInput(fields={"expires_on": [InvalidInput.message]})
    try:
        with transaction.atomic():
            return Card.objects.create(
                person=person, kind=kind, purpose=purpose, number=codes.new_number(),
                status=status, issued_at=at,
                activated_at=at if status == CardStatus.ACTIVE else None,
                expires_on=expires_on or _default_expiry(at), replaces=replaces, **fields)
    except IntegrityError:
        raise CardAlreadyHeld() from None


@transaction.atomic
def issue_card(*, person: Person, kind: str, actor, at: datetime, uid: str | None = None,
               purpose: str = CardPurpose.RESIDENT, expires_on: date | None = None,
               hand_over: bool = True) -> Card:
    """A counter agent issues a card (handed over at once unless `hand_over` is False)."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=_commune_of(person))
    if purpose == CardPurpose.STAFF and not (person.user_id and person.user.role_assignments
                                             .exists()):
        raise InvalidInput(fields={"purpose": [InvalidInput.message]})
    card = _create(person=person, kind=kind, purpose=purpose, uid=uid, at=at,
                   expires_on=expires_on,
                   status=CardStatus.ACTIVE if hand_over else CardStatus.ISSUED)
    _event(card, action="issued", actor=actor, at=at, detail=kind)
    if hand_over:
        _event(card, action="activated", actor=actor, at=at)
    return card


def _guardian_of(user, person: Person) -> bool:
    me = getattr(user, "person", None)
    if me is None:
        return False
    if me.pk == person.pk:
        return True
    return person.memberships.filter(household__memberships__person=me,
                                     household__memberships__is_guardian=True).exists()


@transaction.atomic
def get_digital_card(*, person: Person, actor, at: datetime) -> Card:
    """A resident (or a guardian, for a child) takes a digital card: active at once."""
    if not (_guardian_of(actor, person) or holds_role(actor, Role.COUNTER_AGENT)):
        raise NotYourCard()
    existing = Card.objects.filter(person=person, kind=CardKind.DIGITAL,
                                   purpose=CardPurpose.RESIDENT,
                                   status__in=LIVE_STATUSES).first()
    if existing is not None:
        return existing
    card = _create(person=person, kind=CardKind.DIGITAL, purpose=CardPurpose.RESIDENT, uid=None,
                   at=at, expires_on=None, status=CardStatus.ACTIVE)
    _event(card, action="issued", actor=actor, at=at, detail=CardKind.DIGITAL)
    return card


@transaction.atomic
def activate_card(*, card: Card, actor, at: datetime) -> Card:
    check_role(actor, Role.COUNTER_AGENT, commune_id=_commune_of(card.person))
    updated = Card.objects.filter(pk=card.pk, status=CardStatus.ISSUED).update(
        status=CardStatus.ACTIVE, activated_at=at)
    if not updated:
        raise CardNotLive()
    card.refresh_from_db()
    _event(card, action="activated", actor=actor, at=at)
    return card


@transaction.atomic
def block_card(*, card: Card, reason: str, actor, at: datetime) -> Card:
    """Block at once: the holder (or their guardian) or a counter agent. Audited."""
    if not (_guardian_of(actor, card.person)
            or holds_role(actor, Role.COUNTER_AGENT, commune_id=_commune_of(card.person))):
        raise NotYourCard()
    if reason not in BlockReason.values:
        raise InvalidInput(fields={"reason": [InvalidInput.message]})
    updated = Card.objects.filter(pk=card.pk, status__in=LIVE_STATUSES).update(
        status=CardStatus.BLOCKED, block_reason=reason, blocked_at=at)
    if not updated:
        raise CardNotLive()
    card.refresh_from_db()
    _event(card, action="blocked", actor=actor, at=at, detail=reason)
    return card


@transaction.atomic
def replace_card(*, card: Card, actor, at: datetime, uid: str | None = None,
                 reason: str = BlockReason.LOST) -> Card:
    """Block the old card if still live, mark it replaced, issue a new one of the same kind.
    Rights and balances stay with the person and household: nothing else moves."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=_commune_of(card.person))
    card = Card.objects.select_for_update().get(pk=card.pk)
    if card.status == CardStatus.REPLACED:
        raise CardNotLive()
    if card.status in LIVE_STATUSES:
        if reason not in BlockReason.values:
            raise InvalidInput(fields={"reason": [InvalidInput.message]})
        card.status, card.block_reason, card.blocked_at = CardStatus.BLOCKED, reason, at
        _event(card, action="blocked", actor=actor, at=at, detail=reason)
    card.status = CardStatus.REPLACED
    card.save(update_fields=["status", "block_reason", "blocked_at"])
    new = _create(person=card.person, kind=card.kind, purpose=card.purpose, uid=uid, at=at,
                  expires_on=None, replaces=card, status=CardStatus.ACTIVE)
    _event(card, action="replaced", actor=actor, at=at, detail=new.number)
    _event(new, action="issued", actor=actor, at=at, detail=f"replaces {card.number}")
    return new


def record_print(*, card: Card, actor, at: datetime) -> None:
    check_role(actor, Role.COUNTER_AGENT, commune_id=_commune_of(card.person))
    _event(card, action="printed", actor=actor, at=at)
