"""Hall rental pages: the resident's request and list, the manager's desk, the agreement PDF,
and who may see, accept, refuse or settle what."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from civicard.bookings import operations
from civicard.bookings.models import Rental, RentalStatus
from civicard.core import clock
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import Membership
from civicard.wallets.models import LedgerEntry

from .conftest import AFTER_HIRE, AT, SATURDAY, SUNDAY, make_person


@pytest.fixture
def frozen(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    with clock.frozen(AT):
        yield


@pytest.fixture
def renter(client, amina, make_login, top_up, hall):
    """Amina's login, in her household, its rooms account funded."""
    user = make_login("amina@example.org", full_name="Amina Benali")
    Membership.objects.create(household=amina.household, person=user.person, is_guardian=True)
    top_up(hall.service, amina.household, 50000)
    return user


def _pending(hall, person, key="r1", **extra):
    return operations.request_rental(resource=hall, person=person, first_day=SATURDAY,
                                     last_day=SUNDAY, purpose="Anniversaire de Yanis",
                                     attendance=50, idempotency_key=key, actor=None, at=AT,
                                     **extra)


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_a_resident_asks_sees_it_pending_and_withdraws_it(client, frozen, renter, hall,
                                                          helper):
    client.force_login(renter)
    listing = client.get(reverse("bookings:resources")).content.decode()
    assert reverse("bookings:rent", args=[hall.pk]) in listing
    page = client.get(reverse("bookings:rent", args=[hall.pk]))
    assert page.status_code == 200
    key = page.context["key"]
    form = {"first_day": "2026-03-07", "last_day": "2026-03-08", "purpose": "Mariage",
            "attendance": "70", "helper_1": helper.card.number, "helper_2": "",
            "idempotency_key": key}
    done = client.post(reverse("bookings:rent", args=[hall.pk]), form)
    assert done.status_code == 302 and done.url == reverse("bookings:my_rentals")
    assert client.post(reverse("bookings:rent", args=[hall.pk]), form).status_code == 302
    rental = Rental.objects.get()
    assert rental.requested_by == renter.person and list(rental.helpers.all()) == [helper]
    mine = client.get(reverse("bookings:my_rentals")).content.decode()
    assert "Mariage" in mine and "Bruno" in mine
    withdrawn = client.post(reverse("bookings:withdraw_rental", args=[rental.pk]))
    assert withdrawn.status_code == 302
    rental.refresh_from_db()
    assert rental.status == RentalStatus.WITHDRAWN


@pytest.mark.parametrize(("change", "message"), [
    ({"attendance": "200"}, "at most 80 people"),
    ({"first_day": "2026-02-28", "last_day": ""}, "already begun or are over"),
    ({"first_day": "2026-03-06"}, "cannot be hired on"),
    ({"helper_1": "ZZ99"}, "No valid card has the number ZZ99"),
    ({"first_day": "not a day"}, "Enter a valid date"),
])
def test_bad_input_shows_a_clear_message_and_writes_nothing(client, frozen, renter, hall,
                                                            change, message):
    client.force_login(renter)
    form = {"first_day": "2026-03-07", "last_day": "2026-03-08", "purpose": "Fête",
            "attendance": "30", "idempotency_key": "k", **change}
    page = client.post(reverse("bookings:rent", args=[hall.pk]), form)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert Rental.objects.count() == 0


def test_an_overlap_with_an_accepted_rental_is_told(client, frozen, renter, hall, amina,
                                                    hall_manager, territory, neighbourhood,
                                                    top_up):
    other = make_person(territory, "Other Renter", neighbourhood=neighbourhood)
    top_up(hall.service, other.household, 50000)
    operations.accept_rental(rental=_pending(hall, other, key="o"), actor=hall_manager, at=AT)
    client.force_login(renter)
    page = client.post(reverse("bookings:rent", args=[hall.pk]), {
        "first_day": "2026-03-08", "purpose": "Fête", "attendance": "30",
        "idempotency_key": "k"})
    assert "already booked or rented during these days" in page.content.decode()
    assert Rental.objects.count() == 1


def test_the_manager_accepts_refuses_and_settles_from_the_desk(client, frozen, renter, hall,
                                                               amina, hall_manager):
    first = _pending(hall, amina, key="a")
    second = _pending(hall, amina, key="b")
    client.force_login(hall_manager)
    desk = client.get(reverse("bookings:manage_rentals"))
    assert desk.status_code == 200
    assert desk.content.decode().count("Anniversaire de Yanis") == 2
    assert AuditLogEntry.objects.filter(action="booking.rentals_viewed").count() == 1
    client.post(reverse("bookings:accept_rental", args=[first.pk]))
    refused = client.post(reverse("bookings:refuse_rental", args=[second.pk]),
                          {"reason": "Déjà louée"})
    assert refused.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RentalStatus.ACCEPTED, RentalStatus.REFUSED)
    with clock.frozen(AFTER_HIRE):
        client.post(reverse("bookings:settle_deposit", args=[first.pk]),
                    {"kept": "45,50", "reason": "Ménage"})
    first.refresh_from_db()
    assert (first.deposit_kept_cents, first.deposit_refund.amount_cents) == (4550, 25450)


def test_a_bad_amount_kept_is_told_and_changes_nothing(client, frozen, renter, hall, amina,
                                                       hall_manager):
    rental = operations.accept_rental(rental=_pending(hall, amina), actor=hall_manager, at=AT)
    client.force_login(hall_manager)
    with clock.frozen(AFTER_HIRE):
        page = client.post(reverse("bookings:settle_deposit", args=[rental.pk]),
                           {"kept": "beaucoup", "reason": "x"}, follow=True)
    assert "Enter the amount kept, such as 0 or 45.50." in page.content.decode()
    rental.refresh_from_db()
    assert rental.deposit_held


def test_the_agreement_is_in_the_renter_s_language_with_their_dates_and_amounts(
        client, frozen, renter, hall, amina, helper, hall_manager):
    rental = operations.accept_rental(
        rental=_pending(hall, amina, helper_cards=[helper.card.number]), actor=hall_manager,
        at=AT)
    client.force_login(renter)
    text = _pdf_text(client.get(reverse("bookings:my_agreement", args=[rental.pk])))
    for expected in (f"Contrat de location n° {rental.pk}", "Salle des fêtes", "Village hall",
                     "Amina Benali", "Anniversaire de Yanis", "81,00 €", "300,00 €", "7 mars 2026",
                     "8 mars 2026", "Bruno Helper"):
        assert expected in text, expected
    client.force_login(hall_manager)  # the manager reads English; the agreement stays French
    again = _pdf_text(client.get(reverse("bookings:manager_agreement", args=[rental.pk])))
    assert "7 mars 2026" in again and "300,00 €" in again
    assert AuditLogEntry.objects.filter(action="booking.rental_agreement_viewed",
                                        object_id=str(rental.pk)).count() == 1


def test_no_agreement_before_acceptance(client, frozen, renter, hall, amina):
    rental = _pending(hall, amina)
    client.force_login(renter)
    assert client.get(reverse("bookings:my_agreement", args=[rental.pk])).status_code == 404


# Who may see, accept, refuse, settle ---------------------------------------------------------

ROLES = {
    "north manager": (Role.SERVICE_MANAGER, "Nordville"),
    "territory manager": (Role.SERVICE_MANAGER, None),
    "south manager": (Role.SERVICE_MANAGER, "Sudville"),
    "counter agent": (Role.COUNTER_AGENT, None),
    "resident": (None, None),
}
SEES = {"north manager": 200, "territory manager": 200, "south manager": 404,
        "counter agent": 403, "resident": 403}


@pytest.fixture
def login_as(client, make_login, territory):
    def login(who):
        role, commune = ROLES[who]
        user = make_login(f"{who.replace(' ', '-')}@example.org", role=role,
                          commune=territory.communes.get(name=commune) if commune else None)
        client.force_login(user)
        return user
    return login


@pytest.mark.parametrize("who", list(ROLES))
def test_the_desk_and_decisions_matrix(client, frozen, renter, hall, amina, login_as, who):
    rental = _pending(hall, amina)
    login_as(who)
    desk = client.get(reverse("bookings:manage_rentals"))
    expected = SEES[who]
    assert desk.status_code == (403 if expected == 403 else 200)
    assert ("Anniversaire de Yanis" in desk.content.decode()) == (expected == 200)
    accept = client.post(reverse("bookings:accept_rental", args=[rental.pk]))
    assert accept.status_code == (302 if expected == 200 else expected)
    rental.refresh_from_db()
    if expected == 200:
        assert rental.status == RentalStatus.ACCEPTED
    else:  # refused calls change nothing
        assert rental.status == RentalStatus.PENDING and rental.booking is None
        assert LedgerEntry.objects.filter(kind="charge").count() == 0
        refuse = client.post(reverse("bookings:refuse_rental", args=[rental.pk]),
                             {"reason": "non"})
        assert refuse.status_code == expected
        rental.refresh_from_db()
        assert rental.status == RentalStatus.PENDING


@pytest.mark.parametrize("who", list(ROLES))
def test_settling_and_reading_the_agreement_matrix(client, frozen, renter, hall, amina,
                                                   hall_manager, login_as, who):
    rental = operations.accept_rental(rental=_pending(hall, amina), actor=hall_manager, at=AT)
    login_as(who)
    expected = SEES[who]
    agreement = client.get(reverse("bookings:manager_agreement", args=[rental.pk]))
    assert agreement.status_code == expected
    with clock.frozen(AFTER_HIRE):
        settle = client.post(reverse("bookings:settle_deposit", args=[rental.pk]),
                             {"kept": "0", "reason": ""})
    assert settle.status_code == (302 if expected == 200 else expected)
    rental.refresh_from_db()
    assert rental.deposit_held == (expected != 200)


def test_a_resident_sees_only_their_household_s_rentals(client, frozen, hall, amina, renter,
                                                        territory, neighbourhood, make_login):
    rental = _pending(hall, amina)
    stranger = make_login("stranger@example.org")
    Membership.objects.create(
        household=make_person(territory, "Stranger", neighbourhood=neighbourhood).household,
        person=stranger.person)
    client.force_login(stranger)
    assert "Anniversaire" not in client.get(reverse("bookings:my_rentals")).content.decode()
    assert client.post(reverse("bookings:withdraw_rental",
                               args=[rental.pk])).status_code == 404
    assert client.get(reverse("bookings:my_agreement", args=[rental.pk])).status_code == 404
    rental.refresh_from_db()
    assert rental.status == RentalStatus.PENDING
    client.logout()
    assert client.get(reverse("bookings:my_rentals")).status_code == 302
    assert client.get(reverse("bookings:manage_rentals")).status_code == 302
