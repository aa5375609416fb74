"""What one scan needs to read, in one hand-written statement.

A door must answer in milliseconds, so the decision path does not build ORM queries. One
statement reads the terminal by its token hash with its checkpoint, facility, service and
quota, the answer already given for the idempotency key, and the presented card with what
the rules need of its holder: households (guardian first), the account each holds for the
checkpoint's service, the live enrolments in that service, the tariffs in force for the
checkpoint's uses, and whether a staff door group covers the checkpoint. Plain joins and
EXISTS only, so that the same SQL runs on PostgreSQL and SQLite. Rows become model instances
(civicard.core.rows), so the rules read them as they read any other model."""

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone

from civicard.access.models import Checkpoint, Decision, DoorGroup, Facility, Quota, Terminal
from civicard.cards.models import Card
from civicard.core import rows
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import Address, Neighbourhood
from civicard.wallets.models import Account, Enrolment, Service, Tariff
from civicard.wallets.queries import LATEST_TARIFF, LIVE_ENROLMENT, Home

T = {model: model._meta.db_table for model in (
    Terminal, Checkpoint, Facility, Service, Quota, Card, Person, Membership, Household,
    Account, Address, Neighbourhood, Decision, Enrolment, Tariff)}
GROUP_MEMBERS = DoorGroup.members.through._meta.db_table
GROUP_CHECKPOINTS = DoorGroup.checkpoints.through._meta.db_table
GROUP_FACILITIES = DoorGroup.facilities.through._meta.db_table

TERMINAL = rows.columns(Terminal, "id", "checkpoint", "name", "language", "revoked_at",
                        "last_seen_at", "software_version")
CHECKPOINT = rows.columns(Checkpoint, "id", "facility", "name", "kind", "service",
                          "opening_hours", "country", "charge_use", "passback_seconds")
FACILITY = rows.columns(Facility, "id", "territory", "commune", "name", "kind")
SERVICE = rows.columns(Service, "id", "territory", "commune", "name", "slug", "payment_mode",
                       "shortage_rule", "floor_cents", "is_active")
QUOTA_OF_SERVICE = Service._meta.get_field("quota")
QUOTA = rows.columns(Quota, "id", "service", "free_per_year", "max_per_year", "charge_use")
CARD = rows.columns(Card, "id", "person", "kind", "number", "secret", "status", "expires_on")
PERSON = rows.columns(Person, "id", "full_name", "preferred_name", "language", "birth_date",
                      "erased_at")
HOME = ["household_id", "is_guardian", "territory_id", "address_id", "income_bracket_id",
        "commune_id", "account_id", "account_currency", "account_balance_cents"]
ENROLMENT = rows.columns(Enrolment)
TARIFF = rows.columns(Tariff)

# The card part: joined to a checkpoint `cp` and its service's quota `q`. Parameters: the
# lookup's values (in {lookup}), then the day three times.
CARD_SELECT = (
    f"{rows.select_list('c', Card, CARD)}, {rows.select_list('p', Person, PERSON)}, "
    f'EXISTS (SELECT 1 FROM "{GROUP_MEMBERS}" gm WHERE gm.person_id = p.id AND ('
    f'EXISTS (SELECT 1 FROM "{GROUP_CHECKPOINTS}" gc WHERE gc.doorgroup_id = '
    "gm.doorgroup_id AND gc.checkpoint_id = cp.id) OR "
    f'EXISTS (SELECT 1 FROM "{GROUP_FACILITIES}" gf WHERE gf.doorgroup_id = '
    "gm.doorgroup_id AND gf.facility_id = cp.facility_id))), "
    "m.household_id, m.is_guardian, h.territory_id, h.address_id, h.income_bracket_id, "
    "n.commune_id, a.id, a.currency, a.balance_cents, "
    f"{rows.select_list('e', Enrolment, ENROLMENT)}, {rows.select_list('tf', Tariff, TARIFF)}")
CARD_JOINS = (
    f'LEFT JOIN "{T[Card]}" c ON {{lookup}} '
    f'LEFT JOIN "{T[Person]}" p ON p.id = c.person_id '
    f'LEFT JOIN "{T[Membership]}" m ON m.person_id = p.id '
    f'LEFT JOIN "{T[Household]}" h ON h.id = m.household_id '
    f'LEFT JOIN "{T[Address]}" ad ON ad.id = h.address_id '
    f'LEFT JOIN "{T[Neighbourhood]}" n ON n.id = ad.neighbourhood_id '
    f'LEFT JOIN "{T[Account]}" a ON a.household_id = h.id AND a.service_id = cp.service_id '
    f'LEFT JOIN "{T[Enrolment]}" e ON {LIVE_ENROLMENT.format(e="e", service="cp.service_id")} '
    "AND (e.person_id = p.id OR e.household_id = m.household_id) "
    f'LEFT JOIN "{T[Tariff]}" tf ON h.id IS NOT NULL AND tf.service_id = cp.service_id '
    'AND tf."use" IN (cp.charge_use, q.charge_use) '
    "AND (tf.income_bracket_id IS NULL OR tf.income_bracket_id = h.income_bracket_id) "
    f'AND {LATEST_TARIFF.format(t="tf", later="tl")} ')
CARD_ORDER = "ORDER BY m.is_guardian DESC, m.household_id, e.id, tf.id"

# A scan: the terminal by its token hash, the answer given for the key (parameter before the
# card part's), then the card part.
SCAN_SQL = (
    f"SELECT {rows.select_list('t', Terminal, TERMINAL)}, "
    f"{rows.select_list('cp', Checkpoint, CHECKPOINT)}, "
    f"{rows.select_list('f', Facility, FACILITY)}, {rows.select_list('s', Service, SERVICE)}, "
    f"{rows.select_list('q', Quota, QUOTA)}, d.response, {CARD_SELECT} "
    f'FROM "{T[Terminal]}" t JOIN "{T[Checkpoint]}" cp ON cp.id = t.checkpoint_id '
    f'JOIN "{T[Facility]}" f ON f.id = cp.facility_id '
    f'LEFT JOIN "{T[Service]}" s ON s.id = cp.service_id '
    f'LEFT JOIN "{T[Quota]}" q ON q.service_id = s.id '
    f'LEFT JOIN "{T[Decision]}" d ON d.terminal_id = t.id AND d.idempotency_key = %s '
    f"{CARD_JOINS}WHERE t.token_hash = %s AND t.revoked_at IS NULL {CARD_ORDER}")
# The card alone, at a checkpoint already read (offline events, in-process scans).
CARD_SQL = (
    f'SELECT {CARD_SELECT} FROM "{T[Checkpoint]}" cp '
    f'LEFT JOIN "{T[Quota]}" q ON q.service_id = cp.service_id '
    f"{CARD_JOINS}WHERE cp.id = %s {CARD_ORDER}")
NO_CARD = {"uid_hash": None}  # an unreadable credential: matches no card


def _lookup(lookup: dict | None) -> tuple[str, list]:
    lookup = lookup or NO_CARD
    return " AND ".join(f'c."{column}" = %s' for column in lookup), list(lookup.values())


@dataclass
class Presented:
    """The card found by a credential, whatever its state, and what the rules need of its
    holder: households (guardian ones first, then by id), with the account each holds for
    the checkpoint's service, the live enrolments in that service of the holder and of
    those households (by id), the tariffs in force for the checkpoint's uses that may apply
    to those households (the latest of each bracket and residency, by id), and whether a
    staff door group covers the checkpoint."""

    card: Card
    homes: list[Home] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)  # by household id
    enrolments: list[Enrolment] = field(default_factory=list)
    tariffs: list[Tariff] = field(default_factory=list)
    staff_here: bool = False

    @property
    def person(self) -> Person:
        return self.card.person


@dataclass
class Scan:
    """What one scan reads: the terminal (checkpoint, facility, service and quota attached),
    the answer it was already given for the key if any, and the presented card if found."""

    terminal: Terminal
    answer: dict | None
    found: Presented | None


def read_scan(token_hash: str, key: str, lookup: dict | None, on: date) -> Scan | None:
    """The unrevoked terminal with this token hash and what the scan needs, in one statement;
    `lookup` is what civicard.cards.queries.credential_lookup gives (None: unreadable), `on`
    the local day the card is presented."""
    condition, values = _lookup(lookup)
    with connection.cursor() as cursor:
        cursor.execute(SCAN_SQL.replace("{lookup}", condition),
                       [key, *values, on, on, on, on, token_hash])
        records = cursor.fetchall()
    if not records:
        return None
    t, cp, f, s, q, answer = _split(records[0], len(TERMINAL), len(CHECKPOINT), len(FACILITY),
                                    len(SERVICE), len(QUOTA), 1)
    terminal = rows.instance(Terminal, TERMINAL, t)
    checkpoint = rows.instance(Checkpoint, CHECKPOINT, cp)
    checkpoint.facility = rows.instance(Facility, FACILITY, f)
    if s[0] is not None:
        service = rows.instance(Service, SERVICE, s)
        # cached even when empty, so that reading service.quota costs no statement
        QUOTA_OF_SERVICE.set_cached_value(service, rows.instance(Quota, QUOTA, q) if q[0] else None)
        checkpoint.service = service
    terminal.checkpoint = checkpoint
    width = len(TERMINAL) + len(CHECKPOINT) + len(FACILITY) + len(SERVICE) + len(QUOTA) + 1
    return Scan(terminal=terminal, answer=_answer(answer[0]),
                found=_found([row[width:] for row in records], checkpoint))


def active_terminal(token_hash: str) -> Terminal | None:
    """The unrevoked terminal with this token hash (allow-lists, offline events)."""
    read = read_scan(token_hash, "", None, timezone.localdate())
    return read.terminal if read is not None else None


def presented_card(lookup: dict, checkpoint: Checkpoint, on: date) -> Presented | None:
    """The card a lookup names, presented at `checkpoint` on the local day `on`."""
    condition, values = _lookup(lookup)
    with connection.cursor() as cursor:
        cursor.execute(CARD_SQL.replace("{lookup}", condition),
                       [*values, on, on, on, on, checkpoint.pk])
        return _found(cursor.fetchall(), checkpoint)


def _split(row, *widths):
    start = 0
    for width in widths:
        yield row[start:start + width]
        start += width


def _found(records, checkpoint: Checkpoint) -> Presented | None:
    """The card part of the rows read (the card columns first): None when no card."""
    if not records or records[0][0] is None:
        return None
    c, p, staff = _split(records[0], len(CARD), len(PERSON), 1)
    card = rows.instance(Card, CARD, c)
    card.person = rows.instance(Person, PERSON, p)
    found = Presented(card=card, staff_here=bool(staff[0]))
    households, enrolments, tariffs = set(), {}, {}
    for row in records:
        home, enrolment, tariff = _split(row[len(CARD) + len(PERSON) + 1:], len(HOME),
                                         len(ENROLMENT), len(TARIFF))
        (household_id, _guardian, territory_id, address_id, bracket_id, commune_id, account_id,
         currency, balance) = home
        if enrolment[0] is not None:
            enrolments.setdefault(enrolment[0], enrolment)
        if tariff[0] is not None:
            tariffs.setdefault(tariff[0], tariff)
        if household_id is None or household_id in households:
            continue
        households.add(household_id)
        found.homes.append(Home(id=household_id, territory_id=territory_id,
                                address_id=address_id, income_bracket_id=bracket_id,
                                commune_id=commune_id))
        if account_id is not None:
            found.accounts[household_id] = Account(
                pk=account_id, household_id=household_id, service=checkpoint.service,
                currency=currency, balance_cents=balance)
    found.enrolments = [rows.instance(Enrolment, ENROLMENT, enrolments[pk])
                        for pk in sorted(enrolments)]
    found.tariffs = [rows.instance(Tariff, TARIFF, tariffs[pk]) for pk in sorted(tariffs)]
    return found


# The decision row ---------------------------------------------------------------------------

RESPONSE = Decision._meta.get_field("response")


def _answer(response) -> dict | None:
    return RESPONSE.from_db_value(response, None, connection) if response is not None else None


def logged_answer(terminal_id: int, key: str) -> dict | None:
    """The answer already given for this key at this terminal, if any."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT response FROM "{T[Decision]}" '
                       "WHERE terminal_id = %s AND idempotency_key = %s", [terminal_id, key])
        row = cursor.fetchone()
    return _answer(row[0]) if row else None
