"""The service catalogue with QF tariffs, canteen and pool wallets with three months of
movements (some canteen balances below zero), and the counter agent's cash day."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import Household, Membership, User
from civicard.territory.demo import give_names
from civicard.territory.models import Commune, IncomeBracket
from civicard.wallets.labels import Label
from civicard.wallets.models import (
    Account,
    Enrolment,
    LedgerEntry,
    PaymentMode,
    Service,
    ShortageRule,
    Tariff,
)
from civicard.wallets.operations import reason_fields

# The demo territory is French: what staff type in (service names, reasons) is in French.
# slug, name, commune code (None: whole territory), mode, rule, floor in cents
POOL_TURNSTILE = "Tourniquet d'entrée"  # the pool's checkpoint in access/demo.py
SERVICES = [
    ("canteen", "Restaurant scolaire", "79901", PaymentMode.PREPAID_WALLET,
     ShortageRule.SERVE_AND_GO_NEGATIVE, -3000),
    ("daycare", "Accueil périscolaire", "79901", PaymentMode.PREPAID_WALLET,
     ShortageRule.SERVE_AND_GO_NEGATIVE, None),
    ("leisure-centre", "Centre de loisirs", None, PaymentMode.PREPAID_WALLET, ShortageRule.REFUSE,
     None),
    ("pool-aquabrenne", "Piscine Aquabrenne", None, PaymentMode.PREPAID_WALLET,
     ShortageRule.REFUSE, None),
    ("pool-ormeaux", "Piscine découverte des Ormeaux", "79902", PaymentMode.ENTRIES_PACK,
     ShortageRule.REFUSE, None),
    ("library", "Médiathèque", None, PaymentMode.FREE, ShortageRule.REFUSE, None),
    ("toy-library", "Ludothèque", None, PaymentMode.FREE, ShortageRule.REFUSE, None),
    ("waste-centre", "Déchèterie", None, PaymentMode.FREE, ShortageRule.REFUSE, None),
    ("squash", "Court de squash", "79901", PaymentMode.PER_USE, ShortageRule.REFUSE, None),
    ("rooms", "Salles municipales", None, PaymentMode.PER_USE, ShortageRule.REFUSE, None),
]
SERVICE_NAMES = {
    "Restaurant scolaire": {"en": "School canteen", "uk": "Шкільна їдальня",
                            "ar": "مطعم المدرسة", "fa": "غذاخوری مدرسه", "ta": "பள்ளி உணவகம்",
                            "ti": "ቤት መግቢ ቤት ትምህርቲ"},
    "Accueil périscolaire": {"en": "Before and after school care",
                             "uk": "Група продовженого дня", "ar": "رعاية ما قبل المدرسة وبعدها",
                             "fa": "مراقبت قبل و بعد از مدرسه"},
    "Centre de loisirs": {"en": "Leisure centre", "uk": "Центр дозвілля",
                          "ar": "مركز الترفيه", "fa": "مرکز تفریحی"},
    "Piscine Aquabrenne": {"en": "Aquabrenne pool", "uk": "Басейн Аквабрен",
                           "ar": "مسبح أكوابرين", "fa": "استخر آکوابرن", "ta": "அக்வாப்ரென் நீச்சல் குளம்",
                           "ti": "መሕምብሲ ኣኳብረን"},
    "Médiathèque": {"en": "Library", "uk": "Бібліотека", "ar": "المكتبة", "fa": "کتابخانه"},
    "Ludothèque": {"en": "Toy library", "uk": "Бібліотека іграшок", "ar": "مكتبة الألعاب",
                   "fa": "کتابخانهٔ اسباب‌بازی"},
    "Déchèterie": {"en": "Recycling centre", "uk": "Пункт прийому відходів",
                   "ar": "مركز إعادة التدوير", "fa": "مرکز بازیافت"},
}
# use, {bracket code: cents} for residents, cents for non-residents
TARIFFS = {
    "canteen": ("meal", {"QF1": 90, "QF2": 180, "QF3": 290, "QF4": 390}, 480),
    "daycare": ("hour", {"QF1": 50, "QF2": 90, "QF3": 140, "QF4": 190}, 250),
    "leisure-centre": ("day", {"QF1": 400, "QF2": 750, "QF3": 1100, "QF4": 1500}, 2000),
    "pool-aquabrenne": ("entry", {"QF1": 160, "QF2": 250, "QF3": 320, "QF4": 320}, 450),
    "pool-ormeaux": ("entry", {"QF1": 150, "QF2": 200, "QF3": 250, "QF4": 250}, 350),
    "squash": ("hour", {}, 900),
    "rooms": ("half-day", {}, 6000),
}


def _services(ctx) -> dict[str, Service]:
    territory = ctx.territory
    communes = {c.official_code: c for c in Commune.objects.filter(territory=territory)}
    brackets = {b.code: b for b in IncomeBracket.objects.filter(territory=territory)}
    services = {}
    year_start = date(ctx.now.year, 1, 1)
    for slug, name, commune, mode, rule, floor in SERVICES:
        service, created = Service.objects.get_or_create(
            territory=territory, slug=slug,
            defaults={"name": name, "commune": communes.get(commune), "payment_mode": mode,
                      "shortage_rule": rule, "floor_cents": floor})
        services[slug] = service
        if created and slug in TARIFFS:
            use, by_bracket, outsider = TARIFFS[slug]
            rows = [Tariff(service=service, use=use, resident=False, amount_cents=outsider,
                           valid_from=year_start.replace(year=year_start.year - 1),
                           created_at=ctx.now)]
            for code, cents in by_bracket.items():
                # last year's price, then this year's (the history is kept)
                rows.append(Tariff(service=service, use=use, income_bracket=brackets[code],
                                   resident=True, amount_cents=cents - 10,
                                   valid_from=year_start.replace(year=year_start.year - 1),
                                   created_at=ctx.now))
                rows.append(Tariff(service=service, use=use, income_bracket=brackets[code],
                                   resident=True, amount_cents=cents, valid_from=year_start,
                                   created_at=ctx.now))
            rows.append(Tariff(service=service, use=use, resident=True,
                               amount_cents=max(by_bracket.values(), default=outsider),
                               valid_from=year_start, created_at=ctx.now))
            Tariff.objects.bulk_create(rows)
    return services


def _insert_entries(rows: list[tuple]) -> None:
    """Tens of thousands of demo entries, in time order per account (so the ids follow the
    running balance), in batches."""
    rows.sort(key=lambda row: (row[0], row[5]))
    LedgerEntry.objects.bulk_create(
        (LedgerEntry(account_id=account_id, kind=kind, amount_cents=amount,
                     balance_after_cents=after, means=means, at=at, actor_id=actor,
                     **reason_fields(reason), idempotency_key=key)
         for account_id, kind, amount, after, means, at, actor, reason, key in rows),
        batch_size=5000)


def load(ctx):
    services = _services(ctx)
    note = ("Wallets: “My services” for the resident; the counter agent’s cash report under "
            "“Cards” → “My cash report”; the manager sees negative canteen balances under "
            "“Services, tariffs and balances”.")
    give_names(ctx.territory, SERVICE_NAMES)
    if LedgerEntry.objects.filter(idempotency_key__startswith="demo:").exists():
        ctx.notes.append(note)
        return
    rng = ctx.rng_for("wallets")
    now = ctx.now
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    agent = User.objects.get(email=f"agent@{DEMO_EMAIL_DOMAIN}")
    resident = User.objects.get(email=f"resident@{DEMO_EMAIL_DOMAIN}")
    canteen, pool = services["canteen"], services["pool-aquabrenne"]
    bracket_codes = dict(IncomeBracket.objects.values_list("pk", "code"))
    canteen_prices = {code: cents for code, cents in TARIFFS["canteen"][1].items()}

    households = list(Household.objects.filter(territory=ctx.territory)
                      .select_related("address__neighbourhood").order_by("pk"))
    children: dict[int, int] = {}
    for household_id, birth in (Membership.objects.filter(is_guardian=False,
                                                          person__birth_date__isnull=False)
                                .values_list("household_id", "person__birth_date")):
        age = (today - birth).days // 365
        if 3 <= age <= 11:
            children[household_id] = children.get(household_id, 0) + 1
    guardians = dict(Membership.objects.filter(is_guardian=True, person__user__isnull=False)
                     .values_list("household_id", "person__user_id"))
    resident_household = Membership.objects.filter(person__user=resident,
                                                   is_guardian=True).values_list(
        "household_id", flat=True).first()

    start = today - timedelta(days=91)
    # From last month on, the resident's children's meals are billed by the month from their
    # reservations (childhood demo), not one by one.
    billed_by_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    school_days = [start + timedelta(days=n) for n in range(91)
                   if (start + timedelta(days=n)).weekday() in (0, 1, 3, 4)]
    accounts, enrolments, plans = [], [], []
    for household in households:
        kids = children.get(household.pk, 0)
        with_pool = household.pk == resident_household or rng.random() < 0.25
        if kids:
            accounts.append(Account(household=household, service=canteen, currency="EUR",
                                    created_at=now - timedelta(days=120)))
            enrolments.append(Enrolment(service=canteen, household=household,
                                        starts_on=start - timedelta(days=30),
                                        min_age=3, max_age=11, created_at=now))
            is_resident = household.commune_id == canteen.commune_id
            price = (canteen_prices.get(bracket_codes.get(household.income_bracket_id), 390)
                     if is_resident else TARIFFS["canteen"][2])
            plans.append(("canteen", accounts[-1], kids, price, household))
        if with_pool:
            accounts.append(Account(household=household, service=pool, currency="EUR",
                                    created_at=now - timedelta(days=120)))
            enrolments.append(Enrolment(service=pool, household=household,
                                        starts_on=start - timedelta(days=30), created_at=now))
            plans.append(("pool", accounts[-1], 0, 320, household))
    Account.objects.bulk_create(accounts, batch_size=1000)
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)

    entries = []

    def at_on(day: date, hour: int, minute: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)), tz)

    for kind, account, kids, price, household in plans:
        events = []
        guardian = guardians.get(household.pk)
        careless = rng.random() < 0.12  # these families forget to top up
        if kind == "canteen":
            for day in school_days:
                if day < (billed_by_month if household.pk == resident_household else today):
                    events.append((at_on(day, 12, rng.randint(0, 40)), "charge", -price * kids))
            monthly = price * kids * 17
            for month_offset in (0, 30, 60) if not careless else (0,):
                day = start + timedelta(days=month_offset + rng.randint(0, 4))
                amount = max(1000, round(monthly * rng.uniform(0.9, 1.3) / 500) * 500)
                events.append((at_on(day, rng.randint(8, 20), rng.randint(0, 59)), "top_up",
                               amount))
        else:
            for _visit in range(rng.randint(2, 10)):
                day = start + timedelta(days=rng.randint(5, 89))
                if day < today:
                    events.append((at_on(day, rng.randint(10, 18), rng.randint(0, 59)),
                                   "charge", -price))
            events.append((at_on(start, 10, rng.randint(0, 59)), "top_up",
                           rng.choice([2000, 3000, 5000])))
        events.sort(key=lambda e: e[0])
        balance = 0
        for number, (at, what, amount) in enumerate(events):
            if what == "charge":
                floor = 0 if kind == "pool" else canteen.floor_cents
                if balance + amount < floor:
                    continue  # the rule refused it (pool) or the floor was reached
                reason = (Label("meal", {"service": canteen.name}) if kind == "canteen" else
                          Label("entry", {"facility": pool.name, "checkpoint": POOL_TURNSTILE}))
                means, actor = "", None
            else:
                online = guardian is not None and rng.random() < 0.6
                means = "online" if online else rng.choice(["cash", "cheque", "bank_card"])
                actor = guardian if online else agent.pk
                reason = (Label("online_payment", {"reference": f"DEMO-{account.pk}-{number}"})
                          if online else Label("counter_top_up"))
            balance += amount
            entries.append((account.pk, what, amount, balance, means, at, actor, reason,
                            f"demo:{account.pk}:{number}"))
        account.balance_cents = balance

    # The counter agent's cash day: a dozen top-ups this morning, by means of payment.
    by_account = {a.pk: a for a in accounts}
    chosen = rng.sample(list(by_account), min(12, len(by_account)))
    opening = min(now, at_on(today, 9, 0))
    for index, account_pk in enumerate(chosen):
        account = by_account[account_pk]
        amount = rng.choice([1000, 1500, 2000, 3000, 5000])
        account.balance_cents += amount
        entries.append((account.pk, "top_up", amount, account.balance_cents,
                        rng.choice(["cash", "cash", "cheque", "bank_card"]),
                        min(now, opening + timedelta(minutes=17 * index)), agent.pk,
                        Label("counter_top_up"), f"demo:cashday:{index}"))
    _insert_entries(entries)
    Account.objects.bulk_update(accounts, ["balance_cents"], batch_size=1000)
    ctx.notes.append(note)
