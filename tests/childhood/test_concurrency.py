"""Real connections racing on PostgreSQL: the last places go to exactly as many families."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicard.childhood import invoices, operations
from civicard.childhood.models import (
    Absence,
    Activity,
    BilledLine,
    ChildEnrolment,
    CreditNote,
    EnrolmentStatus,
    Invoice,
    Reservation,
    Unit,
    UnitDay,
)
from civicard.childhood.queries import check_billing
from civicard.people.models import Person, User
from tests.races import race

from .conftest import AT, CLOSING, MONDAY, make_family
from .test_invoices import agent, centre, close  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)




def test_two_parents_taking_the_last_place_of_a_day_one_wins(postgres_only, territory,
                                                              make_login, canteen):
    unit = canteen.units.get()
    UnitDay.objects.create(unit=unit, day=MONDAY, capacity=1)
    families = [make_family(territory, make_login, i) for i in range(2)]
    for guardian, _household, child in families:
        operations.enrol_child(activity=canteen, child=child, actor=guardian, at=AT)
    pairs = [(guardian.pk, child.pk) for guardian, _h, child in families]

    def work(index):
        guardian, child = pairs[index]
        return operations.reserve(child=Person.objects.get(pk=child),
                                  unit=Unit.objects.get(pk=unit.pk), day=MONDAY,
                                  actor=User.objects.get(pk=guardian), at=AT).pk

    results = race(2, work)
    assert sorted(map(str, results))[1] == "unit_full"
    assert sum(isinstance(r, int) for r in results) == 1
    assert UnitDay.objects.get().booked == 1
    assert Reservation.objects.filter(state="reserved").count() == 1


def test_thirty_guardians_racing_for_the_last_two_places(postgres_only, territory, make_login,
                                                          make_activity):
    lessons = make_activity("Swimming", kind="lessons", places=2)
    families = [make_family(territory, make_login, i) for i in range(30)]
    pairs = [(guardian.pk, child.pk) for guardian, _h, child in families]

    def work(index):
        guardian, child = pairs[index]
        return operations.enrol_child(activity=Activity.objects.get(pk=lessons.pk),
                                      child=Person.objects.get(pk=child),
                                      actor=User.objects.get(pk=guardian),
                                      at=AT + timedelta(microseconds=index)).status

    results = race(30, work)
    assert results.count("active") == 2 and results.count("waiting") == 28
    taken = list(ChildEnrolment.objects.order_by("pk").values_list("status", flat=True))
    assert taken == ["active"] * 2 + ["waiting"] * 28  # places went to the first taken
    first_waiting = ChildEnrolment.objects.filter(status=EnrolmentStatus.WAITING).first()
    leaving = ChildEnrolment.objects.filter(status=EnrolmentStatus.ACTIVE).last()
    operations.cancel_enrolment(enrolment=leaving, actor=leaving.requested_by,
                                at=AT + timedelta(hours=1))
    first_waiting.refresh_from_db()
    assert first_waiting.status == EnrolmentStatus.ACTIVE
    assert ChildEnrolment.objects.filter(status=EnrolmentStatus.WAITING).count() == 27


def test_a_mark_racing_the_closing_of_its_month_is_billed_or_refused(
        postgres_only, family, canteen, manager):
    amina, _household, yanis, _lina = family
    unit = canteen.units.get()
    operations.enrol_child(activity=canteen, child=yanis, actor=amina, at=AT)
    unit_day = UnitDay.objects.create(unit=unit, day=MONDAY, capacity=5)

    def work(index):
        if index == 0:
            return operations.close_month(activity=Activity.objects.get(pk=canteen.pk),
                                          month=date(2026, 2, 1), actor=manager,
                                          at=CLOSING).pk
        return operations.mark(unit_day=UnitDay.objects.select_related("unit__activity")
                               .get(pk=unit_day.pk), child=Person.objects.get(pk=yanis.pk),
                               mark="present", at=CLOSING).state

    results = race(2, work)
    assert check_billing() == []
    if results[1] == "unexpected":
        assert BilledLine.objects.count() == 1
    else:
        assert results[1] == "day_closed" and BilledLine.objects.count() == 0


def test_closings_racing_number_their_invoices_without_gap_even_when_one_rolls_back(
        postgres_only, territory, make_login, make_activity, manager, monkeypatch):
    """Six activities of the territory closed at once, two households each; the closing of
    the third fails after taking its numbers. The five others' ten invoices are numbered 1 to
    10, each once, and a second closing of every month bills nothing more."""
    families = [make_family(territory, make_login, i) for i in range(2)]
    activities = []
    for index in range(6):
        activity = make_activity(f"Centre {index}", billing_mode="invoice", amount=1000 + index)
        unit = activity.units.get()
        UnitDay.objects.create(unit=unit, day=MONDAY, capacity=5)
        for guardian, _household, child in families:
            operations.enrol_child(activity=activity, child=child, actor=guardian, at=AT)
            operations.reserve(child=child, unit=unit, day=MONDAY, actor=guardian, at=AT)
        activities.append(activity.pk)
    doomed = activities[2]
    issue = invoices.issue

    def failing_issue(*, statements, **kwargs):
        issued = issue(statements=statements, **kwargs)
        if statements[0].period.activity_id == doomed:
            raise RuntimeError("the closing failed after taking its numbers")
        return issued

    monkeypatch.setattr(invoices, "issue", failing_issue)

    def work(index):
        try:
            return operations.close_month(activity=Activity.objects.get(pk=activities[index]),
                                          month=date(2026, 2, 1),
                                          actor=User.objects.get(pk=manager.pk),
                                          at=CLOSING).pk
        except RuntimeError:
            return "rolled back"

    results = race(6, work)
    assert results[2] == "rolled back" and all(isinstance(r, int) for i, r in
                                               enumerate(results) if i != 2)
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, 11))
    by_activity = {}
    for activity_id, sequence in Invoice.objects.values_list(
            "statement__period__activity_id", "sequence"):
        by_activity.setdefault(activity_id, []).append(sequence)
    assert all(max(s) - min(s) == 1 for s in by_activity.values())  # a closing's block
    assert doomed not in by_activity
    monkeypatch.setattr(invoices, "issue", issue)
    race(6, work)  # the failed one closes now; the others bill nothing more
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 13))
    assert check_billing() == []


def test_two_absences_over_the_same_closed_days_accepted_at_once_credit_them_once(
        postgres_only, centre, agent, tmp_path, settings):  # noqa: F811
    """Yanis's last two days, billed on last month's invoice, justified twice (two
    certificates) and accepted by two managers at once: the days are given back once."""
    settings.MEDIA_ROOT = tmp_path
    close(centre)
    enrolment = centre.activity.enrolments.get(child=centre.yanis)
    absences = [operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=centre.days[2],
        ends_on=centre.days[3], upload=SimpleUploadedFile(
            "certificat.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf"),
        actor=centre.amina, at=CLOSING) for _ in range(2)]

    def work(index):
        return operations.decide_absence(
            absence=Absence.objects.get(pk=absences[index].pk), accept=True,
            actor=User.objects.get(pk=centre.manager.pk), at=CLOSING + timedelta(minutes=1)).pk

    assert race(2, work) == [absence.pk for absence in absences]
    note = CreditNote.objects.get()
    assert (note.amount_cents, Invoice.objects.get().credited_cents) == (24_70, 24_70)
    assert check_billing() == []
