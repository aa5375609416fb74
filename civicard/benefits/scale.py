"""`seed-scale`: a year of free entries and pass-numérique booklets for a chunk's residents.

- Monthly free entries (the demo's "Sorties culture et sport", every card holder): each month
  6 % of the chunk's card holders go out, as in the demo's month (350 of its 5,500 people), 1 to
  4 times at the demo's culture venues, at most 2 per venue (the programme's cap); one
  `MonthlyUsage` per person and month, its `used` the number of its redemptions. The current
  month up to yesterday.
- Pass numérique (5 vouchers of €10, the seeds' Nantes pilot: 2,000 booklets for a
  metropolis): a booklet for each resident inclusion oriented to one (`chunk.made
  ["pass_numerique"]`) and for 1 % of the households, handed out by the CCAS over the year
  from the chunk's batch (a fifth more left in stock); 2 % cancelled unused; 70 % of the
  others spent in part or in full at one accredited mediation venue. Each spent voucher has its
  redemption; the booklets' voucher counts are written as the operations keep them, and
  seed-scale's summaries rebuild recounts the funders' dashboard from the redemptions.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicard.benefits import codes
from civicard.benefits.demo import WORKSHOPS
from civicard.benefits.models import (
    Accreditation,
    AgeBracket,
    BenefitKind,
    Booklet,
    BookletBatch,
    BookletStatus,
    MonthlyUsage,
    Programme,
    Redemption,
    RedemptionKind,
    SocialService,
    Voucher,
)
from civicard.core import bulk
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.core.scale import own_rng
from civicard.people.models import User

OUTINGS = 0.06  # of residents, each month
ENTRIES = (1, 4)  # a month, per resident who goes out
BOOKLET_HOUSEHOLDS = 0.01
STOCK = 0.2  # booklets left at the CCAS, beyond those handed out
CANCELLED = 0.02
SPENT = 0.7
SPENT_VOUCHERS = [1, 2, 3, 5]
BOOKLET_COLUMNS = ("id batch_id programme_id social_service_id number status valid_until "
                   "handed_out_at handed_out_by_id person_id age_bracket neighbourhood_id "
                   "cancelled_at cancelled_by_id voucher_count vouchers_used")


def _fixed(run):
    bulk.known(run.ids, MonthlyUsage, BookletBatch, Booklet, Voucher)  # not while one is written
    programmes = {}  # the demo's: the first of each kind
    for programme in Programme.objects.order_by("pk"):
        programmes.setdefault(programme.kind, programme)
    venues = {kind: list(Accreditation.objects.filter(programme=programme, active_to__isnull=True)
                         .order_by("venue_id").values_list("venue_id", flat=True))
              for kind, programme in programmes.items()}
    tz = timezone.get_current_timezone()
    today = timezone.localtime(run.now, tz).date()
    month = today.replace(day=1)
    months = []  # (first day, days to draw from): the last eleven months and this one
    for _ in range(12):
        following = (month + timedelta(days=32)).replace(day=1)
        days = (min(following, today) - month).days  # this month: up to yesterday
        if days:
            months.append((month, days))
        month = (month - timedelta(days=1)).replace(day=1)
    social = User.objects.filter(email=f"social@{DEMO_EMAIL_DOMAIN}").values_list(
        "pk", flat=True).first()
    return {"programmes": programmes, "venues": venues, "months": months, "tz": tz,
            "ccas": SocialService.objects.order_by("pk").values_list("pk", flat=True).first(),
            "social": social}


def _at(fixed, day: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59))),
                               fixed["tz"])


def _bracket(age: int) -> str:
    return (AgeBracket.UNDER_26 if age < 26 else AgeBracket.FROM_26_TO_59 if age < 60
            else AgeBracket.FROM_60_TO_74 if age < 75 else AgeBracket.OVER_75)


def build(chunk):
    fixed = chunk.run.once("benefits", lambda: _fixed(chunk.run))
    rng, writer = own_rng(chunk, "benefits"), chunk.writer
    # parents first: the writer writes its tables in the order they were first asked for
    usages = writer.table(MonthlyUsage, "id person_id programme_id month used")
    writer.table(BookletBatch, "id programme_id social_service_id created_at size")
    writer.table(Booklet, BOOKLET_COLUMNS)
    writer.table(Voucher, "id booklet_id position code value_cents used_at")
    redemptions = writer.table(Redemption, "kind programme_id venue_id person_id usage_id "
                                           "voucher_id service amount_cents at channel "
                                           "idempotency_key")
    key = f"scale-{chunk.index}-"
    entries = fixed["programmes"].get(BenefitKind.ENTRIES)
    culture = fixed["venues"].get(BenefitKind.ENTRIES, [])
    if entries and len(culture) >= 2:
        cards = chunk.made["cards"]  # every card holder: not those whose card is blocked
        people = [person for *_x, members in chunk.made["households"]
                  for person, _adult, _age in members if person in cards]
        for month, days in fixed["months"]:
            for person in rng.sample(people, round(OUTINGS * len(people))):
                used = rng.randint(*ENTRIES)
                usage = usages.next_id()
                usages.add(usage, person, entries.pk, month, used)
                venues = rng.sample(culture, 2) * 2  # the cap: at most 2 a venue
                for n in range(used):
                    at = _at(fixed, month + timedelta(days=rng.randrange(days)), rng)
                    redemptions.add(RedemptionKind.ENTRY, entries.pk, venues[n], person, usage,
                                    None, "", 0, at, "terminal" if rng.random() < 0.3 else "desk",
                                    f"{key}e{usage}-{n}")
    passes = fixed["programmes"].get(BenefitKind.MONEY)
    mediation = fixed["venues"].get(BenefitKind.MONEY, [])
    if not (passes and mediation and fixed["ccas"]):
        return
    _booklets(chunk, rng, fixed, passes, mediation, redemptions, key)


def _booklets(chunk, rng, fixed, passes, mediation, redemptions, key):
    now, writer = chunk.now, chunk.writer
    given = dict(chunk.made.get("pass_numerique", {}))  # person: (neighbourhood, age)
    for household, _commune, _bracket_code, members in chunk.made["households"]:
        if rng.random() < BOOKLET_HOUSEHOLDS:
            person, _adult, age = members[0]
            given.setdefault(person, (chunk.made["hoods"][household], age))
    if not given:
        return
    stock = round(len(given) * STOCK)
    batch = writer.table(BookletBatch, "id programme_id social_service_id created_at size")
    batch_id = batch.next_id()
    created = now - timedelta(days=370)
    batch.add(batch_id, passes.pk, fixed["ccas"], created, len(given) + stock)
    booklets = writer.table(Booklet, BOOKLET_COLUMNS)
    vouchers = writer.table(Voucher, "id booklet_id position code value_cents used_at")
    seen: set[str] = set()
    size, value = passes.vouchers_per_booklet, passes.voucher_value_cents
    holders = sorted(given.items()) + [(None, None)] * stock
    for n, (person, about) in enumerate(holders):
        booklet = booklets.next_id()
        number = f"P{passes.pk}-S{chunk.index}-{n + 1:04d}"  # never a number create_booklets gives
        codes_ = []
        for _ in range(size):
            code = codes.new_code()  # random (secrets): a voucher code is not drawn from a seed
            while code in seen:
                code = codes.new_code()
            seen.add(code)
            codes_.append(code)
        if person is None:
            booklets.add(booklet, batch_id, passes.pk, fixed["ccas"], number,
                         BookletStatus.CREATED, passes.ends_on, None, None, None, "", None,
                         None, None, size, 0)
            for position, code in enumerate(codes_, start=1):
                vouchers.add(vouchers.next_id(), booklet, position, code, value, None)
            continue
        hood, age = about
        handed = now - timedelta(days=rng.randint(2, 360), minutes=rng.randint(0, 480))
        cancelled = rng.random() < CANCELLED
        spent = 0 if cancelled or rng.random() >= SPENT else rng.choice(SPENT_VOUCHERS)
        named = person if rng.random() < 0.3 else None
        booklets.add(booklet, batch_id, passes.pk, fixed["ccas"], number,
                     BookletStatus.CANCELLED if cancelled else BookletStatus.HANDED_OUT,
                     passes.ends_on, handed, fixed["social"], named, _bracket(age), hood,
                     handed + (now - handed) / 2 if cancelled else None,
                     fixed["social"] if cancelled else None, size, spent)
        venue = rng.choice(mediation)
        moments = sorted(handed + (now - timedelta(minutes=30) - handed) * rng.random()
                         for _ in range(spent))
        for position, code in enumerate(codes_, start=1):
            voucher = vouchers.next_id()
            used = moments[position - 1] if position <= spent else None
            vouchers.add(voucher, booklet, position, code, value, used)
            if used:
                redemptions.add(RedemptionKind.VOUCHER, passes.pk, venue, named, None, voucher,
                                rng.choice(WORKSHOPS), value, used, "desk", f"{key}v{voucher}")
