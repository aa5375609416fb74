"""The demo: a monthly free-entries programme with 6 partner venues and this month's use, a
pass-numérique funder with 400 booklets (some handed out, some partly spent), 4 accredited
mediation venues and last month's frozen statements."""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from civicard.benefits import operations, rules
from civicard.benefits.models import (
    Accreditation,
    AgeBracket,
    BenefitKind,
    Booklet,
    BookletStatus,
    Funder,
    Grant,
    MonthlyUsage,
    Programme,
    Redemption,
    RedemptionKind,
    SocialService,
    StaffLink,
    Venue,
    Voucher,
)
from civicard.core.demo import DEMO_EMAIL_DOMAIN
from civicard.people.models import Person, User
from civicard.territory.demo import give_names
from civicard.territory.models import Neighbourhood

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" '
        'height="40" rx="6" fill="#1f5fa8"/><circle cx="20" cy="20" r="11" fill="#fff"/>'
        '<text x="38" y="26" font-family="sans-serif" font-size="15" font-weight="bold" '
        'fill="#fff">{name}</text></svg>')
CULTURE = [
    ("Musée de la Ville", "Tu-Su 10:00-18:00; PH off", "2 place du Musée"),
    ("Piscine des Tilleuls", "Mo-Fr 12:00-20:00; Sa,Su 09:00-18:00", "rue des Sports"),
    ("Théâtre municipal", "We-Sa 14:00-19:00", "1 place de la Mairie"),
    ("Patinoire", "We 14:00-18:00; Sa,Su 10:00-18:00", "avenue Jean Jaurès"),
    ("Cinéma Le Palace", "Mo-Th,Su 13:30-22:30; Fr,Sa 13:30-01:00", "12 rue Victor Hugo"),
    ("Médiathèque Jacques-Prévert", "Tu-Sa 10:00-18:00; PH off", "5 rue des Écoles"),
]
MEDIATION = [
    ("Espace numérique des Tours", "Mo-Fr 09:00-17:00", "8 allée des Tilleuls"),
    ("Association Clic'Solidaire", "Tu,Th 14:00-18:00", "3 rue Pasteur"),
    ("Centre social du Port", "Mo-Fr 09:00-12:00,14:00-17:30", "quai du Port"),
]
WORKSHOPS = ["e-mail", "imprimante", "CV", "démarches en ligne", "smartphone"]
WORKSHOP_NAMES = {
    "imprimante": {"en": "printer", "uk": "принтер", "ar": "الطابعة", "fa": "چاپگر"},
    "démarches en ligne": {"en": "online forms", "uk": "онлайн-документи",
                           "ar": "المعاملات عبر الإنترنت", "fa": "کارهای اداری اینترنتی"},
    "e-mail": {"uk": "електронна пошта", "ar": "البريد الإلكتروني", "fa": "ایمیل"},
    "CV": {"uk": "резюме", "ar": "السيرة الذاتية", "fa": "رزومه"},
    "smartphone": {"uk": "смартфон", "ar": "الهاتف الذكي", "fa": "گوشی هوشمند"},
}
BOOKLETS = 400


def _at(day: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59))))


def _link(email: str, **target) -> None:
    user = User.objects.filter(email=email).first()
    if user is not None:
        StaffLink.objects.get_or_create(user=user, **target)


def _venue(territory, name, hours, address, hood, index, iban) -> Venue:
    """A venue a few hundred metres from its neighbourhood's centre (a different spot for each
    venue, so two venues of one neighbourhood do not hide each other on the map)."""
    north, east = (index % 3 - 1) * Decimal("0.0025"), (index // 3 % 3 - 1) * Decimal("0.0035")
    return Venue.objects.create(
        territory=territory, name=name, opening_hours=hours, address=address, neighbourhood=hood,
        latitude=hood.centre_latitude + north if hood.centre_latitude is not None else None,
        longitude=hood.centre_longitude + east if hood.centre_longitude is not None else None,
        iban=iban)


def load(ctx):
    territory = ctx.territory
    now = ctx.now
    rng = ctx.rng_for("benefits")
    give_names(territory, WORKSHOP_NAMES)
    month = rules.month_of(now)
    last_month = (month - timedelta(days=1)).replace(day=1)
    ctx.notes.append("Benefits: venue@ accepts vouchers and free entries at /benefits/venue/, "
                     "social@ hands out booklets at /benefits/booklets/, manager@ sees "
                     "/benefits/dashboard/ and the statements, resident@ sees /me/benefits/.")
    if Funder.objects.filter(territory=territory, name="Ville de Civicard").exists():
        return
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory).order_by("pk"))
    town = Funder.objects.create(territory=territory, name="Ville de Civicard",
                                 logo_svg=LOGO.format(name="VILLE"))
    department = Funder.objects.create(territory=territory, name="Département",
                                       logo_svg=LOGO.format(name="DÉPT"),
                                       accountant_reference="PASS-NUM")
    ccas = SocialService.objects.create(territory=territory, name="CCAS")
    start = date(now.year - 1, 1, 1)
    culture = [_venue(territory, name, hours, address, rng.choice(hoods), index,
                      f"FR76 3000 4000 0100 0000 {index:04d} 042")
               for index, (name, hours, address) in enumerate(CULTURE)]
    mediation = [culture[-1]] + [
        _venue(territory, name, hours, address, rng.choice(hoods), len(CULTURE) + index,
               f"FR76 3000 4000 0200 0000 {index:04d} 042")
        for index, (name, hours, address) in enumerate(MEDIATION)]
    entries = Programme.objects.create(
        funder=town, name="Sorties culture et sport", kind=BenefitKind.ENTRIES,
        grant=Grant.MONTHLY, entries_per_month=4, per_venue_cap=2, starts_on=start)
    passes = Programme.objects.create(
        funder=department, name="Pass numérique", kind=BenefitKind.MONEY, grant=Grant.BOOKLETS,
        voucher_value_cents=1000, vouchers_per_booklet=5, starts_on=start,
        ends_on=date(now.year + 1, 12, 31))
    Accreditation.objects.bulk_create(
        [Accreditation(programme=entries, venue=v, active_from=start) for v in culture]
        + [Accreditation(programme=passes, venue=v, active_from=start,
                         services=WORKSHOPS) for v in mediation])
    _link(f"venue@{DEMO_EMAIL_DOMAIN}", venue=culture[-1])
    _link(f"social@{DEMO_EMAIL_DOMAIN}", social_service=ccas)
    _link(f"manager@{DEMO_EMAIL_DOMAIN}", funder=town)
    _link(f"manager@{DEMO_EMAIL_DOMAIN}", funder=department)

    # This month's free entries: a few hundred residents went out.
    people = list(Person.objects.filter(erased_at__isnull=True).order_by("pk")
                  .values_list("pk", flat=True)[:3000])
    days_so_far = max(1, rules.local_date(now).day)
    usages, redemptions = [], []
    for person_id in rng.sample(people, min(350, len(people))):
        used = rng.randint(1, 4)
        usage = MonthlyUsage(person_id=person_id, programme=entries, month=month, used=used)
        usages.append(usage)
        venues = rng.sample(culture, 2) * 2
        for index in range(used):
            redemptions.append(Redemption(
                kind=RedemptionKind.ENTRY, programme=entries, venue=venues[index],
                person_id=person_id, usage=usage,
                at=min(now - timedelta(minutes=30), _at(month + timedelta(
                    days=rng.randint(0, days_so_far - 1)), rng)),
                idempotency_key=f"demo-{uuid.uuid4().hex}"))
    MonthlyUsage.objects.bulk_create(usages, batch_size=500)
    for redemption in redemptions:
        redemption.usage_id = redemption.usage.pk

    # The pass numérique: 400 booklets, 220 handed out, many partly or fully spent.
    batch = operations.create_booklets(programme=passes, social_service=ccas, count=BOOKLETS,
                                       actor=None, at=now - timedelta(days=60))
    booklets = list(Booklet.objects.filter(batch=batch).order_by("pk"))
    social = User.objects.filter(email=f"social@{DEMO_EMAIL_DOMAIN}").first()
    handed = booklets[:220]
    for index, booklet in enumerate(handed):
        booklet.status = BookletStatus.HANDED_OUT
        booklet.handed_out_at = now - timedelta(days=rng.randint(35, 55))
        booklet.handed_out_by = social
        booklet.age_bracket = rng.choice(AgeBracket.values)
        booklet.neighbourhood = rng.choice(hoods)
        if index < 60:
            booklet.person_id = rng.choice(people)
        if index % 37 == 0:
            booklet.status, booklet.cancelled_at, booklet.cancelled_by = (
                BookletStatus.CANCELLED, now - timedelta(days=20), social)
    Booklet.objects.bulk_update(handed, ["status", "handed_out_at", "handed_out_by",
                                         "age_bracket", "neighbourhood", "person",
                                         "cancelled_at", "cancelled_by"])
    vouchers = {v.pk: v for v in Voucher.objects.filter(booklet__in=handed[:160])}
    by_booklet: dict[int, list[Voucher]] = {}
    for voucher in vouchers.values():
        by_booklet.setdefault(voucher.booklet_id, []).append(voucher)
    spent = []
    for booklet in handed[:160]:
        count = rng.choice([1, 2, 3, 5])
        venue = rng.choice(mediation)
        for voucher in sorted(by_booklet[booklet.pk], key=lambda v: v.position)[:count]:
            when = (_at(last_month + timedelta(days=rng.randint(0, 27)), rng)
                    if rng.random() < 0.6 else
                    min(now - timedelta(minutes=30),
                        _at(month + timedelta(days=rng.randint(0, days_so_far - 1)), rng)))
            voucher.used_at = when
            spent.append(voucher)
            redemptions.append(Redemption(
                kind=RedemptionKind.VOUCHER, programme=passes, venue=venue,
                person_id=booklet.person_id, voucher=voucher, service=rng.choice(WORKSHOPS),
                amount_cents=voucher.value_cents, at=when,
                idempotency_key=f"demo-{uuid.uuid4().hex}"))
    Voucher.objects.bulk_update(spent, ["used_at"], batch_size=500)
    Redemption.objects.bulk_create(redemptions, batch_size=500)
    operations.issue_statements(programme=passes, month=last_month, actor=None, at=now)
