"""`seed-scale`: the chunk's children in the demo's activities, and the open month's
reservations and roll-calls. A child's age in months comes from their birth date; each chunk
opens its own groups (units named after the demo's, with the demo's capacity and prices: a
territory of a million residents has hundreds of canteens), so that a day's `booked` is the
count of its chunk's reservations that hold a place. Canteens take most children of their
ages, after-school care and the leisure centre's Wednesdays fewer; the nursery and the
swimming lessons, whose places the demo fills, get requests on their waiting lists.

Closed months stay the demo's: the reservations run from the first day after the last closed
month (this month) to two weeks ahead, past days marked at roll-call, the others booked, so
that `check-billing` holds and the month is closed like any other, by `close_month`."""

from datetime import datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from civicard.childhood.models import (
    HOLDS_A_PLACE,
    Activity,
    ActivityKind,
    ChildEnrolment,
    EnrolmentStatus,
    Period,
    Pricing,
    Reservation,
    State,
    Unit,
    UnitDay,
    UnitPrice,
)
from civicard.core.bulk import known
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import User

AHEAD_DAYS = 14
# kind: (share of the children of its ages, share of the open days booked)
SHARES = {ActivityKind.CANTEEN: (0.8, 0.9), ActivityKind.AFTER_SCHOOL: (0.3, 0.6),
          ActivityKind.LEISURE_CENTRE: (0.15, 0.7)}
WAITING = {ActivityKind.NURSERY: 0.03, ActivityKind.LESSONS: 0.02}  # requests, never served
FILL = 0.9  # of a group's capacity
GROUP = r" — \d+\.\d+$"  # a chunk's group: "Repas — 12.3" (the twelfth chunk's third)
# a past day's mark: (state, weight)
MARKS = [(State.PRESENT, 92), (State.ABSENT_UNJUSTIFIED, 3), (State.ABSENT_JUSTIFIED, 3),
         (State.CANCELLED, 2)]


def _arrival(activity, unit, position: int) -> tuple[int, int]:
    """When a child of this unit comes (the demo's units: a meal, a morning or an evening of
    after-school care, a day, a morning or an afternoon at the leisure centre)."""
    if activity.kind == ActivityKind.CANTEEN:
        return 11, 45
    if activity.kind == ActivityKind.AFTER_SCHOOL:
        return (7, 30) if unit.planned_minutes <= 60 else (16, 30)
    return (13, 30) if position == 2 else (8, 30)


def _fixed(run):
    tz = timezone.get_current_timezone()
    today = timezone.localtime(run.now, tz).date()
    until = today + timedelta(days=AHEAD_DAYS)
    kinds: dict[str, list] = {}  # kind: [(activity, [(unit, arrival, open days, prices)])]
    for activity in Activity.objects.filter(
            kind__in=[*SHARES, *WAITING], season_starts_on__lte=today,
            season_ends_on__gte=today).order_by("pk"):
        closed = Period.objects.filter(activity=activity).aggregate(last=Max("month"))["last"]
        first = max(today.replace(day=1), activity.season_starts_on)
        if closed is not None and closed >= first:
            continue  # this month is closed already: nothing open to write
        units = []
        for position, unit in enumerate(activity.units.exclude(name__regex=GROUP).order_by("pk")):
            days = list(UnitDay.objects.filter(unit=unit, day__range=(first, until))
                        .order_by("day").values_list("day", flat=True))
            prices = list(unit.prices.order_by("pk").values_list(
                "income_bracket_id", "from_rank", "amount_cents", "unexpected_amount_cents",
                "floor_cents", "ceiling_cents", "valid_from"))
            units.append((unit, _arrival(activity, unit, position), days, prices))
        kinds.setdefault(activity.kind, []).append((activity, units))
    known(run.ids, ChildEnrolment, Unit, UnitDay)
    return {"kinds": kinds, "today": today, "tz": tz,
            "manager": User.objects.filter(email=f"manager@{DEMO_EMAIL_DOMAIN}").values_list(
                "pk", flat=True).first()}


def _of_age(activity, children) -> list:
    low, high = activity.min_age_months or 0, activity.max_age_months or 12 * 18
    return [c for c in children if low <= c[2] * 12 and c[2] * 12 + 11 <= high]


def build(chunk):
    fixed = chunk.run.once("childhood", lambda: _fixed(chunk.run))
    if not fixed["kinds"]:
        return
    rng, writer, now, today = chunk.rng, chunk.writer, chunk.now, fixed["today"]
    tz, manager = fixed["tz"], fixed["manager"]
    enrolments = writer.table(ChildEnrolment, "id activity_id child_id household_id status "
                                              "requested_at activated_at photo_consent")
    units = writer.table(Unit, "id activity_id name capacity pricing planned_minutes")
    prices = writer.table(UnitPrice, "unit_id income_bracket_id from_rank amount_cents "
                                     "unexpected_amount_cents floor_cents ceiling_cents "
                                     "valid_from")
    unit_days = writer.table(UnitDay, "id unit_id day capacity booked")
    reservations = writer.table(Reservation, "unit_day_id child_id enrolment_id state "
                                             "arrived_at left_at changed_at changed_by_id")
    children = [(person, household, age) for household, _c, _b, members
                in chunk.made["households"] for person, adult, age in members if not adult]
    groups: dict[int, list] = {}  # demo unit: [[unit id, places left, capacity, {day: rows}]]

    def group_of(unit, unit_prices) -> dict:
        """A place in the chunk's last group for this unit; a new group when it is full."""
        mine = groups.setdefault(unit.pk, [])
        if not mine or mine[-1][1] <= 0:
            unit_id = units.next_id()
            units.add(unit_id, unit.activity_id, f"{unit.name} — {chunk.index + 1}.{len(mine) + 1}",
                      unit.capacity, unit.pricing, unit.planned_minutes)
            for row in unit_prices:
                prices.add(unit_id, *row)
            mine.append([unit_id, max(1, int(unit.capacity * FILL)), unit.capacity, {}])
        mine[-1][1] -= 1
        return mine[-1][3]

    def reserve(child, enrolment_id, booked_at, unit, arrival, days, unit_prices, share):
        booked = group_of(unit, unit_prices)
        for day in days:
            if rng.random() >= share:
                continue
            if day < today:
                state = rng.choices([m for m, _w in MARKS], [w for _m, w in MARKS])[0]
            else:
                state = State.CANCELLED if rng.random() < 0.04 else State.RESERVED
            arrived = left = None
            if state == State.PRESENT:
                arrived = timezone.make_aware(datetime.combine(day, time(*arrival)), tz) \
                    + timedelta(minutes=rng.randint(0, 15))
                if unit.pricing == Pricing.PER_HOUR:
                    left = arrived + timedelta(minutes=rng.randint(unit.planned_minutes // 2,
                                                                   unit.planned_minutes))
            marked = (left or arrived or timezone.make_aware(
                datetime.combine(day, time(*arrival)), tz)) if day < today else booked_at
            booked.setdefault(day, []).append((child, enrolment_id, state, arrived, left,
                                               marked, manager if day < today else None))

    requested = now - timedelta(days=rng.randint(60, 120))
    for kind, activities in fixed["kinds"].items():
        taken = set()  # a child in one activity of a kind (one canteen)
        for activity, unit_rows in activities:
            for child, household, _age in _of_age(activity, children):
                at = requested + timedelta(minutes=rng.randint(0, 60 * 24 * 20))
                if kind in WAITING:
                    if rng.random() < WAITING[kind]:
                        enrolments.add(enrolments.next_id(), activity.pk, child, household,
                                       EnrolmentStatus.WAITING, at, None, rng.random() < 0.7)
                    continue
                share, booked_share = SHARES[kind]
                if child in taken or rng.random() >= share / len(activities):
                    continue
                taken.add(child)
                enrolment_id = enrolments.next_id()
                enrolments.add(enrolment_id, activity.pk, child, household,
                               EnrolmentStatus.ACTIVE, at, at, rng.random() < 0.7)
                if kind == ActivityKind.LEISURE_CENTRE:  # a day, a morning or an afternoon
                    chosen = [rng.choice(unit_rows)]
                else:
                    chosen = [u for u in unit_rows if rng.random() < 0.6] or [unit_rows[-1]]
                for unit, arrival, days, unit_prices in chosen:
                    if days:
                        reserve(child, enrolment_id, at, unit, arrival, days, unit_prices,
                                booked_share)
    for mine in groups.values():
        for unit_id, _left, capacity, days in mine:
            for day, rows in sorted(days.items()):
                unit_day = unit_days.next_id()
                unit_days.add(unit_day, unit_id, day, capacity,
                              sum(1 for row in rows if row[2] in HOLDS_A_PLACE))
                for row in rows:
                    reservations.add(unit_day, *row)
