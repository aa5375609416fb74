"""Signed allow-lists for offline terminals, full or as a delta since a version.

The document (JSON, signed byte for byte with Ed25519, signature in the
`X-Civicard-Signature` header) holds, for one checkpoint, the physical cards that may pass:
`[hash, profile]` pairs where `hash` is the first 20 hex characters of
HMAC-SHA256(hash_key, UID) and `profile` indexes `profiles` (holder: opening hours and whether
a charge follows; staff: weekly windows). A card that another capability's right opens for a
while (a booked slot, decisions/rights.py) has a profile with those `grants`: absolute windows
that open whatever the hours, added to its holder or staff profile, or alone (`granted`).
A delta adds/updates cards and lists `remove`d hashes. Versions are ids of AccessChange rows
(civicard.access.signals, and rights.changed for those other rights). Ids are taken when a row
is written but seen when its transaction commits, so a row with an id below a terminal's
version can become visible after the terminal synced: a delta therefore also carries the
people of the rows written up to OVERLAP before the terminal's version (sending a person again
is harmless: a delta states each named person's cards as they are now)."""

import base64
import json
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Substr
from django.utils import timezone

from civicard.access.decisions import rights
from civicard.access.decisions.read import door_groups_at, enrolled_cards
from civicard.access.exceptions import VersionInvalid
from civicard.access.models import AccessChange, Checkpoint, Quota, Terminal
from civicard.access.signing import sign
from civicard.cards.codes import uid_hash_key
from civicard.cards.models import Card, CardKind
from civicard.cards.queries import usable_physical_cards

HASH_CHARS = 20
# A person's change whose transaction commits within OVERLAP of writing it reaches every
# terminal. Broad changes (a door group edited) in the overlap do not send full lists again:
# a terminal would get one on every poll for OVERLAP after each edit.
OVERLAP = timedelta(minutes=5)


def short(uid_hash: str) -> str:
    return uid_hash[:HASH_CHARS]


def _holder_hashes(checkpoint: Checkpoint, today, person_ids=None):
    """Short hashes of the usable physical cards of the people enrolled in the checkpoint's
    service today (read.enrolled_cards, as rule 3 reads enrolments), streamed: a million rows
    in a few seconds."""
    if checkpoint.service_id is None:
        return
    cards = usable_physical_cards(today).order_by()
    if person_ids is not None:  # a delta: a few people
        cards = cards.filter(person_id__in=[pk for pk in person_ids if pk is not None])
    for holders in enrolled_cards(cards, checkpoint.service, today):
        yield from (holders.annotate(short=Substr("uid_hash", 1, HASH_CHARS))
                    .values_list("short", flat=True).iterator(chunk_size=50_000))


def _staff_profiles(checkpoint: Checkpoint):
    """({person_id: profile key}, {profile key: profile})."""
    groups = door_groups_at(checkpoint).prefetch_related("windows", "members")
    by_person: dict[int, set] = {}
    for group in groups:
        for member in group.members.all():
            by_person.setdefault(member.pk, set()).add(group)
    profiles, keys = {}, {}
    for person_id, person_groups in by_person.items():
        key = tuple(sorted(g.pk for g in person_groups))
        if key not in profiles:
            profiles[key] = {
                "kind": "staff",
                "windows": sorted({(w.weekday, w.starts.strftime("%H:%M"),
                                    w.ends.strftime("%H:%M"))
                                   for g in person_groups for w in g.windows.all()}),
                "out_of_hours": any(g.out_of_hours for g in person_groups),
            }
        keys[person_id] = key
    return keys, profiles


def _since(version: int) -> Q:
    """The changes a terminal at `version` may not have seen: the later ids, and those written
    (database clock) up to OVERLAP before the row of its version, which may have committed
    after it synced."""
    seen = (AccessChange.objects.filter(id__lte=version).order_by("-id")
            .values_list("written_at", flat=True).first())
    later = Q(id__gt=version)
    return later if seen is None else later | Q(written_at__gte=seen - OVERLAP)


class Granted(NamedTuple):
    """The profile key of a card with grants: its own key (None: no other right) and windows."""

    base: object
    windows: tuple


def _entries(checkpoint: Checkpoint, *, now, person_ids=None):
    """{short hash: profile key} of the cards allowed here (optionally only some people), and
    the staff profiles by key."""
    today = timezone.localtime(now).date()
    cards = usable_physical_cards(today).order_by()
    if person_ids is not None:
        cards = cards.filter(person_id__in=person_ids)
    staff_keys, staff_profiles = _staff_profiles(checkpoint)
    entries = dict.fromkeys(_holder_hashes(checkpoint, today, person_ids), "holder")
    if staff_keys:
        for uid_hash, person_id in (cards.filter(person_id__in=list(staff_keys))
                                    .values_list("uid_hash", "person_id")):
            entries[uid_hash[:HASH_CHARS]] = staff_keys[person_id]
    windows = rights.windows(checkpoint, now=now)
    if person_ids is not None:
        windows = {pk: spans for pk, spans in windows.items() if pk in person_ids}
    if windows:
        for uid_hash, person_id in (cards.filter(person_id__in=list(windows))
                                    .values_list("uid_hash", "person_id")):
            hashed = short(uid_hash)
            entries[hashed] = Granted(entries.get(hashed), tuple(windows[person_id]))
    return entries, staff_profiles


def _granted_profile(base: dict | None, windows) -> dict:
    """A card's own profile plus the windows other rights open it in (alone: "granted")."""
    return {**(base or {"kind": "granted"}),
            "grants": [[opens.isoformat(), ends.isoformat()] for opens, ends in windows]}


def build(terminal: Terminal, *, since: str | None, now: datetime) -> bytes:
    """The JSON document for the terminal's checkpoint, as the exact bytes that are signed."""
    checkpoint = terminal.checkpoint
    version = AccessChange.objects.aggregate(v=Max("id"))["v"] or 0
    delta_from = None
    if since not in (None, ""):
        try:
            delta_from = int(since)
            if delta_from < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise VersionInvalid(fields={"since": [VersionInvalid.message]}) from None
        changes = AccessChange.objects.filter(_since(delta_from), id__lte=version)
        broad = AccessChange.objects.filter(id__gt=delta_from, id__lte=version,
                                            person__isnull=True)  # not the overlap: see OVERLAP
        if delta_from > version or broad.exists():
            delta_from = None  # unknown version or a broad change: send everything
    if delta_from is None:
        entries, staff_profiles = _entries(checkpoint, now=now)
        touched_cards = None
    else:
        people = set(changes.values_list("person_id", flat=True))
        entries, staff_profiles = _entries(checkpoint, now=now, person_ids=people)
        touched_cards = list(Card.objects.filter(person_id__in=people, kind=CardKind.PHYSICAL)
                             .values_list("uid_hash", flat=True))
    quota = (Quota.objects.filter(service_id=checkpoint.service_id).first()
             if checkpoint.service_id else None)
    profile_list = [{"kind": "holder", "opening_hours": checkpoint.opening_hours,
                     "country": checkpoint.country,
                     "charge": bool(checkpoint.charge_use) or quota is not None}]
    index = {"holder": 0}
    for key, profile in staff_profiles.items():
        index[key] = len(profile_list)
        profile_list.append(profile)
    for key in dict.fromkeys(k for k in entries.values() if isinstance(k, Granted)):  # a few
        index[key] = len(profile_list)
        profile_list.append(_granted_profile(
            None if key.base is None else profile_list[index[key.base]], key.windows))
    document = {
        "format": "civicard-allowlist/1",
        "checkpoint": checkpoint.pk,
        "terminal": terminal.pk,
        "version": version,
        "since": delta_from,
        "full": delta_from is None,
        "generated_at": now.isoformat(),
        "hash": {"algorithm": "hmac-sha256", "chars": HASH_CHARS,
                 "key": base64.b64encode(uid_hash_key()).decode()},
        "passback_seconds": checkpoint.passback_seconds,
        "profiles": profile_list,
        "remove": ([] if touched_cards is None else
                   sorted({short(h) for h in touched_cards if h} - set(entries))),
    }
    head = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    # A million [hash, profile] pairs: hashes are hex, so plain joining is valid JSON and
    # far faster than json.dumps on nested lists. Cards are grouped by profile (the order of
    # the array means nothing), so each group is one str.join with no per-card formatting.
    groups: dict[int, list[str]] = {}
    if len(index) > 1:
        for h, k in entries.items():
            groups.setdefault(index[k], []).append(h)
    elif entries:
        groups[0] = list(entries)
    cards = ",".join(f'["{separator.join(hashes)}",{i}]'
                     for i, hashes in groups.items()
                     for separator in [f'",{i}],["'])
    return f'{head[:-1]},"cards":[{cards}]}}'.encode()


def signed(terminal: Terminal, *, since: str | None, now: datetime) -> tuple[bytes, str]:
    with transaction.atomic():  # one snapshot; server-side cursors need no WITH HOLD copy
        body = build(terminal, since=since, now=now)
    return body, sign(body)
