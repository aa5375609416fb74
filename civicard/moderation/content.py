"""The contents a resident can report, seen through one small interface per kind.

Moderation owns no content: the app that does registers each kind it offers (mutualaid: posts,
messages, association news) with a loader, a way to hide and restore it through its own
operations, and the held ones waiting for publication. A person's profile is registered here,
as moderation acts on people anyway."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import get_object_or_404

from civicard.core.errors import NotFound
from civicard.moderation.models import ContentKind
from civicard.people.models import Person


@dataclass
class Content:
    kind: str
    obj: object
    author: Person | None
    title: str
    text: str
    hidden: bool
    hideable: bool = True
    held: bool = False  # waits for a moderator to publish it
    listed: bool = True  # shown to the residents who may see it
    readers: frozenset[int] | None = None  # the only people who see it (None: any resident)
    territory: object = None  # whose moderation settings apply
    hides_on_reports: bool = False  # hidden once enough people report it

    @property
    def pk(self):
        return self.obj.pk


@dataclass(frozen=True)
class Registered:
    load: Callable[[int, bool], Content]  # (object id, lock the row) → Content, or Http404
    set_hidden: Callable[[Content, bool, datetime], None]
    held: Callable[[int], list[dict]]  # up to n held contents: pk, title, created_at


_kinds: dict[str, Registered] = {}


def register(kind: str, *, load, set_hidden, held=lambda limit: []) -> None:
    _kinds[kind] = Registered(load=load, set_hidden=set_hidden, held=held)


def load(kind: str, object_id: int, *, lock: bool = False) -> Content:
    if kind not in _kinds:
        raise NotFound()
    return _kinds[kind].load(object_id, lock)


def set_hidden(content: Content, hidden: bool, at: datetime) -> None:
    _kinds[content.kind].set_hidden(content, hidden, at)


def held(limit: int) -> list[dict]:
    """Contents of every kind waiting for publication, oldest first."""
    found = [item for registered in _kinds.values() for item in registered.held(limit)]
    return sorted(found, key=lambda item: item["created_at"])[:limit]


def _profile(object_id: int, lock: bool) -> Content:
    person = get_object_or_404(Person, pk=object_id, erased_at__isnull=True)
    return Content(ContentKind.PROFILE, person, person, person.display_name, "", False,
                   hideable=False)


def _profiles_are_never_hidden(content: Content, hidden: bool, at: datetime) -> None:
    raise NotImplementedError  # hideable=False: decide() refuses before


register(ContentKind.PROFILE, load=_profile, set_hidden=_profiles_are_never_hidden)
