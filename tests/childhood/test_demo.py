from django.core.management import call_command

from civicard.childhood.models import (
    ChildEnrolment,
    ContractLine,
    CreditNote,
    Invoice,
    NurseryContract,
    Period,
    Statement,
    TermCharge,
)
from civicard.childhood.queries import check_billing
from civicard.people import demo as people_demo


def test_the_demo_has_amina_s_children_a_waiting_list_and_a_billed_month(db, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))
    enrolled = set(ChildEnrolment.objects.filter(child__full_name__in=[
        "Yanis Haddad", "Lina Haddad"]).values_list("child__full_name", "activity__kind"))
    assert enrolled == {("Yanis Haddad", "canteen"), ("Lina Haddad", "canteen"),
                        ("Lina Haddad", "after_school"), ("Yanis Haddad", "leisure_centre"),
                        ("Lina Haddad", "leisure_centre"), ("Yanis Haddad", "lessons")}
    lessons = ChildEnrolment.objects.filter(activity__kind="lessons",
                                            activity__billing_mode="wallet")
    assert (lessons.filter(status="active").count(), lessons.filter(status="waiting").count()) \
        == (8, 3)
    # the term of lessons billed to the eight who have a place
    assert TermCharge.objects.filter(entry__isnull=False).count() == 8
    # last month closed for the canteen, the after-school care, the leisure centre (invoiced)
    # and the nursery (invoiced, with the months before it)
    assert Period.objects.exclude(activity__kind="nursery").count() == 3
    assert Period.objects.filter(activity__kind="nursery").exists()
    contracts = NurseryContract.objects.select_related("enrolment__child")
    assert sorted(c.enrolment.child.full_name.split()[0] for c in contracts) == [
        "Adam", "Adam", "Chloé", "Inès"]  # Adam's contract changed this month
    assert ContractLine.objects.filter(kind="balance").count() == 1
    assert Statement.objects.filter(entry__isnull=False).exists()
    invoice = Invoice.objects.get(statement__period__activity__kind="leisure_centre")
    # a day credited by hand, and Lina's missed morning given back on its own when its
    # certificate was accepted after the closing
    assert (invoice.status, invoice.credit_notes.count()) == ("issued", 2)
    late = invoice.credit_notes.order_by("sequence").last()
    assert (late.reason_code, late.reason_params["reason"]) == ("absence", "illness")
    # Yanis's canteen meal missed last month: its certificate, accepted after the closing,
    # gives it back into the canteen's prepaid account by a credit note on the statement
    meal = CreditNote.objects.get(statement__period__activity__kind="canteen")
    assert (meal.reason_code, meal.refund.amount_cents, meal.lines.get().line.reservation
            .child.full_name) == ("absence", meal.amount_cents, "Yanis Haddad")
    assert meal.amount_cents > 0 and meal.refund.account.service == meal.statement.period\
        .activity.service
    assert late.lines.get().line.reservation.child.full_name == "Lina Haddad"
    assert 0 < invoice.credited_cents < invoice.total_cents and invoice.household.memberships\
        .filter(person__full_name="Yanis Haddad").exists()
    nursery = Invoice.objects.filter(statement__period__activity__kind="nursery")
    assert nursery.exists() and all(i.statement.contract_lines.exists() for i in nursery)
    # Yanis's piano term at the music school, on an invoice of its own
    piano = Invoice.objects.get(term__isnull=False)
    assert (piano.term.enrolment.child.full_name, piano.status, piano.total_cents) == (
        "Yanis Haddad", "issued", piano.term.sessions * piano.term.session_price_cents)
    assert check_billing() == []
