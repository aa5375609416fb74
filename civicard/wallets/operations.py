"""Every write on services, accounts and the ledger.

Money moves only through `_move`: lock the account rows (primary-key order), check the rule,
move the balance with F(), and append the entry. Each public operation runs it in a transaction
of its own (`durable=True`); a charge that belongs to a caller's transaction (a terminal entry)
joins it by saying so (`joins_transaction=True`). Each movement carries an idempotency key held
unique by the database: a retry returns the first entry and moves nothing."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from civicard.core import audit
from civicard.core.errors import IdempotencyConflict, InvalidAmount, InvalidInput
from civicard.core.idempotency import check_key
from civicard.core.money import MAX_AMOUNT_CENTS, format_cents
from civicard.core.permissions import Role, check_role, check_role_over
from civicard.people.models import Household, Person
from civicard.wallets.exceptions import (
    FloorReached,
    InsufficientBalance,
    NotSameHousehold,
    NoWalletForService,
    PaymentMismatch,
    PaymentUnknown,
    ReasonMissing,
    ServiceIsFree,
    WrongCurrency,
)
from civicard.wallets.labels import Label, Reason
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
from civicard.wallets.signals import online_payment_settled

COUNTER_MEANS = {Means.CASH, Means.CHEQUE, Means.BANK_CARD}


# Checks ---------------------------------------------------------------------------------------

def check_amount(amount_cents, *, field: str = "amount") -> int:
    if (not isinstance(amount_cents, int) or isinstance(amount_cents, bool)
            or not 1 <= amount_cents <= MAX_AMOUNT_CENTS):
        raise InvalidAmount(fields={field: [_("Enter an amount such as 12.50.")]},
                            minimum=format_cents(1, "EUR").split("\u00a0")[0],
                            maximum=format_cents(MAX_AMOUNT_CENTS, "EUR").split("\u00a0")[0])
    return amount_cents


def check_reason(reason) -> Reason:
    """Words typed by staff, or the platform's own Label (see labels)."""
    if isinstance(reason, Label):
        return reason
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


def check_covered(account: Account, kind: str, amount_cents: int) -> None:
    """The rule a movement must meet on the account's balance read under its lock: a charge
    follows the service's shortage rule (a free service takes none), a transfer never leaves
    the balance below zero. Money coming in is always accepted."""
    after = account.balance_cents + amount_cents
    if kind == EntryKind.CHARGE:
        service = account.service
        if service.payment_mode == PaymentMode.FREE:
            raise ServiceIsFree()
        lowest = lowest_balance(service)
        if lowest is not None and after < lowest:
            raise (InsufficientBalance() if service.shortage_rule == ShortageRule.REFUSE
                   else FloorReached())
    elif kind == EntryKind.TRANSFER_OUT and after < 0:
        raise InsufficientBalance()


# The one money path ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Leg:
    """One account's part of a movement: its kind, signed amount and idempotency key."""

    account: Account
    kind: str
    amount_cents: int
    key: str


def _replay(leg: Leg) -> LedgerEntry | None:
    """The entry already written under the leg's key, if any; a different movement under the
    same key is refused."""
    entry = LedgerEntry.objects.filter(idempotency_key=leg.key).first()
    if entry is not None and (entry.account_id, entry.kind, entry.amount_cents) != (
            leg.account.pk, leg.kind, leg.amount_cents):
        raise IdempotencyConflict()
    return entry


def _move(legs: list[Leg], *, reason: Reason, actor, at: datetime,
          means: str = "") -> tuple[list[LedgerEntry], bool]:
    """The one function that changes a balance, inside the caller's transaction: lock the
    accounts in primary-key order, return the first entries when the keys were already used,
    check each leg's rule, move each balance with F() and append its entry (a second leg's
    entry refers to the first). Returns the entries and whether they were written now."""
    ids = sorted({leg.account.pk for leg in legs})
    locked = {account.pk: account for account in Account.objects.select_for_update()
              .select_related("service").filter(pk__in=ids).order_by("pk")}
    replayed = [_replay(leg) for leg in legs]
    if all(replayed):
        return replayed, False
    for leg in legs:
        check_covered(locked[leg.account.pk], leg.kind, leg.amount_cents)
    entries = []
    for leg in legs:
        account = locked[leg.account.pk]
        Account.objects.filter(pk=account.pk).update(
            balance_cents=F("balance_cents") + leg.amount_cents)
        account.balance_cents += leg.amount_cents
        leg.account.balance_cents = account.balance_cents
        entries.append(LedgerEntry.objects.create(
            account=account, kind=leg.kind, amount_cents=leg.amount_cents,
            balance_after_cents=account.balance_cents, means=means, at=at,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            **reason_fields(reason), idempotency_key=leg.key,
            related=entries[0] if entries else None))
    return entries, True


def reason_fields(reason: Reason) -> dict:
    if isinstance(reason, Label):
        return {"reason": "", "reason_code": reason.code, "reason_params": reason.params}
    return {"reason": reason}


def _move_now(legs: list[Leg], *, reason: Reason, actor, at: datetime, means: str = "",
              audit_action: str = "", audit_extra=None,
              joins_transaction: bool = False) -> list[LedgerEntry]:
    """`_move` in a transaction of its own, with its audit record when one is named. Two
    retries racing on different accounts meet at the key's unique constraint: the first
    movement stands. With `joins_transaction`, the movement is part of the caller's
    transaction instead: its rollback takes the movement back, and a key repeated by a racing
    retry is its to answer (the IntegrityError reaches it)."""
    def move():
        entries, moved = _move(legs, reason=reason, actor=actor, at=at, means=means)
        if moved and audit_action:
            audit.record(actor=actor, action=audit_action, obj=legs[0].account, at=at,
                         extra={"entry_id": entries[0].pk, **(audit_extra or {})})
        return entries

    if joins_transaction:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("joins_transaction=True needs the caller's transaction")
        return move()
    try:
        with transaction.atomic(durable=True):
            return move()
    except IntegrityError:
        replayed = [_replay(leg) for leg in legs]
        if not all(replayed):
            raise
        return replayed


# Money ---------------------------------------------------------------------------------------

def charge(*, account: Account, amount_cents: int, reason: Reason, idempotency_key: str, actor,
           at: datetime, currency: str | None = None,
           joins_transaction: bool = False) -> LedgerEntry:
    """Take `amount_cents` from the account under its service's shortage rule. Used by every
    capability that makes a household pay (terminals, canteen, bookings…). A caller whose own
    transaction holds the charge with its other writes (a terminal's entry) passes
    `joins_transaction=True`: its rollback takes the charge back, and a key repeated by a
    racing retry is its to answer (the IntegrityError reaches it)."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    check_currency(account, currency)
    return _move_now([Leg(account, EntryKind.CHARGE, -amount_cents, idempotency_key)],
                     reason=reason, actor=actor, at=at, joins_transaction=joins_transaction)[0]


def top_up(*, account: Account, amount_cents: int, means: str, reason: Reason,
           idempotency_key: str, actor, at: datetime, currency: str | None = None,
           joins_transaction: bool = False) -> LedgerEntry:
    """An agent records money taken at the counter (cash, cheque, bank card); money taken for
    something the caller writes with it (an invoice paid at the counter) joins its
    transaction (`joins_transaction=True`)."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    check_currency(account, currency)
    if means not in COUNTER_MEANS:  # online payments are credited by settle_online_payment
        raise InvalidInput(fields={"means": [_("Choose how the money was paid.")]})
    check_role(actor, Role.COUNTER_AGENT, commune_id=account.household.commune_id)
    return _move_now([Leg(account, EntryKind.TOP_UP, amount_cents, idempotency_key)],
                     reason=reason, actor=actor, at=at, means=means,
                     joins_transaction=joins_transaction)[0]


def refund(*, account: Account, amount_cents: int, reason: Reason, idempotency_key: str, actor,
           at: datetime, joins_transaction: bool = False) -> LedgerEntry:
    """An agent gives money back into the account (a meal not served, a closed pool…); a
    capability that refunds as part of its own write passes `joins_transaction=True`."""
    check_role(actor, Role.COUNTER_AGENT, Role.SERVICE_MANAGER,
               commune_id=account.household.commune_id)
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    return _move_now([Leg(account, EntryKind.REFUND, amount_cents, idempotency_key)],
                     reason=reason, actor=actor, at=at, audit_action="wallet.refunded",
                     audit_extra={"amount_cents": amount_cents},
                     joins_transaction=joins_transaction)[0]


def refund_owed(*, account: Account, amount_cents: int, reason: Reason, idempotency_key: str,
                actor, at: datetime) -> LedgerEntry:
    """Money a capability's own rule gives back without an agent deciding it (a booking
    cancelled before its limit), as part of the caller's transaction: the caller has checked
    the rule; `actor` is recorded."""
    check_amount(amount_cents)
    check_key(idempotency_key)
    return _move_now([Leg(account, EntryKind.REFUND, amount_cents, idempotency_key)],
                     reason=check_reason(reason), actor=actor, at=at, joins_transaction=True)[0]


def correct(*, account: Account, amount_cents: int, reason: Reason, idempotency_key: str, actor,
            at: datetime) -> LedgerEntry:
    """A signed correction by a service manager: a new entry, never an edit."""
    check_role_over(actor, Role.SERVICE_MANAGER, commune_id=account.service.commune_id)
    if not isinstance(amount_cents, int) or amount_cents == 0:
        raise InvalidInput(fields={"amount": [_("A correction cannot be zero.")]})
    check_amount(abs(amount_cents))
    check_key(idempotency_key)
    reason = check_reason(reason)
    return _move_now([Leg(account, EntryKind.CORRECTION, amount_cents, idempotency_key)],
                     reason=reason, actor=actor, at=at, audit_action="wallet.corrected",
                     audit_extra={"amount_cents": amount_cents})[0]


def transfer(*, source: Account, target: Account, amount_cents: int, reason: Reason,
             idempotency_key: str, actor, at: datetime) -> tuple[LedgerEntry, LedgerEntry]:
    """An agent moves money between two accounts of one household; never below zero."""
    check_role(actor, Role.COUNTER_AGENT, commune_id=source.household.commune_id)
    check_amount(amount_cents)
    check_key(idempotency_key)
    reason = check_reason(reason)
    if source.household_id != target.household_id or source.pk == target.pk:
        raise NotSameHousehold()
    out, into = _move_now(
        [Leg(source, EntryKind.TRANSFER_OUT, -amount_cents, f"{idempotency_key}:out"),
         Leg(target, EntryKind.TRANSFER_IN, amount_cents, f"{idempotency_key}:in")],
        reason=reason, actor=actor, at=at, audit_action="wallet.transferred",
        audit_extra={"to_account": target.pk, "amount_cents": amount_cents})
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
    with transaction.atomic(durable=True):
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
        (entry,), _moved = _move(
            [Leg(payment.account, EntryKind.TOP_UP, payment.amount_cents,
                 f"payment:{payment.reference}")],
            reason=Label("online_payment", {"reference": payment.reference}),
            actor=payment.started_by, at=at, means=Means.ONLINE)
        payment.status, payment.settled_at, payment.entry = PaymentStatus.PAID, at, entry
        payment.save(update_fields=["status", "settled_at", "entry"])
        online_payment_settled.send(sender=OnlinePayment, payment=payment, at=at)
    return payment
