"""Demo: two schools with a canteen and after-school care, a leisure centre billed by monthly
invoice, a nursery, a term of swimming lessons with a waiting list, a term of piano lessons at
the music school billed by invoice; Amina's children Yanis and Lina enrolled with their
reservations and attendance (Yanis at the piano: the term's invoice), last month closed
(charged to the wallets, and the leisure centre's invoice to pay), and a canteen tablet."""

from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicard.access import setup as access_setup
from civicard.access import terminals
from civicard.access.models import Facility
from civicard.childhood import invoices, operations
from civicard.childhood.models import (
    Activity,
    BillingMode,
    Invoice,
    NurseryFloor,
    Pricing,
    Reservation,
    RollCallPoint,
    State,
    Unit,
    UnitDay,
    UnitPrice,
)
from civicard.childhood.queries import invoice_lines
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.core.errors import DomainError
from civicard.people.models import Household, Membership, Person, User
from civicard.territory.models import Commune, IncomeBracket
from civicard.wallets import operations as wallets
from civicard.wallets.labels import Label
from civicard.wallets.models import Means, Service, ShortageRule

TABLET_TOKEN = "cct_demo-canteen-tablet-do-not-use-in-production"
SCHOOL_DAYS = {0, 1, 3, 4}  # Monday, Tuesday, Thursday, Friday
# (name, kind, service slug, places, minimum and maximum age in months, weekdays,
#  [(unit, capacity, pricing, planned minutes, {bracket: cents}, floor, ceiling)])
ACTIVITIES = [
    ("Restaurant scolaire — École Jules Ferry", "canteen", "canteen", None, 30, 144, SCHOOL_DAYS,
     [("Repas", 120, Pricing.PER_UNIT, 60, {"QF1": 90, "QF2": 180, "QF3": 290, "QF4": 390},
       None, None)]),
    ("Restaurant scolaire — École Marie Curie", "canteen", "canteen", None, 30, 144,
     SCHOOL_DAYS,
     [("Repas", 90, Pricing.PER_UNIT, 60, {"QF1": 90, "QF2": 180, "QF3": 290, "QF4": 390},
       None, None)]),
    ("Accueil périscolaire — École Jules Ferry", "after_school", "daycare", None, 30, 144,
     SCHOOL_DAYS,
     [("Matin", 40, Pricing.PER_HOUR, 60, {"QF1": 50, "QF2": 90, "QF3": 140, "QF4": 190}, 30,
       150),
      ("Soir", 60, Pricing.PER_HOUR, 120, {"QF1": 50, "QF2": 90, "QF3": 140, "QF4": 190}, 50,
       380)]),
    ("Accueil périscolaire — École Marie Curie", "after_school", "daycare", None, 30, 144,
     SCHOOL_DAYS,
     [("Soir", 40, Pricing.PER_HOUR, 120, {"QF1": 50, "QF2": 90, "QF3": 140, "QF4": 190}, 50,
       380)]),
    ("Centre de loisirs des Tilleuls", "leisure_centre", "leisure-centre", None, 36, 144, {2},
     [("Journée avec repas", 48, Pricing.PER_UNIT, 480,
       {"QF1": 400, "QF2": 750, "QF3": 1100, "QF4": 1500}, None, None),
      ("Matin", 24, Pricing.PER_UNIT, 240, {"QF1": 200, "QF2": 380, "QF3": 550, "QF4": 750},
       None, None),
      ("Après-midi", 24, Pricing.PER_UNIT, 240,
       {"QF1": 200, "QF2": 380, "QF3": 550, "QF4": 750}, None, None)]),
    ("Multi-accueil Les Petits Pas", "nursery", "nursery", 24, 2, 48, {0, 1, 2, 3, 4},
     [("Heure d'accueil", 24, Pricing.PER_HOUR, 480, {}, None, None)]),
    ("Leçons de natation — trimestre", "lessons", "pool-aquabrenne", 8, 72, 144, {5},
     [("Leçon du samedi", 8, Pricing.PER_UNIT, 45, {"QF1": 450, "QF2": 600, "QF3": 750,
                                                    "QF4": 900}, None, None)]),
    ("École de musique — piano, premier trimestre", "lessons", "music-school", 6, 48, 216, {2},
     [("Cours de piano", 6, Pricing.PER_UNIT, 30, {"QF1": 600, "QF2": 900, "QF3": 1200,
                                                  "QF4": 1500}, None, None)]),
]
INVOICED = {"leisure-centre", "nursery", "music-school"}  # services billed by invoice
SERVICE_NAMES = {"nursery": "Multi-accueil", "music-school": "École de musique"}


def _season(today: date) -> tuple[date, date]:
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 1), date(year + 1, 7, 3)


def _holidays(starts: date) -> set[date]:
    """Autumn and Christmas holidays, roughly those of the French zone A."""
    year, closed = starts.year, set()
    for first, last in ((date(year, 10, 18), date(year, 11, 2)),
                        (date(year, 12, 20), date(year + 1, 1, 4)),
                        (date(year + 1, 2, 7), date(year + 1, 2, 22)),
                        (date(year + 1, 4, 4), date(year + 1, 4, 19))):
        closed |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return closed


def _service(ctx, slug: str) -> Service:
    """The wallets demo's service, or the nursery's (what a contract costs is owed monthly) or
    the music school's (its invoices are paid through it)."""
    service, _ = Service.objects.get_or_create(
        territory=ctx.territory, slug=slug, defaults={
            "name": SERVICE_NAMES.get(slug, slug),
            "shortage_rule": ShortageRule.SERVE_AND_GO_NEGATIVE})
    return service


def load(ctx):
    if Activity.objects.filter(territory=ctx.territory).exists():
        return
    manager = User.objects.get(email=f"manager@{DEMO_EMAIL_DOMAIN}")
    starts, ends = _season(timezone.localdate(ctx.now))
    closed = _holidays(starts)
    brackets = {b.code: b for b in IncomeBracket.objects.filter(territory=ctx.territory)}
    commune = Commune.objects.filter(official_code="79901").first()
    activities = {}
    for name, kind, slug, places, low, high, weekdays, units in ACTIVITIES:
        activity = Activity.objects.create(
            territory=ctx.territory, commune=commune, service=_service(ctx, slug), name=name,
            kind=kind, season_starts_on=starts, season_ends_on=ends, places=places,
            min_age_months=low, max_age_months=high, deadline_days_before=1,
            deadline_weekday=3 if kind == "canteen" else None,
            deadline_time=time(12, 0),
            billing_mode=BillingMode.INVOICE if slug in INVOICED else BillingMode.WALLET)
        if kind == "lessons":  # a term: the Saturdays until the Christmas holidays
            activity.season_ends_on = date(starts.year, 12, 19)
            activity.save()
        if kind == "leisure_centre":
            activity.deadline_days_before = 7
            activity.save()
        days = operations.school_days(starts_on=starts, ends_on=activity.season_ends_on,
                                      weekdays=weekdays, closed=closed)
        for unit_name, capacity, pricing, minutes, prices, floor, ceiling in units:
            unit = Unit.objects.create(activity=activity, name=unit_name, capacity=capacity,
                                       pricing=pricing, planned_minutes=minutes)
            UnitPrice.objects.create(unit=unit, amount_cents=max(prices.values(), default=0)
                                     or 300, unexpected_amount_cents=None, floor_cents=floor,
                                     ceiling_cents=ceiling, valid_from=starts)
            UnitPrice.objects.bulk_create([
                UnitPrice(unit=unit, income_bracket=brackets[code], amount_cents=cents,
                          floor_cents=floor, ceiling_cents=ceiling, valid_from=starts)
                for code, cents in prices.items() if code in brackets])
            if kind == "canteen":
                UnitPrice.objects.filter(unit=unit).update(unexpected_amount_cents=480)
            operations.open_days(unit=unit, days=days, actor=manager, at=ctx.now)
        activities[kind if kind not in activities else name] = activity
    centre = activities["leisure_centre"]
    full_day, morning, afternoon = centre.units.order_by("pk")
    full_day.incompatible.add(morning, afternoon)
    NurseryFloor.objects.create(territory=ctx.territory, valid_from=date(starts.year, 1, 1),
                                monthly_cents=801_00)
    _families(ctx, activities, manager)
    _nursery(ctx, activities["nursery"], manager)
    _tablet(ctx, activities["canteen"], manager)
    ctx.logins.append(("Childhood staff (roll-call, closing)", manager.email))
    ctx.notes.append(
        "Childhood: Karim (second guardian) sees Inès's nursery contract and this month's "
        "amount under “My children's activities”; the manager opens the nursery's activity "
        "page for its three contracts and an absence to decide. Amina opens “My children's "
        "activities” to book Yanis's and Lina's days "
        "(canteen deadline: Thursday noon for the next week) and “My invoices” for last "
        "month's leisure-centre invoice and Yanis's piano term, invoiced when he got his "
        "place (PDF, pay online); her canteen account shows a meal of Yanis's given back by "
        "a credit note (his certificate, accepted after the closing); the manager opens "
        "“Childhood: "
        "roll-call and billing” for the day's lists, last month's closing and the swimming "
        "lessons' waiting list, and “Invoices and payments” (the agent takes a payment "
        f"there). A canteen tablet's token: {TABLET_TOKEN}.")


def _families(ctx, activities, manager):
    """Amina's children with a month of reservations and attendance, last month closed; other
    children fill the Jules Ferry canteen; the swimming lessons have a waiting list."""
    today = timezone.localtime(ctx.now).date()
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).replace(day=1)
    canteen, daycare = activities["canteen"], activities["after_school"]
    booking_time = timezone.make_aware(datetime.combine(canteen.season_starts_on, time(8)))
    amina = User.objects.get(email=f"resident@{DEMO_EMAIL_DOMAIN}")
    children = {p.full_name.split()[0]: p for p in Person.objects.filter(
        memberships__household__memberships__person__user=amina,
        memberships__is_guardian=False)}
    yanis, lina = children["Yanis"], children["Lina"]
    for child in (yanis, lina):
        operations.enrol_child(activity=canteen, child=child, actor=amina, at=booking_time,
                               allergies="Arachide" if child == lina else "",
                               authorised_pickup="Karim Haddad (père)")
    operations.enrol_child(activity=daycare, child=lina, actor=amina, at=booking_time)
    meal, evening = canteen.units.get(), daycare.units.get(name="Soir")
    until = today + timedelta(days=14)
    for child, unit, weekdays in ((yanis, meal, SCHOOL_DAYS), (lina, meal, SCHOOL_DAYS),
                                  (lina, evening, {1, 3})):
        operations.reserve_pattern(child=child, unit=unit, weekdays=weekdays,
                                   starts_on=last_month, ends_on=until, actor=amina,
                                   at=booking_time)
    past = list(UnitDay.objects.filter(unit__in=[meal, evening],
                                       day__range=(last_month, today - timedelta(days=1)))
                .select_related("unit__activity").order_by("day", "unit_id"))
    # Yanis misses last month's second school meal (ill: the certificate comes after the
    # closing) and some others; one absence is justified on the day.
    ill_on = [unit_day for unit_day in past if unit_day.unit == meal][1:2]
    for number, unit_day in enumerate(past):
        noon = timezone.make_aware(datetime.combine(unit_day.day, time(11, 45)))
        for child in (yanis, lina):
            missed = number % 11 == 5 or unit_day in ill_on
            mark = "absent" if missed and child == yanis else "present"
            try:
                reservation = operations.mark(unit_day=unit_day, child=child, mark=mark,
                                              at=noon, actor=manager)
            except DomainError:
                continue  # Yanis is not enrolled in the after-school care
            if unit_day.unit == evening and mark == "present":
                operations.mark(unit_day=unit_day, child=child, mark="collected",
                                at=noon + timedelta(hours=5, minutes=45), actor=manager)
            if number == 16 and mark == "absent":
                operations.justify(reservation=reservation, actor=manager, at=noon)
    households = list(Membership.objects.filter(
        is_guardian=False, person__birth_date__range=(today - timedelta(days=11 * 365),
                                                      today - timedelta(days=6 * 365 + 30)))
        .exclude(person__in=[yanis, lina]).select_related("household", "person")
        .order_by("pk")[:40])
    lessons = activities["lessons"]
    agent = User.objects.filter(email=f"agent@{DEMO_EMAIL_DOMAIN}").first() or manager
    for index, membership in enumerate(households):
        child = membership.person
        if index < 30:
            operations.enrol_child(activity=canteen, child=child, actor=manager,
                                   at=booking_time)
            operations.reserve_pattern(child=child, unit=meal, weekdays=SCHOOL_DAYS,
                                       starts_on=today, ends_on=today + timedelta(days=7),
                                       actor=manager, at=booking_time)
        if index < 11:  # 11 requests for 8 places, the term paid ahead at the pool's counter
            account = wallets.open_account(household=membership.household,
                                           service=lessons.service, at=booking_time)
            wallets.top_up(account=account, amount_cents=150_00, means=Means.CASH,
                           reason=Label("counter_top_up"),
                           idempotency_key=f"demo:lessons:{membership.household_id}",
                           actor=agent, at=booking_time - timedelta(hours=1),
                           joins_transaction=True)
            operations.enrol_child(activity=lessons, child=child, actor=manager,
                                   at=booking_time + timedelta(minutes=index))
    _leisure_centre(activities["leisure_centre"], amina, manager, yanis, lina, last_month,
                    first_of_month, booking_time)
    # The piano lessons: enrolling Yanis issues the term's invoice at once.
    operations.enrol_child(activity=activities["École de musique — piano, premier trimestre"],
                           child=yanis, actor=amina, at=booking_time)
    for activity in (canteen, daycare, activities["leisure_centre"]):
        operations.close_month(activity=activity, month=last_month, actor=manager, at=ctx.now)
    _late_certificate(canteen, amina, yanis, manager, ctx.now)
    invoice = Invoice.objects.filter(statement__period__activity=activities["leisure_centre"],
                                     household__memberships__person=yanis).first()
    if invoice is not None:  # one day given back: an outing cancelled by the centre
        first_line = invoice_lines(invoice)[0]
        invoices.credit(invoice=invoice, reason="Sortie annulée par le centre",
                        lines=[first_line.ref], actor=manager, at=ctx.now,
                        joins_transaction=True)
        _late_certificate(activities["leisure_centre"], amina, lina, manager, ctx.now)


def _late_certificate(activity, amina, child, manager, now):
    """A day the child missed last month without notice, billed when the month was closed:
    the certificate comes after the closing and is accepted, so a credit note gives that day
    back on its own — on the leisure centre's invoice (Lina's morning), or refunded into the
    canteen's prepaid account (Yanis's meal)."""
    missed = (Reservation.objects.filter(enrolment__activity=activity, child=child,
                                         state=State.ABSENT_UNJUSTIFIED,
                                         unit_day__closed_at__isnull=False)
              .select_related("enrolment", "unit_day").order_by("unit_day__day").first())
    if missed is None:
        return
    absence = operations.declare_absence(
        enrolment=missed.enrolment, reason="illness", starts_on=missed.unit_day.day,
        ends_on=missed.unit_day.day,
        upload=SimpleUploadedFile("certificat.pdf", DEMO_CERTIFICATE), actor=amina, at=now)
    operations.decide_absence(absence=absence, accept=True, actor=manager, at=now)


def _leisure_centre(centre, amina, manager, yanis, lina, last_month, first_of_month,
                    booking_time):
    """Last month's Wednesdays at the leisure centre: Yanis full days, Lina mornings, one
    morning missed without notice; its closing puts them on an invoice."""
    full_day, morning, _afternoon = centre.units.order_by("pk")
    for child, unit in ((yanis, full_day), (lina, morning)):
        operations.enrol_child(activity=centre, child=child, actor=amina, at=booking_time)
        operations.reserve_pattern(child=child, unit=unit, weekdays={2}, starts_on=last_month,
                                   ends_on=first_of_month - timedelta(days=1), actor=amina,
                                   at=booking_time)
    days = UnitDay.objects.filter(unit__in=[full_day, morning],
                                  day__range=(last_month, first_of_month - timedelta(days=1)))
    for number, unit_day in enumerate(days.select_related("unit__activity")
                                      .order_by("day", "unit_id")):
        child = yanis if unit_day.unit == full_day else lina
        nine = timezone.make_aware(datetime.combine(unit_day.day, time(9)))
        operations.mark(unit_day=unit_day, child=child, actor=manager, at=nine,
                        mark="absent" if number == 3 else "present")


def _tablet(ctx, canteen, manager):
    facility = Facility.objects.filter(territory=ctx.territory, name="École Jules Ferry").first()
    if facility is None:
        return
    checkpoint = access_setup.save_checkpoint(
        facility=facility, name="Tablette de la cantine", kind="canteen_tablet",
        service=canteen.service, opening_hours="Mo,Tu,Th,Fr 11:00-14:00; PH off",
        country="FR", charge_use="", passback_seconds=None, actor=manager, at=ctx.now)
    RollCallPoint.objects.create(checkpoint=checkpoint, unit=canteen.units.get())
    terminals.register_terminal(checkpoint=checkpoint, name="Tablette cantine Jules Ferry",
                             actor=manager, at=ctx.now, token=TABLET_TOKEN)


# (first name, age in months, monthly resources in cents, dependent children, a child with a
#  disability, {weekday: (from, to)}, weeks of closure, weeks of the family's holidays)
FULL_WEEK = {n: (time(8, 30), time(17, 30)) for n in range(5)}
NURSERY_CONTRACTS = [
    ("Inès", 14, 3_000_00, 1, False, FULL_WEEK, 4, 1),
    ("Adam", 26, 2_500_00, 2, True, {1: (time(9), time(16)), 3: (time(9), time(16))}, 4, 3),
    ("Chloé", 9, 10_000_00, 2, False, {n: (time(8), time(18)) for n in (0, 1, 3, 4)}, 4, 2),
]
DEMO_CERTIFICATE = b"%PDF-1.4\n% Civicard demo: a medical certificate\n%%EOF\n"


def _nursery(ctx, nursery, manager):
    """Three contracts in the Petits Pas nursery: Inès in Karim's household full time, Adam
    part time (a child with a disability in the household), Chloé four days at the ceiling;
    last month's roll-call with some hours beyond the contracts, an accepted illness and a
    hospitalisation waiting for a decision; last month closed."""
    today = timezone.localtime(ctx.now).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    karim = Household.objects.filter(memberships__person__full_name="Karim Haddad",
                                     memberships__is_guardian=True).first()
    others = list(Household.objects.filter(territory=ctx.territory, memberships__is_guardian=True)
                  .exclude(memberships__person__full_name__in=["Karim Haddad", "Amina Benali"])
                  .distinct().order_by("pk")[:2])
    contracts = []
    for household, (name, months, resources, children, disabled, schedule, closure,
                    holidays) in zip([karim, *others], NURSERY_CONTRACTS, strict=False):
        if household is None:
            continue
        surname = household.memberships.filter(is_guardian=True).first().person.full_name
        child = Person.objects.create(full_name=f"{name} {surname.split()[-1]}", language="fr",
                                      birth_date=today - timedelta(days=months * 30))
        Membership.objects.create(household=household, person=child)
        enrolment = operations.enrol_child(activity=nursery, child=child, actor=manager,
                                           at=ctx.now)
        contracts.append(operations.create_contract(
            enrolment=enrolment, actor=manager, at=ctx.now, terms=operations.ContractTerms(
                starts_on=nursery.season_starts_on, ends_on=nursery.season_ends_on,
                schedule=schedule, closure_weeks=closure, holiday_weeks=holidays,
                monthly_resources_cents=resources, dependent_children=children,
                disabled_child=disabled)))
    ill = (last_month + timedelta(days=14), last_month + timedelta(days=18))
    days = UnitDay.objects.filter(unit__activity=nursery,
                                  day__range=(last_month, today - timedelta(days=1)))
    for number, unit_day in enumerate(days.select_related("unit__activity").order_by("day")):
        for contract in contracts:
            hours = next(((d.starts_at, d.ends_at) for d in contract.days.all()
                          if d.weekday == unit_day.day.weekday()), None)
            if hours is None or (contract == contracts[0]
                                 and ill[0] <= unit_day.day <= ill[1]):
                continue
            late = timedelta(minutes=40 if number % 6 == 2 else 0)
            arrived, left = (timezone.make_aware(datetime.combine(unit_day.day, t))
                             for t in hours)
            child = contract.enrolment.child
            operations.mark(unit_day=unit_day, child=child, mark="present", at=arrived,
                            actor=manager)
            operations.mark(unit_day=unit_day, child=child, mark="collected", at=left + late,
                            actor=manager)
    season = (nursery.season_starts_on, nursery.season_ends_on)
    if contracts and season[0] <= ill[0] and ill[1] <= season[1]:
        ines = contracts[0].enrolment
        karim_user = User.objects.filter(person__full_name="Karim Haddad").first() or manager
        illness = operations.declare_absence(
            enrolment=ines, reason="illness", starts_on=last_month + timedelta(days=14),
            ends_on=last_month + timedelta(days=18),
            upload=SimpleUploadedFile("certificat.pdf", DEMO_CERTIFICATE), actor=karim_user,
            at=ctx.now)
        operations.decide_absence(absence=illness, accept=True, actor=manager, at=ctx.now)
        operations.upload_document(
            enrolment=ines, kind="vaccination",
            upload=SimpleUploadedFile("carnet.pdf", DEMO_CERTIFICATE), actor=karim_user,
            at=ctx.now)
    if len(contracts) > 1 and season[0] <= today <= season[1] - timedelta(days=2):
        operations.declare_absence(
            enrolment=contracts[1].enrolment, reason="hospitalisation",
            starts_on=today, ends_on=today + timedelta(days=2),
            upload=SimpleUploadedFile("bulletin.pdf", DEMO_CERTIFICATE), actor=manager,
            at=ctx.now)
    month = nursery.season_starts_on.replace(day=1)
    while month < last_month:  # the months before, billed at their monthly amount
        operations.close_month(activity=nursery, month=month, actor=manager, at=ctx.now)
        month = (month + timedelta(days=31)).replace(day=1)
    first_of_month = today.replace(day=1)
    if len(contracts) > 1 and contracts[1].starts_on < first_of_month <= contracts[1].ends_on:
        # Adam comes on Tuesdays only from this month: his first contract ends last month
        # and is reconciled with last month's bill.
        adam = contracts[1]
        operations.change_contract(contract=adam, actor=manager, at=ctx.now,
                                   terms=operations.ContractTerms(
            starts_on=first_of_month, ends_on=adam.ends_on,
            schedule={1: (time(9), time(16))}, closure_weeks=2, holiday_weeks=2,
            monthly_resources_cents=adam.monthly_resources_cents,
            dependent_children=adam.dependent_children, disabled_child=adam.disabled_child))
    operations.close_month(activity=nursery, month=last_month, actor=manager, at=ctx.now)
