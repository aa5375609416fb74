"""A card for every person: most physical, many digital, a few blocked or replaced; staff cards."""

from datetime import timedelta

from civicard.cards import codes
from civicard.cards.models import Card, CardEvent, CardKind, CardPurpose, CardStatus
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import Person


def _number(seed: int) -> str:
    body = "79" + f"{(seed * 7919 + 123456789) % 10**9:09d}"
    return body + codes.luhn_digit(body)


AMINA_UID = "04A3114A000019"  # the resident's chip, typed into terminal-sim by the demo notes


def _uid(rng) -> str:
    return "04" + "".join(rng.choice("0123456789ABCDEF") for _ in range(12))


def load(ctx):
    if Card.objects.exists():
        ctx.notes.append("Cards: log in as the resident and open “My card”; the counter agent "
                         "finds anyone by name or card number under “Cards”.")
        return
    rng = ctx.rng_for("cards")
    now = ctx.now
    people = list(Person.objects.filter(erased_at__isnull=True).select_related("user")
                  .order_by("pk"))
    staff_emails = {f"{local}@{DEMO_EMAIL_DOMAIN}" for local in
                    ("agent", "manager", "social", "mediator", "venue", "association",
                     "moderator", "admin")}
    cards, events, seed = [], [], 0
    replacements = []  # (old card, new card)

    def new_card(person, kind, purpose=CardPurpose.RESIDENT, status=CardStatus.ACTIVE,
                 issued_days_ago=0, reason="", uid=None):
        nonlocal seed
        seed += 1
        issued = now - timedelta(days=issued_days_ago)
        card = Card(person=person, kind=kind, purpose=purpose, number=_number(seed),
                    status=status, issued_at=issued, activated_at=issued,
                    expires_on=(issued + timedelta(days=5 * 365)).date(), block_reason=reason,
                    blocked_at=now - timedelta(days=rng.randint(1, 60)) if reason else None)
        if kind == CardKind.PHYSICAL:
            drawn = _uid(rng)  # drawn for a fixed chip too: the other cards stay the same
            uid = uid or drawn
            card.uid_hash, card.uid_hint = codes.uid_hash(uid), uid[-4:]
        else:
            card.secret = codes.new_secret()
        cards.append(card)
        return card

    for person in people:
        email = person.user.email if person.user_id else ""
        if email == f"resident@{DEMO_EMAIL_DOMAIN}":
            new_card(person, CardKind.DIGITAL, issued_days_ago=200)
            new_card(person, CardKind.PHYSICAL, issued_days_ago=400, uid=AMINA_UID)
            continue
        if email in staff_emails:
            new_card(person, CardKind.PHYSICAL, CardPurpose.STAFF, issued_days_ago=300)
            continue
        roll = rng.random()
        kind = CardKind.DIGITAL if roll < 0.35 and person.user_id else CardKind.PHYSICAL
        days = rng.randint(30, 900)
        if roll > 0.985:  # lost, then replaced
            old = new_card(person, kind, status=CardStatus.REPLACED, issued_days_ago=days,
                           reason=rng.choice(["lost", "stolen", "damaged"]))
            replacements.append((old, new_card(person, kind, issued_days_ago=rng.randint(1, 29))))
        elif roll > 0.975:  # blocked, not yet replaced
            new_card(person, kind, status=CardStatus.BLOCKED, issued_days_ago=days,
                     reason=rng.choice(["lost", "stolen"]))
        else:
            new_card(person, kind, issued_days_ago=days)
    Card.objects.bulk_create(cards, batch_size=1000)
    for old, new in replacements:
        new.replaces = old
    Card.objects.bulk_update([new for _, new in replacements], ["replaces"])
    for card in cards:
        events.append(CardEvent(card=card, at=card.issued_at, action="issued", detail=card.kind))
        if card.blocked_at:
            events.append(CardEvent(card=card, at=card.blocked_at, action="blocked",
                                    detail=card.block_reason))
    for old, new in replacements:
        events.append(CardEvent(card=old, at=new.issued_at, action="replaced",
                                detail=new.number))
    CardEvent.objects.bulk_create(events, batch_size=2000)
    ctx.notes.append("Cards: log in as the resident and open “My card”; the counter agent "
                     "finds anyone by name or card number under “Cards”.")
