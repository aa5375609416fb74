"""Val-de-Brenne: a fictional intercommunality of 3 communes and 9 neighbourhoods (2 priority)."""

from civicard.territory.models import Commune, IncomeBracket, LocalName, Neighbourhood, Territory

COMMUNES = [
    ("Saint-Aubin-sur-Brenne", "79901", [
        # name, latitude, longitude, QPV code (priority), population
        ("Centre-Ville", "46.64780", "-0.24720", "", 2400),
        ("Les Terrasses", "46.65310", "-0.23610", "QN07901M", 2900),
        ("La Gare", "46.64190", "-0.25580", "", 1800),
        ("Le Clos Fleuri", "46.65650", "-0.25110", "QN07902M", 2100),
    ]),
    ("Les Ormeaux", "79902", [
        ("Le Bourg", "46.61920", "-0.29800", "", 1500),
        ("La Vallée", "46.62610", "-0.30940", "", 900),
        ("Les Vignes", "46.61350", "-0.28760", "", 1100),
    ]),
    ("Vernay-la-Forêt", "79903", [
        ("Le Village", "46.68830", "-0.20050", "", 1300),
        ("Les Moulins", "46.69420", "-0.19110", "", 700),
    ]),
]

# The territory writes in French; its names are given in a few residents' languages (the others
# read them in French): what a manager enters on "Names in other languages".
BRACKETS = [("QF1", "QF 1 — jusqu’à 500", 500), ("QF2", "QF 2 — de 501 à 800", 800),
            ("QF3", "QF 3 — de 801 à 1 200", 1200), ("QF4", "QF 4 — plus de 1 200", None)]
BRACKET_NAMES = {
    "QF 1 — jusqu’à 500": {"en": "QF 1 — up to 500", "uk": "QF 1 — до 500",
                           "ar": "QF 1 — حتى 500", "fa": "QF 1 — تا ۵۰۰"},
    "QF 2 — de 501 à 800": {"en": "QF 2 — 501 to 800", "uk": "QF 2 — від 501 до 800",
                            "ar": "QF 2 — من 501 إلى 800", "fa": "QF 2 — از ۵۰۱ تا ۸۰۰"},
    "QF 3 — de 801 à 1 200": {"en": "QF 3 — 801 to 1,200", "uk": "QF 3 — від 801 до 1 200",
                              "ar": "QF 3 — من 801 إلى 1200", "fa": "QF 3 — از ۸۰۱ تا ۱۲۰۰"},
    "QF 4 — plus de 1 200": {"en": "QF 4 — above 1,200", "uk": "QF 4 — понад 1 200",
                             "ar": "QF 4 — أكثر من 1200", "fa": "QF 4 — بیش از ۱۲۰۰"},
}


def give_names(territory, names: dict[str, dict[str, str]]) -> None:
    """Demo names in other languages: {name as written: {language: name}}."""
    for source, given in names.items():
        for language, text in given.items():
            LocalName.objects.get_or_create(territory=territory, language=language,
                                            source=source, defaults={"text": text})


def load(ctx):
    territory, _ = Territory.objects.get_or_create(
        slug="val-de-brenne",
        defaults={"name": "Val-de-Brenne Agglomération", "currency": "EUR",
                  "default_language": "fr", "time_zone": "Europe/Paris"},
    )
    ctx.territory = territory
    for name, code, neighbourhoods in COMMUNES:
        commune, _ = Commune.objects.get_or_create(
            official_code=code, defaults={"territory": territory, "name": name})
        for hood, lat, lon, qpv, population in neighbourhoods:
            Neighbourhood.objects.get_or_create(
                commune=commune, name=hood,
                defaults={"centre_latitude": lat, "centre_longitude": lon,
                          "is_priority": bool(qpv), "qpv_code": qpv, "population": population},
            )
    for code, label, quotient_max in BRACKETS:
        IncomeBracket.objects.get_or_create(
            territory=territory, code=code,
            defaults={"label": label, "quotient_max": quotient_max})
    give_names(territory, BRACKET_NAMES)
