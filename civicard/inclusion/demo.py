"""Digital inclusion in Val-de-Brenne: 40 places imported from a CSV in the national standard,
actors and initiatives, two mediators with recurring office hours, a year of accompaniments
and the goal "10% of the priority neighbourhoods' residents within 5 years"."""

from datetime import date, time, timedelta
from pathlib import Path

from civicard.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from civicard.core.permissions import Role
from civicard.inclusion import operations, standard
from civicard.inclusion.models import (
    Accompaniment,
    Actor,
    Goal,
    Initiative,
    Mediator,
    OfficeHours,
    OfficeHoursChange,
    Place,
)
from civicard.people.models import Person, RoleAssignment, User
from civicard.territory.models import Neighbourhood

CSV = Path(__file__).resolve().parent / "demo_data" / "lieux-val-de-brenne.csv"

ACTORS = [
    ("Brenne Numérique", Actor.Kind.ASSOCIATION, "Des bénévoles qui apprennent l’informatique.",
     ["vdb-005", "vdb-008", "vdb-024"], [("Ateliers smartphone pour les seniors",
                                          "Chaque mercredi après-midi, en petits groupes.")]),
    ("Ville de Saint-Aubin-sur-Brenne", Actor.Kind.PUBLIC_SERVICE, "",
     ["vdb-001", "vdb-003", "vdb-019"], [("Médiateurs numériques dans les quartiers",
                                          "Deux conseillers numériques en permanence.")]),
    ("Les Bricoleurs de la Brenne", Actor.Kind.ASSOCIATION, "Cafés réparation.",
     ["vdb-006", "vdb-026"], [("Repair café", "Apportez votre ordinateur ou téléphone en panne.")]),
    ("Collège Paul-Éluard", Actor.Kind.SCHOOL, "",
     ["vdb-019"], [("Parents et écrans", "Soirées pour les parents : ENT, temps d’écran.")]),
    ("ReBoot Solidaire", Actor.Kind.COMPANY, "Ordinateurs reconditionnés à prix solidaire.",
     ["vdb-023"], [("Un ordinateur pour 50 €",
                    "Pour les personnes avec un pass numérique ou au RSA.")]),
]

MEDIATORS = [
    # e-mail local part, name, languages, [(place id, weekday, weeks, start, end)]
    ("mediator", "Kevin Moulin", "français, English", [
        ("vdb-002", 1, "", time(9), time(12)),          # every Tuesday morning, Les Terrasses
        ("vdb-001", 3, "1,3", time(14), time(17)),      # 1st and 3rd Thursday, library
        ("vdb-004", 4, "", time(14), time(17)),         # every Friday, Clos Fleuri
    ]),
    ("mediator2", "Samira Lefèvre", "français, العربية", [
        ("vdb-024", 0, "", time(14), time(17, 30)),     # every Monday, Les Terrasses
        ("vdb-005", 2, "2,4", time(9, 30), time(12)),   # 2nd and 4th Wednesday, Les Ormeaux
        ("vdb-009", 3, "-1", time(14), time(16)),       # last Thursday, Vernay
    ]),
]


def _mediator(local, name, languages) -> Mediator:
    email = f"{local}@{DEMO_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        from allauth.account.models import EmailAddress

        user = User.objects.create_user(email, DEMO_PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Person.objects.create(user=user, full_name=name, language="fr", email=email)
    RoleAssignment.objects.get_or_create(user=user, role=Role.MEDIATOR, commune=None)
    mediator, _ = Mediator.objects.get_or_create(
        user=user, defaults={"display_name": name, "languages": languages,
                             "presentation": "Conseiller numérique France Services."})
    return mediator


def load(ctx):
    territory = ctx.territory
    now = ctx.now
    report = operations.import_places(source=CSV, territory=territory,
                                      actor=None, at=now)
    if report.file_problem or report.problems:
        raise RuntimeError([p.text() for p in report.problems] or report.file_problem)
    places = {p.standard_id: p for p in Place.objects.filter(territory=territory)}
    rng = ctx.rng_for("inclusion")
    for number, place in enumerate(sorted(places.values(), key=lambda p: p.standard_id)):
        if place.accessibility_notes:
            continue
        place.accepts_pass_numerique = number % 3 == 0
        place.accessibility_notes = ["Entrée de plain-pied, toilettes adaptées.",
                                     "Ascenseur jusqu’au premier étage.",
                                     "Deux marches à l’entrée ; demandez la rampe."][number % 3]
        place.save(update_fields=["accepts_pass_numerique", "accessibility_notes"])

    for name, kind, description, place_ids, initiatives in ACTORS:
        actor, _ = Actor.objects.get_or_create(territory=territory, name=name, defaults={
            "kind": kind, "description": description})
        actor.places.add(*[places[i] for i in place_ids if i in places])
        for title, text in initiatives:
            initiative, _ = Initiative.objects.get_or_create(actor=actor, name=title,
                                                             defaults={"description": text})
            initiative.places.add(*[places[i] for i in place_ids if i in places])

    start = date(now.year - 1, now.month, 1)
    mediators = []
    for local, name, languages, hours in MEDIATORS:
        mediator = _mediator(local, name, languages)
        mediators.append(mediator)
        if local != "mediator":
            ctx.logins.append(("Second digital mediator", mediator.user.email))
        for place_id, weekday, weeks, begin, end in hours:
            office_hours, created = OfficeHours.objects.get_or_create(
                mediator=mediator, place=places[place_id], weekday=weekday,
                defaults={"weeks_of_month": weeks, "start_time": begin, "end_time": end,
                          "valid_from": start, "slot_minutes": 30})
            if created and weeks == "1,3":
                # the library is closed for the Christmas break: one session cancelled
                christmas = date(now.year, 12, 18)
                if christmas.weekday() == 3:
                    OfficeHoursChange.objects.get_or_create(
                        office_hours=office_hours, date=christmas,
                        defaults={"kind": OfficeHoursChange.Kind.CANCELLED,
                                  "note": "Christmas break"})

    priority = list(Neighbourhood.objects.filter(commune__territory=territory,
                                                 is_priority=True))
    goal, created = Goal.objects.get_or_create(
        territory=territory, name="10 % des habitants des quartiers prioritaires en 5 ans",
        defaults={"percent": 10, "years": 5, "start_date": start})
    if created:
        goal.neighbourhoods.add(*priority)

    if Accompaniment.objects.exists():
        ctx.notes.append("Digital inclusion: /inclusion/ (list), /inclusion/map/, "
                         "/inclusion/mediator/ and /inclusion/dashboard/ as mediator@.")
        return
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory))
    # Les Terrasses is well served (on track), Le Clos Fleuri less so (behind): the dashboard
    # shows both cases.
    weights = [{"QN07901M": 3, "QN07902M": 0.5}.get(h.qpv_code, 1) for h in hoods]
    # a pool of people, some of whom come back several times
    people = [(f"p{n}", f"f{n}", rng.randint(1935, 2008), rng.choices(hoods, weights)[0])
              for n in range(520)]
    services = standard.services()
    entries = []
    days = (now.date() - start).days
    for n in range(1400):
        first, family, year, hood = rng.choice(people[: 120 + n * 400 // 1400])
        mediator = rng.choice(mediators)
        office = rng.choice(list(mediator.office_hours.all()))
        day = start + timedelta(days=rng.randint(0, max(days - 1, 0)))
        age = now.year - year
        bracket = ("0-17" if age < 18 else "18-29" if age < 30 else "30-44" if age < 45
                   else "45-59" if age < 60 else "60-74" if age < 75 else "75+")
        entries.append(Accompaniment(
            mediator=mediator, place=office.place, date=day,
            duration_minutes=rng.choice([15, 20, 30, 30, 45, 60]),
            themes="|".join(sorted(rng.sample(services[:5], rng.randint(1, 2)),
                                   key=services.index)),
            first_visit=False, orientation=rng.choice(["", "", "", "social", "pass", "place"]),
            pseudonym=operations.pseudonym(first_name=first, family_name=family,
                                           birth_year=year),
            age_bracket=bracket, neighbourhood=hood, created_at=now))
    entries.sort(key=lambda e: e.date)
    seen = set()
    for entry in entries:
        entry.first_visit = entry.pseudonym not in seen
        seen.add(entry.pseudonym)
    Accompaniment.objects.bulk_create(entries, batch_size=500)
    ctx.notes.append("Digital inclusion: /inclusion/ (list), /inclusion/map/, "
                     "/inclusion/mediator/ and /inclusion/dashboard/ as mediator@.")
