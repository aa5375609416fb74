"""Signed allow-lists for offline terminals, full or as a delta since a version.

The document (JSON, signed byte for byte with Ed25519, signature in the
`X-Civicard-Signature` header) holds, for one checkpoint, the physical cards that may pass:
`[hash, profile]` pairs where `hash` is the first 20 hex characters of
HMAC-SHA256(hash_key, UID) and `profile` indexes `profiles` (holder: opening hours and whether
a charge follows; staff: weekly windows). A delta adds/updates cards and lists `remove`d hashes.
Versions are ids of AccessChange rows (civicard.access.signals)."""

import base64
import hashlib
import json
from datetime import datetime
from operator import itemgetter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from civicard.access.exceptions import VersionInvalid
from civicard.access.models import AccessChange, Checkpoint, DoorGroup, Quota, Terminal
from civicard.access.signing import sign
from civicard.cards.models import Card, CardKind, CardStatus
from civicard.people.models import Membership
from civicard.wallets.models import Enrolment

HASH_CHARS = 20


def hash_key() -> bytes:
    # The key under which civicard.cards.codes.uid_hash stores chip UIDs.
    return hashlib.sha256(b"civicard-card-uid:" + settings.SECRET_KEY.encode()).digest()


def short(uid_hash: str) -> str:
    return uid_hash[:HASH_CHARS]


def _holder_hashes(checkpoint: Checkpoint, today, person_ids=None):
    """Short hashes of the live physical cards enrolled in the checkpoint's service today,
    directly or through a household (ages are checked online only). One SQL statement of
    plain joins, unordered, streamed: a million rows in a few seconds."""
    if checkpoint.service_id is None:
        return
    card, membership, enrolment = (Card._meta.db_table, Membership._meta.db_table,
                                   Enrolment._meta.db_table)
    people = [pk for pk in (person_ids or ()) if pk is not None]
    live_card = "c.kind = %s AND c.status = %s AND c.expires_on >= %s"
    card_params = [CardKind.PHYSICAL, CardStatus.ACTIVE, today]
    if person_ids is not None:  # a delta: a few people, a plain IN list on every database
        live_card += " AND c.person_id IN ({})".format(", ".join(["%s"] * len(people))
                                                       or "NULL")
        card_params += people
    live_enrolment = ("e.service_id = %s AND e.starts_on <= %s "
                      "AND (e.ends_on IS NULL OR e.ends_on >= %s)")
    sql = (f'SELECT substr(c.uid_hash, 1, {HASH_CHARS}) FROM "{card}" c '
           f'JOIN "{membership}" m ON m.person_id = c.person_id '
           f'JOIN "{enrolment}" e ON e.household_id = m.household_id '
           f"WHERE {live_card} AND {live_enrolment} "
           f'UNION ALL SELECT substr(c.uid_hash, 1, {HASH_CHARS}) FROM "{card}" c '
           f'JOIN "{enrolment}" e ON e.person_id = c.person_id '
           f"WHERE {live_card} AND {live_enrolment}")
    params = (card_params + [checkpoint.service_id, today, today]) * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50000):
            yield from map(itemgetter(0), rows)


def _staff_profiles(checkpoint: Checkpoint):
    """({person_id: profile key}, {profile key: profile})."""
    groups = (DoorGroup.objects.filter(Q(checkpoints=checkpoint)
                                       | Q(facilities=checkpoint.facility_id))
              .distinct().prefetch_related("windows", "members"))
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


def _entries(checkpoint: Checkpoint, *, today, person_ids=None):
    """{short hash: profile key} of the cards allowed here (optionally only some people)."""
    cards = Card.objects.filter(kind=CardKind.PHYSICAL, status=CardStatus.ACTIVE,
                                expires_on__gte=today).order_by()
    if person_ids is not None:
        cards = cards.filter(person_id__in=person_ids)
    staff_keys, staff_profiles = _staff_profiles(checkpoint)
    entries = dict.fromkeys(_holder_hashes(checkpoint, today, person_ids), "holder")
    if staff_keys:
        for uid_hash, person_id in (cards.filter(person_id__in=list(staff_keys))
                                    .values_list("uid_hash", "person_id")):
            entries[uid_hash[:HASH_CHARS]] = staff_keys[person_id]
    return entries, staff_profiles


def build(terminal: Terminal, *, since: str | None, now: datetime) -> bytes:
    """The JSON document for the terminal's checkpoint, as the exact bytes that are signed."""
    checkpoint = terminal.checkpoint
    version = AccessChange.objects.aggregate(v=Max("id"))["v"] or 0
    today = timezone.localtime(now).date()
    delta_from = None
    if since not in (None, ""):
        try:
            delta_from = int(since)
            if delta_from < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise VersionInvalid(fields={"since": [VersionInvalid.message]}) from None
        changes = AccessChange.objects.filter(id__gt=delta_from, id__lte=version)
        if delta_from > version or changes.filter(person__isnull=True).exists():
            delta_from = None  # unknown version or a broad change: send everything
    if delta_from is None:
        entries, staff_profiles = _entries(checkpoint, today=today)
        touched_cards = None
    else:
        people = set(changes.values_list("person_id", flat=True))
        entries, staff_profiles = _entries(checkpoint, today=today, person_ids=people)
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
    document = {
        "format": "civicard-allowlist/1",
        "checkpoint": checkpoint.pk,
        "terminal": terminal.pk,
        "version": version,
        "since": delta_from,
        "full": delta_from is None,
        "generated_at": now.isoformat(),
        "hash": {"algorithm": "hmac-sha256", "chars": HASH_CHARS,
                 "key": base64.b64encode(hash_key()).decode()},
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
    if staff_profiles:
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
