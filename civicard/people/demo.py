"""About 2,000 households and 5,000 people (or as many as `seed-scale` asks) with realistic,
diverse names, and one login per role."""

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from civicard.core.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD
from civicard.core.permissions import Role
from civicard.core.text import searchable
from civicard.people.models import Household, Membership, Person, RoleAssignment, User
from civicard.territory.models import Address, IncomeBracket, Neighbourhood

HOUSEHOLDS = 2000  # unless `seed-scale` asks for more

# (language, first names, family names): the territory's residents and its newcomers.
ORIGINS = [
    ("fr", 55, ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Gabriel", "Manon", "Jules", "Inès",
                "Arthur", "Jeanne", "Paul", "Marie", "Lucas", "Élise", "Thomas", "Odette",
                "Gérard", "Monique", "Bernard", "Yvette", "Nathan", "Zoé", "Maël"],
     ["Martin", "Bernard", "Moreau", "Girard", "Bonnet", "Rousseau", "Fontaine", "Chevalier",
      "Gauthier", "Perrin", "Morin", "Guérin", "Boucher", "Renaud", "Brunet", "Baudry",
      "Texier", "Guillot", "Micheneau", "Sabourin"]),
    ("pt", 8, ["João", "Ana", "Miguel", "Beatriz", "Tiago", "Inês", "Rui", "Carla"],
     ["Ferreira", "Pereira", "Carvalho", "Rodrigues", "Gonçalves", "Lopes"]),
    ("ar", 9, ["Amina", "Youssef", "Fatima", "Karim", "Nour", "Samir", "Leila", "Mehdi",
               "Yasmine", "Omar"],
     ["Benali", "El Amrani", "Haddad", "Mansouri", "Bouzid", "Cherkaoui", "Saidi"]),
    ("tr", 5, ["Elif", "Mehmet", "Zeynep", "Emre", "Ayşe", "Burak"],
     ["Yılmaz", "Demir", "Kaya", "Şahin", "Çelik"]),
    ("uk", 5, ["Olena", "Andriy", "Iryna", "Dmytro", "Oksana", "Taras", "Sofiia"],
     ["Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk"]),
    ("ti", 3, ["Selam", "Yonas", "Helen", "Dawit", "Senait", "Filmon"],
     ["Tesfay", "Gebremariam", "Haile", "Kidane", "Berhane"]),
    ("fa", 3, ["Zahra", "Ahmad", "Maryam", "Farid", "Shabnam", "Nasir"],
     ["Ahmadi", "Rahimi", "Karimi", "Sultani", "Hashimi"]),
    ("so", 2, ["Hodan", "Abdi", "Faadumo", "Mahad", "Sahra"],
     ["Warsame", "Farah", "Jama", "Hassan"]),
    ("sq", 3, ["Arta", "Blerim", "Drita", "Ilir", "Vjosa"],
     ["Krasniqi", "Berisha", "Gashi", "Hoxha"]),
    ("ta", 2, ["Priya", "Karthik", "Lakshmi", "Suresh"], ["Murugan", "Rajendran", "Selvam"]),
    ("es", 2, ["Lucía", "Javier", "Carmen", "Diego"], ["García", "Fernández", "Martínez"]),
    ("ru", 1, ["Natalia", "Sergei", "Anna"], ["Ivanova", "Petrov", "Smirnova"]),
]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue des Écoles", "allée des Tilleuls",
           "rue du Château", "place de la Mairie", "rue Victor Hugo", "chemin des Vignes",
           "rue des Lavandières", "impasse du Moulin", "rue Pasteur", "boulevard de la Gare"]

STAFF = [
    (Role.COUNTER_AGENT, "agent", "Sophie Lambert", "Counter agent"),
    (Role.SERVICE_MANAGER, "manager", "Marc Delaunay", "Service manager"),
    (Role.SOCIAL_WORKER, "social", "Nadia Ferhat", "Social worker (CCAS)"),
    (Role.MEDIATOR, "mediator", "Kevin Moulin", "Digital mediator"),
    (Role.VENUE_STAFF, "venue", "Julie Caron", "Venue staff"),
    (Role.ASSOCIATION_EDITOR, "association", "Ahmed Benkacem", "Association editor"),
    (Role.MODERATOR, "moderator", "Claire Besson", "Moderator"),
    (Role.ADMINISTRATOR, "admin", "Patrick Roux", "Administrator"),
]


def _login(email: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, is_staff=superuser,
                                        is_superuser=superuser)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _person(user, full_name, language, **extra) -> Person:
    person, _ = Person.objects.get_or_create(
        user=user, defaults={"full_name": full_name, "language": language, "email": user.email,
                             **extra})
    return person


def _birth(rng, today, low, high) -> date:
    return today - timedelta(days=rng.randint(low * 365, high * 365))


def load(ctx):
    territory = ctx.territory
    today = timezone.localdate(ctx.now)
    rng = ctx.rng_for("people")
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory).select_related(
        "commune"))
    brackets = list(IncomeBracket.objects.filter(territory=territory))

    # The resident login: Amina, two children, one of whom also lives with her father.
    resident = _login(f"resident@{DEMO_EMAIL_DOMAIN}")
    amina = _person(resident, "Amina Benali", "ar", phone="06 71 22 48 19",
                    birth_date=date(1988, 3, 14))
    if not amina.memberships.exists():
        hood = next(h for h in hoods if h.qpv_code == "QN07901M")
        address = Address.objects.create(street="12 allée des Tilleuls", postal_code="79200",
                                         neighbourhood=hood)
        home = Household.objects.create(territory=territory, address=address,
                                        income_bracket=brackets[0])
        Membership.objects.create(household=home, person=amina, is_guardian=True)
        yanis = Person.objects.create(full_name="Yanis Haddad", language="fr",
                                      birth_date=date(2016, 9, 2))
        lina = Person.objects.create(full_name="Lina Haddad", language="fr",
                                     birth_date=date(2019, 5, 23))
        for child in (yanis, lina):
            Membership.objects.create(household=home, person=child)
        father_user = _login(f"second-guardian@{DEMO_EMAIL_DOMAIN}")
        father = _person(father_user, "Karim Haddad", "fr", birth_date=date(1985, 11, 30))
        other = Household.objects.create(
            territory=territory, income_bracket=brackets[1],
            address=Address.objects.create(street="4 rue Pasteur", postal_code="79200",
                                           neighbourhood=hoods[0]))
        Membership.objects.create(household=other, person=father, is_guardian=True)
        Membership.objects.create(household=other, person=yanis)
    ctx.logins.append(("Resident (Amina, in Arabic)", resident.email))
    ctx.logins.append(("Second guardian (Karim)", f"second-guardian@{DEMO_EMAIL_DOMAIN}"))

    for role, local, full_name, label in STAFF:
        user = _login(f"{local}@{DEMO_EMAIL_DOMAIN}", superuser=role == Role.ADMINISTRATOR)
        _person(user, full_name, "fr")
        RoleAssignment.objects.get_or_create(user=user, role=role, commune=None)
        ctx.logins.append((label, user.email))

    if Household.objects.filter(territory=territory).count() >= (ctx.households or HOUSEHOLDS):
        return
    weights = [origin[1] for origin in ORIGINS]
    households, addresses, people, memberships = [], [], [], []
    for number in range(ctx.households or HOUSEHOLDS):
        language, _, first_names, family_names = rng.choices(ORIGINS, weights)[0]
        family = rng.choice(family_names)
        hood = rng.choice(hoods)
        addresses.append(Address(street=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                                 postal_code="79200", neighbourhood=hood))
        households.append(Household(territory=territory, income_bracket=rng.choice(brackets)
                                    if rng.random() < 0.7 else None))
        size = rng.choices([1, 2, 3, 4, 5], [24, 26, 20, 20, 10])[0]
        adults = 1 if size == 1 or rng.random() < 0.25 else 2
        if size == 1 and rng.random() < 0.4:
            ages = [(67, 92)]  # many people living alone are elderly
        else:
            ages = [(25, 60)] * adults + [(0, 17)] * (size - adults)
        given = set()
        for index, (low, high) in enumerate(ages):
            first = rng.choice(first_names)
            while first in given and len(given) < len(first_names):  # no two alike at home
                first = first_names[(first_names.index(first) + 1) % len(first_names)]
            given.add(first)
            has_phone = rng.random() < 0.8
            people.append((number, index < adults, Person(
                full_name=f"{first} {family}", search_name=searchable(f"{first} {family}"),
                language=language if index < adults or
                rng.random() < 0.5 else "fr",
                birth_date=_birth(rng, today, low, high),
                phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                      f"{rng.randint(10, 99)}" if has_phone and index < adults else "",
            )))
    Address.objects.bulk_create(addresses, batch_size=500)
    for household, address in zip(households, addresses, strict=True):
        household.address = address
    Household.objects.bulk_create(households, batch_size=500)
    Person.objects.bulk_create([p for _, _, p in people], batch_size=500)
    for number, guardian, person in people:
        memberships.append(Membership(household=households[number], person=person,
                                      is_guardian=guardian))
    Membership.objects.bulk_create(memberships, batch_size=500)
