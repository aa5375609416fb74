"""Online payments belong to the payer's household: every payment page and action, for every
role, and the dummy bank only where it is enabled, never in production."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from civicard.core.permissions import Role
from civicard.people.models import Household, Membership
from civicard.wallets import operations
from civicard.wallets.models import LedgerEntry, OnlinePayment, Service

from .conftest import AT

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "payer", "second_guardian", "agent_assisting_payer", "other_resident",
         *[role.value for role in Role]]
ALLOWED = {"payer", "second_guardian", "agent_assisting_payer"}


@pytest.fixture
def world(territory, make_login):
    users = {"payer": make_login("payer@example.org"),
             "second_guardian": make_login("guardian2@example.org"),
             "other_resident": make_login("other@example.org"),
             "agent_assisting_payer": make_login("helper@example.org",
                                                 role=Role.COUNTER_AGENT)}
    for role in Role:
        users[role.value] = make_login(f"{role.value}@example.org", role=role)
    household = Household.objects.create(territory=territory)
    for name in ("payer", "second_guardian"):
        Membership.objects.create(household=household, person=users[name].person,
                                  is_guardian=True)
    Membership.objects.create(household=Household.objects.create(territory=territory),
                              person=users["other_resident"].person, is_guardian=True)
    pool = Service.objects.create(territory=territory, slug="pool", name="Pool")
    account = operations.open_account(household=household, service=pool, at=AT)
    payment = operations.start_online_payment(account=account, amount_cents=99999,
                                              provider="dummy", actor=users["payer"], at=AT)
    return users, payment


def state(payment):
    payment.refresh_from_db()
    return payment.status, LedgerEntry.objects.count(), payment.account.balance_cents


def login_as(client, users, role, payer):
    if role == "anonymous":
        return
    client.force_login(users[role])
    if role == "agent_assisting_payer":
        assert client.post(f"/counter/assist/{payer.person.pk}/").status_code == 302


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["view", "pay", "cancel", "return"])
def test_payment_pages_matrix(client, world, settings, role, action):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    users, payment = world
    login_as(client, users, role, users["payer"])
    bank = reverse("wallets:dummy_bank", args=[payment.reference])
    before = state(payment)
    if action == "view":
        response = client.get(bank)
    elif action == "return":
        response = client.get(reverse("wallets:payment_return", args=[payment.reference]))
    else:
        response = client.post(bank, {"choice": action})
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in ALLOWED:
        expected = {"view": 200, "return": 200, "pay": 302, "cancel": 302}[action]
        assert response.status_code == expected
        if action == "pay":
            assert state(payment) == ("paid", before[1] + 1, 99999)
        if action == "cancel":
            assert state(payment) == ("failed", before[1], 0)
        return
    else:
        assert response.status_code == 404, (role, action)
        assert "Test bank" not in response.content.decode()
    assert state(payment) == before


def test_without_a_provider_residents_are_sent_to_the_counter(client, world, settings):
    settings.CIVICARD_PAYMENT_PROVIDERS = []
    users, payment = world
    client.force_login(users["payer"])
    services = client.get(reverse("wallets:my_services")).content.decode()
    assert "Online top-up is not available; top up at the counter." in services
    assert reverse("wallets:top_up", args=[payment.account.pk]) not in services
    page = client.post(reverse("wallets:top_up", args=[payment.account.pk]), {"amount": "999"})
    assert page.status_code == 200
    assert "Online top-up is not available; top up at the counter." in page.content.decode()
    assert OnlinePayment.objects.count() == 1
    bank = client.post(reverse("wallets:dummy_bank", args=[payment.reference]),
                       {"choice": "pay"})
    assert bank.status_code == 404
    assert state(payment) == ("pending", 0, 0)


def test_the_dummy_bank_is_off_in_production_even_if_a_setting_lists_it(client, world,
                                                                        settings):
    settings.PRODUCTION = True
    users, payment = world
    client.force_login(users["payer"])
    response = client.post(reverse("wallets:dummy_bank", args=[payment.reference]),
                           {"choice": "pay"})
    assert response.status_code == 404
    notice = client.post(reverse("wallets:payment_notify", args=["dummy"]),
                         {"reference": payment.reference})
    assert (notice.status_code, notice.json()["code"]) == (404, "provider_unknown")
    assert state(payment) == ("pending", 0, 0)


def test_production_refuses_to_start_with_the_dummy_bank(tmp_path):
    env = {**os.environ, "CIVICARD_ENV": "production", "CIVICARD_SECRET_KEY": "s" * 50,
           "CIVICARD_PAYMENT_PROVIDERS": "dummy", "CIVICARD_VAR_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "The dummy payment provider cannot run in production." in run.stderr
