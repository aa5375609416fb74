"""The resident's main pages run a fixed number of queries, whatever the size of what they list:
a page that grows one query per row would be slow at a million residents (the figures are in
docs/benchmarks.md). Each page is counted on the demo, then again after Amina's household has
gained more of what the pages list."""
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicard.core import clock
from civicard.people import demo as people_demo
from civicard.people.models import Membership, Person, User
from civicard.wallets import operations as wallets
from civicard.wallets.models import Account

PAGES = ["/", "/me/card/", "/me/services/", "/me/household/", "/me/benefits/", "/help/"]


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for path in PAGES:
        client.get(path)  # the first view of a session reads what later views keep
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = len(captured)
    return counts


def test_the_resident_s_pages_do_not_read_once_per_row(db, client, monkeypatch):
    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    call_command("demo", stdout=open("/dev/null", "w"))
    amina = User.objects.get(email="resident@demo.civicard.test")
    client.force_login(amina)
    before = queries_per_page(client)

    household = Membership.objects.get(person=amina.person, is_guardian=True).household
    for n in range(3):
        child = Person.objects.create(full_name=f"Enfant {n} Haddad", language="fr")
        Membership.objects.create(household=household, person=child)
    agent = User.objects.get(email="agent@demo.civicard.test")
    at = clock.now() - timedelta(days=1)
    for account in Account.objects.filter(household=household):
        for n in range(5):
            wallets.top_up(account=account, amount_cents=100 + n, means="cash", reason="desk",
                           actor=agent,
                           at=at, idempotency_key=f"test:more:{account.pk}:{n}")
    assert queries_per_page(client) == before
