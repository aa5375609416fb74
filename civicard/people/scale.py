"""`seed-scale`: a chunk's households, at the demo's mix of sizes, origins and ages, in the
territory's neighbourhoods by their population (priority neighbourhoods included)."""

from datetime import timedelta

from django.utils import timezone

from civicard.core.text import searchable
from civicard.people.demo import ORIGINS, STREETS
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import Address, IncomeBracket, Neighbourhood, Territory

SIZES, SIZE_WEIGHTS = [1, 2, 3, 4, 5], [24, 26, 20, 20, 10]
POSTAL_CODES = {"79901": "79200", "79902": "79210", "79903": "79220"}


def _fixed(run):
    territory = Territory.objects.order_by("pk").first()
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory)
                 .select_related("commune").order_by("pk"))
    return {
        "territory": territory,
        "hoods": [(h.pk, h.commune_id, POSTAL_CODES.get(h.commune.official_code, "79200"))
                  for h in hoods],
        "hood_weights": [h.population or 1000 for h in hoods],
        "brackets": list(IncomeBracket.objects.filter(territory=territory).order_by("pk")
                         .values_list("pk", "code")),
    }


def build(chunk):
    fixed = chunk.run.once("people", lambda: _fixed(chunk.run))
    names = chunk.run.cache.setdefault("searchable", {})
    rng, writer, today = chunk.rng, chunk.writer, timezone.localdate(chunk.now)
    addresses = writer.table(Address, "id street postal_code neighbourhood_id")
    households = writer.table(Household, "id territory_id address_id income_bracket_id")
    people = writer.table(Person, "id full_name search_name language birth_date phone")
    memberships = writer.table(Membership, "household_id person_id is_guardian")
    weights = [origin[1] for origin in ORIGINS]
    territory_id = fixed["territory"].pk
    made = chunk.made["households"] = []  # (household, commune, bracket code, members)
    hoods = chunk.made["hoods"] = {}  # household: neighbourhood
    for _ in range(chunk.households):
        language, _w, first_names, family_names = rng.choices(ORIGINS, weights)[0]
        family = rng.choice(family_names)
        hood, commune, postal_code = rng.choices(fixed["hoods"], fixed["hood_weights"])[0]
        address_id = addresses.next_id()
        addresses.add(address_id, f"{rng.randint(1, 120)} {rng.choice(STREETS)}", postal_code,
                      hood)
        bracket = rng.choice(fixed["brackets"]) if rng.random() < 0.7 else (None, None)
        household_id = households.next_id()
        households.add(household_id, territory_id, address_id, bracket[0])
        hoods[household_id] = hood
        size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
        adults = 1 if size == 1 or rng.random() < 0.25 else 2
        if size == 1 and rng.random() < 0.4:
            ages = [(67, 92)]  # many people living alone are elderly
        else:
            ages = [(25, 60)] * adults + [(0, 17)] * (size - adults)
        members = []
        for index, (low, high) in enumerate(ages):
            full_name = f"{rng.choice(first_names)} {family}"
            if full_name not in names:
                names[full_name] = searchable(full_name)
            adult = index < adults
            birth = today - timedelta(days=rng.randint(low * 365, high * 365))
            phone = (f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                     f"{rng.randint(10, 99)}" if adult and rng.random() < 0.8 else "")
            person_id = people.next_id()
            people.add(person_id, full_name, names[full_name],
                       language if adult or rng.random() < 0.5 else "fr", birth, phone)
            memberships.add(household_id, person_id, adult)
            members.append((person_id, adult, (today - birth).days // 365))
        made.append((household_id, commune, bracket[1], members))
