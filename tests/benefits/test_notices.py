from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from civicard.benefits import notices, operations
from civicard.benefits.models import NoticePreference, NoticeRun
from civicard.core import clock
from civicard.notifications.models import Notification
from civicard.people.models import Person

from .conftest import accredit, make_card

pytestmark = pytest.mark.django_db


def test_available_then_lapse_notices_in_the_readers_language_once(
        entries_programme, holder, make_venue, venue_user):
    holder.language = "fr"
    holder.save()
    quiet = Person.objects.create(full_name="Marc Quiet")
    make_card(quiet, "04FFEEDDCCBBAA")
    NoticePreference.objects.create(person=quiet, monthly_notices=False)
    spent = Person.objects.create(full_name="Lea Spent")
    make_card(spent, "04112233445566")
    Person.objects.create(full_name="No Card")  # not a card holder: no notice
    first = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert notices.kind_due(first) == "available"
    with clock.frozen(first):
        call_command("benefits_notices")  # on the 1st the agenda's reminder speaks
        assert Notification.objects.count() == 0
        call_command("benefits_notices", kind="available")
        call_command("benefits_notices", kind="available")  # a second run sends nothing again
    assert set(Notification.objects.values_list("person__full_name", flat=True)) == {
        "Odette Martin", "Lea Spent"}
    french = Notification.objects.get(person=holder)
    assert french.language == "fr" and "2" in french.body
    museum, pool = make_venue("Museum"), make_venue("Pool")
    for venue in (museum, pool):
        accredit(entries_programme, venue)
    for index, venue in enumerate((museum, pool)):
        operations.redeem_entry(person=spent, venue=venue, actor=venue_user(venue),
                                at=datetime(2026, 3, 5, tzinfo=UTC),
                                idempotency_key=f"note-{index}")
    lapse = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert notices.kind_due(lapse) == "lapse"
    assert notices.kind_due(datetime(2026, 3, 15, 8, tzinfo=UTC)) is None
    with clock.frozen(lapse):
        call_command("benefits_notices")
    lapses = Notification.objects.filter(kind="benefits.lapse")
    assert list(lapses.values_list("person__full_name", flat=True)) == ["Odette Martin"]
    assert NoticeRun.objects.filter(finished_at__isnull=False).count() == 2
