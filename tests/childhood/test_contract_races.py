"""Nursery contracts under real connections racing on PostgreSQL."""

from datetime import date, timedelta

import pytest

from civicard.childhood import operations
from civicard.childhood.models import (
    Absence,
    Activity,
    ChildEnrolment,
    ContractLine,
    CreditNote,
    NurseryContract,
)
from civicard.childhood.queries import check_billing
from civicard.people.models import Membership, Person, User
from tests.races import race

from .conftest import AT, CLOSING
from .test_contracts import terms

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def baby(family, make_activity):
    nursery = make_activity("Les Petits Pas", kind="nursery", units=("Hour",))
    nursery.season_starts_on, nursery.season_ends_on = date(2025, 9, 1), date(2026, 8, 31)
    nursery.save()
    amina, household, _yanis, _lina = family
    noe = Person.objects.create(full_name="Noé Benali", birth_date=date(2025, 3, 1))
    Membership.objects.create(household=household, person=noe)
    return operations.enrol_child(activity=nursery, child=noe, actor=amina, at=AT)


def test_two_managers_writing_overlapping_contracts_one_wins(postgres_only, baby, manager):
    def work(index):
        return operations.create_contract(
            enrolment=ChildEnrolment.objects.select_related("activity").get(pk=baby.pk),
            terms=terms(starts_on=date(2026, 1, 5 + index)), actor=User.objects.get(
                pk=manager.pk), at=AT).pk

    results = race(2, work)
    assert NurseryContract.objects.count() == 1
    assert sorted(map(str, results)) == sorted(
        [str(NurseryContract.objects.get().pk), "contract_overlap"])


def test_a_contract_racing_the_closing_of_its_month_is_billed_or_refused(postgres_only, baby,
                                                                          manager):
    def work(index):
        actor = User.objects.get(pk=manager.pk)
        if index == 0:
            return operations.close_month(activity=Activity.objects.get(pk=baby.activity_id),
                                          month=date(2026, 2, 1), actor=actor, at=CLOSING).pk
        return operations.create_contract(
            enrolment=ChildEnrolment.objects.select_related("activity").get(pk=baby.pk),
            terms=terms(), actor=actor, at=CLOSING).pk

    results = race(2, work)
    assert check_billing() == []
    if results[1] == "contract_month_billed":
        assert NurseryContract.objects.count() == 0 and ContractLine.objects.count() == 0
    else:
        assert ContractLine.objects.get(kind="monthly").amount_cents == 327_83


def test_two_late_absences_over_the_same_contract_day_deduct_it_once(postgres_only, baby,
                                                                     manager):
    """Noé's contract month is closed; two closures of the nursery recorded over Tuesday 10
    February (9 h of the contract) are accepted by two managers at once: the day's 16.74 €
    is credited once."""
    operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    operations.close_month(activity=Activity.objects.get(pk=baby.activity_id),
                           month=date(2026, 2, 1), actor=manager, at=CLOSING)
    absences = [operations.declare_absence(
        enrolment=baby, reason="closure", starts_on=date(2026, 2, 9 + index),
        ends_on=date(2026, 2, 10), upload=None, actor=manager, at=AT) for index in range(2)]

    def work(index):
        return operations.decide_absence(
            absence=Absence.objects.get(pk=absences[index].pk), accept=True,
            actor=User.objects.get(pk=manager.pk), at=CLOSING + timedelta(days=1)).pk

    assert race(2, work) == [absence.pk for absence in absences]
    # Monday 9 and Tuesday 10, 9 h each at 1.86 €: 33.48 €, whichever was decided first.
    assert sum(CreditNote.objects.values_list("amount_cents", flat=True)) == 33_48
    assert check_billing() == []
