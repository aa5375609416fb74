"""Nursery contracts under real connections racing on PostgreSQL."""

from datetime import date

import pytest

from civicard.childhood import operations
from civicard.childhood.models import Activity, ChildEnrolment, ContractLine, NurseryContract
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
