from django.apps import apps
from django.core.cache import cache
from django.utils import translation

from civicard.territory.models import LocalName, Neighbourhood, Territory


def current_territory() -> Territory | None:
    """The territory this install serves (several per install is a later goal)."""
    return Territory.objects.order_by("pk").first()


def neighbourhood_choices():
    return Neighbourhood.objects.select_related("commune").order_by("commune__name", "name")


NAMES_CACHE_SECONDS = 60


def names_cache_key(language: str) -> str:
    return f"local-names:{language}"


def local_names(language: str) -> dict[str, str]:
    """The territory's names given in `language`, by their name in the territory's language (one
    territory per install, see current_territory). Kept a minute in the cache; a change clears
    it (see operations.set_local_names)."""
    names = cache.get(names_cache_key(language))
    if names is None:
        names = dict(LocalName.objects.filter(language=language).values_list("source", "text"))
        cache.set(names_cache_key(language), names, NAMES_CACHE_SECONDS)
    return names


class Name(str):
    """A territory's own name passed as a parameter: written in the reader's language when the
    sentence is (see notifications)."""


def local_name(source: str, language: str | None = None) -> str:
    """A territory's name in the reader's language, or as written when not given in it."""
    if not source:
        return source
    return local_names(language or translation.get_language() or "").get(source, source)


# The territory's own names that residents read: (app, model, field); a list field gives several.
NAMED_FIELDS = [
    ("wallets", "Service", "name"),
    ("access", "Facility", "name"),
    ("access", "Checkpoint", "name"),
    ("access", "DoorGroup", "name"),
    ("benefits", "Programme", "name"),
    ("benefits", "Venue", "name"),
    ("benefits", "Accreditation", "services"),
    ("inclusion", "Place", "nom"),
    ("territory", "IncomeBracket", "label"),
]


def named_things() -> list[tuple[str, str]]:
    """Every name staff may give in other languages, with what it names, sorted by name."""
    found = {}
    for app, model_name, field in NAMED_FIELDS:
        model = apps.get_model(app, model_name)
        for value in model.objects.values_list(field, flat=True).distinct():
            for name in value if isinstance(value, list) else [value]:
                if name:
                    found.setdefault(name, str(model._meta.verbose_name))
    return sorted(found.items(), key=lambda item: item[0].casefold())
