"""Benchmark of the digital-inclusion directory with 10,000 places.

    .venv/bin/python bench/places.py            # SQLite file var/bench-places.sqlite3
    DATABASE_URL=postgres://... .venv/bin/python bench/places.py

Prints, for the filtered list, the GeoJSON and "near me": p50 / p95 server time (Django test
client, in-process, no network) and the payload size (raw and gzip). `bench(quick)` returns the
same figures as data for `make bench`, on 10,000 places: the scale territory's (seed-scale
writes one per 100 residents), completed by places "bench-…" added once when there are fewer."""

import gzip
import os
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-places.sqlite3'}")
os.environ.setdefault("CIVICARD_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicard.core import clock  # noqa: E402
from civicard.inclusion import standard  # noqa: E402
from civicard.inclusion.models import Place  # noqa: E402
from civicard.inclusion.scale import HOURS  # noqa: E402
from civicard.territory import demo as territory_demo  # noqa: E402
from civicard.territory.models import Neighbourhood  # noqa: E402

PLACES = 10_000
RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def setup(places: int = PLACES, migrate: bool = True):
    if migrate:
        call_command("migrate", verbosity=0)

    class Ctx:
        territory = None

    ctx = Ctx()
    territory_demo.load(ctx)
    territory = ctx.territory
    # the scale territory's places (seed-scale: one per 100 residents) count: bench places
    # are added only up to `places` in all, numbered after those an earlier run added
    missing = places - Place.objects.filter(territory=territory).count()
    if missing <= 0:
        return territory
    have = Place.objects.filter(territory=territory, standard_id__startswith="bench-").count()
    rng = random.Random(10_000 + have)
    services = standard.services()
    fees = ["Gratuit", "Gratuit", "Payant", "Gratuit sous condition"]
    hoods = list(Neighbourhood.objects.filter(commune__territory=territory))
    now = timezone.now()
    batch = []
    for n in range(have, have + missing):
        hood = rng.choice(hoods)
        batch.append(Place(
            territory=territory, standard_id=f"bench-{n}", pivot="12345678900012",
            nom=f"Lieu {n} {hood.name}", commune=hood.commune.name, code_postal="79200",
            code_insee=hood.commune.official_code, adresse=f"{n} rue du Banc",
            latitude=float(hood.centre_latitude) + rng.uniform(-0.3, 0.3),
            longitude=float(hood.centre_longitude) + rng.uniform(-0.3, 0.3),
            horaires=rng.choice(HOURS), date_maj=date(2026, 1, 1),
            services="|".join(rng.sample(services, rng.randint(1, 3))),
            frais_a_charge=rng.choice(fees), accepts_pass_numerique=rng.random() < 0.3,
            presentation_resume="Aide aux démarches et aux outils numériques.",
            neighbourhood=hood, updated_at=now))
    Place.objects.bulk_create(batch, batch_size=1000)
    return territory


def measure(client, url):
    times, size, gz = [], 0, 0
    client.get(url)  # warm-up
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        body = response.content
        size, gz = len(body), len(gzip.compress(body))
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, size, gz


def cases():
    hood = Neighbourhood.objects.get(name="Les Terrasses")
    service = standard.services()[0]
    return [
        ("list, no filter (page 1)", "/inclusion/"),
        ("list, free + open now + service", f"/inclusion/?free=on&open_now=on&service={service}"),
        ("list, near my neighbourhood", f"/inclusion/?near={hood.pk}"),
        ("list, near my location", "/inclusion/?lat=46.65&lon=-0.24"),
        ("GeoJSON, all places", "/api/inclusion/places.geojson"),
        ("GeoJSON, free + open now", "/api/inclusion/places.geojson?free=on&open_now=on"),
        ("GeoJSON, near my neighbourhood", f"/api/inclusion/places.geojson?near={hood.pk}"),
        # what the map asks for since it loads by view (bbox + zoom): a phone on a town, the
        # whole territory zoomed out, the same with filters
        ("GeoJSON, map on a town (zoom 14)", "/api/inclusion/places.geojson?zoom=14&bbox="
         f"{float(hood.centre_longitude) - 0.02},{float(hood.centre_latitude) - 0.03},"
         f"{float(hood.centre_longitude) + 0.02},{float(hood.centre_latitude) + 0.03}"),
        ("GeoJSON, map on the territory (zoom 9)", "/api/inclusion/places.geojson?zoom=9&bbox="
         f"{float(hood.centre_longitude) - 1},{float(hood.centre_latitude) - 0.6},"
         f"{float(hood.centre_longitude) + 1},{float(hood.centre_latitude) + 0.6}"),
        ("GeoJSON, map, free + open now (zoom 11)",
         "/api/inclusion/places.geojson?free=on&open_now=on&zoom=11&bbox="
         f"{float(hood.centre_longitude) - 0.3},{float(hood.centre_latitude) - 0.2},"
         f"{float(hood.centre_longitude) + 0.3},{float(hood.centre_latitude) + 0.2}"),
    ]


TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def bench(quick: bool = False) -> list[dict]:
    """The cases of `main` as data, each set against /health served the same way."""
    from bench.harness import get_pages, result, test_environment

    test_environment()
    setup(200 if quick else PLACES, migrate=False)
    client = Client()
    found = []
    for name, url in cases():
        with clock.frozen(TUESDAY):
            measured, size, gz = get_pages(client, [url], 5 if quick else RUNS)
        target = {"p95": 50}
        if url == "/api/inclusion/places.geojson":
            target["gzip_bytes"] = 100_000  # issue #19: only what the map shows
        found.append(result(f"inclusion: {name} — GET {url}", "page", measured,
                            floor="health", target=target,
                            extra={"bytes": size, "gzip_bytes": gz,
                                   "places": Place.objects.count()}))
    return found


def main():
    setup()
    client = Client()
    # "open now" on a Tuesday at 10:00 in Paris, so that the figure means something
    tuesday = TUESDAY
    print(f"{Place.objects.count()} places, {RUNS} runs each, "
          f"database {django.db.connection.vendor}")
    print(f"{'case':40} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>10} {'gzip':>9}")
    for name, url in cases():
        with clock.frozen(tuesday):
            p50, p95, size, gz = measure(client, url)
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {size:10,} {gz:9,}")


if __name__ == "__main__":
    main()
