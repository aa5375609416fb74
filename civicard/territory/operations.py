"""Writes on the territory's own data."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from civicard.core import audit
from civicard.core.errors import InvalidInput
from civicard.core.permissions import Role, check_role_over
from civicard.territory.models import LocalName, Territory
from civicard.territory.queries import names_cache_key

NAME_MAX_LENGTH = LocalName._meta.get_field("text").max_length


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
