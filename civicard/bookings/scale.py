"""`seed-scale`: a year of bookings of the demo's squash court and meeting room, and the three
weeks ahead. A resource has one grid of slots (its hours, holidays and blocks, the demo's own
bookings left out) shared by every chunk: a slot's start counted in slot lengths since the
epoch is a number no other slot of the resource has, and chunk k takes the slots whose number
is k modulo STRIDE, so that two chunks never book one slot, even when written by runs on
different days. Most of a chunk's slots are taken, by a few regular households: past ones
honoured (`no_show` False, as `bookings-no-shows` leaves them) or not (True), some cancelled,
the future ones confirmed (within the resource's limit per household). A priced slot (the
court) is paid as at the counter: a top-up of the price, the booking's charge, and its refund
when cancelled in time, on the household's account for the resource's service, each entry with
its running balance. The village hall, rented by the day on request, keeps the demo's
rentals."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from civicard.bookings.models import Booking, Companion, Resource, Status
from civicard.bookings.operations import _price, _when
from civicard.bookings.queries import block_over, slot_bounds
from civicard.core.bulk import known
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import Household, User
from civicard.wallets.exceptions import NoTariff
from civicard.wallets.models import Account, LedgerEntry

STRIDE = 128  # chunks that share a grid: beyond 1.36 M residents, the demo's slots are full
TAKEN = 0.8  # of a chunk's slots
BOOKERS = 0.03  # of the households: the regular players and the associations' contacts
CANCELLED, NO_SHOW = 0.08, 0.05
COMPANION = 0.5  # a booking that names one companion (a squash partner)


def _fixed(run):
    tz = timezone.get_current_timezone()
    today = timezone.localtime(run.now, tz).date()
    first = today - timedelta(days=365)
    resources = []
    for resource in (Resource.objects.filter(by_request=False, is_active=True)
                     .select_related("service").prefetch_related("blocks").order_by("pk")):
        days = (today - first).days + resource.book_ahead_days
        taken = {start for start, in Booking.objects.filter(
            resource=resource, status=Status.CONFIRMED).exclude(
            idempotency_key__startswith="scale:").values_list("start")}
        blocks = list(resource.blocks.all())
        grid = [(start, end) for start, end in slot_bounds(resource, first, days)
                if start not in taken and block_over(blocks, start, end) is None
                and end <= run.now + timedelta(days=resource.book_ahead_days)]
        resources.append((resource, grid))
    payer = Household.objects.order_by("pk").first()  # a resident, for the tariff
    prices = {(resource.pk, timezone.localtime(start).date()): 0 for resource, grid in resources
              for start, _end in grid} if payer else {}
    for resource_id, day in prices:  # a price a day (it changes on the tariffs' dates)
        resource = next(r for r, _grid in resources if r.pk == resource_id)
        try:
            prices[resource_id, day] = _price(resource, payer, timezone.make_aware(
                datetime.combine(day, time(12)), tz))
        except NoTariff:  # not bookable then (`book` refuses): the slots stay free
            prices[resource_id, day] = None
    shares = []  # (resource, {STRIDE's residue: slots})
    for resource, grid in resources:
        length, by_share = resource.slot_minutes * 60, {}
        for start, end in grid:
            if prices.get((resource.pk, timezone.localtime(start).date())) is not None:
                by_share.setdefault(int(start.timestamp()) // length % STRIDE, []).append(
                    (start, end))
        shares.append((resource, by_share))
    known(run.ids, Booking, Account, LedgerEntry)
    return {
        "resources": shares,
        "payer": payer,
        "prices": prices,  # (resource, day): cents
        "agent": User.objects.filter(email=f"agent@{DEMO_EMAIL_DOMAIN}").values_list(
            "pk", flat=True).first(),
    }


def build(chunk):
    fixed = chunk.run.once("bookings", lambda: _fixed(chunk.run))
    if chunk.index >= STRIDE or fixed["payer"] is None:
        return
    rng, writer, now = chunk.rng, chunk.writer, chunk.now
    cards = chunk.made["cards"]
    bookers = [(household, [p for p, adult, _age in members if adult and p in cards])
               for household, _c, _b, members in chunk.made["households"]
               if rng.random() < BOOKERS]
    bookers = [(household, adults) for household, adults in bookers if adults]
    if not bookers:
        return
    players = [person for _household, adults in bookers for person in adults]
    bookings = writer.table(Booking, "id resource_id household_id booked_by_id start end "
                                     "door_opens_at status price_cents charge_id refund_id "
                                     "idempotency_key created_at cancelled_at no_show")
    companions = writer.table(Companion, "booking_id person_id")
    accounts = writer.table(Account, "id household_id service_id currency balance_cents "
                                     "created_at")
    entries = writer.table(LedgerEntry, "id account_id kind amount_cents balance_after_cents "
                                        "means at actor_id reason reason_code reason_params "
                                        "idempotency_key")
    moves: dict[tuple[int, int], list] = {}  # (household, service): [(at, kind, cents, …)]
    ahead: dict[tuple[int, int], int] = {}  # future bookings held, by (resource, household)
    rows = []  # the bookings, written once their entries have their ids
    for resource, by_share in fixed["resources"]:
        for start, end in by_share.get(chunk.index, []):
            if rng.random() >= TAKEN:
                continue
            household, adults = rng.choice(bookers)
            person = rng.choice(adults)
            future = end > now
            if future and ahead.get((resource.pk, household), 0) >= \
                    resource.max_future_bookings:
                continue
            created = min(start - timedelta(days=rng.randint(0, resource.book_ahead_days - 1),
                                            minutes=rng.randint(30, 600)),
                          now - timedelta(minutes=rng.randint(1, 600)))
            cancelled = None
            if rng.random() < CANCELLED:
                cancelled = min(created + (start - created) * rng.uniform(0.1, 0.9), now)
            elif future:
                ahead[resource.pk, household] = ahead.get((resource.pk, household), 0) + 1
            booking_id = bookings.next_id()
            price = fixed["prices"][resource.pk, timezone.localtime(start).date()]
            key = f"booking:{booking_id}"  # the keys `book` and `cancel` give
            if price:
                moved = moves.setdefault((household, resource.service_id), [])
                reason = f"{resource.name} {_when(Booking(start=start, end=end))}"
                moved.append((created - timedelta(minutes=3), "top_up", price,
                              rng.choice(["cash", "bank_card"]), fixed["agent"], "",
                              "counter_top_up", f"scale:bookings:{booking_id}:top-up"))
                moved.append((created, "charge", -price, "", None, reason, "", key))
                if cancelled and cancelled <= start - timedelta(
                        hours=resource.cancel_until_hours):
                    moved.append((cancelled, "refund", price, "", None, reason, "",
                                  f"{key}:refund"))
            no_show = None if future or cancelled else rng.random() < NO_SHOW
            rows.append((booking_id, resource.pk, household, person, start, end,
                         start - timedelta(minutes=resource.door_margin_minutes),
                         Status.CANCELLED if cancelled else Status.CONFIRMED, price, key,
                         f"scale:{chunk.index}:{booking_id}", created, cancelled, no_show))
            partners = [p for p in players if p != person]
            if resource.max_companions and partners and rng.random() < COMPANION:
                companions.add(booking_id, rng.choice(partners))
    ids = {}  # an entry's key: its id, handed out in time order within each account
    for (household, service), moved in moves.items():
        account_id, balance = accounts.next_id(), 0
        moved.sort(key=lambda move: move[0])
        for at, kind, cents, means, actor, reason, code, key in moved:
            balance += cents
            ids[key] = entries.next_id()
            entries.add(ids[key], account_id, kind, cents, balance, means, at, actor, reason,
                        code, {}, key)
        accounts.add(account_id, household, service, "EUR", balance,
                     moved[0][0] - timedelta(minutes=5))
    for *head, price, key, idempotency_key, created, cancelled, no_show in rows:
        bookings.add(*head, price, ids.get(key), ids.get(f"{key}:refund"), idempotency_key,
                     created, cancelled, no_show)
