"""Demo: 2 pools, a waste centre, a squash court, the town hall and 3 schools with doors (one
school in the second commune, whose building manager sees only it); a registered terminal per
checkpoint; staff door groups; four weeks of scan history."""

from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from civicard.access.models import (
    Checkpoint,
    Decision,
    DoorGroup,
    Facility,
    Outcome,
    Quota,
    Terminal,
    TimeWindow,
    Via,
)
from civicard.access.terminals import token_hash
from civicard.cards import codes
from civicard.cards.models import Card, CardKind, CardStatus
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.core.permissions import Role
from civicard.people.demo import _login, _person
from civicard.people.models import Household, Membership, Person, RoleAssignment, User
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import (
    Enrolment,
    PaymentMode,
    Service,
    ShortageRule,
    Tariff,
)

DEMO_TOKEN = "cct_demo-pool-turnstile-do-not-use-in-production"
DEMO_UID = "04DE30ACCE5501"  # the test card of Lou Essai, enrolled at the pool
SECOND_COMMUNE_SCHOOL = "École Jean Jaurès"
WEEKS = 4

SQUASH_HOURS = "Mo-Sa 09:00-12:00,14:00-18:00; PH off"
POOL_HOURS = "Mo-Fr 07:00-21:00; Sa,Su 09:00-19:00; PH off"
FACILITIES = [
    # name, kind, service slug, [(checkpoint, kind, hours, charge_use, passback)]
    ("Piscine Aquabrenne", "pool", "pool-aquabrenne",
     [("Tourniquet d'entrée", "turnstile", POOL_HOURS, "entry", 120)]),
    ("Piscine des Ormeaux", "pool", "pool-ormeaux",
     [("Tourniquet d'entrée", "turnstile", "Jun-Aug Mo-Su 10:00-19:00; PH off", "entry", 120)]),
    ("Déchèterie de la Maladrerie", "waste_centre", "waste-centre",
     [("Barrière", "gate", "Tu-Sa 09:00-12:00,14:00-18:00; PH off", "", None)]),
    ("Squash du Parc", "sports", "squash",  # staffed hours; bookings open it at any time
     [("Porte du court", "door", SQUASH_HOURS, "", None)]),
    ("Hôtel de ville", "town_hall", None,
     [("Entrée du personnel", "door", "Mo-Fr 08:30-17:30; PH off", "", None),
      ("Porte des archives", "door", "Mo-Fr 08:30-17:30; PH off", "", None)]),
    ("École Jules Ferry", "school", None,
     [("Portail", "gate", "Mo,Tu,Th,Fr 08:20-16:45; We 08:20-12:00; PH off", "", None),
      ("Porte de service", "door", "Mo-Fr 08:00-17:00; PH off", "", None)]),
    ("École Marie Curie", "school", None,
     [("Portail", "gate", "Mo,Tu,Th,Fr 08:20-16:45; We 08:20-12:00; PH off", "", None),
      ("Porte de service", "door", "Mo-Fr 08:00-17:00; PH off", "", None)]),
    ("École Jean Jaurès", "school", None,
     [("Portail", "gate", "Mo,Tu,Th,Fr 08:20-16:45; We 08:20-12:00; PH off", "", None),
      ("Porte de service", "door", "Mo-Fr 08:00-17:00; PH off", "", None)]),
]
SERVICE_DEFAULTS = {  # used only when the wallets demo has not created them
    "pool-aquabrenne": ("Aquabrenne pool", PaymentMode.PREPAID_WALLET),
    "pool-ormeaux": ("Les Ormeaux outdoor pool", PaymentMode.ENTRIES_PACK),
    "waste-centre": ("Waste centre", PaymentMode.FREE),
    "squash": ("Squash court", PaymentMode.PER_USE),
}


def _services(ctx):
    services = {}
    for slug, (name, mode) in SERVICE_DEFAULTS.items():
        services[slug], _ = Service.objects.get_or_create(
            territory=ctx.territory, slug=slug,
            defaults={"name": name, "payment_mode": mode, "shortage_rule": ShortageRule.REFUSE})
    pool = services["pool-aquabrenne"]
    if not Tariff.objects.filter(service=pool, use="entry").exists():
        Tariff.objects.create(service=pool, use="entry", amount_cents=320,
                              valid_from=date(ctx.now.year - 1, 1, 1), created_at=ctx.now)
    Quota.objects.get_or_create(service=services["waste-centre"],
                                defaults={"free_per_year": 24, "max_per_year": 34,
                                          "charge_use": "visit"})
    return services


def _enrol_every_household_at_the_waste_centre(ctx, waste):
    """Every demo household may use the waste centre (its quota counts per household). Once
    done, a second run adds nothing: households created later at the counter are left as an
    agent made them."""
    if Enrolment.objects.filter(service=waste).exists():
        return
    Enrolment.objects.bulk_create(
        [Enrolment(service=waste, household_id=pk, starts_on=date(ctx.now.year - 1, 1, 1),
                   created_at=ctx.now)
         for pk in Household.objects.filter(territory=ctx.territory).values_list("pk", flat=True)],
        batch_size=1000)


def _test_card(ctx, pool):
    """Lou Essai's household: enrolled at the pool with 20 € on its account, and a physical
    card whose chip number is printed by `civicard demo` for terminal-sim."""
    if Card.objects.filter(uid_hash=codes.uid_hash(DEMO_UID)).exists():
        return
    person = Person.objects.create(full_name="Lou Essai", language="fr")
    household = Household.objects.create(territory=ctx.territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    Enrolment.objects.create(service=pool, household=household,
                             starts_on=date(ctx.now.year - 1, 1, 1), created_at=ctx.now)
    if pool.has_wallet:
        account = wallets.open_account(household=household, service=pool, at=ctx.now)
        agent = User.objects.get(email=f"agent@{DEMO_EMAIL_DOMAIN}")
        # A top-up is a transaction of its own: it follows the demo's.
        transaction.on_commit(lambda: wallets.top_up(
            account=account, amount_cents=2000, means="cash", reason=Label("counter_top_up"),
            idempotency_key="demo-access-test-card", actor=agent, at=ctx.now))
    Card.objects.create(person=person, kind=CardKind.PHYSICAL, number=codes.new_number(),
                        uid_hash=codes.uid_hash(DEMO_UID), uid_hint=DEMO_UID[-4:],
                        status=CardStatus.ACTIVE, issued_at=ctx.now, activated_at=ctx.now,
                        expires_on=timezone.localdate(ctx.now).replace(year=ctx.now.year + 5))


def _history(ctx, terminals, cards_by_person, staff_groups):
    """About 3,000 uses a week, most at the pools and the waste centre, some refused."""
    if Decision.objects.filter(idempotency_key__startswith="demo-").exists():
        return
    rng = ctx.rng_for("access")
    residents = [c for c in cards_by_person.values()]
    tz_now = ctx.now
    rows = []
    by_kind = {}
    for terminal in terminals:
        by_kind.setdefault(terminal.checkpoint.facility.kind, []).append(terminal)
    weights = [("pool", 230), ("waste_centre", 120), ("sports", 20), ("town_hall", 40),
               ("school", 40)]
    days = WEEKS * 7
    staff_cards = [cards_by_person[p.pk] for g in staff_groups for p in g.members.all()
                   if p.pk in cards_by_person]
    reasons = ["insufficient_balance", "no_right", "closed", "card_blocked", "already_used"]
    n = 0
    for day in range(days, 0, -1):
        base = (tz_now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        for kind, per_day in weights:
            pool = by_kind.get(kind) or []
            if not pool:
                continue
            for _ in range(rng.randint(per_day * 3 // 4, per_day * 5 // 4) // (
                    2 if base.weekday() >= 5 and kind != "pool" else 1)):
                terminal = rng.choice(pool)
                staff = kind in ("town_hall", "school")
                card = rng.choice(staff_cards if staff and staff_cards else residents)
                at = base + timedelta(hours=rng.choice([6, 7, 9, 10, 11, 14, 15, 16, 17]) - 1,
                                      minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
                allowed = rng.random() > 0.06
                reason = "ok" if allowed else rng.choice(reasons)
                n += 1
                rows.append(Decision(
                    terminal=terminal, checkpoint=terminal.checkpoint,
                    idempotency_key=f"demo-{n}", at=at, recorded_at=at, card=card,
                    person_id=card.person_id, outcome=Outcome.ALLOW if allowed else Outcome.DENY,
                    reason_code=reason, via=Via.OFFLINE if rng.random() < 0.03 else Via.ONLINE,
                    right=("staff" if staff else "enrolment") if allowed else "",
                    response={"decision": "allow" if allowed else "deny",
                              "reason_code": reason}))
    Decision.objects.bulk_create(rows, batch_size=2000)


def load(ctx):
    if ctx.territory is None:
        return
    services = _services(ctx)
    _test_card(ctx, services["pool-aquabrenne"])
    _enrol_every_household_at_the_waste_centre(ctx, services["waste-centre"])
    communes = list(ctx.territory.communes.order_by("pk")[:2])
    checkpoints = []
    for name, kind, slug, points in FACILITIES:
        commune = communes[-1] if name == SECOND_COMMUNE_SCHOOL else communes[0]
        facility, _ = Facility.objects.get_or_create(
            territory=ctx.territory, name=name, defaults={"kind": kind, "commune": commune})
        for cp_name, cp_kind, hours, charge_use, passback in points:
            checkpoint, _ = Checkpoint.objects.get_or_create(
                facility=facility, name=cp_name, defaults={
                    "kind": cp_kind, "service": services.get(slug) if slug else None,
                    "opening_hours": hours, "charge_use": charge_use,
                    "passback_seconds": passback})
            checkpoints.append(checkpoint)
    terminals = []
    for index, checkpoint in enumerate(checkpoints):
        token = DEMO_TOKEN if index == 0 else f"cct_demo-{checkpoint.pk}-not-secret"
        terminal, _ = Terminal.objects.get_or_create(
            token_hash=token_hash(token), defaults={
                "checkpoint": checkpoint, "name": f"{checkpoint.facility.name} — {checkpoint.name}",
                "token_hint": token[-4:], "registered_at": ctx.now, "language": "fr",
                "software_version": "demo-reader/2.3", "last_seen_at": ctx.now})
        terminals.append(terminal)
    cards = {c.person_id: c for c in Card.objects.filter(kind=CardKind.PHYSICAL,
                                                         status=CardStatus.ACTIVE)}
    staff_people = list(Person.objects.filter(user__role_assignments__isnull=False).distinct())
    residents = [pk for pk in cards if pk not in {p.pk for p in staff_people}]
    staff_groups = _door_groups(ctx, staff_people, residents)
    _history(ctx, terminals, cards, staff_groups)
    _commune_manager(ctx, communes[-1])
    ctx.notes.append(
        "Access: the manager opens “Access and terminals” (live log, uses this week; add or "
        "change places, checkpoints and their opening hours, door groups with their times and "
        "staff, yearly quotas; delete one added by mistake — one in use stays, and the page "
        "says why); buildings@ sees and edits only the school of its commune, and only its "
        "commune's pool under “Services, tariffs and balances”. Try a "
        f"reader against `make demo`: `.venv/bin/civicard terminal-sim --url {ctx.url} "
        f"--token {DEMO_TOKEN}`, "
        f"then type {DEMO_UID} (Lou Essai's card; the Aquabrenne pool opens 07:00-21:00, "
        "09:00-19:00 at weekends, and answers `closed` outside), `offline`, the same number "
        "again, `online`. Amina's phone QR payload works online too.")


def _commune_manager(ctx, commune):
    """A building manager of one commune: /access/ shows and edits only its places."""
    user = _login(f"buildings@{DEMO_EMAIL_DOMAIN}")
    _person(user, "Élise Garnier", "fr")
    RoleAssignment.objects.get_or_create(user=user, role=Role.SERVICE_MANAGER, commune=commune)
    ctx.logins.append((f"Building manager of {commune.name} only", user.email))


def _door_groups(ctx, staff_people, people):
    schools = list(Facility.objects.filter(territory=ctx.territory, kind="school"))
    second_school = [f for f in schools if f.name == SECOND_COMMUNE_SCHOOL]
    town_hall = Facility.objects.filter(territory=ctx.territory, kind="town_hall").first()
    rng = ctx.rng_for("access-staff")
    cleaners = rng.sample(sorted(people), min(6, len(people)))
    groups = []
    specs = [
        ("Équipe d'entretien — toutes les écoles", schools, cleaners,
         [(d, time(6), time(8)) for d in range(5)] + [(4, time(22), time(2))]),
        ("Agents de la mairie", [town_hall] if town_hall else [], staff_people,
         [(d, time(7, 30), time(19)) for d in range(5)]),
        ("Gardien — École Jean Jaurès", second_school, cleaners[:1],
         [(d, time(6, 30), time(19)) for d in range(5)] + [(5, time(20), time(1))]),
    ]
    for name, facilities, members, windows in specs:
        group, created = DoorGroup.objects.get_or_create(territory=ctx.territory, name=name)
        if created:
            group.facilities.set([f for f in facilities if f])
            group.members.set(list(members))
            TimeWindow.objects.bulk_create([TimeWindow(group=group, weekday=d, starts=s, ends=e)
                                            for d, s, e in windows])
        groups.append(group)
    return groups


