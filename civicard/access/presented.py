"""What one scan needs to read, in as few hand-written statements as the rules allow.

A door must answer in milliseconds, so the decision path does not build ORM queries: the
terminal with its checkpoint, service and quota is one joined row; the presented card with
its holder, the holder's households (guardian first), the household account of the
checkpoint's service and whether a staff door group covers the checkpoint is another. Plain
joins and EXISTS only, so that the same SQL runs on PostgreSQL and SQLite. Rows become model
instances (`Model.from_db`), so the rules read them as they read any other model."""

from dataclasses import dataclass, field
from functools import cache

from django.db import connection

from civicard.access.models import Checkpoint, Decision, DoorGroup, Facility, Quota, Terminal
from civicard.cards.models import Card
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import Address, Neighbourhood
from civicard.wallets.models import Account, Service
from civicard.wallets.queries import Home

T = {model: model._meta.db_table for model in (
    Terminal, Checkpoint, Facility, Service, Quota, Card, Person, Membership, Household,
    Account, Address, Neighbourhood, Decision)}
GROUP_MEMBERS = DoorGroup.members.through._meta.db_table
GROUP_CHECKPOINTS = DoorGroup.checkpoints.through._meta.db_table
GROUP_FACILITIES = DoorGroup.facilities.through._meta.db_table


def _columns(model, *names) -> list[str]:
    """Attribute names in the model's field order, the order `Model.from_db` expects."""
    wanted = {model._meta.get_field(name).attname for name in names}
    return [f.attname for f in model._meta.concrete_fields if f.attname in wanted]


def _select(alias: str, columns: list[str]) -> str:
    return ", ".join(f'{alias}."{c}"' for c in columns)


@cache
def _converters(model, columns: tuple, vendor: str) -> list[tuple[int, list, object]]:
    """What the ORM would apply to each raw column value (SQLite returns dates as text…)."""
    found = []
    for index, name in enumerate(columns):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        converters = (connection.ops.get_db_converters(column)
                      + column.field.get_db_converters(connection))
        if converters:
            found.append((index, converters, column))
    return found


def _instance(model, columns: list[str], values):
    values = list(values)
    for index, converters, column in _converters(model, tuple(columns), connection.vendor):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, columns, values)


# The terminal row ---------------------------------------------------------------------------

TERMINAL = _columns(Terminal, "id", "checkpoint", "name", "language", "revoked_at",
                    "last_seen_at", "software_version")
CHECKPOINT = _columns(Checkpoint, "id", "facility", "name", "kind", "service", "opening_hours",
                      "country", "charge_use", "passback_seconds")
FACILITY = _columns(Facility, "id", "territory", "commune", "name", "kind")
SERVICE = _columns(Service, "id", "territory", "commune", "name", "slug", "payment_mode",
                   "shortage_rule", "floor_cents", "is_active")
QUOTA_OF_SERVICE = Service._meta.get_field("quota")
QUOTA = _columns(Quota, "id", "service", "free_per_year", "max_per_year", "charge_use")

TERMINAL_SQL = (
    f"SELECT {_select('t', TERMINAL)}, {_select('cp', CHECKPOINT)}, {_select('f', FACILITY)}, "
    f"{_select('s', SERVICE)}, {_select('q', QUOTA)} "
    f'FROM "{T[Terminal]}" t JOIN "{T[Checkpoint]}" cp ON cp.id = t.checkpoint_id '
    f'JOIN "{T[Facility]}" f ON f.id = cp.facility_id '
    f'LEFT JOIN "{T[Service]}" s ON s.id = cp.service_id '
    f'LEFT JOIN "{T[Quota]}" q ON q.service_id = s.id '
    "WHERE t.token_hash = %s AND t.revoked_at IS NULL")


def _split(row, *widths):
    start = 0
    for width in widths:
        yield row[start:start + width]
        start += width


def active_terminal(token_hash: str) -> Terminal | None:
    """The unrevoked terminal with this token hash, its checkpoint, facility, service and the
    service's quota attached, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(TERMINAL_SQL, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    t, cp, f, s, q = _split(row, len(TERMINAL), len(CHECKPOINT), len(FACILITY), len(SERVICE),
                            len(QUOTA))
    terminal = _instance(Terminal, TERMINAL, t)
    checkpoint = _instance(Checkpoint, CHECKPOINT, cp)
    checkpoint.facility = _instance(Facility, FACILITY, f)
    if s[0] is not None:
        service = _instance(Service, SERVICE, s)
        # cached even when empty, so that reading service.quota costs no statement
        QUOTA_OF_SERVICE.set_cached_value(service, _instance(Quota, QUOTA, q) if q[0] else None)
        checkpoint.service = service
    terminal.checkpoint = checkpoint
    return terminal


# The presented card -------------------------------------------------------------------------

CARD = _columns(Card, "id", "person", "kind", "number", "secret", "status", "expires_on")
PERSON = _columns(Person, "id", "full_name", "preferred_name", "language", "birth_date",
                  "erased_at")
HOME = ["household_id", "is_guardian", "territory_id", "address_id", "income_bracket_id",
        "commune_id", "account_id", "account_currency", "account_balance_cents"]


@dataclass
class Presented:
    """The card found by a credential, whatever its state, and what the rules need of its
    holder: households (guardian ones first, then by id), with the account each holds for
    the checkpoint's service, and whether a staff door group covers the checkpoint."""

    card: Card
    homes: list[Home] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)  # by household id
    staff_here: bool = False

    @property
    def person(self) -> Person:
        return self.card.person


def presented_card(lookup: dict, checkpoint: Checkpoint) -> Presented | None:
    """`lookup` is what civicard.cards.queries.credential_lookup gives (unique columns)."""
    where = " AND ".join(f'c."{column}" = %s' for column in lookup)
    sql = (
        f"SELECT {_select('c', CARD)}, {_select('p', PERSON)}, "
        f'EXISTS (SELECT 1 FROM "{GROUP_MEMBERS}" gm WHERE gm.person_id = p.id AND ('
        f'EXISTS (SELECT 1 FROM "{GROUP_CHECKPOINTS}" gc WHERE gc.doorgroup_id = '
        "gm.doorgroup_id AND gc.checkpoint_id = %s) OR "
        f'EXISTS (SELECT 1 FROM "{GROUP_FACILITIES}" gf WHERE gf.doorgroup_id = '
        "gm.doorgroup_id AND gf.facility_id = %s))), "
        "m.household_id, m.is_guardian, h.territory_id, h.address_id, h.income_bracket_id, "
        "n.commune_id, a.id, a.currency, a.balance_cents "
        f'FROM "{T[Card]}" c JOIN "{T[Person]}" p ON p.id = c.person_id '
        f'LEFT JOIN "{T[Membership]}" m ON m.person_id = p.id '
        f'LEFT JOIN "{T[Household]}" h ON h.id = m.household_id '
        f'LEFT JOIN "{T[Address]}" ad ON ad.id = h.address_id '
        f'LEFT JOIN "{T[Neighbourhood]}" n ON n.id = ad.neighbourhood_id '
        f'LEFT JOIN "{T[Account]}" a ON a.household_id = h.id AND a.service_id = %s '
        f"WHERE {where} ORDER BY m.is_guardian DESC, m.household_id")
    params = [checkpoint.pk, checkpoint.facility_id, checkpoint.service_id, *lookup.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    c, p, staff, _home = _split(rows[0], len(CARD), len(PERSON), 1, len(HOME))
    card = _instance(Card, CARD, c)
    card.person = _instance(Person, PERSON, p)
    found = Presented(card=card, staff_here=bool(staff[0]))
    for row in rows:
        (household_id, guardian, territory_id, address_id, bracket_id, commune_id, account_id,
         currency, balance) = row[-len(HOME):]
        if household_id is None:
            continue
        found.homes.append(Home(id=household_id, territory_id=territory_id,
                                address_id=address_id, income_bracket_id=bracket_id,
                                commune_id=commune_id))
        if account_id is not None:
            found.accounts[household_id] = Account(
                pk=account_id, household_id=household_id, service=checkpoint.service,
                currency=currency, balance_cents=balance)
    return found


# The decision row ---------------------------------------------------------------------------

RESPONSE = Decision._meta.get_field("response")


def logged_answer(terminal_id: int, key: str) -> dict | None:
    """The answer already given for this key at this terminal, if any."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT response FROM "{T[Decision]}" '
                       "WHERE terminal_id = %s AND idempotency_key = %s", [terminal_id, key])
        row = cursor.fetchone()
    return RESPONSE.from_db_value(row[0], None, connection) if row else None
