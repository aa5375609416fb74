"""Every write about the territory itself: its first setup, its names in other languages, and
the addresses households give."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.text import slugify

from civicard.core import audit
from civicard.core.errors import InvalidInput
from civicard.core.permissions import Role, check_role_over
from civicard.territory.exceptions import CountryUnsupported, TerritoryExists
from civicard.territory.models import Address, Commune, LocalName, Neighbourhood, Territory
from civicard.territory.official_lists import NeighbourhoodRow
from civicard.territory.queries import names_cache_key

NAME_MAX_LENGTH = LocalName._meta.get_field("text").max_length

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


def set_local_names(*, territory: Territory, language: str, names: dict[str, str], actor,
                    at: datetime) -> int:
    """Give the territory's names in `language`: {name as written: name in the language}. An
    empty text takes the name back to its written form. Returns how many names changed."""
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=None)
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(fields={"language": [InvalidInput.message]})
    texts = {source: " ".join(text.split()) for source, text in names.items()}
    if any(len(text) > NAME_MAX_LENGTH or not text.isprintable() for text in texts.values()):
        raise InvalidInput(fields={"names": [InvalidInput.message]})
    with transaction.atomic():
        current = dict(LocalName.objects.filter(territory=territory, language=language)
                       .values_list("source", "text"))
        changed = {source: text for source, text in texts.items()
                   if text != current.get(source, "")}
        LocalName.objects.filter(territory=territory, language=language,
                                 source__in=[s for s, text in changed.items() if not text]).delete()
        for source, text in changed.items():
            if text:
                LocalName.objects.update_or_create(territory=territory, language=language,
                                                   source=source, defaults={"text": text})
        if changed:
            audit.record(actor=actor, action="territory.names", obj=territory, at=at,
                         extra={"language": language, "names": changed})
    cache.delete(names_cache_key(language))
    return len(changed)
