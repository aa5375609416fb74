"""The uses-per-week chart reads DailyUses: it equals a full recount of the allowed decisions
after any mix of scans (live, offline, retried, refused), and stays exact under racing scans."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command

from civicard.access import queries
from civicard.access.decisions import decide, offline
from civicard.access.models import DailyUses, Decision
from civicard.core import clock
from tests.races import race

from .conftest import AT, UID, enrol, fund


def _stored():
    return {(r.checkpoint_id, r.terminal_id, r.day): r.allowed for r in DailyUses.objects.all()}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_equals_a_full_recount_after_a_random_mix(seed, pool_service, make_checkpoint,
                                                          make_terminal, holder):
    rng = random.Random(seed)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 2_000)  # some paid entries end refused
    terminals = [make_terminal(make_checkpoint(pool_service, charge_use="entry", name=f"Gate {n}",
                                               facility_name=f"Pool {n % 2}"),
                               name=f"T{n}")[0] for n in range(3)]
    now = AT
    for step in range(50):
        now += timedelta(hours=rng.choice([1, 7, 15]))  # local days change, and months
        terminal = rng.choice(terminals)
        credential = rng.choice([UID, UID, "04FFFFFFFFFFFF"])  # a card, or an unknown one
        key = rng.choice([f"k{step}", "k0"])  # sometimes a retry
        if rng.random() < 0.7:
            decide.scan(terminal=terminal, credential=credential, idempotency_key=key,
                        at=now, now=now)
        else:
            offline.upload_events(terminal=terminal, now=now, events=[{
                "idempotency_key": key, "at": now - timedelta(hours=30), "credential": credential,
                "decision": rng.choice(["allow", "deny"])}])
    assert _stored() == queries.recount_daily_uses()
    assert sum(_stored().values()) == Decision.objects.filter(outcome="allow").count() > 5
    before = _stored()
    DailyUses.objects.all().delete()
    call_command("rebuild_summaries", verbosity=0)
    assert _stored() == before


@pytest.mark.django_db(transaction=True)
def test_scans_racing_at_one_gate_lose_no_count(postgres_only, pool_service, make_checkpoint,
                                                make_terminal, holder):
    terminal, _token = make_terminal(make_checkpoint(pool_service))
    enrol(pool_service, household=holder.household)
    answers = race(20, lambda index: decide.scan(terminal=terminal, credential=UID,
                                                 idempotency_key=f"gate-{index}",
                                                 at=AT + timedelta(seconds=index),
                                                 now=AT + timedelta(minutes=1)))
    assert [a["decision"] for a in answers] == ["allow"] * 20
    assert _stored() == {(terminal.checkpoint_id, terminal.pk, AT.date()): 20}


@pytest.mark.django_db
def test_the_chart_reads_the_summary(pool_service, make_checkpoint, make_terminal, holder,
                                     manager):
    terminal, _token = make_terminal(make_checkpoint(pool_service))
    enrol(pool_service, household=holder.household)
    decide.scan(terminal=terminal, credential=UID, idempotency_key="a", at=AT, now=AT)
    with clock.frozen(AT):
        rows, days = queries.weekly_uses(manager, now=AT)
    assert [(row.facility, row.total) for row in rows] == [("Pool", 1)]
    DailyUses.objects.update(allowed=9)
    rows, days = queries.weekly_uses(manager, now=AT)
    assert [(row.facility, row.total, row.days[-1][1]) for row in rows] == [("Pool", 9, 9)]
