"""`seed-scale`: a year of wallet movements for a chunk's households, every balance the sum of
its entries and every entry's running balance in order (what `check-ledger` proves).

- Canteen: an account and an enrolment for each household with a child of 3 to 11; one line
  a month for the month's meals (the demo writes one a day: a year of those for a million
  residents would be 20 million lines, most of the load for little more to measure), a
  counter top-up at the start of most months; careless families go below zero down to the
  floor, where meals stop being charged (as in the demo).
- Pool: an account and an enrolment for a quarter of the households, about 22 visits a year
  each (the pool's share of the seeds' 3,000 door uses a week per 39,000 residents); a visit
  is charged, after a top-up at the counter when the balance is short, or refused for lack of
  money now and then. `chunk.made["pool_visits"]` hands the visits to access for its doors'
  decisions.
- Waste centre: every household enrolled, as in the demo.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import User
from civicard.territory.models import Commune
from civicard.wallets.demo import POOL_TURNSTILE, TARIFFS
from civicard.wallets.models import Account, Enrolment, LedgerEntry, Service

POOL_SHARE = 0.25
POOL_VISITS = (5, 38)  # a year, per household with a pool account
SHORT_AND_GONE = 0.05  # a visitor short of money who does not top up: refused


def _fixed(run):
    services = {s.slug: s for s in Service.objects.filter(
        slug__in=["canteen", "pool-aquabrenne", "waste-centre"]).order_by("pk")}
    agent = User.objects.filter(email=f"agent@{DEMO_EMAIL_DOMAIN}").values_list(
        "pk", flat=True).first()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(run.now, tz).date()
    first = today - timedelta(days=365)
    months = []  # (first school day, last school day, school days) of the past twelve months
    day = first.replace(day=1)
    while day < today.replace(day=1):
        following = (day + timedelta(days=32)).replace(day=1)
        if day.month not in (7, 8):  # summer holidays
            school = [day + timedelta(days=n) for n in range((following - day).days)
                      if (day + timedelta(days=n)).weekday() in (0, 1, 3, 4)]
            months.append((school[0], school[-1], len(school)))
        day = following
    communes = dict(Commune.objects.values_list("pk", "official_code"))
    return {"services": services, "agent": agent, "tz": tz, "today": today, "first": first,
            "months": months, "communes": communes}


def _at(fixed, day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), fixed["tz"])


def build(chunk):
    fixed = chunk.run.once("wallets", lambda: _fixed(chunk.run))
    services = fixed["services"]
    canteen, pool, waste = (services.get(s) for s in ("canteen", "pool-aquabrenne",
                                                      "waste-centre"))
    rng, writer, now = chunk.rng, chunk.writer, chunk.now
    accounts = writer.table(Account, "id household_id service_id currency balance_cents "
                                     "created_at")
    enrolments = writer.table(Enrolment, "service_id household_id starts_on min_age max_age "
                                         "created_at")
    entries = writer.table(LedgerEntry, "id account_id kind amount_cents balance_after_cents "
                                        "means at actor_id reason reason_code reason_params "
                                        "idempotency_key")
    agent, currency = fixed["agent"], "EUR"
    opened = now - timedelta(days=400)
    starts = fixed["first"] - timedelta(days=30)
    meal = {"service": canteen.name} if canteen else {}
    entry = {"facility": pool.name, "checkpoint": POOL_TURNSTILE} if pool else {}
    canteen_code = fixed["communes"].get(canteen.commune_id) if canteen else None
    key = f"scale:{chunk.index}:"
    n = 0
    visits = chunk.made["pool_visits"] = []  # (at, person, household, entry id or None, short)

    def write(account_id, events) -> tuple[int, list]:
        """The account's entries, given in time order, each with its running balance; the
        balance and each event's entry id (None: a charge below the floor, not made)."""
        nonlocal n
        balance, ids = 0, []
        for at, kind, amount, floor, reason_code, params in events:
            if kind == "charge" and balance + amount < floor:
                ids.append(None)
                continue
            balance += amount
            means, actor = ("", None) if kind == "charge" else (
                rng.choice(["cash", "cash", "cheque", "bank_card"]), agent)
            n += 1
            ids.append(entries.next_id())
            entries.add(ids[-1], account_id, kind, amount, balance, means, at, actor,
                        "", reason_code, params, f"{key}{n}")
        return balance, ids

    for household_id, commune, bracket, members in chunk.made["households"]:
        if waste:
            enrolments.add(waste.pk, household_id, starts, None, None, now)
        kids = sum(1 for _p, adult, age in members if not adult and 3 <= age <= 11)
        if canteen and kids:
            price = (TARIFFS["canteen"][1].get(bracket, 390)
                     if fixed["communes"].get(commune) == canteen_code else TARIFFS["canteen"][2])
            account_id = accounts.next_id()
            enrolments.add(canteen.pk, household_id, starts, 3, 11, now)
            careless = rng.random() < 0.12
            events = []
            for number, (first_day, last_day, days) in enumerate(fixed["months"]):
                monthly = price * kids * days
                events.append((_at(fixed, last_day, 12, rng.randint(0, 40)), "charge",
                               -monthly, canteen.floor_cents or 0, "meal", meal))
                if not careless or number % 4 == 0:
                    amount = max(1000, round(monthly * rng.uniform(0.9, 1.3) / 500) * 500)
                    events.append((_at(fixed, first_day - timedelta(days=rng.randint(0, 6)),
                                       rng.randint(8, 19), rng.randint(0, 59)), "top_up",
                                   amount, 0, "counter_top_up", {}))
            accounts.add(account_id, household_id, canteen.pk, currency,
                         write(account_id, sorted(events, key=lambda event: event[0]))[0],
                         opened)
        if pool and rng.random() < POOL_SHARE:
            account_id = accounts.next_id()
            enrolments.add(pool.pk, household_id, starts, None, None, now)
            price = TARIFFS["pool-aquabrenne"][1].get(bracket, 320)
            swimmers = [p for p, _adult, _age in members if p in chunk.made["cards"]]
            events, balance, mine = [], 0, []
            moments = sorted(_at(fixed, fixed["first"] + timedelta(days=rng.randint(1, 364)),
                                 rng.randint(10, 18), rng.randint(0, 59))
                             for _ in range(rng.randint(*POOL_VISITS)))
            for at in moments:
                if at > now or not swimmers:
                    continue
                person = rng.choice(swimmers)
                if balance < price:
                    if rng.random() < SHORT_AND_GONE:
                        mine.append((at, person, None, price - balance))
                        continue
                    amount = rng.choice([2000, 3000, 5000])
                    balance += amount
                    events.append((at - timedelta(minutes=4), "top_up", amount, 0,
                                   "counter_top_up", {}))
                balance -= price
                events.append((at, "charge", -price, 0, "entry", entry))
                mine.append((at, person, len(events) - 1, 0))
            balance, ids = write(account_id, events)  # in time order already
            accounts.add(account_id, household_id, pool.pk, currency, balance, opened)
            visits.extend((at, person, household_id, None if event is None else ids[event], short)
                          for at, person, event, short in mine)
