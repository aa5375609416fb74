"""Every write on services, accounts and the ledger.

Money moves only here: lock the account rows (pk order), check the rule, move the balance with
F(), and append the entry — all in one transaction. Each movement carries an idempotency key held
unique by the database: a retry returns the first entry and moves nothing."""

import secrets
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from civicard.core import audit, rows
from civicard.core.errors import DomainError, IdempotencyConflict, InvalidAmount, InvalidInput
from civicard.core.money import MAX_AMOUNT_CENTS, format_cents
from civicard.core.permissions import Role, check_role, check_role_over
from civicard.people.models import Household, Person
from civicard.wallets.exceptions import (
    FloorReached,
    InsufficientBalance,
    KeyMissing,
    NotSameHousehold,
    NoWalletForService,
    PaymentMismatch,
    PaymentUnknown,
    ReasonMissing,
    ServiceIsFree,
    WrongCurrency,
)
from civicard.wallets.models import (
    Account,
    Enrolment,
    EntryKind,
    LedgerEntry,
    Means,
    OnlinePayment,
    PaymentMode,
    PaymentStatus,
    Service,
    ShortageRule,
    Tariff,
)

COUNTER_MEANS = {Means.CASH, Means.CHEQUE, Means.BANK_CARD}


# Checks ---------------------------------------------------------------------------------------

def check_amount(amount_cents, *, field: str = "amount") -> int:
    if (not isinstance(amount_cents, int) or isinstance(amount_cents, bool)
            or not 1 <= amount_cents <= MAX_AMOUNT_CENTS):
        raise InvalidAmount(fields={field: [_("Enter an amount such as 12.50.")]},
                            minimum=format_cents(1, "EUR").split("\u00a0")[0],
                            maximum=format_cents(MAX_AMOUNT_CENTS, "EUR").split("\u00a0")[0])
    return amount_cents


def check_key(key) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 120:
        raise KeyMissing()
    return key


def check_reason(reason) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReasonMissing(fields={"reason": [ReasonMissing.message]})
    return reason[:200]


def check_currency(account: Account, currency: str | None) -> None:
    if currency is not None and currency != account.currency:
        raise WrongCurrency(fields={"currency": [_("Use the account's currency.")]},
                            expected=account.currency, given=str(currency)[:8])


def lowest_balance(service: Service) -> int | None:
    """The lowest balance a charge may leave under the service's rule (None: no limit)."""
    return 0 if service.shortage_rule == ShortageRule.REFUSE else service.floor_cents


def shortage_error(service: Service) -> InsufficientBalance | FloorReached:
    return InsufficientBalance() if service.shortage_rule == ShortageRule.REFUSE else FloorReached()


def _replay(key: str, *, account_id: int, kind: str, amount_cents: int) -> LedgerEntry | None:
    entry = LedgerEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if (entry.account_id, entry.kind, entry.amount_cents) != (account_id, kind, amount_cents):
        raise IdempotencyConflict()
    return entry


def _locked(*accounts: Account) -> dict[int, Account]:
    ids = sorted({a.pk for a in accounts})
    return {a.pk: a for a in Account.objects.select_for_update().select_related("service")
            .filter(pk__in=ids).order_by("pk")}


def _append(*, account: Account, kind: str, amount_cents: int, reason: str, key: str, actor,
            at: datetime, means: str = "", related: LedgerEntry | None = None) -> LedgerEntry:
    """`account` is a row locked by `_locked` in this transaction, so its balance read under
    the lock plus the amount is the new balance: no need to read it back."""
    Account.objects.filter(pk=account.pk).update(balance_cents=F("balance_cents") + amount_cents)
    account.balance_cents += amount_cents
    return _entry(account=account, kind=kind, amount_cents=amount_cents,
                  balance_after=account.balance_cents, reason=reason, key=key, actor=actor,
                  at=at, means=means, related=related)


def _entry(*, account: Account, kind: str, amount_cents: int, balance_after: int, reason: str,
           key: str, actor, at: datetime, means: str = "",
           related: LedgerEntry | None = None) -> LedgerEntry:
    """Append the entry recording a movement already made; the key is unique in the database."""
    return rows.insert(LedgerEntry(
        account=account, kind=kind, amount_cents=amount_cents,
        balance_after_cents=balance_after, means=means, at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason, idempotency_key=key, related=related))


SHIFT_SQL = (f'UPDATE "{Account._meta.db_table}" SET balance_cents = balance_cents + %s '
             "WHERE id = %s {above} RETURNING balance_cents")


def _refused(refusal: DomainError, *, account: Account, kind: str, amount_cents: int,
             key: str) -> LedgerEntry:
    """A movement the rule refuses: unless its key was already used, then its first entry
    stands (a retry after the balance went down)."""
    replayed = _replay(key, account_id=account.pk, kind=kind, amount_cents=amount_cents)
    if replayed is None:
        raise refusal
    return replayed


def _move(*, account: Account, kind: str, amount_cents: int, reason: str, key: str, actor,
          at: datetime, means: str = "", lowest: int | None = None,
          refusal: DomainError | None = None, savepoint: bool = True) -> LedgerEntry:
    """Move one account's balance by `amount_cents` (signed) and append the entry. The UPDATE
    takes the row lock and returns the new balance; with `lowest`, it only applies if the
    balance stays at or above it, else nothing is written and `refusal` is raised. A key
    already used (the database refuses a second entry) returns its first entry — unless
    `savepoint=False` put the movement in the caller's transaction: then the error is the
    caller's to handle (its transaction is rolled back)."""
    try:
        with transaction.atomic(savepoint=savepoint), connection.cursor() as cursor:
            above = "" if lowest is None else "AND balance_cents + %s >= %s"
            cursor.execute(SHIFT_SQL.format(above=above), [
                amount_cents, account.pk, *([] if lowest is None else [amount_cents, lowest])])
            row = cursor.fetchone()
            entry = None if row is None else _entry(
                account=account, kind=kind, amount_cents=amount_cents, balance_after=row[0],
                reason=reason, key=key, actor=actor, at=at, means=means)
    except IntegrityError:
        if connection.needs_rollback:  # in the caller's transaction, without a savepoint
            raise
        replayed = _replay(key, account_id=account.pk, kind=kind, amount_cents=amount_cents)
        if replayed is None:
            raise
        return replayed
    if entry is None:  # refused, and nothing written: the caller's transaction goes on
        return _refused(refusal, account=account, kind=kind, amount_cents=amount_cents, key=key)
    account.balance_cents = entry.balance_after_cents
    return entry


# Money ---------------------------------------------------------------------------------------

def charge(*, account: Account, amount_cents: int, reason: str, idempotency_key: str, actor,
           at: datetime, currency: str | None = None, savepoint: bool = True) -> LedgerEntry:
    """Take `amount_cents` from the account under its service's shortage rule. Used by every
    capability that makes a household pay (terminals, canteen, bookings…). A caller whose own
    transaction answers a repeated key (a terminal decision) passes `savepoint=False`."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    check_currency(account, currency)
    service = account.service
    if service.payment_mode == PaymentMode.FREE:
        return _refused(ServiceIsFree(), account=account, kind=EntryKind.CHARGE,
                        amount_cents=-amount_cents, key=idempotency_key)
    return _move(account=account, kind=EntryKind.CHARGE, amount_cents=-amount_cents,
                 reason=reason, key=idempotency_key, actor=actor, at=at,
                 lowest=lowest_balance(service), refusal=shortage_error(service),
                 savepoint=savepoint)


CHAINED_CHARGE_SQL = (
    f"WITH moved AS ({SHIFT_SQL.format(above='AND balance_cents = %s')}), "
    "entry AS ({entry} RETURNING id) {row} RETURNING {entry_column}")


def charge_then_insert(*, account: Account, amount_cents: int, reason: str,
                       idempotency_key: str, at: datetime, row, entry_field: str) -> int | None:
    """charge() and insert `row` — a new instance whose `entry_field` refers to the entry — in
    one statement and no transaction of its own: a door's paid entry costs two round trips
    instead of six. PostgreSQL only (SQLite cannot chain writes). The balance is the one read
    with the account just before (`account.balance_cents`, updated here): when it has moved
    since, or the service's rule would refuse, nothing is written and None is returned, and
    the caller charges the usual way. Returns the new entry's id."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    service = account.service
    lowest = lowest_balance(service)
    balance = account.balance_cents - amount_cents
    if service.payment_mode == PaymentMode.FREE or (lowest is not None and balance < lowest):
        return None
    entry_sql, entry_params = rows.insert_from(LedgerEntry(
        account_id=account.pk, kind=EntryKind.CHARGE, amount_cents=-amount_cents,
        balance_after_cents=balance, means="", at=at, actor=None, reason=check_reason(reason),
        idempotency_key=idempotency_key, related=None), "moved")
    row_sql, row_params = rows.insert_from(row, "entry", **{entry_field: "entry.id"})
    with connection.cursor() as cursor:
        entry_column = connection.ops.quote_name(row._meta.get_field(entry_field).column)
        cursor.execute(CHAINED_CHARGE_SQL.format(entry=entry_sql, row=row_sql,
                                                 entry_column=entry_column),
                       [-amount_cents, account.pk, account.balance_cents, *entry_params,
                        *row_params])
        written = cursor.fetchone()
    if written is None:
        return None
    account.balance_cents = balance
    return written[0]


def top_up(*, account: Account, amount_cents: int, means: str, reason: str,
           idempotency_key: str, actor, at: datetime, currency: str | None = None) -> LedgerEntry:
    """An agent records money taken at the counter (cash, cheque, bank card)."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    check_currency(account, currency)
    if means not in COUNTER_MEANS:  # online payments are credited by settle_online_payment
        raise InvalidInput(fields={"means": [_("Choose how the money was paid.")]})
    check_role(actor, Role.COUNTER_AGENT, commune_id=account.household.commune_id)
    entry = _move(account=account, kind=EntryKind.TOP_UP, amount_cents=amount_cents,
                  reason=reason, key=idempotency_key, actor=actor, at=at, means=means)
    return entry


def refund(*, account: Account, amount_cents: int, reason: str, idempotency_key: str, actor,
           at: datetime) -> LedgerEntry:
    """An agent gives money back into the account (a meal not served, a closed pool…)."""
    check_role(actor, Role.COUNTER_AGENT, Role.SERVICE_MANAGER,
               commune_id=account.household.commune_id)
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    entry = _move(account=account, kind=EntryKind.REFUND, amount_cents=amount_cents,
                  reason=reason, key=idempotency_key, actor=actor, at=at)
    audit.record(actor=actor, action="wallet.refunded", obj=account, at=at,
                 extra={"entry_id": entry.pk, "amount_cents": amount_cents})
    return entry


def refund_owed(*, account: Account, amount_cents: int, reason: str, idempotency_key: str,
                actor, at: datetime) -> LedgerEntry:
    """Money a capability's own rule gives back without an agent deciding it (a booking
    cancelled before its limit): the caller has checked the rule; `actor` is recorded."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    return _move(account=account, kind=EntryKind.REFUND, amount_cents=amount_cents,
                 reason=reason, key=idempotency_key, actor=actor, at=at)


def correct(*, account: Account, amount_cents: int, reason: str, idempotency_key: str, actor,
            at: datetime) -> LedgerEntry:
    """A signed correction by a service manager: a new entry, never an edit."""
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=account.service.commune_id)
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise InvalidInput(fields={"amount": [_("A correction cannot be zero.")]})
    check_amount(abs(amount_cents))
    check_key(idempotency_key)
    reason = check_reason(reason)
    entry = _move(account=account, kind=EntryKind.CORRECTION, amount_cents=amount_cents,
                  reason=reason, key=idempotency_key, actor=actor, at=at)
    audit.record(actor=actor, action="wallet.corrected", obj=account, at=at,
                 extra={"entry_id": entry.pk, "amount_cents": amount_cents})
    return entry


def transfer(*, source: Account, target: Account, amount_cents: int, reason: str,
             idempotency_key: str, actor, at: datetime) -> tuple[LedgerEntry, LedgerEntry]:
    """An agent moves money between two accounts of one household; never below zero."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=source.household.commune_id)
    check_amount(amount_cents)
    check_key(idempotency_key)
    if len(idempotency_key) > 110:
        raise KeyMissing()
    reason = check_reason(reason)
    if source.household_id != target.household_id or source.pk == target.pk:
        raise NotSameHousehold()
    out_key, in_key = f"{idempotency_key}:out", f"{idempotency_key}:in"
    with transaction.atomic():
        locked = _locked(source, target)
        src, dst = locked[source.pk], locked[target.pk]
        done = _replay(out_key, account_id=src.pk, kind=EntryKind.TRANSFER_OUT,
                       amount_cents=-amount_cents)
        if done is not None:
            return done, LedgerEntry.objects.get(idempotency_key=in_key)
        if src.balance_cents < amount_cents:
            raise InsufficientBalance()
        out = _append(account=src, kind=EntryKind.TRANSFER_OUT, amount_cents=-amount_cents,
                      reason=reason, key=out_key, actor=actor, at=at)
        into = _append(account=dst, kind=EntryKind.TRANSFER_IN, amount_cents=amount_cents,
                       reason=reason, key=in_key, actor=actor, at=at, related=out)
        audit.record(actor=actor, action="wallet.transferred", obj=src, at=at,
                     extra={"to_account": dst.pk, "amount_cents": amount_cents})
    source.balance_cents, target.balance_cents = src.balance_cents, dst.balance_cents
    return out, into


# Accounts, services, tariffs, enrolments --------------------------------------------------------

def open_account(*, household: Household, service: Service, at: datetime) -> Account:
    """The household's account for a service, created on first need (one per pair)."""
    if not service.has_wallet:
        raise NoWalletForService()
    account = Account.objects.filter(household=household, service=service).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(household=household, service=service,
                                          currency=service.territory.currency, created_at=at)
    except IntegrityError:
        return Account.objects.get(household=household, service=service)


@transaction.atomic
def save_service(*, service: Service, actor, at: datetime) -> Service:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=service.commune_id)
    if service.shortage_rule == ShortageRule.REFUSE:
        service.floor_cents = None
    if service.floor_cents is not None and service.floor_cents > 0:
        raise InvalidInput(fields={"floor_cents": [_("The floor must be zero or below.")]})
    service.save()
    audit.record(actor=actor, action="service.saved", obj=service, at=at,
                 extra={"shortage_rule": service.shortage_rule, "floor": service.floor_cents})
    return service


@transaction.atomic
def add_tariff(*, service: Service, use: str, income_bracket, resident: bool | None,
               amount_cents: int, valid_from: date, actor, at: datetime) -> Tariff:
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=service.commune_id)
    if (not isinstance(amount_cents, int) or isinstance(amount_cents, bool)
            or not 0 <= amount_cents <= MAX_AMOUNT_CENTS):
        raise InvalidInput(fields={"amount": [_("Enter an amount such as 12.50.")]})
    tariff = Tariff.objects.create(service=service, use=use or "use",
                                   income_bracket=income_bracket, resident=resident,
                                   amount_cents=amount_cents, valid_from=valid_from,
                                   created_at=at)
    audit.record(actor=actor, action="tariff.added", obj=tariff, at=at)
    return tariff


@transaction.atomic
def enrol(*, service: Service, household: Household | None = None, person: Person | None = None,
          starts_on: date, ends_on: date | None = None, min_age: int | None = None,
          max_age: int | None = None, resident_of=None, actor, at: datetime) -> Enrolment:
    check_role(actor, Role.SERVICE_MANAGER, Role.COUNTER_AGENT, commune_id=service.commune_id)
    if (household is None) == (person is None):
        raise InvalidInput(fields={"__all__": [_("Enrol either a person or a household.")]})
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(fields={"ends_on": [_("The end comes before the start.")]})
    if min_age is not None and max_age is not None and max_age < min_age:
        raise InvalidInput(fields={"max_age": [_("The maximum age is below the minimum.")]})
    enrolment = Enrolment.objects.create(service=service, household=household, person=person,
                                         starts_on=starts_on, ends_on=ends_on, min_age=min_age,
                                         max_age=max_age, resident_of=resident_of,
                                         created_at=at)
    audit.record(actor=actor, action="service.enrolled", obj=enrolment, at=at)
    if service.has_wallet:
        for target in ([household] if household else list(person.households.all())):
            open_account(household=target, service=service, at=at)
    return enrolment


# Online payments --------------------------------------------------------------------------------

def start_online_payment(*, account: Account, amount_cents: int, provider: str, actor,
                         at: datetime, currency: str | None = None) -> OnlinePayment:
    check_amount(amount_cents)
    check_currency(account, currency)
    return OnlinePayment.objects.create(
        reference=f"CVC-{secrets.token_hex(8).upper()}", provider=provider, account=account,
        amount_cents=amount_cents, currency=account.currency, started_by=actor, created_at=at)


def settle_online_payment(*, provider: str, reference: str, paid: bool, amount_cents: int,
                          currency: str, at: datetime) -> OnlinePayment:
    """The provider's (verified) notice: credit exactly once, whatever the order or the number
    of notices. A refusal after a payment was credited changes nothing."""
    with transaction.atomic():
        payment = (OnlinePayment.objects.select_for_update()
                   .filter(reference=reference, provider=provider).first())
        if payment is None:
            raise PaymentUnknown()
        if payment.status != PaymentStatus.PENDING:
            return payment
        if not paid:
            payment.status, payment.settled_at = PaymentStatus.FAILED, at
            payment.save(update_fields=["status", "settled_at"])
            return payment
        if amount_cents != payment.amount_cents or currency != payment.currency:
            raise PaymentMismatch()
        entry = _move(account=payment.account, kind=EntryKind.TOP_UP,
                      amount_cents=payment.amount_cents,
                      reason=str(_("Online payment %(reference)s")
                                 % {"reference": payment.reference}),
                      key=f"payment:{payment.reference}", actor=payment.started_by, at=at,
                      means=Means.ONLINE)
        payment.status, payment.settled_at, payment.entry = PaymentStatus.PAID, at, entry
        payment.save(update_fields=["status", "settled_at", "entry"])
    return payment
