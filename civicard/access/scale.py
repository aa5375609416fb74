"""`seed-scale`: a year of door decisions for a chunk's residents at the seeds' rate (3,000
uses a week per 39,000 residents): the pool visits wallets charged (each allowed one with its
ledger entry, the short ones refused), the rest at the waste centre (counted against the
households' yearly quota) and the squash court, a few refused; an allow-list change
("everything may have changed") so terminals fetch a full list."""

from datetime import timedelta

from civicard.access.models import (
    AccessChange,
    Decision,
    Outcome,
    Quota,
    QuotaCounter,
    Terminal,
    Via,
)
from civicard.core.scale import DOOR_USES_PER_RESIDENT_PER_WEEK

WASTE, SQUASH = 120, 20  # the demo's uses a day at these doors (the pools: 230)
REFUSED = 0.06
REASONS = ["no_right", "closed", "card_blocked", "already_used"]


def _fixed(run):
    terminals = {}
    for terminal in Terminal.objects.select_related("checkpoint__facility", "checkpoint__service"
                                                    ).order_by("pk"):
        service = terminal.checkpoint.service
        if service and service.slug not in terminals:
            terminals[service.slug] = (terminal.pk, terminal.checkpoint_id)
    quota = Quota.objects.filter(service__slug="waste-centre").values_list("pk", flat=True).first()
    return {"terminals": terminals, "quota": quota}


def build(chunk):
    fixed = chunk.run.once("access", lambda: _fixed(chunk.run))
    terminals = fixed["terminals"]
    rng, now = chunk.rng, chunk.now
    decisions = chunk.writer.table(Decision, "terminal_id checkpoint_id idempotency_key at "
                                             "recorded_at card_id person_id household_id outcome "
                                             "reason_code via right entry_id shortfall_cents "
                                             "counted response")
    cards = chunk.made["cards"]
    n = 0

    def decide(slug, at, person, household, reason="ok", entry=None, short=0, counted=False):
        nonlocal n
        terminal, checkpoint = terminals[slug]
        n += 1
        allowed = reason == "ok"
        decisions.add(terminal, checkpoint, f"scale-{chunk.index}-{n}", at, at,
                      cards.get(person), person, household,
                      Outcome.ALLOW if allowed else Outcome.DENY, reason,
                      Via.OFFLINE if rng.random() < 0.03 else Via.ONLINE,
                      "enrolment" if allowed else "", entry, short, counted,
                      {"decision": "allow" if allowed else "deny", "reason_code": reason})

    if "pool-aquabrenne" in terminals:
        for at, person, household, entry, short in chunk.made.get("pool_visits", []):
            decide("pool-aquabrenne", at, person, household,
                   "ok" if entry else "insufficient_balance", entry, short)
    residents = [(household, person) for household, _c, _b, members in chunk.made["households"]
                 for person, adult, _age in members if adult and person in cards]
    if not residents:
        return
    people = sum(len(members) for *_x, members in chunk.made["households"])
    others = max(0, round(DOOR_USES_PER_RESIDENT_PER_WEEK * 52 * people)
                 - len(chunk.made.get("pool_visits", [])))
    used: dict[tuple[int, int], int] = {}
    for _ in range(others):
        slug = "waste-centre" if rng.random() < WASTE / (WASTE + SQUASH) else "squash"
        if slug not in terminals:
            continue
        household, person = rng.choice(residents)
        day = now - timedelta(days=rng.randint(1, 365))
        if day.weekday() == 6 or (slug == "waste-centre" and day.weekday() == 0):
            day -= timedelta(days=2)  # open Tuesday to Saturday (squash: Monday too)
        at = day.replace(hour=rng.choice([9, 10, 11, 14, 15, 16, 17]),
                         minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
        reason = "ok" if rng.random() > REFUSED else rng.choice(REASONS)
        counted = slug == "waste-centre" and reason == "ok" and fixed["quota"] is not None
        if counted:
            used[household, at.year] = used.get((household, at.year), 0) + 1
        decide(slug, at, person, household, reason, counted=counted)
    counters = chunk.writer.table(QuotaCounter, "quota_id household_id year used")
    for (household, year), count in sorted(used.items()):
        counters.add(fixed["quota"], household, year, count)
    chunk.writer.table(AccessChange, "person_id at").add(None, now)
