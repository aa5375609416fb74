"""Nursery contracts on the CAF national scale (PSU): the monthly amount ("mensualisation"),
hours beyond the contract from the roll-call times, justified absences deducted, and the month
closing that charges them — every figure computed by hand in the comments."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from civicard.childhood import operations, pricing
from civicard.childhood.models import (
    Absence,
    ContractLine,
    CreditNote,
    NurseryContract,
    Reservation,
    State,
    Statement,
)
from civicard.childhood.queries import check_billing
from civicard.core.errors import DomainError
from civicard.people.models import Membership, Person
from civicard.wallets.models import LedgerEntry

from .conftest import AT, CLOSING
from .test_operations import open_week

pytestmark = pytest.mark.django_db

MON_FRI = {n: (time(8, 30), time(17, 30)) for n in range(5)}  # 9 h a day, 45 h a week


def terms(**changes):
    values = {"starts_on": date(2025, 9, 1), "ends_on": date(2026, 8, 31), "schedule": MON_FRI,
              "closure_weeks": 4, "holiday_weeks": 1, "monthly_resources_cents": 3_000_00,
              "dependent_children": 1, "disabled_child": False}
    return operations.ContractTerms(**{**values, **changes})


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


@pytest.fixture
def nursery(make_activity):
    activity = make_activity("Les Petits Pas", kind="nursery", units=("Hour",), capacity=12)
    activity.season_starts_on, activity.season_ends_on = date(2025, 9, 1), date(2026, 8, 31)
    activity.save()
    return activity


@pytest.fixture
def baby(family, nursery):
    amina, household, _yanis, _lina = family
    noe = Person.objects.create(full_name="Noé Benali", birth_date=date(2025, 3, 1))
    Membership.objects.create(household=household, person=noe)
    return operations.enrol_child(activity=nursery, child=noe, actor=amina, at=AT)


# The arithmetic --------------------------------------------------------------------------------

def test_the_monthly_amount_of_a_full_time_contract():
    # 3,000 € a month, one child: 3000 × 0.0619 % = 1.857 €/h → 1.86 €/h.
    rate = pricing.nursery_rate(monthly_resources_cents=3_000_00, children=1,
                                disabled_child=False, on=date(2025, 9, 1), floor_cents=801_00)
    assert rate.hourly_rate_cents == 186
    # 1 September 2025 to 31 August 2026: 365 days, 52 whole weeks, less 4 weeks of closure
    # and 1 of holidays → 47 weeks, over 12 months.
    weeks = pricing.contract_weeks(date(2025, 9, 1), date(2026, 8, 31), closure_weeks=4,
                                   holiday_weeks=1)
    assert (weeks, pricing.contract_months(date(2025, 9, 1), date(2026, 8, 31))) == (47, 12)
    # 45 h × 47 weeks ÷ 12 months = 176.25 h a month × 1.86 € = 327.825 € → 327.83 €.
    assert pricing.monthly_amount(weekly_minutes=45 * 60, weeks=47, months=12,
                                  hourly_rate_cents=186) == 327_83


def test_a_part_time_contract_with_a_disabled_child_counts_one_child_more():
    # 2,500 €, two children one of whom has a disability → the rate of three: 0.0413 %;
    # 2500 × 0.0413 % = 1.0325 € → 1.03 €/h.
    rate = pricing.nursery_rate(monthly_resources_cents=2_500_00, children=2,
                                disabled_child=True, on=date(2026, 1, 5), floor_cents=801_00)
    assert (rate.hourly_rate_cents, rate.effort_rate) == (103, "0.0413")
    # Tuesdays and Thursdays 9:00–16:00 = 14 h a week; 5 January to 30 June 2026: 177 days,
    # 25 whole weeks, 1 week of closure → 24 weeks, over 6 months: 14 × 24 ÷ 6 = 56 h a month
    # × 1.03 € = 57.68 €.
    weeks = pricing.contract_weeks(date(2026, 1, 5), date(2026, 6, 30), closure_weeks=1,
                                   holiday_weeks=0)
    assert (weeks, pricing.contract_months(date(2026, 1, 5), date(2026, 6, 30))) == (24, 6)
    assert pricing.monthly_amount(weekly_minutes=14 * 60, weeks=24, months=6,
                                  hourly_rate_cents=103) == 57_68


def test_the_floor_and_the_ceiling_bound_the_resources():
    # Below the floor of 801 €: 801 × 0.0619 % = 0.495819 € → 0.50 €/h.
    low = pricing.nursery_rate(monthly_resources_cents=500_00, children=1, disabled_child=False,
                               on=date(2026, 1, 5), floor_cents=801_00)
    assert (low.resources_used_cents, low.hourly_rate_cents) == (801_00, 50)
    # 10,000 € in January 2026, above the ceiling of 8,500 €: 8500 × 0.0619 % = 5.2615 € →
    # 5.26 €/h; in January 2025 the ceiling was 7,000 €: 4.333 € → 4.33 €/h.
    high = pricing.nursery_rate(monthly_resources_cents=10_000_00, children=1,
                                disabled_child=False, on=date(2026, 1, 5), floor_cents=801_00)
    assert (high.resources_used_cents, high.hourly_rate_cents) == (8_500_00, 526)
    assert pricing.nursery_rate(monthly_resources_cents=10_000_00, children=1,
                                disabled_child=False, on=date(2025, 1, 5),
                                floor_cents=None).hourly_rate_cents == 433


@pytest.mark.parametrize("arrived, left, contracted, minutes", [
    ((8, 30), (17, 30), ((8, 30), (17, 30)), 0),     # on time
    ((8, 0), (17, 40), ((8, 30), (17, 30)), 60),     # 30 + 10 = 40 min → 1 h
    ((8, 30), (18, 31), ((8, 30), (17, 30)), 90),    # 61 min → 1 h 30
    ((8, 29), (17, 30), ((8, 30), (17, 30)), 30),    # 1 min → a half hour begun
    ((9, 0), (16, 0), ((8, 30), (17, 30)), 0),       # less than the contract: nothing more
    ((9, 0), (11, 10), None, 150),                   # a day outside the contract: 2 h 10 → 2 h 30
])
def test_hours_beyond_the_contract_count_each_half_hour_begun(arrived, left, contracted,
                                                                  minutes):
    def at(hm):
        return hm[0] * 60 + hm[1]
    assert pricing.extra_minutes(arrived=at(arrived), left=at(left), contracted=None if
                                 contracted is None else (at(contracted[0]),
                                                          at(contracted[1]))) == minutes


# A contract billed by the month closing -----------------------------------------------------------

def paris(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=1)


def present(unit_day, child, arrived, left, manager):
    operations.mark(unit_day=unit_day, child=child, mark="present", at=arrived, actor=manager)
    operations.mark(unit_day=unit_day, child=child, mark="collected", at=left, actor=manager)


@pytest.fixture
def february(baby, nursery, manager, family):
    """Noé's contract (45 h a week, 47 weeks, 1.86 €/h); in February two days beyond the
    contract, an illness of five days and an exceptional closure."""
    amina = family[0]
    contract = operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    unit = nursery.units.get()
    week = open_week(unit)  # Mon 9, Tue 10, Thu 12, Fri 13 February
    open_week(unit, monday=date(2026, 2, 16))  # Mon 16, Tue 17, Thu 19, Fri 20
    # Monday 9: 8:00–17:40, 30 + 10 minutes beyond → 1 h. Tuesday 10: 8:45–17:00, none.
    # Thursday 12: 8:30–18:31, 61 minutes → 1 h 30. Total 2 h 30 × 1.86 € = 4.65 €.
    for unit_day, (arrived, left) in zip(week, [((8, 0), (17, 40)), ((8, 45), (17, 0)),
                                                ((8, 30), (18, 31))], strict=False):
        present(unit_day, baby.child, paris(unit_day.day, *arrived), paris(unit_day.day, *left),
                manager)
    # Ill from Monday 16 to Friday 20 with a certificate: the 16th, 17th and 18th are the
    # waiting days; Thursday 19 and Friday 20 are deducted: 18 h.
    illness = operations.declare_absence(
        enrolment=baby, reason="illness", starts_on=date(2026, 2, 16),
        ends_on=date(2026, 2, 20), upload=pdf(), actor=amina, at=AT)
    operations.decide_absence(absence=illness, accept=True, actor=manager, at=AT)
    # The nursery closed on Wednesday 25 (not an open day): 9 h deducted, no certificate.
    closure = operations.declare_absence(
        enrolment=baby, reason="closure", starts_on=date(2026, 2, 25),
        ends_on=date(2026, 2, 25), upload=None, actor=manager, at=AT)
    operations.decide_absence(absence=closure, accept=True, actor=manager, at=AT)
    return contract


def pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile("certificat.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
                              content_type="application/pdf")


def test_closing_the_month_bills_the_contract_extras_and_deductions(february, nursery,
                                                                       manager, baby):
    monday = Reservation.objects.get(unit_day__day=date(2026, 2, 9))
    assert monday.state == State.PRESENT  # expected by the contract, not "without booking"
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    lines = {line.kind: (line.minutes, line.amount_cents)
             for line in ContractLine.objects.filter(contract=february)}
    # Monthly: 176.25 h (10,575 min) → 327.83 €; extras: 150 min → 4.65 €;
    # deducted: 27 h (1,620 min) × 1.86 € = 50.22 €.
    assert lines == {"monthly": (10_575, 327_83), "extra": (150, 4_65),
                     "deduction": (1_620, -50_22)}
    statement = Statement.objects.get()
    # 327.83 + 4.65 − 50.22 = 282.26 €; the presences are billed by the contract only.
    assert statement.total_cents == 282_26 and not statement.lines.exists()
    assert LedgerEntry.objects.get(pk=statement.entry_id).amount_cents == -282_26
    assert check_billing() == []
    # Closing again bills nothing more.
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING + timedelta(hours=1))
    assert ContractLine.objects.count() == 3 and LedgerEntry.objects.filter(
        amount_cents__lt=0).count() == 1


def test_a_refused_absence_is_not_deducted_and_a_late_accepted_one_is_credited_once(
        february, nursery, manager, baby, family):
    late = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 10),
        ends_on=date(2026, 2, 10), upload=pdf(), actor=family[0], at=AT)
    refused = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 13),
        ends_on=date(2026, 2, 13), upload=pdf(), actor=family[0], at=AT)
    operations.decide_absence(absence=refused, accept=False, actor=manager, at=AT)
    assert code_of(lambda: operations.decide_absence(
        absence=refused, accept=True, actor=manager, at=AT)) == "absence_decided"
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    assert Statement.objects.get().total_cents == 282_26
    # Accepted after the closing: the closed month keeps its lines; a credit note on the
    # month's statement takes the day's 9 h off (9 h × 1.86 € = 16.74 €), refunded into the
    # wallet the month was charged to.
    statement = Statement.objects.get()
    operations.decide_absence(absence=late, accept=True, actor=manager,
                              at=CLOSING + timedelta(days=1))
    note = CreditNote.objects.get()
    monthly = ContractLine.objects.get(kind="monthly")
    assert (note.statement_id, note.invoice_id, note.amount_cents, note.reason_code) == (
        statement.pk, None, 16_74, "absence")
    assert list(note.lines.values_list("contract_line_id", "amount_cents")) == [
        (monthly.pk, 16_74)]
    assert (note.refund.kind, note.refund.amount_cents, note.refund.account_id) == (
        "refund", 16_74, statement.entry.account_id)
    assert ContractLine.objects.count() == 3 and Statement.objects.get().total_cents == 282_26
    assert check_billing() == []
    # Another absence over that Tuesday and the closed Wednesday adds no hour: nothing more.
    again = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 10),
        ends_on=date(2026, 2, 11), upload=pdf(), actor=family[0], at=AT)
    operations.decide_absence(absence=again, accept=True, actor=manager,
                              at=CLOSING + timedelta(days=2))
    assert CreditNote.objects.count() == 1
    # One from Friday 13 to Thursday 19: the 13th, 16th and 17th (the illness's waiting days,
    # not deducted at the closing) add 27 h = 50.22 €; the 19th was deducted already.
    friday = operations.declare_absence(
        enrolment=baby, reason="hospitalisation", starts_on=date(2026, 2, 13),
        ends_on=date(2026, 2, 19), upload=pdf(), actor=family[0], at=AT)
    operations.decide_absence(absence=friday, accept=True, actor=manager,
                              at=CLOSING + timedelta(days=3))
    assert list(CreditNote.objects.order_by("pk").values_list("amount_cents", flat=True)) == [
        16_74, 50_22]
    assert check_billing() == []


def test_the_check_finds_a_contract_line_changed_after_closing(february, nursery, manager):
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    ContractLine.objects.filter(kind="extra").update(amount_cents=4_66)
    problems = check_billing()
    assert any(f"contract {february.pk} extra billed 466 != 465" in p for p in problems)
    assert any("total 28226 != lines 28227" in p for p in problems)


def test_contracts_are_checked_and_a_change_starts_after_the_billed_months(
        baby, nursery, manager, make_activity, family):
    assert code_of(lambda: operations.create_contract(
        enrolment=baby, terms=terms(ends_on=date(2026, 9, 30)), actor=manager,
        at=AT)) == "contract_outside_season"
    assert code_of(lambda: operations.create_contract(
        enrolment=baby, terms=terms(schedule={0: (time(17), time(9))}), actor=manager,
        at=AT)) == "schedule_invalid"
    assert code_of(lambda: operations.create_contract(
        enrolment=baby, terms=terms(), actor=family[0], at=AT)) == "permission_refused"
    canteen = make_activity("Canteen")
    lina = family[3]
    enrolment = operations.enrol_child(activity=canteen, child=lina, actor=family[0], at=AT)
    assert code_of(lambda: operations.create_contract(
        enrolment=enrolment, terms=terms(), actor=manager, at=AT)) == "not_a_nursery"
    contract = operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    assert code_of(lambda: operations.create_contract(
        enrolment=baby, terms=terms(starts_on=date(2026, 3, 1)), actor=manager,
        at=AT)) == "contract_overlap"
    operations.close_month(activity=nursery, month=date(2026, 2, 1), actor=manager,
                           at=CLOSING)
    assert code_of(lambda: operations.change_contract(
        contract=contract, terms=terms(starts_on=date(2026, 2, 16)), actor=manager,
        at=CLOSING)) == "contract_month_billed"
    # From March: the contract ends on 28 February, a new one holds the new terms.
    changed = operations.change_contract(
        contract=contract, terms=terms(starts_on=date(2026, 3, 1), monthly_resources_cents=0),
        actor=manager, at=CLOSING)
    contract.refresh_from_db()
    assert contract.ends_on == date(2026, 2, 28) and changed.pk != contract.pk
    assert (changed.starts_on, changed.monthly_resources_cents) == (date(2026, 3, 1), 0)
    assert list(changed.days.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    assert NurseryContract.objects.count() == 2 and check_billing() == []


def test_a_change_on_the_first_day_of_an_unbilled_contract_replaces_its_terms(baby, manager):
    contract = operations.create_contract(enrolment=baby, terms=terms(), actor=manager, at=AT)
    changed = operations.change_contract(
        contract=contract, terms=terms(schedule={1: (time(9), time(16))}), actor=manager,
        at=AT)
    assert changed.pk == contract.pk and NurseryContract.objects.count() == 1
    assert list(changed.days.values_list("weekday", "starts_at")) == [(1, time(9))]


def test_only_staff_record_a_closure_and_an_illness_needs_its_certificate(baby, family):
    amina = family[0]
    assert code_of(lambda: operations.declare_absence(
        enrolment=baby, reason="closure", starts_on=date(2026, 2, 9), ends_on=date(2026, 2, 9),
        upload=None, actor=amina, at=AT)) == "permission_refused"
    assert code_of(lambda: operations.declare_absence(
        enrolment=baby, reason="illness", starts_on=date(2026, 2, 9), ends_on=date(2026, 2, 9),
        upload=None, actor=amina, at=AT)) == "invalid_input"
    assert Absence.objects.count() == 0
