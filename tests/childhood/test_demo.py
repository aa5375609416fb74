from django.core.management import call_command

from civicard.childhood.models import ChildEnrolment, Invoice, Period, Statement
from civicard.childhood.queries import check_billing
from civicard.people import demo as people_demo


def test_the_demo_has_amina_s_children_a_waiting_list_and_a_billed_month(db, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))
    enrolled = set(ChildEnrolment.objects.filter(child__full_name__in=[
        "Yanis Haddad", "Lina Haddad"]).values_list("child__full_name", "activity__kind"))
    assert enrolled == {("Yanis Haddad", "canteen"), ("Lina Haddad", "canteen"),
                        ("Lina Haddad", "after_school"), ("Yanis Haddad", "leisure_centre"),
                        ("Lina Haddad", "leisure_centre")}
    lessons = ChildEnrolment.objects.filter(activity__kind="lessons")
    assert (lessons.filter(status="active").count(), lessons.filter(status="waiting").count()) \
        == (8, 3)
    assert Period.objects.count() == 3
    assert Statement.objects.filter(entry__isnull=False).exists()
    invoice = Invoice.objects.get()  # the leisure centre's, for Amina's household
    assert (invoice.number.endswith("-000001"), invoice.status) == (True, "issued")
    assert invoice.total_cents > 0 and invoice.household.memberships.filter(
        person__full_name="Yanis Haddad").exists()
    assert check_billing() == []
