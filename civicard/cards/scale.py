"""`seed-scale`: one card per resident (a few blocked, a few lost and replaced), with its
events. The cards' numbers are drawn from the chunk's number, so a chunk whose first card
exists is written (its rows were written in one transaction)."""

from datetime import timedelta

from civicard.cards import codes
from civicard.cards.demo import _number
from civicard.cards.models import Card, CardEvent, CardKind, CardPurpose, CardStatus

FIRST_SEED = 100_000_000  # the demo's cards use the first seeds
SEEDS_PER_CHUNK = 100_000  # more than a chunk's cards


def _seed(chunk, n: int) -> int:
    return FIRST_SEED + chunk.index * SEEDS_PER_CHUNK + n


def is_built(chunk) -> bool:
    return Card.objects.filter(number=_number(_seed(chunk, 0))).exists()


def build(chunk):
    rng, now = chunk.rng, chunk.now
    cards = chunk.writer.table(Card, "id person_id kind purpose number uid_hash uid_hint status "
                                     "block_reason issued_at activated_at blocked_at expires_on "
                                     "replaces_id")
    events = chunk.writer.table(CardEvent, "card_id at action detail")
    key = codes.uid_hash_key()
    active = chunk.made["cards"] = {}  # person: active card
    n = 0

    def card(person_id, status, issued, reason="", blocked=None, replaces=None) -> tuple:
        nonlocal n
        number = _number(_seed(chunk, n))
        n += 1
        uid = f"04{rng.getrandbits(48):012X}"
        card_id = cards.next_id()
        cards.add(card_id, person_id, CardKind.PHYSICAL, CardPurpose.RESIDENT, number,
                  codes.uid_hash_with(key, uid), uid[-4:], status, reason, issued, issued,
                  blocked, (issued + timedelta(days=5 * 365)).date(), replaces)
        events.add(card_id, issued, "issued", CardKind.PHYSICAL)
        if blocked:
            events.add(card_id, blocked, "blocked", reason)
        return card_id, number

    for _household, _commune, _bracket, members in chunk.made["households"]:
        for person_id, _adult, _age in members:
            roll = rng.random()
            issued = now - timedelta(days=rng.randint(30, 900), minutes=rng.randint(0, 600))
            if roll > 0.985:  # lost, then replaced
                reason = rng.choice(["lost", "stolen", "damaged"])
                again = now - timedelta(days=rng.randint(1, 29))
                old, _ = card(person_id, CardStatus.REPLACED, issued, reason,
                              blocked=again - timedelta(hours=2))
                active[person_id], number = card(person_id, CardStatus.ACTIVE, again,
                                                 replaces=old)
                events.add(old, again, "replaced", number)
            elif roll > 0.975:  # blocked, not yet replaced
                card(person_id, CardStatus.BLOCKED, issued, rng.choice(["lost", "stolen"]),
                     blocked=now - timedelta(days=rng.randint(1, 60)))
            else:
                active[person_id], _ = card(person_id, CardStatus.ACTIVE, issued)
