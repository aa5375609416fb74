"""Decisions terminals took offline from their allow-list, uploaded later.

Each event is recorded at most once (by its key), through the same read and rules as a live
scan: an entry the list allowed keeps the right rule 3 finds for it now ("offline" when it has
gone since), and one by an enrolment counts its quota visit and is charged now. A charge the
balance cannot cover is recorded as a shortfall, never dropped; the quota's maximum and
anti-passback, which the terminal could not know, refuse nothing after the fact."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from civicard.access.decisions import rules
from civicard.access.decisions.decide import (
    FUTURE_TOLERANCE,
    Effects,
    apply,
    aware,
    clean,
    log,
)
from civicard.access.decisions.read import logged_answer, read
from civicard.access.exceptions import AtInFuture, TooManyEvents
from civicard.access.messages import MESSAGES
from civicard.access.models import Outcome, Terminal, Via
from civicard.access.terminals import touch
from civicard.core.errors import IdempotencyKeyInvalid
from civicard.core.idempotency import KEY_MAX_LENGTH, check_key

MAX_EVENTS = 500


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
    except IdempotencyKeyInvalid as error:
        return EventResult(str(key)[:KEY_MAX_LENGTH], "rejected", error.code)
    if logged_answer(terminal.pk, key) is not None:
        return EventResult(key, "duplicate")
    at = event.get("at")
    if not isinstance(at, datetime):
        return EventResult(key, "rejected", "at_missing")
    at = aware(at, now)
    if at > now + FUTURE_TOLERANCE:
        return EventResult(key, "rejected", AtInFuture.code)
    outcome = event.get("decision")
    reason = event.get("reason_code") or ("ok" if outcome == Outcome.ALLOW else "")
    if outcome not in Outcome.values or reason not in MESSAGES:
        return EventResult(key, "rejected", "decision_invalid")
    ctx = read(terminal.checkpoint, clean(event.get("credential")), at)
    verdict = rules.Verdict(outcome, reason)
    if outcome == Outcome.ALLOW and ctx.card is not None:
        grant = rules.offline_right(ctx)
        verdict = rules.Verdict(outcome, reason, grant.right, rules.plan(ctx, grant.right),
                                grant.reference)
    effects = Effects()
    with transaction.atomic(durable=True):
        if verdict.plan.writes:
            effects = apply(ctx, verdict, terminal=terminal, key=key, offline=True)
        log(terminal=terminal, key=key, now=now, ctx=ctx, verdict=verdict, effects=effects,
            via=Via.OFFLINE)
    return EventResult(key, "recorded", "", effects.shortfall_cents)


def upload_events(*, terminal: Terminal, events: list[dict], now: datetime,
                  software_version: str = "") -> list[EventResult]:
    """Record decisions a terminal took offline, each at most once (by its key), and refuse
    bad events one by one."""
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
