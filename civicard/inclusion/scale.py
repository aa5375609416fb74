"""`seed-scale`: places of digital mediation and a year of accompaniments for a chunk.

- Places: one per 100 residents (10,000 at a million, the issue's "list and map at 10,000
  places"), in the chunk's neighbourhoods by population, a few hundred metres around their
  centres, with the national standard's services, types, fees and opening hours as in the
  demo's CSV. Their identifiers are `scale-<chunk>-<n>`.
- Accompaniments: about 1.5 % of residents a year (3 % in priority neighbourhoods, where the
  goal "10 % within 5 years" counts), one to three visits each, at the demo mediators' office
  hours; the first is the person's first visit. Some are oriented to a pass numérique
  booklet: `chunk.made["pass_numerique"]` hands them to benefits, which gives them one.
"""

from datetime import timedelta

from civicard.core import bulk
from civicard.core.scale import own_rng
from civicard.inclusion import standard
from civicard.inclusion.models import Accompaniment, OfficeHours, Place
from civicard.inclusion.operations import pseudonym
from civicard.people.models import Person
from civicard.people.scale import POSTAL_CODES
from civicard.territory.models import Neighbourhood

RESIDENTS_PER_PLACE = 100
ACCOMPANIED = 0.015  # of residents, a year
PRIORITY_FACTOR = 2
KINDS = [  # (typologie, name, national programmes)
    ("EPN|MUNI", "Espace public numérique", "Conseillers numériques"),
    ("BIB|MUNI", "Médiathèque", ""),
    ("CCAS|MUNI", "CCAS", "Aidants Connect|Conseillers numériques"),
    ("CS|ASSO", "Centre social", "Conseillers numériques"),
    ("ASSO", "Association numérique", ""),
    ("FRANCE_SERVICES|MUNI", "France Services", "France Services|Aidants Connect"),
    ("ML", "Mission locale", ""),
]
HOURS = ["Mo-Fr 09:00-12:00,14:00-18:00", "Tu-Sa 10:00-18:00", "Mo,We,Fr 13:30-18:00",
         "Sa 14:00-18:00", "Mo-Fr 08:30-12:30,13:30-17:00; Sa 09:00-12:00", ""]  # "": not known
FEES = ["Gratuit", "Gratuit", "Gratuit", "Gratuit sous condition", "Payant"]
ACCESS = ["Se présenter", "Se présenter|Téléphoner", "Prendre un RDV en ligne|Téléphoner",
          "Téléphoner|Contacter par mail"]
HELP = ["Accompagnement individuel", "Dans un atelier collectif",
        "Accompagnement individuel|Dans un atelier collectif",
        "En autonomie|Accompagnement individuel"]
STREETS = ["rue de la République", "place de la Mairie", "avenue Jean Jaurès", "rue des Écoles",
           "allée des Tilleuls", "rue Victor Hugo", "boulevard Pasteur", "rue du Marché"]
SUMMARIES = ["Des ordinateurs en accès libre et une personne pour vous aider.",
             "Aide aux démarches en ligne, sur rendez-vous ou sans.",
             "Ateliers smartphone, e-mail et sécurité en ligne, en petits groupes."]


def _fixed(run):
    bulk.known(run.ids, Place)  # read now: not while a chunk is written
    hoods = Neighbourhood.objects.select_related("commune").order_by("pk")
    offices = list(OfficeHours.objects.order_by("pk").values_list("mediator_id", "place_id"))
    return {
        "hoods": {h.pk: (h.commune.name, h.commune.official_code,
                         float(h.centre_latitude or 46.65), float(h.centre_longitude or -0.25),
                         h.name, h.is_priority) for h in hoods},
        "territory": Place.objects.order_by("pk").values_list("territory_id", flat=True).first(),
        "offices": offices,
        "services": standard.services(),
    }


def _bracket(age: int) -> str:
    return ("0-17" if age < 18 else "18-29" if age < 30 else "30-44" if age < 45
            else "45-59" if age < 60 else "60-74" if age < 75 else "75+")


def build(chunk):
    fixed = chunk.run.once("inclusion", lambda: _fixed(chunk.run))
    if fixed["territory"] is None:
        return
    rng, now, writer = own_rng(chunk, "inclusion"), chunk.now, chunk.writer
    homes = chunk.made["hoods"]
    households = chunk.made["households"]
    people = sum(len(members) for *_x, members in households)
    places = writer.table(Place, "id territory_id standard_id pivot nom commune code_postal "
                                 "code_insee adresse latitude longitude typologie telephone "
                                 "horaires presentation_resume source itinerance date_maj "
                                 "services frais_a_charge dispositif_programmes_nationaux "
                                 "modalites_acces modalites_accompagnement neighbourhood_id "
                                 "accepts_pass_numerique photo updated_at")
    services = fixed["services"]
    for n in range(round(people / RESIDENTS_PER_PLACE)):
        household = rng.choice(households)[0]
        hood = homes[household]
        commune, insee, lat, lon, hood_name, _priority = fixed["hoods"][hood]
        typologie, kind, programmes = rng.choice(KINDS)
        places.add(places.next_id(), fixed["territory"], f"scale-{chunk.index}-{n}",
                   f"{rng.randint(10**13, 10**14 - 1)}", f"{kind} {hood_name} {chunk.index}-{n}",
                   commune, POSTAL_CODES.get(insee, "79200"), insee,
                   f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                   round(lat + rng.uniform(-0.02, 0.02), 5),
                   round(lon + rng.uniform(-0.03, 0.03), 5), typologie,
                   f"+3354{rng.randint(1000000, 9999999)}", rng.choice(HOURS),
                   rng.choice(SUMMARIES), "Scale territory", "Fixe",
                   (now - timedelta(days=rng.randint(0, 365))).date(),
                   "|".join(sorted(rng.sample(services, rng.randint(1, 3)), key=services.index)),
                   rng.choice(FEES), programmes, rng.choice(ACCESS), rng.choice(HELP), hood,
                   rng.random() < 0.3, "", now)

    offices = fixed["offices"]
    oriented = chunk.made["pass_numerique"] = {}  # person: (neighbourhood, age)
    if not offices:
        return
    entries = writer.table(Accompaniment, "mediator_id place_id date duration_minutes themes "
                                          "first_visit orientation person_id pseudonym "
                                          "age_bracket neighbourhood_id created_at")
    today = now.date()
    themes = services[:5]
    for household, _commune, _bracket_code, members in households:
        hood = homes[household]
        share = ACCOMPANIED * (PRIORITY_FACTOR if fixed["hoods"][hood][5] else 1)
        for person, _adult, age in members:
            if age < 12 or rng.random() >= share:
                continue
            name = pseudonym(person=Person(pk=person))
            days = sorted(rng.sample(range(1, 366), rng.choice([1, 1, 1, 2, 2, 3])),
                          reverse=True)
            for visit, back in enumerate(days):
                mediator, place = rng.choice(offices)
                orientation = rng.choice(["", "", "", "social", "pass", "place"])
                if orientation == "pass":
                    oriented[person] = (hood, age)
                entries.add(mediator, place, today - timedelta(days=back),
                            rng.choice([15, 20, 30, 30, 45, 60]),
                            "|".join(sorted(rng.sample(themes, rng.randint(1, 2)),
                                            key=themes.index)),
                            visit == 0, orientation, person, name, _bracket(age), hood,
                            now - timedelta(days=back))
