"""Every write about the territory itself: its first setup, and the addresses households give."""

from django.db import transaction
from django.utils.text import slugify

from civicard.territory.exceptions import CountryUnsupported, TerritoryExists
from civicard.territory.models import Address, Commune, Neighbourhood, Territory
from civicard.territory.official_lists import NeighbourhoodRow

# What a country gives a territory by default: its currency, time zone and language.
COUNTRIES = {"FR": ("EUR", "Europe/Paris", "fr"), "BE": ("EUR", "Europe/Brussels", "fr"),
             "LU": ("EUR", "Europe/Luxembourg", "fr"), "CH": ("CHF", "Europe/Zurich", "fr")}


def set_up_territory(*, name: str, country: str, communes: list[tuple[str, str]],
                     neighbourhoods: list[NeighbourhoodRow]) -> Territory:
    """Turn an empty database into a territory with its communes and neighbourhoods, all at
    once or not at all (`civicard setup` runs it in one transaction with the first
    administrator)."""
    country = country.strip().upper()
    if country not in COUNTRIES:
        raise CountryUnsupported(country=country)
    currency, time_zone, language = COUNTRIES[country]
    with transaction.atomic():
        if Territory.objects.exists():
            raise TerritoryExists()
        territory = Territory.objects.create(
            name=name, slug=slugify(name)[:50] or "territory", country=country,
            currency=currency, time_zone=time_zone, default_language=language)
        by_code = {code: Commune.objects.create(territory=territory, name=commune_name,
                                                official_code=code)
                   for code, commune_name in communes}
        Neighbourhood.objects.bulk_create([
            Neighbourhood(commune=by_code[row.commune_code], name=row.name,
                          is_priority=bool(row.qpv_code), qpv_code=row.qpv_code,
                          population=row.population, centre_latitude=row.latitude,
                          centre_longitude=row.longitude)
            for row in neighbourhoods])
    return territory


def create_address(*, street: str, postal_code: str, neighbourhood: Neighbourhood) -> Address:
    return Address.objects.create(street=street.strip(), postal_code=postal_code.strip(),
                                  neighbourhood=neighbourhood)
