"""Every write of the access capability: the decision engine, offline events, terminals.

A scan is decided in the order of the rules, each refusal giving its reason code:
  1. the card (card_unknown, card_blocked, card_expired, qr_expired; credential_invalid);
  2. opening hours, unless a staff door group opens out of hours (closed);
  3. a right here: staff door group window, enrolment in the service, or a booking (no_right);
  4. the household's yearly quota (quota_exceeded);
  5. payment through the wallet, under the service's shortage rule (insufficient_balance);
  6. anti-passback (already_used).
Steps 4-6 run in one savepoint: a refusal at 5 or 6 takes back the quota visit and the charge.
The decision row is unique per (terminal, idempotency key): a retry gets the first answer."""

import hashlib
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicard.access import presented, rights
from civicard.access.exceptions import (
    AlreadyMember,
    AlreadyRevoked,
    AtInFuture,
    AtTooOld,
    ChargeWithoutService,
    CheckpointHasHistory,
    CheckpointNameTaken,
    CountryUnknown,
    KeyInvalid,
    NameEmpty,
    NameMissing,
    NoPlaces,
    NotMember,
    OpenedByGroups,
    OpeningHoursInvalid,
    PlaceHasCheckpoints,
    PlaceNameTaken,
    QuotaExists,
    QuotaHasVisits,
    QuotaMaxBelowFree,
    TariffUnknown,
    TerminalUnauthorized,
    TooManyEvents,
    WindowExists,
)
from civicard.access.models import (
    Checkpoint,
    CheckpointKind,
    Decision,
    DoorGroup,
    Facility,
    FacilityKind,
    Outcome,
    Quota,
    QuotaCounter,
    Terminal,
    TimeWindow,
    Via,
)
from civicard.access.presented import Presented
from civicard.cards import codes
from civicard.cards.exceptions import CardBlocked, CardExpired, CardUnknown, QrExpired
from civicard.cards.queries import check_presented, credential_lookup
from civicard.core import audit, opening_hours, rows
from civicard.core.errors import DomainError, InvalidInput
from civicard.core.permissions import Role, check_role_over
from civicard.people.models import Person
from civicard.wallets.exceptions import FloorReached, InsufficientBalance, NoTariff
from civicard.wallets.labels import Label
from civicard.wallets.models import Service, Tariff
from civicard.wallets.operations import charge, charge_then_insert
from civicard.wallets.queries import Home, enrolment_for, tariff_for

FUTURE_TOLERANCE = timedelta(seconds=60)   # terminal clocks drift a little
ONLINE_MAX_AGE = timedelta(minutes=5)      # older scans are offline events
MAX_EVENTS = 500
TOUCH_EVERY = timedelta(seconds=30)        # last contact is written at most this often

MESSAGES = {
    "ok": _("Welcome, %(name)s."),
    "credential_invalid": _("The card could not be read. Please try again."),
    "card_unknown": _("This card is not known. Please ask at the counter."),
    "card_blocked": _("This card is blocked. Please ask at the counter."),
    "card_expired": _("This card has expired. Please ask at the counter."),
    "qr_expired": _("This code is too old. Show the card on your phone again."),
    "closed": _("Closed now. Please check the opening hours."),
    "no_right": _("This card does not open here."),
    "quota_exceeded": _("No visits are left for this year."),
    "insufficient_balance": _("The balance is too low. Please top it up first."),
    "already_used": _("This card was just used here. Please wait a moment."),
}
REASON_CODES = list(MESSAGES)
REASON_LABELS = {
    "ok": _("allowed"),
    "credential_invalid": _("unreadable card"),
    "card_unknown": _("unknown card"),
    "card_blocked": _("blocked card"),
    "card_expired": _("expired card"),
    "qr_expired": _("old phone code"),
    "closed": pgettext_lazy("place", "closed"),
    "no_right": _("no right here"),
    "quota_exceeded": _("no visits left"),
    "insufficient_balance": _("balance too low"),
    "already_used": _("used just before"),
}


@lru_cache(maxsize=512)
def _message(language: str, reason: str) -> str:
    with translation.override(language):
        return str(MESSAGES[reason])


def message_in(language: str, reason: str, name: str = "") -> str:
    text = _message(language, reason)
    return text % {"name": name} if reason == "ok" else text


# Terminals ------------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def terminal_for_token(token: str | None) -> Terminal:
    """The active terminal behind a bearer token, or TerminalUnauthorized (HTTP 401)."""
    terminal = presented.active_terminal(token_hash(token)) if token and len(token) <= 200 else None
    if terminal is None:
        raise TerminalUnauthorized()
    return terminal


def touch(terminal: Terminal, *, now: datetime, software_version: str = "") -> None:
    version = (software_version or "")[:40]
    if (terminal.last_seen_at is None or now - terminal.last_seen_at >= TOUCH_EVERY
            or (version and version != terminal.software_version)):
        fields = {"last_seen_at": now}
        if version:
            fields["software_version"] = version
        Terminal.objects.filter(pk=terminal.pk).update(**fields)
        for name, value in fields.items():
            setattr(terminal, name, value)


def register_terminal(*, checkpoint: Checkpoint, name: str, language: str = "fr", actor,
                      at: datetime, token: str | None = None) -> tuple[Terminal, str]:
    """Register a device; the token is returned once and only its hash is kept."""
    _check_manages(actor, checkpoint.facility.commune_id)
    name = _one_line(name)
    if not name:
        raise NameMissing(fields={"name": [NameMissing.message]})
    token = token or "cct_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        terminal = Terminal.objects.create(
            checkpoint=checkpoint, name=name, language=language or "fr",
            token_hash=token_hash(token), token_hint=token[-4:], registered_at=at,
            registered_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor=actor, action="terminal.registered", obj=terminal, at=at)
    return terminal, token


def revoke_terminal(*, terminal: Terminal, actor, at: datetime) -> Terminal:
    _check_manages(actor, terminal.checkpoint.facility.commune_id)
    with transaction.atomic():
        if not Terminal.objects.filter(pk=terminal.pk, revoked_at__isnull=True).update(
                revoked_at=at):
            raise AlreadyRevoked()
        audit.record(actor=actor, action="terminal.revoked", obj=terminal, at=at)
    terminal.refresh_from_db()
    return terminal


# Rules ----------------------------------------------------------------------------------------

def is_open(checkpoint: Checkpoint, at: datetime) -> bool:
    """Open at `at` by the checkpoint's OSM opening hours; public holidays of its country
    follow the expression (`PH off` closes on them). Unreadable hours: closed, never a 500."""
    return opening_hours.is_open(checkpoint.opening_hours, at, checkpoint.country)


def staff_grant(person: Person, checkpoint: Checkpoint, at: datetime) -> DoorGroup | None:
    """The staff door group whose weekly window covers `at` here, preferring one that opens
    out of hours."""
    local = timezone.localtime(at)
    found = None
    for group in (DoorGroup.objects.filter(members=person)
                  .filter(Q(checkpoints=checkpoint) | Q(facilities=checkpoint.facility_id))
                  .prefetch_related("windows").distinct()):
        if any(window.covers(local) for window in group.windows.all()):
            if group.out_of_hours:
                return group
            found = found or group
    return found


class Refused(Exception):
    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass
class Effects:
    entry: object = None
    balance_cents: int | None = None
    remaining_quota: int | None = None
    counted: bool = False
    shortfall_cents: int = 0


def _count_visit(*, quota: Quota, home: Home, at: datetime, offline: bool):
    """Lock the household's counter for the year and count one visit. Returns (tariff use to
    charge or None, free visits left)."""
    year = timezone.localtime(at).year
    QuotaCounter.objects.get_or_create(quota=quota, household_id=home.id, year=year)
    counter = QuotaCounter.objects.select_for_update().get(quota=quota, household_id=home.id,
                                                           year=year)
    if counter.used >= quota.max_per_year and not offline:
        raise Refused("quota_exceeded")
    use = quota.charge_use if counter.used >= quota.free_per_year else None
    QuotaCounter.objects.filter(pk=counter.pk).update(used=F("used") + 1)
    return use, max(quota.free_per_year - counter.used - 1, 0)


def _price(*, checkpoint: Checkpoint, found: Presented, use: str, at: datetime) -> int:
    """What an entry of `use` costs the holder's first household (0: nothing to pay)."""
    service = checkpoint.service
    if not service.has_wallet:
        return 0
    try:
        return tariff_for(service=service, household=found.homes[0],
                          on=timezone.localtime(at).date(), use=use,
                          candidates=found.tariffs).amount_cents
    except NoTariff:
        return 0


def _entry_reason(checkpoint: Checkpoint) -> Label:
    return Label("entry", {"facility": checkpoint.facility.name, "checkpoint": checkpoint.name})


def _charge_key(terminal: Terminal, key: str) -> str:
    return f"access:{terminal.pk}:{key}"


def _pay(*, checkpoint: Checkpoint, found: Presented, use: str, key: str, at: datetime,
         offline: bool, effects: Effects) -> None:
    amount = _price(checkpoint=checkpoint, found=found, use=use, at=at)
    if not amount:
        return
    account = found.accounts.get(found.homes[0].id)
    if account is None:
        if offline:
            effects.shortfall_cents = amount
            return
        raise Refused("insufficient_balance")
    try:
        # A repeated key can only be this very scan racing: its decision's own unique key
        # rolls the scan's transaction back, and the first answer is given (see scan()).
        effects.entry = charge(account=account, amount_cents=amount,
                               reason=_entry_reason(checkpoint), idempotency_key=key,
                               actor=None, at=at, savepoint=False)
        effects.balance_cents = account.balance_cents
    except (InsufficientBalance, FloorReached):
        if not offline:
            raise Refused("insufficient_balance") from None
        effects.shortfall_cents = amount  # entered offline: owed, recorded, never dropped
        effects.balance_cents = account.balance_cents


def _quota_of(service) -> Quota | None:
    try:
        return service.quota  # read with the terminal (presented.read_scan)
    except Quota.DoesNotExist:
        return None


def _right(checkpoint: Checkpoint, found: Presented, at: datetime,
           group: DoorGroup | None) -> str:
    """Rule 3: where the holder's right here comes from ('' when there is none)."""
    if group is not None:
        return "staff"
    if checkpoint.service_id and enrolment_for(service=checkpoint.service, person=found.person,
                                               on=timezone.localtime(at).date(),
                                               homes=found.homes, candidates=found.enrolments):
        return "enrolment"
    if rights.booking_covers(found.person, checkpoint, at):
        return "booking"
    return ""


def _counts(checkpoint: Checkpoint, found: Presented, right: str) -> bool:
    """Whether rule 4 counts a quota visit."""
    return _writes(checkpoint, found, right) and _quota_of(checkpoint.service) is not None


def _writes(checkpoint: Checkpoint, found: Presented, right: str) -> bool:
    """Whether rules 4-5 may write: a quota visit to count or an entry to charge."""
    service = checkpoint.service
    return (right == "enrolment" and bool(found.homes) and service is not None
            and (bool(checkpoint.charge_use) or _quota_of(service) is not None))


def _effects(*, terminal: Terminal, checkpoint: Checkpoint, found: Presented, right: str,
             key: str, at: datetime, offline: bool) -> Effects:
    """Rules 4-6, in a savepoint (the caller's). Staff and bookings neither count nor pay."""
    effects = Effects()
    if _writes(checkpoint, found, right):
        use = checkpoint.charge_use or None
        quota = _quota_of(checkpoint.service)
        if quota is not None:
            quota_use, effects.remaining_quota = _count_visit(
                quota=quota, home=found.homes[0], at=at, offline=offline)
            effects.counted = True
            use = quota_use or use
        if use:
            _pay(checkpoint=checkpoint, found=found, use=use, key=_charge_key(terminal, key),
                 at=at, offline=offline, effects=effects)
    if checkpoint.passback_seconds and not offline:
        if Decision.objects.filter(
                person=found.person, checkpoint=checkpoint, outcome=Outcome.ALLOW,
                at__gt=at - timedelta(seconds=checkpoint.passback_seconds),
                at__lte=at).exists():
            raise Refused("already_used")
    return effects


def _looks_like_credential(credential: str) -> bool:
    if credential.startswith(codes.QR_PREFIX + "."):
        return credential.count(".") == 2 and len(credential) <= 60
    return codes.normalise_uid(credential) is not None


def _presented(credential: str, checkpoint: Checkpoint, at: datetime) -> Presented | None:
    """The card a credential names, whatever its state."""
    lookup = credential_lookup(credential) if _looks_like_credential(credential) else None
    return (presented.presented_card(lookup, checkpoint, timezone.localtime(at).date())
            if lookup is not None else None)


def _response(*, terminal: Terminal, outcome: str, reason: str, person: Person | None,
              effects: Effects | None = None) -> dict:
    name = person.display_name if person is not None else ""
    languages = [terminal.language]
    if person is not None and person.language not in languages:
        languages.insert(0, person.language)
    messages = {lang: message_in(lang, reason, name) for lang in languages}
    body = {
        "decision": outcome,
        "reason_code": reason,
        "message": " / ".join(dict.fromkeys(messages.values())),
        "messages": messages,
        "display_name": name,
        "balance_cents": None,
        "remaining_quota": None,
    }
    if effects is not None:
        body["balance_cents"] = effects.balance_cents
        body["remaining_quota"] = effects.remaining_quota
    return body


def _decision(*, terminal, key, at, now, outcome, reason, found: Presented | None = None,
              right="", effects: Effects | None = None, via=Via.ONLINE) -> tuple[Decision, dict]:
    """The decision row, not yet written, and its answer."""
    effects = effects or Effects()
    person = found.person if found is not None else None
    response = _response(terminal=terminal, outcome=outcome, reason=reason, person=person,
                         effects=effects if outcome == Outcome.ALLOW else None)
    return Decision(
        terminal_id=terminal.pk, checkpoint_id=terminal.checkpoint_id, idempotency_key=key,
        at=at, recorded_at=now, card_id=found.card.pk if found else None,
        person_id=person.pk if person else None,
        household_id=found.homes[0].id if found and found.homes else None, outcome=outcome,
        reason_code=reason, via=via, right=right,
        entry_id=effects.entry.pk if effects.entry else None,
        shortfall_cents=effects.shortfall_cents, counted=effects.counted,
        response=response), response


def _log(**decided) -> dict:
    """Write the decision row and return its answer."""
    decision, response = _decision(**decided)
    rows.insert(decision)
    return response


def _paid_in_one_statement(log: dict, right: str) -> dict | None:
    """A paid entry with nothing to take back (no quota visit, no anti-passback), on
    PostgreSQL: the charge and the decision row in one statement, without a transaction
    (wallets.charge_then_insert). None when nothing is to pay from an account or the balance
    moved since it was read: the scan is then decided the usual way."""
    terminal, found, at = log["terminal"], log["found"], log["at"]
    checkpoint = terminal.checkpoint
    amount = _price(checkpoint=checkpoint, found=found, use=checkpoint.charge_use, at=at)
    account = found.accounts.get(found.homes[0].id)
    if not amount or account is None:
        return None
    decision, response = _decision(**log, outcome=Outcome.ALLOW, reason="ok", right=right,
                                   effects=Effects(balance_cents=account.balance_cents - amount))
    entry = charge_then_insert(account=account, amount_cents=amount,
                               reason=_entry_reason(checkpoint),
                               idempotency_key=_charge_key(terminal, log["key"]), at=at,
                               row=decision, entry_field="entry")
    return response if entry is not None else None


def _decide(*, terminal: Terminal, credential: str, key: str, at: datetime, now: datetime,
            found) -> dict:
    checkpoint = terminal.checkpoint
    log = {"terminal": terminal, "key": key, "at": at, "now": now}
    if not _looks_like_credential(credential):
        return _log(**log, outcome=Outcome.DENY, reason="credential_invalid")
    if found is UNREAD:
        found = _presented(credential, checkpoint, at)
    try:
        check_presented(found.card if found else None, credential, at)
    except (CardUnknown, CardBlocked, CardExpired, QrExpired) as error:
        return _log(**log, outcome=Outcome.DENY, reason=error.code,
                    found=found if error.code != "card_unknown" else None)
    log["found"] = found
    group = staff_grant(found.person, checkpoint, at) if found.staff_here else None
    if not is_open(checkpoint, at) and not (group is not None and group.out_of_hours):
        return _log(**log, outcome=Outcome.DENY, reason="closed")
    right = _right(checkpoint, found, at, group)
    if not right:
        return _log(**log, outcome=Outcome.DENY, reason="no_right")
    # Rules 4-6 write (a quota visit, a charge) in one transaction with the decision row;
    # a savepoint takes them back when a refusal can follow a write of theirs: after a
    # counted visit, or anti-passback. A refused charge writes nothing. Without writes, the
    # decision row alone needs no transaction; a charge alone, on PostgreSQL, neither.
    writes = _writes(checkpoint, found, right)
    undo = writes and (_counts(checkpoint, found, right) or checkpoint.passback_seconds)
    if writes and not undo and connection.vendor == "postgresql":
        answer = _paid_in_one_statement(log, right)
        if answer is not None:
            return answer
    with transaction.atomic() if writes else nullcontext():
        try:
            with transaction.atomic() if undo else nullcontext():
                effects = _effects(terminal=terminal, checkpoint=checkpoint, found=found,
                                   right=right, key=key, at=at, offline=False)
        except Refused as refusal:
            return _log(**log, outcome=Outcome.DENY, reason=refusal.code, right=right)
        return _log(**log, outcome=Outcome.ALLOW, reason="ok", right=right, effects=effects)


UNREAD = object()  # scan(answered=…, found=…): not read by the caller


def check_key(key) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise KeyInvalid(fields={"idempotency_key": [KeyInvalid.message]})
    return key


def _clean(credential) -> str:
    return (credential or "").strip()[:200] if isinstance(credential, str) else ""


def _aware(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    return timezone.make_aware(at, timezone.get_current_timezone()) if timezone.is_naive(at) else at


def scan_by_token(token: str | None, *, credential: str, idempotency_key: str,
                  at: datetime | None = None, now: datetime, software_version: str = "") -> dict:
    """scan() at the terminal behind a bearer token, or TerminalUnauthorized (HTTP 401). The
    terminal, the answer already given for the key and the presented card are read in one
    statement (presented.read_scan)."""
    if not token or len(token) > 200:
        raise TerminalUnauthorized()
    credential = _clean(credential)
    lookup = credential_lookup(credential) if _looks_like_credential(credential) else None
    key = idempotency_key if isinstance(idempotency_key, str) else ""
    read = presented.read_scan(token_hash(token), key[:100], lookup,
                               timezone.localtime(_aware(at, now)).date())
    if read is None:
        raise TerminalUnauthorized()
    return scan(terminal=read.terminal, credential=credential, idempotency_key=idempotency_key,
                at=at, now=now, software_version=software_version, answered=read.answer,
                found=read.found)


def scan(*, terminal: Terminal, credential: str, idempotency_key: str,
         at: datetime | None = None, now: datetime, software_version: str = "",
         answered=UNREAD, found=UNREAD) -> dict:
    """Decide on one presented card, log it, and return the answer. A retry with the same key
    returns the first answer and changes nothing. When the caller read them with the terminal
    (scan_by_token): `answered`, the answer already given for the key (or None), and `found`,
    the presented card (or None)."""
    key = check_key(idempotency_key)
    touch(terminal, now=now, software_version=software_version)
    first = presented.logged_answer(terminal.pk, key) if answered is UNREAD else answered
    if first is not None:
        return first
    at = _aware(at, now)
    if at > now + FUTURE_TOLERANCE:
        raise AtInFuture(fields={"at": [AtInFuture.message]})
    if at < now - ONLINE_MAX_AGE:
        raise AtTooOld(fields={"at": [AtTooOld.message]})
    try:
        return _decide(terminal=terminal, credential=_clean(credential), key=key, at=at,
                       now=now, found=found)
    except IntegrityError:
        # The same key raced in: the first decision stands, its charge is the only one.
        first = presented.logged_answer(terminal.pk, key)
        if first is None:
            raise
        return first


# Offline events ---------------------------------------------------------------------------------

@dataclass
class EventResult:
    idempotency_key: str
    status: str  # recorded, duplicate, rejected
    code: str = ""
    shortfall_cents: int = 0


def _record_event(*, terminal: Terminal, event: dict, now: datetime) -> EventResult:
    key = event.get("idempotency_key")
    try:
        key = check_key(key)
    except KeyInvalid as error:
        return EventResult(str(key)[:100], "rejected", error.code)
    if presented.logged_answer(terminal.pk, key) is not None:
        return EventResult(key, "duplicate")
    at = event.get("at")
    if not isinstance(at, datetime):
        return EventResult(key, "rejected", "at_missing")
    at = _aware(at, now)
    if at > now + FUTURE_TOLERANCE:
        return EventResult(key, "rejected", AtInFuture.code)
    outcome = event.get("decision")
    reason = event.get("reason_code") or ("ok" if outcome == Outcome.ALLOW else "")
    if outcome not in Outcome.values or reason not in MESSAGES:
        return EventResult(key, "rejected", "decision_invalid")
    checkpoint = terminal.checkpoint
    found = _presented(_clean(event.get("credential")), checkpoint, at)
    right, effects = "", Effects()
    with transaction.atomic():
        if outcome == Outcome.ALLOW and found is not None:
            # the list said yes; "offline" when the right has since gone
            right = _right(checkpoint, found, at, staff_grant(found.person, checkpoint, at)
                           if found.staff_here else None) or "offline"
            if right == "enrolment":
                effects = _effects(terminal=terminal, checkpoint=checkpoint, found=found,
                                   right=right, key=key, at=at, offline=True)
        _log(terminal=terminal, key=key, at=at, now=now, outcome=outcome, reason=reason,
             found=found, right=right, effects=effects, via=Via.OFFLINE)
    return EventResult(key, "recorded", "", effects.shortfall_cents)


def upload_events(*, terminal: Terminal, events: list[dict], now: datetime,
                  software_version: str = "") -> list[EventResult]:
    """Record decisions a terminal took offline, each at most once (by its key). An allowed
    entry that needed a charge is charged now; a short balance is recorded as a shortfall."""
    if len(events) > MAX_EVENTS:
        raise TooManyEvents(limit=MAX_EVENTS)
    touch(terminal, now=now, software_version=software_version)
    results = []
    for event in events:
        try:
            results.append(_record_event(terminal=terminal, event=event, now=now))
        except IntegrityError:
            results.append(EventResult(str(event.get("idempotency_key")), "duplicate"))
    return results


# Manager pages: places, checkpoints, door groups, quotas ----------------------------------------
# A manager scoped to communes may only touch places of those communes, before and after the
# change. Allow-list versions follow from civicard.access.signals: checkpoints, door groups,
# their places, windows and members, and new quotas bump them.

def _one_line(text: str | None, limit: int = 120) -> str:
    return " ".join((text or "").split())[:limit]


def _check_manages(actor, *commune_ids) -> None:
    for commune_id in set(commune_ids):
        check_role_over(actor, Role.SERVICE_MANAGER, commune_id=commune_id)


def _on(field: str, error: DomainError) -> DomainError:
    """The error, shown on `field` of the form."""
    error.fields = {field: [error.text()]}
    return error


def _check_choice(field: str, value, choices) -> None:
    if value not in choices:
        raise _on(field, InvalidInput())


def _check_tariff(service: Service, use: str, field: str) -> None:
    """A charge needs a tariff of that use, when the service takes payments at all."""
    if service.has_wallet and not Tariff.objects.filter(service=service, use=use).exists():
        raise _on(field, TariffUnknown(service=service.name, use=use))


def _check_hours(expression: str, country: str) -> None:
    if country and opening_hours.parse("24/7", country) is None:
        raise _on("country", CountryUnknown())
    near = opening_hours.unreadable_part(expression)
    if near is not None:
        raise _on("opening_hours", OpeningHoursInvalid(near=near))


def save_facility(*, facility: Facility | None = None, territory, name: str, kind: str,
                  commune, actor, at: datetime) -> Facility:
    """Create a place (no `facility`) or change one."""
    _check_manages(actor, getattr(commune, "pk", None),
                   *([facility.commune_id] if facility else []))
    name = _one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    _check_choice("kind", kind, FacilityKind.values)
    created = facility is None
    facility = facility or Facility(territory=territory)
    facility.name, facility.kind, facility.commune = name, kind, commune
    try:
        with transaction.atomic():
            facility.save()
            audit.record(actor=actor, action="facility.created" if created else
                         "facility.changed", obj=facility, at=at,
                         extra={"name": name, "commune": getattr(commune, "pk", None)})
    except IntegrityError:
        raise _on("name", PlaceNameTaken()) from None
    return facility


def save_checkpoint(*, checkpoint: Checkpoint | None = None, facility: Facility, name: str,
                    kind: str, service: Service | None, opening_hours: str, country: str,
                    charge_use: str, passback_seconds: int | None, actor,
                    at: datetime) -> Checkpoint:
    """Create a checkpoint of `facility` (no `checkpoint`) or change one."""
    _check_manages(actor, facility.commune_id,
                   *([service.commune_id] if service and service.commune_id else []))
    name = _one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    _check_choice("kind", kind, CheckpointKind.values)
    expression, country = _one_line(opening_hours, 255), (country or "").strip().upper()
    _check_hours(expression, country)
    charge_use = (charge_use or "").strip()
    if charge_use and service is None:
        raise _on("charge_use", ChargeWithoutService())
    if charge_use:
        _check_tariff(service, charge_use, "charge_use")
    if passback_seconds is not None and passback_seconds < 1:
        raise _on("passback_seconds", InvalidInput())
    created = checkpoint is None
    checkpoint = checkpoint or Checkpoint(facility=facility)
    for field, value in {"name": name, "kind": kind, "service": service,
                         "opening_hours": expression, "country": country,
                         "charge_use": charge_use, "passback_seconds": passback_seconds}.items():
        setattr(checkpoint, field, value)
    try:
        with transaction.atomic():
            checkpoint.save()
            audit.record(actor=actor, action="checkpoint.created" if created else
                         "checkpoint.changed", obj=checkpoint, at=at,
                         extra={"opening_hours": expression, "service": getattr(service, "pk",
                                                                                 None)})
    except IntegrityError:
        raise _on("name", CheckpointNameTaken()) from None
    return checkpoint


def _group_communes(group: DoorGroup) -> set:
    return (set(group.facilities.values_list("commune_id", flat=True))
            | set(group.checkpoints.values_list("facility__commune_id", flat=True)))


def _check_group(actor, group: DoorGroup) -> None:
    _check_manages(actor, *_group_communes(group))


def save_door_group(*, group: DoorGroup | None = None, territory, name: str, out_of_hours: bool,
                    facilities, checkpoints, actor, at: datetime) -> DoorGroup:
    """Create a staff door group (no `group`) or change its name, flag and places."""
    facilities, checkpoints = list(facilities), list(checkpoints)
    _check_manages(actor, *[f.commune_id for f in facilities],
                   *[c.facility.commune_id for c in checkpoints],
                   *(_group_communes(group) if group else []))
    name = _one_line(name)
    if not name:
        raise _on("name", NameEmpty())
    if not facilities and not checkpoints:
        raise _on("facilities", NoPlaces())
    created = group is None
    group = group or DoorGroup(territory=territory)
    group.name, group.out_of_hours = name, bool(out_of_hours)
    with transaction.atomic():
        group.save()
        group.facilities.set(facilities)
        group.checkpoints.set(checkpoints)
        audit.record(actor=actor, action="door_group.created" if created else
                     "door_group.changed", obj=group, at=at,
                     extra={"facilities": sorted(f.pk for f in facilities),
                            "checkpoints": sorted(c.pk for c in checkpoints),
                            "out_of_hours": group.out_of_hours})
    return group


def _window_extra(window: TimeWindow) -> dict:
    return {"weekday": window.weekday, "starts": f"{window.starts:%H:%M}",
            "ends": f"{window.ends:%H:%M}"}


def add_window(*, group: DoorGroup, weekday: int, starts, ends, actor,
               at: datetime) -> TimeWindow:
    """A weekly window; one whose end is not after its start runs past midnight."""
    _check_group(actor, group)
    _check_choice("weekday", weekday, range(7))
    with transaction.atomic():
        if group.windows.filter(weekday=weekday, starts=starts, ends=ends).exists():
            raise WindowExists()
        window = TimeWindow.objects.create(group=group, weekday=weekday, starts=starts,
                                           ends=ends)
        audit.record(actor=actor, action="door_group.window_added", obj=group, at=at,
                     extra=_window_extra(window))
    return window


def remove_window(*, window: TimeWindow, actor, at: datetime) -> None:
    _check_group(actor, window.group)
    with transaction.atomic():
        audit.record(actor=actor, action="door_group.window_removed", obj=window.group, at=at,
                     extra=_window_extra(window))
        window.delete()


def add_member(*, group: DoorGroup, person: Person, actor, at: datetime) -> None:
    _check_group(actor, group)
    try:
        with transaction.atomic():
            if group.members.filter(pk=person.pk).exists():
                raise AlreadyMember(name=person.full_name)
            group.members.add(person)
            audit.record(actor=actor, action="door_group.member_added", obj=group, at=at,
                         extra={"person": person.pk})
    except IntegrityError:  # added at the same moment by someone else
        raise AlreadyMember(name=person.full_name) from None


def remove_member(*, group: DoorGroup, person: Person, actor, at: datetime) -> None:
    _check_group(actor, group)
    with transaction.atomic():
        if not group.members.filter(pk=person.pk).exists():
            raise NotMember(name=person.full_name)
        group.members.remove(person)
        audit.record(actor=actor, action="door_group.member_removed", obj=group, at=at,
                     extra={"person": person.pk})


def delete_door_group(*, group: DoorGroup, actor, at: datetime) -> None:
    """Delete a group, its windows and its staff list: its staff no longer open its doors, and
    terminals get a full allow-list at their next update (civicard.access.signals)."""
    _check_group(actor, group)
    with transaction.atomic():
        audit.record(actor=actor, action="door_group.deleted", obj=group, at=at,
                     extra={"name": group.name,
                            "members": sorted(group.members.values_list("pk", flat=True))})
        group.delete()


def _check_not_in_groups(name: str, groups) -> None:
    names = sorted(groups.values_list("name", flat=True))
    if names:
        raise OpenedByGroups(name=name, groups=", ".join(names))


def delete_facility(*, facility: Facility, actor, at: datetime) -> None:
    """Delete a place created by mistake: one without checkpoints nor door groups opening it."""
    _check_manages(actor, facility.commune_id)
    with transaction.atomic():
        if facility.checkpoints.exists():
            raise PlaceHasCheckpoints(name=facility.name)
        _check_not_in_groups(facility.name, facility.door_groups)
        audit.record(actor=actor, action="facility.deleted", obj=facility, at=at,
                     extra={"name": facility.name})
        facility.delete()


def delete_checkpoint(*, checkpoint: Checkpoint, actor, at: datetime) -> None:
    """Delete a checkpoint created by mistake: one that no terminal was registered to, with no
    decision in the log, that no door group opens. One with a history is closed instead."""
    _check_manages(actor, checkpoint.facility.commune_id)
    with transaction.atomic():
        if checkpoint.terminals.exists() or checkpoint.decisions.exists():
            raise CheckpointHasHistory(name=checkpoint.name)
        _check_not_in_groups(checkpoint.name, checkpoint.door_groups)
        audit.record(actor=actor, action="checkpoint.deleted", obj=checkpoint, at=at,
                     extra={"name": checkpoint.name, "facility": checkpoint.facility_id})
        checkpoint.delete()


def delete_quota(*, quota: Quota, actor, at: datetime) -> None:
    """Delete a quota that has counted no visit yet: its service's entries are no longer
    counted."""
    _check_manages(actor, quota.service.commune_id)
    with transaction.atomic():
        if quota.counters.filter(used__gt=0).exists():
            raise QuotaHasVisits()
        audit.record(actor=actor, action="quota.deleted", obj=quota, at=at,
                     extra={"service": quota.service_id, "free_per_year": quota.free_per_year,
                            "max_per_year": quota.max_per_year})
        quota.counters.all().delete()
        quota.delete()


def save_quota(*, quota: Quota | None = None, service: Service, free_per_year: int,
               max_per_year: int, charge_use: str, actor, at: datetime) -> Quota:
    """Create a service's yearly quota (no `quota`) or change it; its service stays."""
    service = quota.service if quota else service
    _check_manages(actor, service.commune_id)
    charge_use = (charge_use or "").strip()
    if free_per_year < 0:
        raise _on("free_per_year", InvalidInput())
    if max_per_year < free_per_year:
        raise _on("max_per_year", QuotaMaxBelowFree())
    if not charge_use:
        raise _on("charge_use", InvalidInput())
    _check_tariff(service, charge_use, "charge_use")
    created = quota is None
    quota = quota or Quota(service=service)
    quota.free_per_year, quota.max_per_year, quota.charge_use = (free_per_year, max_per_year,
                                                                 charge_use)
    try:
        with transaction.atomic():
            quota.save()
            audit.record(actor=actor, action="quota.created" if created else "quota.changed",
                         obj=quota, at=at, extra={"free": free_per_year, "max": max_per_year,
                                                  "charge_use": charge_use})
    except IntegrityError:
        raise _on("service", QuotaExists()) from None
    return quota
