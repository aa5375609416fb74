from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from django.urls import reverse

from civicard.cards import operations as card_ops
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership
from civicard.providers.payments import DummyProvider
from civicard.wallets import operations
from civicard.wallets.models import Account, LedgerEntry, OnlinePayment, Service, ShortageRule

from .conftest import AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(territory, resident, agent, make_login):
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=resident.person, is_guardian=True)
    canteen = Service.objects.create(territory=territory, slug="canteen", name="Canteen",
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE,
                                     floor_cents=-3000)
    pool = Service.objects.create(territory=territory, slug="pool", name="Pool")
    accounts = [operations.open_account(household=household, service=s, at=AT)
                for s in (canteen, pool)]
    operations.top_up(account=accounts[0], amount_cents=2000, means="cash", reason="desk",
                      idempotency_key="seed", actor=agent, at=AT)
    return {"household": household, "canteen": accounts[0], "pool": accounts[1],
            "manager": manager}


def test_resident_pages_render(client, resident, setup):
    client.force_login(resident)
    response = client.get(reverse("wallets:my_services"))
    assert response.status_code == 200
    assert 'Balance: <bdi dir="ltr">20.00\u00a0€</bdi>' in response.content.decode()
    account = setup["canteen"]
    csv_response = client.get(reverse("wallets:statement", args=[account.pk, 2026, 3, "csv"]))
    assert csv_response.status_code == 200
    assert "desk" in csv_response.getvalue().decode()
    pdf = client.get(reverse("wallets:statement", args=[account.pk, 2026, 3, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("cards:my_card")).status_code == 200


def test_online_top_up_with_the_dummy_provider_credits_once(client, resident, setup):
    client.force_login(resident)
    account = setup["pool"]
    response = client.post(reverse("wallets:top_up", args=[account.pk]), {"amount": "15,50"})
    payment = OnlinePayment.objects.get()
    assert response.status_code == 302
    back = f"http://testserver{reverse('wallets:payment_return', args=[payment.reference])}"
    assert response.url == (f"{reverse('wallets:dummy_bank', args=[payment.reference])}"
                            f"?return={quote(back, safe='')}")
    # The browser comes back before the bank's notice: nothing is credited yet.
    page = client.get(reverse("wallets:payment_return", args=[payment.reference]))
    assert "waiting for the bank" in page.content.decode()
    account.refresh_from_db()
    assert account.balance_cents == 0
    notice = DummyProvider.notice_for(payment)
    url = reverse("wallets:payment_notify", args=["dummy"])
    for _ in range(2):  # the provider notifies twice
        answer = client.post(url, notice)
        assert answer.status_code == 200 and answer.json()["status"] == "paid"
    account.refresh_from_db()
    assert account.balance_cents == 1550
    assert LedgerEntry.objects.filter(account=account, kind="top_up").count() == 1
    # A late "refused" notice for the same payment changes nothing.
    late = client.post(url, DummyProvider.notice_for(payment, paid=False))
    assert late.status_code == 200
    account.refresh_from_db()
    assert account.balance_cents == 1550


def test_refused_then_paid_notices_leave_the_payment_failed(client, resident, setup):
    payment = operations.start_online_payment(account=setup["pool"], amount_cents=1000,
                                              provider="dummy", actor=resident, at=AT)
    url = reverse("wallets:payment_notify", args=["dummy"])
    assert client.post(url, DummyProvider.notice_for(payment, paid=False)).status_code == 200
    client.post(url, DummyProvider.notice_for(payment))
    payment.refresh_from_db()
    assert payment.status == "failed"
    assert not LedgerEntry.objects.filter(account=setup["pool"]).exists()


@pytest.mark.parametrize("change,code,status", [
    ({"reference": "CVC-UNKNOWN"}, "payment_signature_invalid", 403),
    ({"signature": "0" * 64}, "payment_signature_invalid", 403),
    ({"amount_cents": "abc"}, "payment_signature_invalid", 403),
])
def test_bad_notices_get_a_clear_code_never_a_500(client, resident, setup, change, code,
                                                  status):
    payment = operations.start_online_payment(account=setup["pool"], amount_cents=1000,
                                              provider="dummy", actor=resident, at=AT)
    notice = {**DummyProvider.notice_for(payment), **change}
    answer = client.post(reverse("wallets:payment_notify", args=["dummy"]), notice)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert not LedgerEntry.objects.filter(account=setup["pool"]).exists()


def test_signed_notice_for_an_unknown_payment_or_wrong_amount(client, resident, setup):
    url = reverse("wallets:payment_notify", args=["dummy"])
    unknown = {"reference": "CVC-NOPE", "status": "paid", "amount_cents": "100",
               "currency": "EUR", "signature": DummyProvider.sign("CVC-NOPE", "paid", 100,
                                                                  "EUR")}
    answer = client.post(url, unknown)
    assert (answer.status_code, answer.json()["code"]) == (404, "payment_unknown")
    payment = operations.start_online_payment(account=setup["pool"], amount_cents=1000,
                                              provider="dummy", actor=resident, at=AT)
    wrong = {"reference": payment.reference, "status": "paid", "amount_cents": "1",
             "currency": "EUR", "signature": DummyProvider.sign(payment.reference, "paid", 1,
                                                                "EUR")}
    answer = client.post(url, wrong)
    assert (answer.status_code, answer.json()["code"]) == (409, "payment_mismatch")
    answer = client.post(reverse("wallets:payment_notify", args=["stripe"]), wrong)
    assert (answer.status_code, answer.json()["code"]) == (404, "provider_unknown")
    assert not LedgerEntry.objects.filter(account=setup["pool"]).exists()


def test_counter_top_up_refund_transfer_and_cash_report(client, agent, setup):
    client.force_login(agent)
    canteen, pool = setup["canteen"], setup["pool"]
    url = reverse("wallets:counter_top_up", args=[pool.pk])
    form = {"amount": "10", "means": "cheque", "request_key": "abc"}
    response = client.post(url, form)
    assert response.status_code == 302
    client.post(url, form)  # the button pressed twice
    pool.refresh_from_db()
    assert pool.balance_cents == 1000
    entry = LedgerEntry.objects.get(idempotency_key="counter:abc")
    receipt = client.get(reverse("wallets:receipt", args=[entry.pk]))
    assert receipt.content.startswith(b"%PDF")
    client.post(reverse("wallets:counter_refund", args=[canteen.pk]),
                {"amount": "3", "reason": "meal not served", "request_key": "r1"})
    client.post(reverse("wallets:counter_transfer", args=[pool.pk]),
                {"amount": "4", "target": canteen.pk, "reason": "parent asked",
                 "request_key": "t1"})
    canteen.refresh_from_db()
    pool.refresh_from_db()
    assert (canteen.balance_cents, pool.balance_cents) == (2700, 600)
    bad = client.post(url, {"amount": "-5", "means": "cash", "request_key": "bad"})
    assert bad.status_code == 422
    assert "Enter an amount" in bad.content.decode()
    report = client.get(reverse("wallets:cash_report"), {"day": "2026-03-02"})
    content = report.content.decode()
    assert "cash" in content and "20.00\u00a0€" in content


def test_cash_report_opens_on_the_territorys_day_after_midnight(client, agent, setup):
    """At 00:30 in Paris (23:30 UTC, still yesterday there) the report opens on today."""
    client.force_login(agent)
    url = reverse("wallets:counter_top_up", args=[setup["pool"].pk])
    with clock.frozen(datetime(2026, 3, 2, 23, 20, tzinfo=UTC)):
        client.post(url, {"amount": "7", "means": "cash", "request_key": "night"})
    with clock.frozen(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)):
        report = client.get(reverse("wallets:cash_report"))
    assert report.context["day"] == date(2026, 3, 3)
    assert [(row["means"], row["total"]) for row in report.context["rows"]] == [("cash", 700)]
    agent.person.language = "fr"
    agent.person.save()
    french = client.get(reverse("wallets:cash_report"), {"day": "2026-03-03"}).content.decode()
    assert "<td>espèces</td>" in french


def test_manager_sets_rule_tariff_and_enrols(client, setup, territory):
    manager = setup["manager"]
    client.force_login(manager)
    pool = setup["pool"].service
    url = reverse("wallets:manage_service", args=[pool.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"form": "service", "name": "Pool", "payment_mode": "prepaid_wallet",
                      "shortage_rule": "serve_and_go_negative", "floor": "-15",
                      "is_active": "on"})
    pool.refresh_from_db()
    assert (pool.shortage_rule, pool.floor_cents) == ("serve_and_go_negative", -1500)
    client.post(url, {"form": "tariff", "use": "entry", "resident": "true", "amount": "3.20",
                      "valid_from": "2026-01-01"})
    assert pool.tariffs.get().amount_cents == 320
    other = Household.objects.create(territory=territory)
    client.post(url, {"form": "enrol", "household": other.pk, "starts_on": "2026-01-01"})
    assert Account.objects.filter(household=other, service=pool).exists()


ANONYMOUS, RESIDENT, AGENT, MANAGER = "anonymous", "resident", "agent", "manager"


@pytest.mark.parametrize("who", [ANONYMOUS, RESIDENT, AGENT, MANAGER])
def test_permission_matrix_and_refusals_change_nothing(client, setup, resident, agent, who,
                                                       make_login):
    stranger = make_login("stranger@example.org")
    users = {RESIDENT: stranger, AGENT: agent, MANAGER: setup["manager"]}
    if who in users:
        client.force_login(users[who])
    pool, canteen = setup["pool"], setup["canteen"]
    card = card_ops.get_digital_card(person=resident.person, actor=resident, at=AT)
    before = LedgerEntry.objects.count()
    cases = [  # (method, url, data, who may)
        ("post", reverse("wallets:counter_top_up", args=[pool.pk]),
         {"amount": "5", "means": "cash", "request_key": "m1"}, {AGENT}),
        ("post", reverse("wallets:counter_refund", args=[pool.pk]),
         {"amount": "5", "reason": "x", "request_key": "m2"}, {AGENT}),
        ("post", reverse("wallets:counter_transfer", args=[canteen.pk]),
         {"amount": "1", "target": pool.pk, "reason": "x", "request_key": "m3"}, {AGENT}),
        ("get", reverse("wallets:counter_wallets", args=[setup["household"].pk]), None,
         {AGENT, MANAGER}),
        ("get", reverse("wallets:cash_report"), None, {AGENT}),
        ("get", reverse("wallets:manage_services"), None, {MANAGER}),
        ("get", reverse("wallets:manage_service", args=[pool.service_id]), None, {MANAGER}),
        ("get", reverse("wallets:top_up", args=[pool.pk]), None, set()),
        ("get", reverse("wallets:statement", args=[pool.pk, 2026, 3, "csv"]), None, set()),
        ("get", reverse("cards:counter_find"), None, {AGENT, MANAGER}),
        ("get", reverse("cards:counter_person", args=[resident.person.pk]), None, {AGENT}),
        ("post", reverse("cards:counter_block", args=[card.pk]), {"reason": "lost"}, {AGENT}),
        ("post", reverse("cards:block_mine", args=[card.pk]), {"reason": "lost"}, set()),
        ("get", reverse("cards:counter_print", args=[card.pk]), None, {AGENT}),
    ]
    for method, url, data, allowed in cases:
        response = getattr(client, method)(url, data or {})
        if who == ANONYMOUS:
            assert response.status_code == 302 and "/accounts/login/" in response.url, url
        elif who in allowed:
            assert response.status_code in (200, 302), (url, response.status_code)
        else:
            assert response.status_code in (403, 404), (url, who, response.status_code)
    if who != AGENT:
        assert LedgerEntry.objects.count() == before
        card.refresh_from_db()
        assert card.status == "active"


def test_api_lists_my_accounts_and_refuses_anonymous(client, resident, setup):
    assert client.get("/api/wallets/accounts").json()["code"] == "permission_refused"
    client.force_login(resident)
    body = client.get("/api/wallets/accounts").json()
    assert [(a["service"], a["balance_cents"]) for a in body] == [("Canteen", 2000),
                                                                   ("Pool", 0)]
    assert body[0]["last_entries"][0]["kind"] == "top_up"


def test_the_statement_spreadsheet_is_written_the_readers_way(client, resident, setup):
    resident.person.language = "fr"
    resident.person.save(update_fields=["language"])
    client.force_login(resident)
    csv_text = client.get(reverse("wallets:statement", args=[setup["canteen"].pk, 2026, 3, "csv"]
                                  )).getvalue().decode()
    assert csv_text.splitlines() == ["Date,Mouvement,Motif,Montant,Solde",
                                     '02/03/2026 10:00,rechargement,desk,"20,00","20,00"']
