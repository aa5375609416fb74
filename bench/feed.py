"""Benchmark: the neighbourhood feed and the moderation queue with 200,000 posts and 50,000
residents. Prints p50/p95/max server time (the whole Django request, template included).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_bench_feed \
        .venv/bin/python bench/feed.py [--posts 200000] [--residents 50000] [--requests 300]

Creates the data once (bulk inserts) in the database it is given; run it on an empty database.
`bench(quick)` returns the same three figures as data for `make bench`: on a scale database it
adds only the posts (and their authors) missing to reach 200,000.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
os.environ.setdefault("CIVICARD_REQUIRE_STAFF_MFA", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from civicard.core import clock  # noqa: E402
from civicard.core.demo import DemoContext  # noqa: E402
from civicard.core.permissions import Role  # noqa: E402
from civicard.moderation.models import ContentReport  # noqa: E402
from civicard.mutualaid.models import Category, Post  # noqa: E402
from civicard.people.models import Household, Membership, Person, RoleAssignment, User  # noqa: E402
from civicard.territory import demo as territory_demo  # noqa: E402
from civicard.territory.models import Address, Neighbourhood  # noqa: E402


def populate(posts: int, residents: int, rng: random.Random) -> None:
    now = clock.now()
    ctx = DemoContext(now=now, rng=rng)
    territory_demo.load(ctx)
    have = Post.objects.count()
    if have >= posts:
        return
    posts -= have  # only the missing ones: the scale territory may have some already
    residents = min(residents, max(posts // 4, 10))
    hoods = list(Neighbourhood.objects.all())
    categories = list(Category.objects.all())
    t0 = time.perf_counter()
    people = Person.objects.bulk_create(
        [Person(full_name=f"Resident {n}", language=rng.choice(["fr", "ar", "uk", "tr", "en"]))
         for n in range(residents)], batch_size=5000)
    addresses = Address.objects.bulk_create(
        [Address(street=f"{n} rue du Banc", postal_code="79200",
                 neighbourhood=rng.choice(hoods)) for n in range(residents)], batch_size=5000)
    households = Household.objects.bulk_create(
        [Household(territory=ctx.territory, address=a) for a in addresses], batch_size=5000)
    Membership.objects.bulk_create(
        [Membership(household=h, person=p, is_guardian=True)
         for h, p in zip(households, people, strict=True)], batch_size=5000)
    home = {p.pk: a.neighbourhood_id for p, a in zip(people, addresses, strict=True)}
    batch = []
    for n in range(posts):
        author = rng.choice(people)
        created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 120))
        status = rng.choices([Post.Status.OPEN, Post.Status.CLOSED, Post.Status.HIDDEN],
                             [70, 28, 2])[0]
        batch.append(Post(
            territory=ctx.territory, kind=rng.choice(["offer", "request"]),
            category=rng.choice(categories), title=f"Post {n}", description="Some help " * 8,
            neighbourhood_id=home[author.pk], language=author.language, author=author,
            contact=author, status=status, created_at=created,
            expires_at=created + timedelta(days=rng.choice([30, 60, 90]))))
        if len(batch) == 10000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)
    post_ids = list(Post.objects.values_list("pk", flat=True))
    reports = []
    for post_id in rng.sample(post_ids, min(3000, len(post_ids))):
        for reporter in rng.sample(people, rng.randint(1, 4)):
            reports.append(ContentReport(kind="post", object_id=post_id, reporter=reporter,
                                         reason="spam", created_at=now,
                                         resolved_at=None if rng.random() < 0.5 else now))
    ContentReport.objects.bulk_create(reports, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"populated {posts} posts, {residents} residents, {len(reports)} reports "
          f"in {time.perf_counter() - t0:.0f} s")


def login_for(person: Person, email: str, role=None) -> Client:
    user = User.objects.filter(email=email).first()
    if user is not None and not Person.objects.filter(user=user).exists():
        person.user = user  # an earlier run gave this person's user to another
        person.save(update_fields=["user"])
    if user is None:
        user = User.objects.create_user(email)  # logged in by force_login: no password
        person.user = user
        person.save(update_fields=["user"])
        if role:
            RoleAssignment.objects.create(user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def measure(client: Client, urls: list[str], requests: int) -> dict:
    for url in urls[:5]:
        assert client.get(url).status_code == 200, url  # warm-up
    times = []
    for n in range(requests):
        start = time.perf_counter()
        response = client.get(urls[n % len(urls)])
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1],
            "max": times[-1], "n": len(times)}


def bench(quick: bool = False) -> list[dict]:
    """The feed page (ten residents, five filters), its API and the moderation queue, each set
    against /health served the same way."""
    from bench.harness import get_pages, result, test_environment

    test_environment()
    if not Category.objects.exists():  # a test database flushed since its data migration ran
        import importlib

        defaults = importlib.import_module("civicard.mutualaid.migrations.0002_default_categories")
        for order, (code, label, icon) in enumerate(defaults.CATEGORIES):
            Category.objects.get_or_create(code=code, defaults={"label": label, "icon": icon,
                                                                "order": order})
    rng = random.Random(7)
    populate(300 if quick else 200_000, 200 if quick else 50_000, rng)
    requests = 30 if quick else 300
    residents = list(Person.objects.filter(user__isnull=True, memberships__isnull=False)
                     .distinct().order_by("pk")[:20])
    hoods = list(Neighbourhood.objects.values_list("pk", flat=True))
    feed_urls, clients = [], []
    for index, person in enumerate(residents[:3 if quick else 10]):
        clients.append(login_for(person, f"bench-resident-{index}@example.org"))
        feed_urls = ["/help/", "/help/?kind=offer", "/help/?category=shopping",
                     f"/help/?neighbourhood={rng.choice(hoods)}", "/help/?page=3"]
    # the ten residents' requests pooled: each resident's feed is its neighbourhood's
    parts, seconds = [], 0.0
    for client in clients:
        measured, size, gz = get_pages(client, feed_urls, max(5, requests // 10))
        parts.append(measured)
        seconds += measured["count"] / measured["per_s"]
    pooled = {"count": sum(m["count"] for m in parts),
              "per_s": sum(m["count"] for m in parts) / seconds,
              "p50": statistics.median(m["p50"] for m in parts),
              "p95": max(m["p95"] for m in parts), "p99": max(m["p99"] for m in parts)}
    moderator = login_for(residents[15], "bench-moderator@example.org", Role.MODERATOR)
    queue = get_pages(moderator, ["/moderation/"], max(5, requests // 3))
    api = get_pages(login_for(residents[16], "bench-api@example.org"),
                    ["/api/mutualaid/posts", "/api/mutualaid/posts?kind=request"],
                    max(5, requests // 3))
    extra = {"posts": Post.objects.count()}
    return [result(f"mutual aid: neighbourhood feed page, {len(clients)} residents × 5 filters "
                   "(p50 median, p95/p99 worst resident)", "page", pooled, floor="health",
                   target={"p95": 50}, extra={**extra, "bytes": size, "gzip_bytes": gz}),
            result("mutual aid: feed API GET /api/mutualaid/posts", "request", api[0],
                   floor="health", target={"p95": 50}, extra={**extra, "bytes": api[1]}),
            result("moderation queue page GET /moderation/", "page", queue[0], floor="health",
                   target={"p95": 50}, extra={"bytes": queue[1]})]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    populate(args.posts, args.residents, rng)
    residents = list(Person.objects.filter(user__isnull=True, memberships__isnull=False)
                     .distinct().order_by("pk")[:20])
    hoods = list(Neighbourhood.objects.values_list("pk", flat=True))
    results = {}
    for index, person in enumerate(residents[:10]):
        client = login_for(person, f"bench-resident-{index}@example.org")
        urls = ["/help/", "/help/?kind=offer", "/help/?category=shopping",
                f"/help/?neighbourhood={rng.choice(hoods)}", "/help/?page=3"]
        part = measure(client, urls, args.requests // 10)
        for key, value in part.items():
            results.setdefault(("feed", key), []).append(value)
    moderator = login_for(residents[15], "bench-moderator@example.org", Role.MODERATOR)
    queue = measure(moderator, ["/moderation/"], args.requests // 3)
    api = measure(login_for(residents[16], "bench-api@example.org"),
                  ["/api/mutualaid/posts", "/api/mutualaid/posts?kind=request"],
                  args.requests // 3)
    print(f"database: {connection.vendor}; posts: {Post.objects.count()}; "
          f"residents: {Person.objects.count()}; open reports: "
          f"{ContentReport.objects.filter(resolved_at__isnull=True).count()}")
    feed_p95 = max(results[("feed", "p95")])
    feed_p50 = statistics.median(results[("feed", "p50")])
    print(f"neighbourhood feed page   p50 {feed_p50:6.1f} ms   p95 {feed_p95:6.1f} ms "
          f"(worst p95 over 10 residents, {args.requests} requests)")
    print(f"feed API                  p50 {api['p50']:6.1f} ms   p95 {api['p95']:6.1f} ms")
    print(f"moderation queue page     p50 {queue['p50']:6.1f} ms   p95 {queue['p95']:6.1f} ms")


if __name__ == "__main__":
    main()
