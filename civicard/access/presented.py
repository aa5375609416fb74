"""What one scan needs to read, in as few hand-written statements as the rules allow.

A door must answer in milliseconds, so the decision path does not build ORM queries: the
terminal with its checkpoint, service and quota is one joined row; the presented card with
its holder, the holder's households (guardian first), the household account of the
checkpoint's service and whether a staff door group covers the checkpoint is another. Plain
joins and EXISTS only, so that the same SQL runs on PostgreSQL and SQLite. Rows become model
instances (civicard.core.rows), so the rules read them as they read any other model."""

from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from civicard.access.models import Checkpoint, Decision, DoorGroup, Facility, Quota, Terminal
from civicard.cards.models import Card
from civicard.core import rows
from civicard.people.models import Household, Membership, Person
from civicard.territory.models import Address, Neighbourhood
from civicard.wallets.models import Account, Enrolment, Service
from civicard.wallets.queries import LIVE_ENROLMENT, Home

T = {model: model._meta.db_table for model in (
    Terminal, Checkpoint, Facility, Service, Quota, Card, Person, Membership, Household,
    Account, Address, Neighbourhood, Decision, Enrolment)}
GROUP_MEMBERS = DoorGroup.members.through._meta.db_table
GROUP_CHECKPOINTS = DoorGroup.checkpoints.through._meta.db_table
GROUP_FACILITIES = DoorGroup.facilities.through._meta.db_table


# The terminal row ---------------------------------------------------------------------------

TERMINAL = rows.columns(Terminal, "id", "checkpoint", "name", "language", "revoked_at",
                        "last_seen_at", "software_version")
CHECKPOINT = rows.columns(Checkpoint, "id", "facility", "name", "kind", "service",
                          "opening_hours", "country", "charge_use", "passback_seconds")
FACILITY = rows.columns(Facility, "id", "territory", "commune", "name", "kind")
SERVICE = rows.columns(Service, "id", "territory", "commune", "name", "slug", "payment_mode",
                       "shortage_rule", "floor_cents", "is_active")
QUOTA_OF_SERVICE = Service._meta.get_field("quota")
QUOTA = rows.columns(Quota, "id", "service", "free_per_year", "max_per_year", "charge_use")

TERMINAL_SQL = (
    f"SELECT {rows.select_list('t', Terminal, TERMINAL)}, "
    f"{rows.select_list('cp', Checkpoint, CHECKPOINT)}, "
    f"{rows.select_list('f', Facility, FACILITY)}, {rows.select_list('s', Service, SERVICE)}, "
    f"{rows.select_list('q', Quota, QUOTA)}, d.response "
    f'FROM "{T[Terminal]}" t JOIN "{T[Checkpoint]}" cp ON cp.id = t.checkpoint_id '
    f'JOIN "{T[Facility]}" f ON f.id = cp.facility_id '
    f'LEFT JOIN "{T[Service]}" s ON s.id = cp.service_id '
    f'LEFT JOIN "{T[Quota]}" q ON q.service_id = s.id '
    f'LEFT JOIN "{T[Decision]}" d ON d.terminal_id = t.id AND d.idempotency_key = %s '
    "WHERE t.token_hash = %s AND t.revoked_at IS NULL")


def _split(row, *widths):
    start = 0
    for width in widths:
        yield row[start:start + width]
        start += width


def active_terminal(token_hash: str, key: str = "") -> tuple[Terminal | None, dict | None]:
    """The unrevoked terminal with this token hash — its checkpoint, facility, service and
    the service's quota attached — and the answer it was already given for `key`, if any:
    one statement."""
    with connection.cursor() as cursor:
        cursor.execute(TERMINAL_SQL, [key, token_hash])
        row = cursor.fetchone()
    if row is None:
        return None, None
    t, cp, f, s, q, answer = _split(row, len(TERMINAL), len(CHECKPOINT), len(FACILITY),
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
    return terminal, _answer(answer[0])


# The presented card -------------------------------------------------------------------------

CARD = rows.columns(Card, "id", "person", "kind", "number", "secret", "status", "expires_on")
PERSON = rows.columns(Person, "id", "full_name", "preferred_name", "language", "birth_date",
                      "erased_at")
HOME = ["household_id", "is_guardian", "territory_id", "address_id", "income_bracket_id",
        "commune_id", "account_id", "account_currency", "account_balance_cents"]
ENROLMENT = rows.columns(Enrolment)

CARD_SQL = (
    f"SELECT {rows.select_list('c', Card, CARD)}, {rows.select_list('p', Person, PERSON)}, "
    f'EXISTS (SELECT 1 FROM "{GROUP_MEMBERS}" gm WHERE gm.person_id = p.id AND ('
    f'EXISTS (SELECT 1 FROM "{GROUP_CHECKPOINTS}" gc WHERE gc.doorgroup_id = '
    "gm.doorgroup_id AND gc.checkpoint_id = %s) OR "
    f'EXISTS (SELECT 1 FROM "{GROUP_FACILITIES}" gf WHERE gf.doorgroup_id = '
    "gm.doorgroup_id AND gf.facility_id = %s))), "
    "m.household_id, m.is_guardian, h.territory_id, h.address_id, h.income_bracket_id, "
    "n.commune_id, a.id, a.currency, a.balance_cents, "
    f"{rows.select_list('e', Enrolment, ENROLMENT)} "
    f'FROM "{T[Card]}" c JOIN "{T[Person]}" p ON p.id = c.person_id '
    f'LEFT JOIN "{T[Membership]}" m ON m.person_id = p.id '
    f'LEFT JOIN "{T[Household]}" h ON h.id = m.household_id '
    f'LEFT JOIN "{T[Address]}" ad ON ad.id = h.address_id '
    f'LEFT JOIN "{T[Neighbourhood]}" n ON n.id = ad.neighbourhood_id '
    f'LEFT JOIN "{T[Account]}" a ON a.household_id = h.id AND a.service_id = %s '
    f'LEFT JOIN "{T[Enrolment]}" e ON {LIVE_ENROLMENT.format(e="e")} '
    "AND (e.person_id = p.id OR e.household_id = m.household_id) "
    "WHERE {where} ORDER BY m.is_guardian DESC, m.household_id, e.id")


@dataclass
class Presented:
    """The card found by a credential, whatever its state, and what the rules need of its
    holder: households (guardian ones first, then by id), with the account each holds for
    the checkpoint's service, the live enrolments in that service of the holder and of
    those households (by id), and whether a staff door group covers the checkpoint."""

    card: Card
    homes: list[Home] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)  # by household id
    enrolments: list[Enrolment] = field(default_factory=list)
    staff_here: bool = False

    @property
    def person(self) -> Person:
        return self.card.person


def presented_card(lookup: dict, checkpoint: Checkpoint, on: date) -> Presented | None:
    """`lookup` is what civicard.cards.queries.credential_lookup gives (unique columns); `on`
    the local day the card is presented."""
    where = " AND ".join(f'c."{column}" = %s' for column in lookup)
    params = [checkpoint.pk, checkpoint.facility_id, checkpoint.service_id,
              checkpoint.service_id, on, on, *lookup.values()]
    with connection.cursor() as cursor:
        cursor.execute(CARD_SQL.replace("{where}", where), params)
        records = cursor.fetchall()
    if not records:
        return None
    c, p, staff = _split(records[0], len(CARD), len(PERSON), 1)
    card = rows.instance(Card, CARD, c)
    card.person = rows.instance(Person, PERSON, p)
    found = Presented(card=card, staff_here=bool(staff[0]))
    households, enrolments = set(), {}
    for row in records:
        home, enrolment = _split(row[len(CARD) + len(PERSON) + 1:], len(HOME), len(ENROLMENT))
        (household_id, _guardian, territory_id, address_id, bracket_id, commune_id, account_id,
         currency, balance) = home
        if enrolment[0] is not None:
            enrolments.setdefault(enrolment[0], enrolment)
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
