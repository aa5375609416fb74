"""The goal dashboard reads FirstSeen: it equals a full recount after any mix of logging and
erasing, goal_progress gives what grouping every accompaniment gives, and racing mediators
keep the earliest day."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Min

from civicard.inclusion import operations, queries
from civicard.inclusion.models import Accompaniment, FirstSeen, Goal, PersonSeen
from civicard.people.models import Person
from civicard.territory.models import Neighbourhood
from tests.inclusion.conftest import AT
from tests.races import race

LATER = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # every day logged is in the past


def _stored():
    return {(r.neighbourhood_id, r.pseudonym): r.first_date for r in FirstSeen.objects.all()}


def _log(mediator, validator, place, day, **who):
    return operations.log_accompaniment(
        mediator=mediator, place=place, day=day, duration_minutes=30,
        themes=["Aide aux démarches administratives"], first_visit=True, actor=validator,
        at=LATER, **who)


def _recounted_progress(goal, deadline, hood):
    """The dashboard's figures as they were computed before FirstSeen: every accompaniment of
    the goal's window grouped by person."""
    per_month: dict[date, int] = {}
    for item in (Accompaniment.objects.filter(neighbourhood=hood, date__gte=goal.start_date,
                                              date__lte=deadline)
                 .values("pseudonym").annotate(first=Min("date"))):
        key = item["first"].replace(day=1)
        per_month[key] = per_month.get(key, 0) + 1
    return per_month


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_and_goal_equal_a_full_recount_after_a_random_mix(
        seed, mediator, validator, place, territory):
    rng = random.Random(seed)
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory).order_by("pk")[:3])
    people = [Person.objects.create(full_name=f"Person {n}") for n in range(4)]
    for _step in range(60):
        day = date(2025, 11, 1) + timedelta(days=rng.randrange(150))  # before and after start
        hood = rng.choice(hoods + [None])
        if rng.random() < 0.5:
            _log(mediator, validator, place, day, person=rng.choice(people), neighbourhood=hood)
        elif rng.random() < 0.9:
            _log(mediator, validator, place, day, first_name=rng.choice(["Ana", "Bo", "Cy"]),
                 family_name="Test", birth_year=1960, neighbourhood=hood, age_bracket="")
        else:
            operations.erase_my_accompaniments(person=rng.choice(people), actor=validator, at=AT)
    assert _stored() == queries.recount_first_seen()
    assert {r.pseudonym: r.visits for r in PersonSeen.objects.all()} == \
        queries.recount_person_seen()
    assert queries.accompaniment_totals() == {
        "total": Accompaniment.objects.count(),
        "people": Accompaniment.objects.values("pseudonym").distinct().count()}
    goal = Goal.objects.create(territory=territory, name="10%", percent=10, years=1,
                               start_date=date(2026, 1, 10))
    goal.neighbourhoods.add(*hoods)
    deadline, progress = queries.goal_progress(goal, today=date(2026, 4, 30))
    for item in progress:
        expected, running = _recounted_progress(goal, deadline, item.neighbourhood), 0
        for month, reached, _target in item.months:
            running += expected.get(month, 0)
            assert reached == running, (item.neighbourhood, month)
        assert item.reached == sum(expected.values())
    assert sum(item.reached for item in progress) > 3
    before = _stored()
    FirstSeen.objects.all().delete()
    call_command("rebuild_summaries", verbosity=0)
    assert _stored() == before


@pytest.mark.django_db(transaction=True)
def test_mediators_racing_keep_the_earliest_day(postgres_only, mediator, validator, place,
                                                territory):
    hood = Neighbourhood.objects.filter(commune__territory=territory).first()
    days = [date(2026, 2, 1) + timedelta(days=n) for n in range(12)]
    random.Random(4).shuffle(days)
    race(12, lambda index: _log(mediator, validator, place, days[index], first_name="Ana",
                                family_name="Test", birth_year=1960, neighbourhood=hood).pk)
    assert list(_stored().values()) == [date(2026, 2, 1)]
    assert Accompaniment.objects.count() == 12
