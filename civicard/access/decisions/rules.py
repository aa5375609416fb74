"""The rules of a decision, as pure functions of a ScanContext: no database.

A scan is decided in the order of the reason codes (docs/terminals.md), the first refusal
giving its code:
  1. the card: credential_invalid, card_unknown, card_blocked, card_expired, qr_expired;
  2. opening hours, unless a staff door group opens out of hours or another capability's
     grant carries its own times (a booked slot, rights.py): closed;
  3. a right here: a staff window, an enrolment in the service, or a right another capability
     gives (rights.py); outside the opening hours only what let the scan past rule 2: no_right;
  4. the household's yearly quota: quota_exceeded;
  5. the entry's price under the service's shortage rule: insufficient_balance;
  6. anti-passback: already_used.
Rules 4 and 5 are checked again by the write, on the rows it locks (decide.py)."""

from dataclasses import dataclass

from django.utils import timezone

from civicard.access.decisions.read import ScanContext
from civicard.access.decisions.rights import Grant
from civicard.access.models import DoorGroup, Outcome, Quota
from civicard.cards.exceptions import CardBlocked, CardExpired, CardUnknown, QrExpired
from civicard.cards.queries import check_presented
from civicard.core import opening_hours
from civicard.wallets.exceptions import FloorReached, InsufficientBalance, NoTariff
from civicard.wallets.models import Account, EntryKind
from civicard.wallets.operations import check_covered
from civicard.wallets.queries import enrolment_for, tariff_for


@dataclass(frozen=True)
class Plan:
    """What an allowed entry writes: a quota visit, a charge of `price_cents` for `use`."""

    counts: bool = False
    use: str = ""
    price_cents: int = 0
    remaining_quota: int | None = None

    @property
    def writes(self) -> bool:
        return self.counts or self.price_cents > 0


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str
    right: str = ""
    plan: Plan = Plan()
    reference: str = ""  # what gave another capability's right (a booking's id)

    @property
    def allowed(self) -> bool:
        return self.outcome == Outcome.ALLOW


def card_refusal(ctx: ScanContext) -> str | None:
    """Rule 1: why the card cannot be used now, if it cannot."""
    if not ctx.readable:
        return "credential_invalid"
    try:
        check_presented(ctx.card, ctx.credential, ctx.at)
    except (CardUnknown, CardBlocked, CardExpired, QrExpired) as error:
        return error.code
    return None


def staff_group(ctx: ScanContext) -> DoorGroup | None:
    """The holder's door group whose weekly window covers now, preferring one that opens out
    of hours."""
    local = timezone.localtime(ctx.at)
    found = None
    for window in ctx.staff_windows:
        if window.covers(local):
            if window.group.out_of_hours:
                return window.group
            found = found or window.group
    return found


def is_open(ctx: ScanContext) -> bool:
    """Open by the checkpoint's OSM opening hours; public holidays of its country follow the
    expression (`PH off` closes on them). Unreadable hours: closed, never a 500."""
    checkpoint = ctx.checkpoint
    return opening_hours.is_open(checkpoint.opening_hours, ctx.at, checkpoint.country)


def closed(ctx: ScanContext, group: DoorGroup | None, in_hours: bool | None = None) -> bool:
    """Rule 2 (`in_hours`: is_open, when the caller has it)."""
    in_hours = is_open(ctx) if in_hours is None else in_hours
    return not (in_hours or (group is not None and group.out_of_hours)
                or any(grant.out_of_hours for grant in ctx.granted_by))


def right_here(ctx: ScanContext, group: DoorGroup | None,
               in_hours: bool | None = None) -> Grant | None:
    """Rule 3: where the holder's right here now comes from (None when there is none).
    Outside the opening hours only an out-of-hours staff group or grant counts."""
    in_hours = is_open(ctx) if in_hours is None else in_hours
    if group is not None and (in_hours or group.out_of_hours):
        return Grant("staff")
    if in_hours and ctx.service is not None and enrolment_for(
            service=ctx.service, person=ctx.person, on=ctx.day, homes=list(ctx.homes),
            candidates=list(ctx.enrolments)):
        return Grant("enrolment")
    return next((grant for grant in ctx.granted_by if in_hours or grant.out_of_hours), None)


def price(ctx: ScanContext, use: str) -> int:
    """What an entry of `use` costs the holder's first household (0: nothing to pay)."""
    if not use or not ctx.service.has_wallet:
        return 0
    try:
        return tariff_for(service=ctx.service, household=ctx.homes[0], on=ctx.day, use=use,
                          candidates=list(ctx.tariffs)).amount_cents
    except NoTariff:
        return 0


def plan(ctx: ScanContext, right: str, *, used: int | None = None) -> Plan:
    """What an allowed entry writes. Only an enrolment counts and pays: staff and other
    capabilities' rights neither count nor pay. A quota's visits beyond the free ones are
    charged with its tariff; `used` is the household's count (as read, unless given)."""
    if right != "enrolment" or not ctx.homes or ctx.service is None:
        return Plan()
    use, quota = ctx.checkpoint.charge_use, ctx.quota
    if quota is None:
        return Plan(use=use, price_cents=price(ctx, use))
    used = ctx.quota_used if used is None else used
    if used >= quota.free_per_year:
        use = quota.charge_use
    return Plan(counts=True, use=use, price_cents=price(ctx, use),
                remaining_quota=max(quota.free_per_year - used - 1, 0))


def quota_exceeded(quota: Quota, used: int) -> bool:
    """Rule 4."""
    return used >= quota.max_per_year


def balance_short(account: Account | None, price_cents: int) -> bool:
    """Rule 5: the price cannot be taken from the account under its service's rule."""
    if not price_cents:
        return False
    if account is None:
        return True
    try:
        check_covered(account, EntryKind.CHARGE, -price_cents)
    except (InsufficientBalance, FloorReached):
        return True
    return False


def passed_back(ctx: ScanContext) -> bool:
    """Rule 6."""
    return bool(ctx.checkpoint.passback_seconds) and ctx.passed_recently


def decide(ctx: ScanContext) -> Verdict:
    """The verdict on a live scan, rule by rule."""
    refusal = card_refusal(ctx)
    if refusal is not None:
        return Verdict(Outcome.DENY, refusal)
    group, in_hours = staff_group(ctx), is_open(ctx)
    if closed(ctx, group, in_hours):
        return Verdict(Outcome.DENY, "closed")
    grant = right_here(ctx, group, in_hours)
    if grant is None:
        return Verdict(Outcome.DENY, "no_right")
    right, reference = grant.right, grant.reference
    planned = plan(ctx, right)
    if planned.counts and quota_exceeded(ctx.quota, ctx.quota_used):
        return Verdict(Outcome.DENY, "quota_exceeded", right, reference=reference)
    if balance_short(ctx.account, planned.price_cents):
        return Verdict(Outcome.DENY, "insufficient_balance", right, reference=reference)
    if passed_back(ctx):
        return Verdict(Outcome.DENY, "already_used", right, reference=reference)
    return Verdict(Outcome.ALLOW, "ok", right, planned, reference)


def offline_right(ctx: ScanContext) -> Grant:
    """The right behind an entry a terminal allowed from its list: as rule 3 finds it now, or
    "offline" when it has gone since (the list said yes)."""
    return right_here(ctx, staff_group(ctx)) or Grant("offline")
