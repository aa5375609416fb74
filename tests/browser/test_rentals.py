"""A resident asks to rent the village hall at 360 px; the manager accepts it on the rentals
page, refuses another request and settles a past hire's deposit; the resident reads the
agreement. axe-core checks every page."""

import secrets
from datetime import date, timedelta

from django.utils import timezone

from civicard.access.models import Checkpoint, Facility
from civicard.bookings import operations
from civicard.bookings.models import Rental, RentalStatus, Resource
from civicard.core.permissions import Role
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account, Service, Tariff
from tests.conftest import PASSWORD


def _hall(territory):
    north = territory.communes.get(name="Nordville")
    place = Facility.objects.create(territory=territory, commune=north, name="Village hall",
                                    kind="other")
    door = Checkpoint.objects.create(facility=place, name="Hall door", kind="door",
                                     opening_hours="24/7")
    service = Service.objects.create(territory=territory, slug="rooms", name="Rooms")
    Tariff.objects.create(service=service, use="day", amount_cents=6000,
                          valid_from=date(2020, 1, 1), created_at=timezone.now())
    hall = Resource.objects.create(
        facility=place, name="Salle des fêtes", kind="village_hall", service=service,
        price_use="day", opening_hours="Sa,Su 09:00-23:00", slot_minutes=840,
        book_ahead_days=120, by_request=True, capacity=120, deposit_cents=30000)
    hall.checkpoints.set([door])
    return hall


def _saturday(weeks: int) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(5 - today.weekday()) % 7 + 7 * weeks)


def test_resident_asks_manager_accepts_refuses_and_settles(
        visitor, settings, territory, neighbourhood, make_login, make_household):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    now = timezone.now()
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    agent = make_login("desk@example.org", role=Role.COUNTER_AGENT)
    hall = _hall(territory)
    resident = make_login("amina@example.org", full_name="Amina Benali")
    household = make_household(resident.person, neighbourhood=neighbourhood)
    account = wallets.open_account(household=household, service=hall.service, at=now)
    wallets.top_up(account=account, amount_cents=100000, means="cash", reason="desk",
                   idempotency_key=secrets.token_hex(8), actor=agent, at=now)
    neighbour = make_login("leo@example.org", full_name="Léo Martin")
    theirs = wallets.open_account(
        household=make_household(neighbour.person, neighbourhood=neighbourhood),
        service=hall.service, at=now)
    wallets.top_up(account=theirs, amount_cents=36000, means="cash", reason="desk",
                   idempotency_key=secrets.token_hex(8), actor=agent, at=now)
    past = _saturday(-2)
    three_weeks_ago = now - timedelta(days=21)
    earlier = operations.request_rental(
        resource=hall, person=neighbour.person, first_day=past, last_day=past,
        purpose="Repas des voisins", attendance=40, idempotency_key="past", actor=None,
        at=three_weeks_ago)
    operations.accept_rental(rental=earlier, actor=manager, at=three_weeks_ago)
    other = operations.request_rental(
        resource=hall, person=neighbour.person, first_day=_saturday(3),
        last_day=_saturday(3), purpose="Loto", attendance=100, idempotency_key="loto",
        actor=None, at=now)

    visitor.log_in(resident.email, PASSWORD)
    page = visitor.go("/book/")
    page.click("text=Ask to rent")
    visitor.check()
    saturday = _saturday(1)
    page.fill("input[name=first_day]", saturday.isoformat())
    page.fill("input[name=last_day]", (saturday + timedelta(days=1)).isoformat())
    page.fill("input[name=purpose]", "Mariage de Lina")
    page.fill("input[name=attendance]", "90")
    page.click("text=Send my request")
    visitor.check()
    assert "Your request is sent." in page.content()
    assert "waiting for an answer" in page.content()
    visitor.screenshot("rentals-resident-pending")
    rental = Rental.objects.get(purpose="Mariage de Lina")
    page.click("form[action='/accounts/logout/'] button")

    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go("/manage/bookings/")
    page.click("text=Rentals")
    visitor.check()
    assert "Mariage de Lina" in page.locator("main").inner_text()
    page.click(f"form[action='/manage/bookings/rentals/{rental.pk}/accept/'] button")
    visitor.check()
    assert "Accepted: the renter is told" in page.content()
    page.fill(f"#refuse-{other.pk}", "La salle est en travaux ce jour-là.")
    page.click(f"form[action='/manage/bookings/rentals/{other.pk}/refuse/'] button")
    visitor.check()
    visitor.screenshot("rentals-manager")
    page.fill(f"#kept-{earlier.pk}", "0")
    page.click(f"form[action='/manage/bookings/rentals/{earlier.pk}/deposit/'] button")
    visitor.check()
    rental.refresh_from_db()
    other.refresh_from_db()
    assert (rental.status, other.status) == (RentalStatus.ACCEPTED, RentalStatus.REFUSED)
    assert Account.objects.get(pk=account.pk).balance_cents == 100000 - 12000 - 30000
    assert Account.objects.get(pk=theirs.pk).balance_cents == 30000  # the deposit given back
    page.click("form[action='/accounts/logout/'] button")

    visitor.log_in(resident.email, PASSWORD)
    page = visitor.go("/me/rentals/")
    assert "Rental agreement (PDF)" in page.content()
    agreement = page.request.get(visitor.base_url + f"/me/rentals/{rental.pk}/agreement.pdf")
    assert agreement.status == 200 and agreement.body().startswith(b"%PDF")
