"""Server time and weight of the foundation's pages on the demo territory.

    .venv/bin/civicard demo && .venv/bin/python bench/pages.py [--runs 200]

Uses Django's test client in-process (no network), so the figures are server time only.
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

PAGES = [("anonymous", "/"), ("resident", "/"), ("resident", "/me/household/"),
         ("agent", "/counter/?q=Benali"), ("agent", "/counter/households/1/")]


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
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        print(f"{who:<10} {path:<28} {statistics.median(timings):7.2f} "
              f"{timings[int(len(timings) * 0.95) - 1]:7.2f} {size:8d}")


if __name__ == "__main__":
    main()
