"""Server time and weight of the foundation's pages on the demo territory.

    .venv/bin/civicard demo && .venv/bin/python bench/pages.py [--runs 200]

Uses Django's test client in-process (no network), so the figures are server time only.
`bench(quick)` returns the same figures as data for `make bench` (bench/run.py), on the demo's
or the scale territory's users (added if the database has none).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from civicard.people.models import User  # noqa: E402

# The resident's pages of issue #19 (their query counts: tests/core/test_page_queries.py), the
# counter's household search by name (/counter/: names, e-mail, phone only), and its people
# search (/counter/cards/) by a common name, a typo, a date of birth and an address.
PAGES = [("anonymous", "/"), ("resident", "/"), ("resident", "/me/card/"),
         ("resident", "/me/services/"), ("resident", "/me/household/"),
         ("resident", "/me/benefits/"), ("resident", "/help/"),
         ("agent", "/counter/?q=Benali"), ("agent", "/counter/cards/?q=Benali"),
         ("agent", "/counter/cards/?q=Bennali"), ("agent", "/counter/cards/?q=1985-03-12"),
         ("agent", "/counter/cards/?q=rue+de+la+gare"), ("agent", "/counter/households/1/")]
# A search that one person alone matches opens their page (a redirect): so on a tiny database.
SEARCH = "/counter/cards/?"


def statuses(path: str) -> tuple:
    return (200, 302) if path.startswith(SEARCH) else (200,)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    setup_test_environment()
    from django.conf import settings

    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    clients = {"anonymous": Client()}
    for who, email in (("resident", "resident@demo.civicard.test"),
                       ("agent", "agent@demo.civicard.test")):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(email=email))
    assets = sum(Path(finders.find(p)).stat().st_size
                 for p in ("css/civicard.css", "img/civicard.svg"))
    print(f"shared assets (CSS + logo, uncompressed, cached after the first page): {assets} B")
    print(f"{'who':<10} {'page':<28} {'p50 ms':>7} {'p95 ms':>7} {'HTML B':>8}")
    for who, path in PAGES:
        client = clients[who]
        timings, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            size = len(response.content)
            assert response.status_code in statuses(path), (path, response.status_code)
        timings.sort()
        print(f"{who:<10} {path:<28} {statistics.median(timings):7.2f} "
              f"{timings[int(len(timings) * 0.95) - 1]:7.2f} {size:8d}")


def users() -> dict:
    """The demo's resident and agent, or (on a database without the demo) bench ones."""
    from civicard.core.permissions import Role
    from civicard.people.models import Household, Membership, Person, RoleAssignment
    from civicard.territory.models import Territory

    found = {}
    for who, email, role in (("resident", "resident@demo.civicard.test", None),
                             ("agent", "agent@demo.civicard.test", Role.COUNTER_AGENT)):
        user = (User.objects.filter(email=email).first()
                or User.objects.filter(email=f"bench-{who}@bench.invalid").first())
        if user is None:
            user = User.objects.create_user(f"bench-{who}@bench.invalid")
            if role:
                RoleAssignment.objects.create(user=user, role=role)
            else:
                territory, _ = Territory.objects.get_or_create(slug="bench",
                                                               defaults={"name": "Bench"})
                person = Person.objects.create(full_name="Bench Benali", user=user)
                Membership.objects.create(household=Household.objects.create(
                    territory=territory), person=person, is_guardian=True)
        found[who] = user
    return found


def bench(quick: bool = False) -> list[dict]:
    """The pages of PAGES (the household of the counter is the resident's), each set against
    /health served the same way."""
    from django.conf import settings

    from bench.harness import get_pages, result, test_environment
    from civicard.people.models import Membership

    test_environment()
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    found = users()
    clients = {"anonymous": Client()}
    for who, user in found.items():
        clients[who] = Client()
        clients[who].force_login(user)
    household = (Membership.objects.filter(person__user=found["resident"])
                 .values_list("household_id", flat=True).first() or 1)
    pages = [(who, path.replace("/households/1/", f"/households/{household}/"))
             for who, path in PAGES]
    results = []
    for who, path in pages:
        measured, size, gz = get_pages(clients[who], [path], 10 if quick else 200,
                                       statuses=statuses(path))
        results.append(result(f"{who} GET {path}", "page", measured, floor="health",
                              target={"p95": 50}, extra={"bytes": size, "gzip_bytes": gz}))
    return results


if __name__ == "__main__":
    main()
