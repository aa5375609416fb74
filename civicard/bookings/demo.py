"""Demo: the squash court of the Squash du Parc (its door terminal opens for bookings), a
meeting room at the town hall, and the village hall with its own door, rented by the day on
request; a week of bookings by other households; Amina has the squash court tomorrow evening
from 19:00; the village hall has one accepted rental (its deposit held) and one request
waiting for the manager; the meeting room is open to associations, and the Repair Café has it
booked (free) by its editor, with three members named."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from civicard.access import setup as access_setup
from civicard.access.models import Checkpoint, Facility
from civicard.bookings.models import (
    Block,
    Booking,
    Companion,
    Rental,
    RentalStatus,
    Resource,
    Status,
    WhoMayBook,
)
from civicard.cards.demo import AMINA_UID
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.mutualaid.models import Association
from civicard.people.models import Household, Membership, Person, User
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import Service

AMINA_HOUR = time(19)
HALL_DEPOSIT = 30000


def _village_hall(ctx, manager, commune) -> Checkpoint:
    facility = Facility.objects.filter(territory=ctx.territory, name="Salle des fêtes").first()
    if facility is None:
        facility = access_setup.save_facility(territory=ctx.territory, name="Salle des fêtes",
                                        kind="other", commune=commune, actor=manager, at=ctx.now)
    door = facility.checkpoints.first()
    if door is None:  # opened only by staff and bookings: no hours of its own
        door = access_setup.save_checkpoint(facility=facility, name="Porte principale", kind="door",
                                      service=None, opening_hours="24/7", country="FR",
                                      charge_use="", passback_seconds=None, actor=manager,
                                      at=ctx.now)
    return door


def _resources(ctx, manager):
    squash_door = Checkpoint.objects.get(facility__name="Squash du Parc", name="Porte du court")
    town_hall = Facility.objects.get(territory=ctx.territory, name="Hôtel de ville")
    hall_door = _village_hall(ctx, manager, squash_door.facility.commune)
    services = {s.slug: s for s in Service.objects.filter(territory=ctx.territory)}
    specs = [
        (squash_door.facility, "Court de squash", "court", services.get("squash"), "hour", 60,
         "Mo-Su 08:00-22:00; PH off", [squash_door], 2),
        (town_hall, "Salle de réunion du 1er étage", "meeting_room", None, "slot", 120,
         "Mo-Fr 09:00-21:00; Sa 09:00-13:00; PH off", [], 1),
        (hall_door.facility, "Salle des fêtes", "village_hall", services.get("rooms"),
         "half-day", 840, "Sa,Su 09:00-23:00", [hall_door], 1),
    ]
    resources = {}
    for facility, name, kind, service, use, minutes, hours, doors, limit in specs:
        resource, created = Resource.objects.get_or_create(
            facility=facility, name=name, defaults={
                "kind": kind, "service": service, "price_use": use, "slot_minutes": minutes,
                "opening_hours": hours, "book_ahead_days": 21 if kind != "village_hall" else 120,
                "max_future_bookings": limit, "who_may_book": WhoMayBook.TERRITORY,
                "no_shows_to_bar": 3 if kind == "court" else 0,
                "by_request": kind == "village_hall",
                "capacity": 120 if kind == "village_hall" else None,
                "deposit_cents": HALL_DEPOSIT if kind == "village_hall" else 0})
        if created:
            resource.checkpoints.set(doors)
        if kind == "meeting_room" and not resource.associations_may_book:
            resource.associations_may_book = True  # free for associations: no price use
            resource.save(update_fields=["associations_may_book"])
        resources[kind] = resource
    court = resources["court"]
    if not court.blocks.exists():
        Block.objects.create(resource=court, weekday=1, starts=time(8), ends=time(12),
                             reason="Collège Pierre Mendès France (EPS)")
    return resources


def _book(ctx, *, resource, household, person, start, agent, key):
    """A demo booking, paid from a funded account like a resident's (the booking operation
    itself runs in a durable transaction of its own, which the demo loader's cannot hold)."""
    end = start + timedelta(minutes=resource.slot_minutes)
    booking = Booking.objects.create(
        resource=resource, household=household, booked_by=person, start=start, end=end,
        door_opens_at=start - timedelta(minutes=resource.door_margin_minutes),
        idempotency_key=f"demo:{key}", created_at=ctx.now, status=Status.CONFIRMED)
    if resource.service is not None and resource.service.has_wallet:
        from civicard.wallets.queries import price_for

        price = price_for(service=resource.service, household=household,
                          on=timezone.localtime(start).date(), use=resource.price_use)
        account = wallets.open_account(household=household, service=resource.service,
                                       at=ctx.now)
        Booking.objects.filter(pk=booking.pk).update(price_cents=price)

        def pay():  # money moves in transactions of its own: after the demo's has committed
            wallets.top_up(account=account, amount_cents=price, means="cash",
                           reason="Dépôt au guichet", idempotency_key=f"demo:{key}:top-up",
                           actor=agent, at=ctx.now)
            entry = wallets.charge(account=account, amount_cents=price, reason=resource.name,
                                   idempotency_key=f"demo:{key}:charge", actor=None, at=ctx.now)
            Booking.objects.filter(pk=booking.pk).update(charge=entry)

        transaction.on_commit(pay)
    return booking


def load(ctx):
    if ctx.territory is None:
        return
    manager = User.objects.get(email=f"manager@{DEMO_EMAIL_DOMAIN}")
    agent = User.objects.get(email=f"agent@{DEMO_EMAIL_DOMAIN}")
    resources = _resources(ctx, manager)
    door = resources["court"].checkpoints.get()
    ctx.notes.append(
        "Bookings: Amina opens “Book a court or a room” (next free slots, the week, pay from "
        "her squash account) and “My bookings” (cancel, calendar); she has the squash court "
        "tomorrow at 19:00, after its door closes to the public (18:00), and her card opens it "
        "from 18:50 to 20:00 only, also offline: "
        f"`.venv/bin/civicard terminal-sim --url {ctx.url} --token "
        f"cct_demo-{door.pk}-not-secret`, type {AMINA_UID} (her card, refused now), then "
        f"`offline`, `at tomorrow 19:05`, {AMINA_UID} (OPEN), `at tomorrow 21:00`, "
        f"{AMINA_UID} (REFUSED). The manager opens “Bookable resources” → “Planning” (who "
        "booked; reading it is audited), cancels with a reason (refunded, notified), adds "
        "blocks; “Rentals” shows the village hall's wedding (accepted, its deposit held, "
        "agreement PDF) and a birthday request to accept or refuse. The meeting room is open "
        "to associations: association@ books it “On behalf of” an association he edits (free); "
        "its planning shows the Repair Café's evening.")
    if Booking.objects.filter(idempotency_key__startswith="demo:").exists():
        return
    rng = ctx.rng_for("bookings")
    tz = timezone.get_current_timezone()
    today = timezone.localtime(ctx.now, tz).date()
    amina = Person.objects.get(user__email=f"resident@{DEMO_EMAIL_DOMAIN}")
    home = amina.households.order_by("pk").first()
    court = resources["court"]
    tomorrow_evening = datetime.combine(today + timedelta(days=1), AMINA_HOUR, tzinfo=tz)
    _book(ctx, resource=court, household=home, person=amina, start=tomorrow_evening,
          agent=agent, key="amina-squash")
    others = list(Household.objects.filter(territory=ctx.territory, address__isnull=False)
                  .exclude(pk=home.pk).prefetch_related("members").order_by("pk")[:40])
    taken = {tomorrow_evening}
    for index in range(24):
        household = rng.choice(others)
        person = household.members.first()
        if person is None:
            continue
        start = datetime.combine(today + timedelta(days=rng.randint(0, 6)),
                                 time(rng.randint(12, 21)), tzinfo=tz)
        if start in taken or start <= ctx.now:
            continue
        taken.add(start)
        _book(ctx, resource=court, household=household, person=person, start=start,
              agent=agent, key=f"court-{index}")
    _association_booking(ctx, resources["meeting_room"], others, today)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7)
    _rentals(ctx, resources["village_hall"], saturday, others, manager=manager, agent=agent)


def _rentals(ctx, hall, saturday, households, *, manager, agent):
    """A wedding accepted for the weekend after next (paid, deposit held, the door open to the
    renter and a helper), and a birthday the weekend after, waiting for the manager. Written
    directly, paid after the demo's transaction, like `_book`."""
    from civicard.bookings.operations import check_hire, rental_price

    renter = households[0].members.first()
    helper = households[1].members.first()
    start, end, days = check_hire(hall, saturday, saturday + timedelta(days=1), at=ctx.now)
    price, deposit = rental_price(hall, households[0], saturday, days)
    wedding = Rental.objects.create(
        resource=hall, household=households[0], requested_by=renter, start=start, end=end,
        purpose="Mariage", attendance=90, idempotency_key="demo:hall-wedding",
        created_at=ctx.now, decided_at=ctx.now, decided_by=manager, price_cents=price,
        deposit_cents=deposit)
    wedding.helpers.set([helper])
    booking = Booking.objects.create(
        resource=hall, household=households[0], booked_by=renter, start=start, end=end,
        door_opens_at=start - timedelta(minutes=hall.door_margin_minutes),
        price_cents=price, idempotency_key="demo:hall-wedding", created_at=ctx.now)
    Companion.objects.create(booking=booking, person=helper)
    if price or deposit:
        account = wallets.open_account(household=households[0], service=hall.service,
                                       at=ctx.now)

        def pay():
            wallets.top_up(account=account, amount_cents=price + deposit, means="cheque",
                           reason="Chèque de location", idempotency_key="demo:hall:top-up",
                           actor=agent, at=ctx.now)
            hire = {"resource": hall.name, "when": f"{start:%Y-%m-%d}"}
            charge = wallets.charge(account=account, amount_cents=price,
                                    reason=Label("rental", hire),
                                    idempotency_key="demo:hall:price", actor=None, at=ctx.now)
            held = wallets.charge(account=account, amount_cents=deposit,
                                     reason=Label("rental_deposit", hire),
                                     idempotency_key="demo:hall:deposit", actor=None,
                                     at=ctx.now)
            Booking.objects.filter(pk=booking.pk).update(charge=charge)
            Rental.objects.filter(pk=wedding.pk).update(deposit_charge=held)

        transaction.on_commit(pay)
    Rental.objects.filter(pk=wedding.pk).update(status=RentalStatus.ACCEPTED, booking=booking)
    birthday = saturday + timedelta(days=7)
    start, end, days = check_hire(hall, birthday, birthday, at=ctx.now)
    price, deposit = rental_price(hall, households[2], birthday, days)
    Rental.objects.create(
        resource=hall, household=households[2], requested_by=households[2].members.first(),
        start=start, end=end, purpose="Anniversaire des 60 ans", attendance=45,
        idempotency_key="demo:hall-birthday", created_at=ctx.now, price_cents=price,
        deposit_cents=deposit)


def _association_booking(ctx, room, households, today):
    """The Repair Café's editor (association@) books the meeting room in its name on the next
    weekday after tomorrow, 19:00–21:00, free, naming three of its members."""
    club = Association.objects.filter(slug="repair-cafe").first()
    editor = Person.objects.filter(user__email=f"association@{DEMO_EMAIL_DOMAIN}").first()
    if club is None or editor is None or len(households) < 8:
        return
    home = editor.households.order_by("pk").first()
    if home is None:  # the editor lives in the territory, next door to a demo household
        home = Household.objects.create(territory=ctx.territory, address=households[7].address)
        Membership.objects.create(household=home, person=editor, is_guardian=True)
    day = today + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime.combine(day, time(19), tzinfo=timezone.get_current_timezone())
    booking = Booking.objects.create(
        resource=room, household=home, booked_by=editor, association=club, start=start,
        end=start + timedelta(minutes=room.slot_minutes),
        door_opens_at=start - timedelta(minutes=room.door_margin_minutes),
        idempotency_key="demo:repair-cafe", created_at=ctx.now)
    members = [h.members.first() for h in households[3:6]]
    Companion.objects.bulk_create([Companion(booking=booking, person=person)
                                   for person in members if person is not None])
