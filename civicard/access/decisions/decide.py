"""A live scan: read → rules → write, and the answer the terminal shows.

The write holds the quota visit, the charge and the decision row in one transaction; rules 4
and 5 are checked again on the rows it locks (the quota counter, the account), and a refusal
there takes the visit back. The decision row is unique per (terminal, idempotency key): a
retry gets the first answer, and a retry racing the first scan meets that constraint, which
rolls its writes back."""

from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicard.access.decisions import rules
from civicard.access.decisions.read import ScanContext, logged_answer, read
from civicard.access.exceptions import AtInFuture, AtTooOld
from civicard.access.messages import message_in
from civicard.access.models import DailyUses, Decision, Outcome, QuotaCounter, Terminal, Via
from civicard.access.terminals import terminal_for_token, touch
from civicard.core.idempotency import check_key
from civicard.core.tallies import bump
from civicard.wallets.exceptions import FloorReached, InsufficientBalance
from civicard.wallets.labels import Label
from civicard.wallets.models import LedgerEntry
from civicard.wallets.operations import charge

FUTURE_TOLERANCE = timedelta(seconds=60)   # terminal clocks drift a little
ONLINE_MAX_AGE = timedelta(minutes=5)      # older scans are offline events
CREDENTIAL_MAX_LENGTH = 200


class Refused(Exception):
    """A rule the write checks again on the rows it locked refuses: its reason code."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass
class Effects:
    """What the write did: the charge, the balance after it, the visits left, a shortfall."""

    entry: LedgerEntry | None = None
    balance_cents: int | None = None
    remaining_quota: int | None = None
    counted: bool = False
    shortfall_cents: int = 0


def clean(credential) -> str:
    return (credential.strip()[:CREDENTIAL_MAX_LENGTH] if isinstance(credential, str) else "")


def aware(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    return timezone.make_aware(at, timezone.get_current_timezone()) if timezone.is_naive(at) else at


def _count_visit(ctx: ScanContext, *, offline: bool) -> int:
    """Lock the first household's counter for the year, check rule 4 on it (a live scan) and
    count one visit. Returns the visits counted before this one."""
    quota, household_id, year = ctx.quota, ctx.homes[0].id, ctx.day.year
    QuotaCounter.objects.get_or_create(quota=quota, household_id=household_id, year=year)
    counter = QuotaCounter.objects.select_for_update().get(quota=quota,
                                                           household_id=household_id, year=year)
    if not offline and rules.quota_exceeded(quota, counter.used):
        raise Refused("quota_exceeded")
    QuotaCounter.objects.filter(pk=counter.pk).update(used=F("used") + 1)
    return counter.used


def apply(ctx: ScanContext, verdict: rules.Verdict, *, terminal: Terminal, key: str,
          offline: bool) -> Effects:
    """Write an allowed entry's quota visit and charge, in the caller's transaction. A live
    scan is refused (Refused) when rule 4 or 5 fails on the locked rows; an entry a terminal
    allowed offline is counted whatever the quota, and a charge its balance cannot cover is
    recorded as a shortfall, never dropped."""
    effects, planned = Effects(), verdict.plan
    if planned.counts:
        used = _count_visit(ctx, offline=offline)
        planned = rules.plan(ctx, verdict.right, used=used)
        effects.counted, effects.remaining_quota = True, planned.remaining_quota
    if not planned.price_cents:
        return effects
    account = ctx.account
    try:
        if account is None:
            raise InsufficientBalance()
        checkpoint = ctx.checkpoint
        effects.entry = charge(account=account, amount_cents=planned.price_cents,
                               reason=Label("entry", {"facility": checkpoint.facility.name,
                                                      "checkpoint": checkpoint.name}),
                               idempotency_key=f"access:{terminal.pk}:{key}", actor=None,
                               at=ctx.at, joins_transaction=True)
    except (InsufficientBalance, FloorReached):
        if not offline:
            raise Refused("insufficient_balance") from None
        effects.shortfall_cents = planned.price_cents
    if account is not None:
        effects.balance_cents = account.balance_cents
    return effects


def _response(*, terminal: Terminal, verdict: rules.Verdict, ctx: ScanContext,
              effects: Effects) -> dict:
    person = ctx.person
    name = person.display_name if person is not None else ""
    languages = [terminal.language]
    if person is not None and person.language not in languages:
        languages.insert(0, person.language)
    messages = {lang: message_in(lang, verdict.reason, name) for lang in languages}
    allowed = verdict.allowed
    return {
        "decision": verdict.outcome,
        "reason_code": verdict.reason,
        "message": " / ".join(dict.fromkeys(messages.values())),
        "messages": messages,
        "display_name": name,
        "balance_cents": effects.balance_cents if allowed else None,
        "remaining_quota": effects.remaining_quota if allowed else None,
    }


def log(*, terminal: Terminal, key: str, now: datetime, ctx: ScanContext,
        verdict: rules.Verdict, effects: Effects, via: str = Via.ONLINE) -> dict:
    """Write the decision row and return its answer."""
    response = _response(terminal=terminal, verdict=verdict, ctx=ctx, effects=effects)
    # the decision and its count on the chart together (no savepoint inside a transaction)
    with nullcontext() if transaction.get_connection().in_atomic_block else transaction.atomic():
        _log(terminal=terminal, key=key, now=now, ctx=ctx, verdict=verdict, effects=effects,
             via=via, response=response)
        if verdict.outcome == Outcome.ALLOW:
            bump(DailyUses, {"checkpoint_id": terminal.checkpoint_id, "terminal_id": terminal.pk,
                             "day": timezone.localtime(ctx.at).date()}, allowed=1)
    return response


def _log(*, terminal, key, now, ctx, verdict, effects, via, response) -> None:
    card = ctx.card
    Decision.objects.create(
        terminal_id=terminal.pk, checkpoint_id=terminal.checkpoint_id, idempotency_key=key,
        at=ctx.at, recorded_at=now, card=card, person_id=card.person_id if card else None,
        household_id=ctx.homes[0].id if card and ctx.homes else None,
        outcome=verdict.outcome, reason_code=verdict.reason, via=via, right=verdict.right,
        right_reference=verdict.reference, entry=effects.entry,
        shortfall_cents=effects.shortfall_cents, counted=effects.counted, response=response)


def _decide(*, terminal: Terminal, credential: str, key: str, at: datetime,
            now: datetime) -> dict:
    ctx = read(terminal.checkpoint, credential, at)
    verdict, effects = rules.decide(ctx), Effects()
    if verdict.reason == "card_unknown":  # a code that matches no card names no one
        ctx = replace(ctx, card=None, homes=())
    writes = verdict.allowed and verdict.plan.writes
    # A decision alone is one INSERT; with a visit or a charge, all go in one transaction,
    # and a savepoint takes a counted visit back when the charge is refused after it (a
    # refused charge alone writes nothing).
    with transaction.atomic(durable=True) if writes else nullcontext():
        if writes:
            try:
                with transaction.atomic() if verdict.plan.counts else nullcontext():
                    effects = apply(ctx, verdict, terminal=terminal, key=key, offline=False)
            except Refused as refusal:
                verdict = rules.Verdict(Outcome.DENY, refusal.code, verdict.right)
        return log(terminal=terminal, key=key, now=now, ctx=ctx, verdict=verdict,
                   effects=effects)


def scan(*, terminal: Terminal, credential: str, idempotency_key: str,
         at: datetime | None = None, now: datetime, software_version: str = "") -> dict:
    """Decide on one presented card, log it, and return the answer. A retry with the same key
    returns the first answer and changes nothing."""
    key = check_key(idempotency_key)
    touch(terminal, now=now, software_version=software_version)
    first = logged_answer(terminal.pk, key)
    if first is not None:
        return first
    at = aware(at, now)
    if at > now + FUTURE_TOLERANCE:
        raise AtInFuture(fields={"at": [AtInFuture.message]})
    if at < now - ONLINE_MAX_AGE:
        raise AtTooOld(fields={"at": [AtTooOld.message]})
    try:
        return _decide(terminal=terminal, credential=clean(credential), key=key, at=at,
                       now=now)
    except IntegrityError:
        # The same key raced in: the first decision stands, its charge is the only one.
        first = logged_answer(terminal.pk, key)
        if first is None:
            raise
        return first


def scan_by_token(token: str | None, **scanned) -> dict:
    """scan() at the terminal behind a bearer token, or TerminalUnauthorized (HTTP 401)."""
    return scan(terminal=terminal_for_token(token), **scanned)
